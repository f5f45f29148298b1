/**
 * `tconv lint MODEL.onnx`: every conv / transposed conv / resize layer of an ONNX model with its arithmetic,
 * phases, checkerboard verdict and strength and receptive field; the compounded overlap of the upsampling path;
 * suggestions. `--fail-on checkerboard` makes it a CI gate (exit 1 when a layer is uneven).
 */
import { Option, type Command } from 'commander';
import { formatRatio, type LintLayer, type LintReport, lintModel } from '../../onnx/lint.ts';
import { readModel } from '../../onnx/model.ts';
import { parseBudget } from '../layer-args.ts';
import { EXIT, fromFile, printJson, printLines, readUserFile, renderTable, usageError } from '../output.ts';

interface LintArgs {
  readonly dim?: string[];
  readonly failOn?: 'checkerboard' | 'holes';
  readonly maxLayers?: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('lint')
    .summary('report the upsampling layers of an ONNX model and their checkerboard risk')
    .description('List every ConvTranspose, Conv, Resize/Upsample and DepthToSpace layer of an ONNX model: shapes, '
      + 'kernel, stride, padding as written and in canonical form, phases, checkerboard verdict and strength '
      + '(interior overlap ratio; score of the actual weights), receptive field along the upsampling path; then the '
      + 'compounded overlap of the path and suggestions. Warns where onnxruntime 1.30 refuses a ConvTranspose node or '
      + 'sizes it differently from the operator text (which tconv follows).')
    .argument('<model>', 'the .onnx file')
    .option('-d, --dim <name=size>', 'size of a symbolic dimension, e.g. batch=4 (others default to 1)', collect)
    .addOption(new Option('--fail-on <what>', 'exit with status 1 when a layer is uneven (checkerboard or holes) or has holes').choices(['checkerboard', 'holes']))
    .option('--max-layers <n>', 'refuse models with more conv/resize layers than this (default 2000; see docs/limits.md)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', [
      '',
      'Examples:',
      '  tconv lint test/fixtures/onnx/dcgan/model.onnx',
      '  tconv lint model.onnx --json --fail-on checkerboard     # CI: fail when any layer is uneven',
    ].join('\n'))
    .action((path: string, args: LintArgs) => {
      const dims = parseDims(args.dim ?? []);
      const maxLayers = args.maxLayers === undefined ? undefined : parseBudget('--max-layers', args.maxLayers);
      const model = fromFile(() => readModel(readUserFile(path, 'model', 'the .onnx file')));
      const report = fromFile(() => lintModel(model, { dims, maxLayers }));
      if (args.json) printJson(report);
      else printLines(...renderLint(report));
      const failing = args.failOn === 'holes' ? report.layers.filter((l) => l.verdict === 'holes') : args.failOn ? report.layers.filter((l) => l.verdict !== 'even') : [];
      if (failing.length > 0) {
        if (!args.json) process.stderr.write(`tconv: ${failing.length} layer(s) ${args.failOn === 'holes' ? 'have holes' : 'are uneven'}: ${failing.map((l) => l.node).join(', ')}\n`);
        process.exitCode = EXIT.failure;
      }
    });
}

export function parseDims(specs: readonly string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=(\d+)$/.exec(spec);
    if (!match || Number(match[2]) < 1) throw usageError('--dim', spec, 'is not NAME=SIZE with a positive size', 'write e.g. --dim batch=4');
    dims[match[1]!] = Number(match[2]);
  }
  return dims;
}

const axes = (v: readonly number[] | null): string => (v === null ? '-' : v.every((x) => x === v[0]) ? String(v[0]) : v.join('×'));
const shape = (v: readonly number[]): string => v.join('×');

function strength(l: LintLayer): string {
  const ratio = formatRatio(l.overlapRatio);
  return l.weightScore === null ? ratio : `${ratio} (w ${l.weightScore.toFixed(2)})`;
}

