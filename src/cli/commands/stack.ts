/**
 * `tconv stack -i 4 --stack "convT k3 s2 p1 op1 x4"`: a stack of layers analysed layer by layer — overlap in the
 * interior (does the checkerboard compound?), period, receptive field (size, jump, offset), alignment on the input
 * grid — checked against the engine run on all-ones, and optionally a skip-connection alignment check.
 */
import type { Command } from 'commander';
import { type AxisAlignment, type PhaseAlignment, checkSkip, formatFraction, stackAlignment } from '../../analysis/alignment.ts';
import { stackGradientOverlap } from '../../analysis/checkerboard.ts';
import { stackOverlap } from '../../analysis/overlap.ts';
import { receptiveField } from '../../analysis/receptive-field.ts';
import { checkOverlap } from '../../analysis/stack-run.ts';
import { type StackSpec, resolveStack } from '../../analysis/stack.ts';
import { parseStack } from '../../analysis/stack-text.ts';
import { extent } from '../../tensor/extent.ts';
import { parseBudget, parseCount, parsePerAxis, parseRank } from '../layer-args.ts';
import { printJson, printLines, renderTable } from '../output.ts';

interface StackArgs {
  readonly input: string;
  readonly stack: string;
  readonly rank?: string;
  readonly channels?: string;
  readonly skip?: string;
  readonly check: boolean;
  readonly maxLayers?: string;
  readonly json?: boolean;
}

/** Engine checks above this many output elements are skipped (they would take seconds). */
const CHECK_LIMIT = 1 << 20;
/** Counts comfortably inside float32's range (3.4e38), where the engine's all-ones run can still be compared. */
const FLOAT32_SAFE = 1e30;

export function register(program: Command): void {
  program
    .command('stack')
    .summary('analyse a stack of layers: compounding overlap, receptive field, alignment')
    .description('Analyse a stack of transposed/ordinary convolutions, resizes and pixel shuffles layer by layer: the interior '
      + 'overlap (checkerboard and whether it compounds), its period, the receptive field (size, jump, offset) and where '
      + 'outputs sit on the input grid; the composed overlap is checked against the engine on all-ones.')
    .requiredOption('-i, --input <size>', 'stack input size: N, NxM or NxMxL')
    .requiredOption('--stack <layers>', 'layers, e.g. "convT k4 s2 p1 x4" or "conv k3 s2 p1, convT k3 s2 p1 op1, bilinear 2"')
    .option('--rank <r>', 'spatial axes when the size is a single number: 1, 2 or 3 (default 2)')
    .option('-c, --channels <c>', 'channels of the stack input (default 1)')
    .option('--skip <layers>', 'check alignment against another path from the same input ("identity" for the input itself), as at a U-Net skip connection')
    .option('--no-check', 'skip the engine check')
    .option('--max-layers <n>', 'refuse stacks longer than this (default 256; see docs/limits.md)')
    .option('--json', 'print the analysis as JSON')
    .addHelpText('after', '\nExamples:\n  tconv stack -i 4 --stack "convT k4 s2 p1 x4"\n  tconv stack -i 4 --stack "convT k3 s2 p1 op1 x4"\n  tconv stack -i 16 --stack "conv k3 s2 p1, convT k4 s2 p1" --skip identity')
    .action((args: StackArgs) => {
      const spec: StackSpec = {
        input: parsePerAxis('--input', args.input), layers: parseStack(args.stack, '--stack'),
        ...(args.rank === undefined ? {} : { rank: parseRank(args.rank) }),
        ...(args.channels === undefined ? {} : { channels: parseCount('--channels', args.channels) }),
        ...(args.maxLayers === undefined ? {} : { maxLayers: parseBudget('--max-layers', args.maxLayers) }),
      };
      const stack = resolveStack(spec);
      const overlap = stackOverlap(stack);
      const rf = receptiveField(stack);
      const alignment = stackAlignment(stack);
      const elements = stack.outputSize.reduce((a, b) => a * b, 1) * stack.outChannels;
      const ran = args.check && elements <= CHECK_LIMIT ? checkOverlap(stack) : null;
      // Deep stacks compound counts past float32's range: the float32 engine then overflows, which says nothing.
      const overflow = ran !== null && !(extent(ran.analytic).max <= FLOAT32_SAFE);
      const check = overflow ? null : ran;
      const gradient = stackGradientOverlap(stack);
      const skip = args.skip === undefined ? null
        : checkSkip(spec, { input: spec.input, ...(spec.rank ? { rank: spec.rank } : {}), ...(spec.maxLayers ? { maxLayers: spec.maxLayers } : {}), layers: args.skip.trim() === 'identity' ? [] : parseStack(args.skip, '--skip') });
      const steps = overlap.steps.map((s, i) => ({
        index: i, layer: s.description, output: s.shape, even: s.even, holes: s.holes, interiorValues: s.values,
        ratio: s.ratio, period: s.period,
        receptiveField: rf.steps[i]!.axes, alignment: alignment.steps[i]!.axes,
      }));
      if (args.json) {
        printJson({
          input: stack.inputSize, output: stack.outputSize, even: overlap.even, ratio: overlap.ratio, steps,
          engineCheck: check ? { agree: check.agree, maxAbsError: check.maxAbsError } : null, skip,
          inputGradient: { even: gradient.even, interiorMax: gradient.interiorMax, interiorMin: gradient.interiorMin },
        });
        return;
      }
      const same = (values: readonly (string | number | null)[]): string => {
        const text = values.map((v) => (v === null ? '?' : typeof v === 'number' ? formatFraction(v) : v));
        return text.every((t) => t === text[0]) ? text[0]! : text.join('×');
      };
      const rows = steps.map((s) => [
        String(s.index + 1), s.layer, s.output.join('×'),
        s.holes ? 'holes' : s.even ? 'even' : s.interiorValues.length <= 3 ? s.interiorValues.join(':') : `${formatFraction(s.ratio)}:1`,
        same(s.period), same(s.receptiveField.map((a) => a.minSize === a.size ? String(a.size) : `${a.minSize}–${a.size}`)),
        same(s.alignment.map((a) => a.jump)), same(s.alignment.map((a) => `${formatFraction(a.start)}${a.dependsOnWeights ? '*' : ''}`)),
        same(s.receptiveField.map((a) => a.offset)),
      ]);
      printLines(`Stack from ${stack.inputSize.join('×')} (${stack.inChannels} channel${stack.inChannels === 1 ? '' : 's'}) to ${stack.outputSize.join('×')}:`, '');
      printLines(renderTable(['#', 'layer', 'output', 'overlap', 'period', 'RF', 'jump', 'start', 'offset'], rows, { alignRight: [0] }));
      printLines('',
        'overlap: interior contributions per output (max:min); RF: input pixels per axis that can affect an output; jump: input pixels',
        'between outputs; start: input coordinate of output 0; offset: left edge of output 0\'s receptive field.');
      printLines(...alignmentNotes(steps));
      printLines(overlap.even
        ? 'Verdict: even — no checkerboard from the geometry.'
        : overlap.holes ? 'Verdict: holes — some interior outputs get no contribution at all.'
          : `Verdict: checkerboard${steps.filter((s) => !s.even).length > 1 && isGrowing(steps.map((s) => s.ratio)) ? ' that compounds layer by layer' : ''} (final interior max/min ${formatFraction(overlap.ratio)}).`);
      printLines(gradient.even
        ? 'Input gradient (backward pass, all-ones weights): even in the interior.'
        : `Input gradient (backward pass, all-ones weights): uneven, interior ${formatFraction(gradient.interiorMax)}:${formatFraction(gradient.interiorMin)} — strided layers imprint it on whatever trains through them.`);
      if (overflow) printLines(`Engine check skipped: the composed counts pass ${FLOAT32_SAFE.toExponential(0)}, beyond what a float32 run can hold.`);
      if (check) printLines(check.agree ? `Engine check: the composed overlap equals the engine's all-ones run (max error ${check.maxAbsError}).` : `Engine check FAILED: max error ${check.maxAbsError}.`);
      if (skip) printLines(`Skip connection: ${skip.verdict}.`);
    });
}

