/**
 * `tconv explain`: one screen on how kernel, stride and padding shape a transposed convolution. The report comes
 * from explainLayer (src/analysis/explain.ts, shared with the web explorer); this file only renders it.
 */
import type { Command } from 'commander';
import { formatFraction } from '../../analysis/alignment.ts';
import { overlapPicture } from '../../analysis/ascii.ts';
import { type Alternative, type AlternativeSet, type ExplainReport, explainLayer } from '../../analysis/explain.ts';
import { type LayerArgs, addLayerOptions, layerSpecFromArgs, parsePerAxis } from '../layer-args.ts';
import { printJson, printLines, renderTable, usageError } from '../output.ts';

interface ExplainArgs extends LayerArgs {
  readonly target?: string;
  readonly json?: boolean;
  readonly picture?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('explain')
    .summary('how kernel, stride and padding shape a transposed convolution')
    .description('Explain a transposed convolution: output size with the formula filled in, its phases and taps, the '
      + 'checkerboard verdict and strength, each output\'s receptive field, and the nearest artifact-free layers.');
  addLayerOptions(command)
    .option('-t, --target <size>', 'the output size you intend (default input·stride)')
    .option('--json', 'print the report as one JSON object')
    .option('--picture', 'also draw the overlap map in the terminal (ASCII, darker = more contributions)')
    .addHelpText('after', '\nExample:\n  tconv explain --input 32 --kernel 7 --stride 2 --padding 3')
    .action((args: ExplainArgs) => {
      const target = args.target === undefined ? undefined : parsePerAxis('--target', args.target);
      if (target !== undefined && [target].flat().some((size) => size < 1)) {
        throw usageError('--target', args.target, 'must be an output size of 1 or more (per axis)', 'write e.g. --target 64 or --target 64x48');
      }
      const report = explainLayer(layerSpecFromArgs(args), { target });
      if (args.json) printJson(toJson(report));
      else printLines(...renderExplain(report), ...(args.picture ? ['', ...overlapPicture(report.plan)] : []));
    });
}

/** The JSON form: the headline answers first, then the details, then the layer's resolved parameters (not the whole plan). */
export function toJson(report: ExplainReport): Record<string, unknown> {
  const { plan, rank, inputShape, outputShape, phases, checkerboard, overlapRatio, overlapLevels, receptiveField, ...details } = report;
  return {
    rank, inputShape, outputShape, phases, checkerboard, overlapRatio, overlapLevels, receptiveField, ...details,
    layer: {
      inputShape: plan.inputShape, outputShape: plan.outputShape, weightShape: plan.weightShape, groups: plan.groups,
      axes: plan.axes, flops: plan.flops,
    },
  };
}

const times = (values: readonly number[]): string => values.join('×');

/** One value when every axis agrees, else the per-axis values joined by ×. */
function compact(values: readonly number[]): string {
  return values.every((v) => v === values[0]) ? String(values[0]) : times(values);
}

/** Renders the report as a few lines of prose and one small table. */
export function renderExplain(report: ExplainReport): string[] {
  const { plan } = report;
  const axes = plan.axes;
  const pick = (key: 'kernel' | 'stride' | 'dilation' | 'padBegin' | 'padEnd') => compact(axes.map((axis) => axis[key]));
  const symmetric = axes.every((axis) => axis.padding !== null);
  const padding = symmetric
    ? `padding ${pick('padBegin')}, outputPadding ${compact(axes.map((axis) => axis.outputPadding!))}`
    : `crop begin ${pick('padBegin')}, end ${pick('padEnd')}`;
  const lines: string[] = [
    `ConvTranspose${plan.rank}d: input ${times(report.inputShape)}, kernel ${pick('kernel')}, stride ${pick('stride')}, ${padding}, dilation ${pick('dilation')}`,
    '',
    `Output: ${times(report.outputShape)}${naturalSize(report)}`,
    ...renderFormulas(report),
    '',
    ...renderPhases(report),
    '',
    ...renderCheckerboard(report),
    renderReceptiveField(report),
    '',
    ...renderAlternatives(report),
  ];
  if (report.kernelSweep.length > 1) lines.push(renderSweep(report));
  return lines;
}