function field(l: LintLayer): string {
  if (!l.receptiveField) return '-';
  const { min, max } = l.receptiveField;
  const parts = min.map((m, a) => (m === max[a] ? String(m) : `${m}–${max[a]}`));
  return parts.every((p) => p === parts[0]) ? parts[0]! : parts.join(' × ');
}

/** The report for people: the layer table, the path, notes and suggestions. */
export function renderLint(report: LintReport): string[] {
  const lines: string[] = [];
  lines.push(`${report.graph || 'graph'} (${report.producer || 'unknown producer'}, opset ${report.opset}); input ${report.inputs.map((i) => `${i.name} ${shape(i.shape)}`).join(', ')}`);
  if (report.layers.length === 0) {
    lines.push('no conv, transposed conv, resize or depth-to-space layers');
  } else {
    lines.push('', renderTable(
      ['layer', 'op', 'in → out', 'k', 's', 'as written', 'canonical', 'phases (taps)', 'verdict', 'strength', 'RF'],
      report.layers.map((l) => [
        l.node, l.op, `${shape(l.inputShape)} → ${shape(l.outputShape)}`, axes(l.kernel), axes(l.stride), l.convention, l.canonical,
        l.phases ? l.phases.map((p) => p.join(',')).join(' × ') : '-', l.verdict, strength(l), field(l),
      ]),
    ));
    lines.push('', 'strength: interior overlap max/min of the layer alone (1 = even); w: checkerboard score of its weights (0 = phases sum alike).',
      'RF: receptive field along the upsampling path, in path-input pixels (smallest–largest).');
  }
  if (report.path) {
    const p = report.path;
    const o = p.overlap;
    lines.push('', `upsampling path: ${p.nodes.length} layer(s), ${shape(p.inputSize)} → ${shape(p.outputSize)}`,
      `  compounded overlap: ${o.even ? 'even' : o.holes ? 'holes' : o.bordersOnly ? 'no interior (every output is a border)' : 'uneven'}, ratio ${formatRatio(o.ratio)}${o.even ? '' : `, interior values ${o.values.slice(0, 8).join('/')}${o.values.length > 8 ? '/…' : ''}, period ${o.period.map((x) => x ?? '?').join('×')}`}${o.interiorMeasuredAt ? ` (interior measured at input ${o.interiorMeasuredAt.join('×')}: at ${p.inputSize.join('×')} every output touches a border)` : ''}`,
      `  after each layer: ${elide(o.steps.map((s) => formatRatio(s.ratio))).join(' → ')}`,
      `  receptive field of an output: ${p.receptiveField.min.map((m, a) => (m === p.receptiveField.max[a] ? String(m) : `${m}–${p.receptiveField.max[a]}`)).join(' × ')} input pixels`);
  }
  if (report.pathNote) lines.push(`  note: ${report.pathNote}`);
  if (report.skipped.length > 0) {
    lines.push('', `not analysed (${report.skipped.length} node(s)): ${report.skipped.map((s) => `${s.node} [${s.opType}: ${s.reason}${s.needs ? `, ${s.needs.slot} ← "${s.needs.value}"` : ''}]`).join(', ')}`);
  }
  lines.push('', report.uneven.length === 0 ? 'verdict: every layer is even' : `verdict: ${report.uneven.length} uneven layer(s): ${report.uneven.join(', ')}`);
  if (report.warnings.length > 0) lines.push('warnings:', ...report.warnings.map((w) => `  - ${w}`));
  if (report.suggestions.length > 0) lines.push('suggestions:', ...report.suggestions.map((s) => `  - ${s}`));
  return lines;
}

/** A long list on one line: its first 12 and last 4 items around a count of the rest (deep paths stay one line). */
function elide(items: readonly string[]): string[] {
  return items.length <= 20 ? [...items] : [...items.slice(0, 12), `… ${items.length - 16} more …`, ...items.slice(-4)];
}