/**
 * What the start column cannot say: where outputs sit phase by phase when they are not on one grid, and, for a start
 * marked *, that it is the nominal grid of transposed layers whose weights decide the real positions.
 */
function alignmentNotes(steps: readonly { index: number; alignment: readonly AxisAlignment[] }[]): string[] {
  const perAxis = (texts: readonly string[]): string => (texts.every((t) => t === texts[0]) ? texts[0]! : texts.map((t, a) => `axis ${a}: ${t}`).join('; '));
  const sitAt = (p: PhaseAlignment): string => {
    const at = p.centres.map((c) => (c === null ? 'nothing (bias only)' : formatFraction(c))).join(', ');
    return p.period === 1 ? `output 0 sits at ${at}` : `outputs 0–${p.period - 1} of each period sit at ${at}`;
  };
  const onGrid = (p: PhaseAlignment, grid: AxisAlignment): boolean => p.centres.every((c, r) => c !== null && Math.abs(c - grid.start - r * grid.jump) < 1e-12);
  const notes: string[] = [];
  let weighted = false;
  for (const s of steps) {
    const row = `  ${s.index + 1}: `;
    if (s.alignment.some((a) => a.dependsOnWeights)) {
      weighted = true;
      const constant = s.alignment.every((a) => onGrid(a.constantWeights, a))
        ? 'with constant weights on that grid too, but its phases get unequal weight'
        : `with constant weights ${perAxis(s.alignment.map((a) => sitAt(a.constantWeights)))}`;
      const nominal = s.alignment.every((a) => a.nominal.period === 1) ? '' : ` (${perAxis(s.alignment.map((a) => sitAt(a.nominal)))})`;
      notes.push(`${row}start* is the nominal grid${nominal}; ${constant}`);
    } else if (s.alignment.some((a) => a.constantWeights.period > 1)) {
      notes.push(`${row}${perAxis(s.alignment.map((a) => sitAt(a.constantWeights)))} (exact; start is the grid through them)`);
    }
  }
  const head = weighted
    ? 'Alignment: exact, except start* = the nominal grid of strided transposed layers, whose weights decide where outputs sit (constant weights = the engine\'s all-ones run):'
    : 'Alignment: exact (no transposed layer\'s weights can move an output).';
  return [head, ...notes];
}

function isGrowing(ratios: readonly number[]): boolean {
  const finite = ratios.filter(Number.isFinite);
  return finite.length > 1 && finite.every((r, i) => i === 0 || r > finite[i - 1]!);
}