/** True when every axis has the same numbers, so one line or table speaks for all. */
function sameAxes(report: ExplainReport): boolean {
  const key = (a: number) => JSON.stringify({ ...report.plan.axes[a], ...report.phaseDetails[a] });
  return report.plan.axes.every((_, a) => key(a) === key(0));
}

function axisLabel(report: ExplainReport, a: number): string {
  if (report.rank === 1) return '';
  return sameAxes(report) ? (report.rank === 2 ? ' (both axes)' : ' (every axis)') : ` (axis ${a})`;
}

function renderFormulas(report: ExplainReport): string[] {
  const shown = sameAxes(report) ? [0] : report.plan.axes.map((_, a) => a);
  const lines = [`  ${report.formulas[0]!.formula}`];
  for (const a of shown) {
    const formula = report.formulas[a]!;
    if (formula.formula !== report.formulas[0]!.formula) lines.push(`  ${formula.formula}`);
    lines.push(`      = ${formula.filled} ${axisLabel(report, a)}`.trimEnd());
  }
  if (shown.length === 1) {
    const axis = report.plan.axes[0]!;
    const full = report.formulas[0]!.fullSize;
    const crop = axis.padding !== null && axis.outputPadding !== null
      ? `padding removes ${axis.padding} at each end${axis.outputPadding ? ` and outputPadding adds ${axis.outputPadding} back at the end` : ''}`
      : `the crop removes ${axis.padBegin} at the start and ${axis.padEnd} at the end`;
    lines.push(`  The full output is (${axis.input} − 1)·${axis.stride} + ${axis.effectiveKernel} = ${full}; ${crop}: ${axis.output}.`);
  }
  return lines;
}

/** " (input·stride would be 64×64)" when the layer misses the size a stride-s upsampler usually aims at. */
function naturalSize(report: ExplainReport): string {
  const natural = report.plan.axes.map((axis) => axis.input * axis.stride);
  if (report.plan.axes.every((axis) => axis.stride === 1) || natural.every((n, a) => n === report.outputShape[a])) return '';
  return `  (not input·stride = ${times(natural)})`;
}

function renderPhases(report: ExplainReport): string[] {
  const shown = sameAxes(report) ? [0] : report.plan.axes.map((_, a) => a);
  const withAxis = shown.length > 1;
  const rows: string[][] = [];
  for (const a of shown) {
    const stride = report.plan.axes[a]!.stride;
    for (const phase of report.phaseDetails[a]!) {
      if (phase.outputCount === 0) continue;
      const outputs = phase.outputCount > 2
        ? `${phase.outputResidue}, ${phase.outputResidue + stride}, … (${phase.outputCount})`
        : Array.from({ length: phase.outputCount }, (_, j) => phase.outputResidue + j * stride).join(', ');
      rows.push([
        ...(withAxis ? [String(a)] : []), String(phase.outputResidue), outputs, String(phase.taps.length),
        phase.taps.length === 0 ? '— (bias only)' : phase.taps.join(', '), `${phase.receptiveField} input${phase.receptiveField === 1 ? '' : 's'}`,
      ]);
    }
  }
  const strides = shown.map((a) => report.plan.axes[a]!.stride);
  const header = `Phases${withAxis ? '' : axisLabel(report, 0)}: outputs grouped by position mod stride${withAxis ? '' : ` ${strides[0]}`}`;
  return [
    header,
    renderTable([...(withAxis ? ['axis'] : []), 'phase', 'outputs', 'taps', 'kernel indices', 'receptive field'], rows, { indent: '  ' }),
  ];
}

function renderCheckerboard(report: ExplainReport): string[] {
  const levels = report.overlapLevels;
  const dims = report.rank === 1 ? '' : ` in ${report.rank}D (products of per-axis taps)`;
  if (!report.checkerboard) {
    const why = report.plan.axes.every((axis) => axis.stride === 1)
      ? 'stride 1 has a single phase'
      : 'the kernel is divisible by the stride, so every phase gets the same taps';
    return [`Checkerboard: no. ${capitalize(why)}; every interior output receives ${levels[0]} contributions${dims}. Only borders get fewer.`];
  }
  const ratio = report.overlapRatio;
  const strength = Number.isFinite(ratio)
    ? `max/min = ${levels[0]}/${levels[levels.length - 1]} = ${ratio.toFixed(2)}: with constant input and weights the brightest outputs get ${ratio.toFixed(2)}× the dimmest`
    : 'some outputs receive nothing but the bias';
  return [
    `Checkerboard: YES. ${capitalize(report.reasons.join('; '))}.`,
    `  Interior overlap ${levels.join(':')}${dims}; ${strength}.`,
  ];
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function renderReceptiveField(report: ExplainReport): string {
  const fields = report.receptiveField;
  const mins = fields.map((f) => f.min);
  const maxs = fields.map((f) => f.max);
  const plural = maxs.some((m) => m !== 1) ? 's' : '';
  const size = mins.every((m, a) => m === maxs[a]) ? `${times(mins)} input position${plural}`
    : mins.some((m) => m === 0) ? `up to ${times(maxs)} input position${plural} (bias-only outputs see none)`
      : `${times(mins)} to ${times(maxs)} input positions`;
  const jumps = fields.map((f) => formatFraction(f.jump));
  const jump = jumps.every((j) => j === jumps[0]) ? jumps[0] : jumps.join('×');
  const start = fields.map((f) => formatFraction(f.start));
  const centre = start.every((s) => s === start[0]) ? start[0] : `(${start.join(', ')})`;
  return `Receptive field: each output sees ${size}; jump ${jump} input per output; output 0 is centred on input ${centre}${offGrid(fields)}.`;
}

/** Where constant weights put the phases, when that is not on the nominal grid: each phase's weights decide. */
function offGrid(fields: ExplainReport['receptiveField']): string {
  const texts = fields.map((f) => {
    const on = f.constantWeights.centres.every((c, r) => c !== null && Math.abs(c - f.start - r * f.jump) < 1e-12);
    return on ? null : f.constantWeights.centres.map((c) => (c === null ? 'bias only' : formatFraction(c))).join(', ');
  });
  if (texts.every((t) => t === null)) return '';
  const period = fields.map((f) => f.constantWeights.period);
  const where = texts.every((t) => t === texts[0]) && period.every((p) => p === period[0])
    ? `outputs 0–${period[0]! - 1} sit at ${texts[0]}`
    : texts.map((t, a) => `axis ${a}: ${t === null ? 'on the grid' : `outputs 0–${period[a]! - 1} at ${t}`}`).join('; ');
  // A layer whose phases have one tap each puts every output on one input, whatever its weights.
  return fields.some((f) => f.dependsOnWeights)
    ? ` on the nominal grid; with constant weights ${where} (each phase's weights decide)`
    : ` on the nominal grid, but ${where.replace(' sit at', ' really sit at')}, whatever the weights (one input each)`;
}

function renderAlternatives(report: ExplainReport): string[] {
  // The layer itself is the answer for its own size unless it draws a checkerboard.
  const sets = report.alternatives.filter((set) => set.purpose !== 'same size' || report.checkerboard);
  if (sets.length === 0) return [];
  const labels = sets.map((set) => `to ${times(set.outputShape)} (${set.purpose}):`);
  const width = Math.max(...labels.map((label) => label.length));
  return [
    `Nearest artifact-free layers from ${times(report.inputShape)}:`,
    ...sets.map((set, i) => `  ${labels[i]!.padEnd(width)}  ${describeSet(set)}`),
  ];
}

function describeSet(set: AlternativeSet): string {
  const lists = set.perAxis.map((list) => (list.length === 0 ? 'none within bounds' : list.map(describeAlternative).join(' · ')));
  if (lists.every((list) => list === lists[0])) return lists[0]!;
  return lists.map((list, a) => `axis ${a}: ${list}`).join('; ');
}

/** "k4 s2 p1", with op and d only when they are not the defaults. */
export function describeAlternative(x: Alternative): string {
  return `k${x.kernel} s${x.stride} p${x.padding}${x.outputPadding ? ` op${x.outputPadding}` : ''}${x.dilation !== 1 ? ` d${x.dilation}` : ''}`;
}

function renderSweep(report: ExplainReport): string {
  const entries = report.kernelSweep.map((entry) => {
    const taps = entry.phases[0]!;
    const verdict = entry.checkerboard ? `(${[...new Set(taps)].sort((a, b) => b - a).join(':')} taps)` : 'even';
    return `k${compact(entry.kernel)} → ${compact(entry.outputShape)} ${verdict}`;
  });
  return `Kernel size, all else equal: ${entries.join(' · ')}`;
}
