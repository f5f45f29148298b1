/**
 * `tconv alternatives -i 32 -k 7 -s 2 -p 3`: what else computes this transposed layer, or the same size without its
 * checkerboard — the polyphase view (stride^rank sub-kernels), the exactly equivalent conv + pixel shuffle (checked on
 * random numbers with the engine), the resize-conv alternative, whether ICNR can start it artifact-free, and with
 * --weight FILE.npy the checkerboard score of actual (trained) weights.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { weightCheckerboardScore } from '../../analysis/checkerboard.ts';
import { applySubPixel, polyphaseView, resizeConvAlternative, toSubPixel } from '../../analysis/subpixel.ts';
import { describeLayer } from '../../analysis/stack.ts';
import { convTranspose, maxAbsError, randomTensor } from '../../engine/index.ts';
import { readNpy } from '../../onnx/npy.ts';
import { TconvError } from '../../shape/errors.ts';
import { type Plan, planLayer } from '../../shape/plan.ts';
import { type LayerArgs, addLayerOptions, layerSpecFromArgs } from '../layer-args.ts';
import { printJson, printLines } from '../output.ts';

interface AlternativesArgs extends LayerArgs {
  readonly weight?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('alternatives')
    .summary('equivalent and artifact-free forms of a transposed layer: sub-pixel, resize-conv, ICNR, weight score')
    .description('Show the polyphase view of a transposed convolution, its exactly equivalent conv + pixel shuffle (verified '
      + 'numerically), the resize-conv with the same output size, whether ICNR initialisation can start it artifact-free, '
      + 'and with --weight the checkerboard score of actual weights (per-phase sums).');
  addLayerOptions(command)
    .option('-w, --weight <file.npy>', 'weights (Cin, Cout/groups, k…) to score, e.g. from a trained model')
    .option('--json', 'print everything as JSON')
    .addHelpText('after', '\nExamples:\n  tconv alternatives -i 32 -k 7 -s 2 -p 3\n  tconv alternatives -i 16 -k 4 -s 2 -p 1 --in-channels 64 --out-channels 32 --weight up.npy')
    .action((args: AlternativesArgs) => {
      const spec = layerSpecFromArgs(args);
      const plan = planLayer(spec);
      const phases = polyphaseView(plan).map((p) => ({ outputResidue: p.outputResidue, taps: p.taps, subKernel: p.taps.map((t) => t.length) }));
      const subPixel = subPixelCheck(plan);
      const resize = tryOr(() => resizeConvAlternative(plan));
      const multiple = plan.axes.every((a) => a.kernel % a.stride === 0 && a.dilation === 1);
      const icnr = multiple
        ? 'every kernel is a multiple of its stride: icnrWeight({ kind: "convTranspose", … }) gives all phases the same sub-kernel, an artifact-free start'
        : 'a kernel is not a multiple of its stride: no initialisation evens the tap counts; use the sub-pixel form with icnrWeight({ kind: "pixelShuffle", … })';
      const score = args.weight === undefined ? null : weightCheckerboardScore(readNpy(readFileSync(args.weight)), plan);
      if (args.json) {
        printJson({ phases, subPixel, resizeConv: resize, icnr, weightScore: score });
        return;
      }
      const times = (v: readonly number[]) => v.join('×');
      printLines(`Polyphase view: ${phases.length} phase${phases.length === 1 ? '' : 's'}, each a stride-1 correlation with its own sub-kernel:`,
        `  ${phases.map((p) => `o ≡ (${p.outputResidue.join(',')}): ${p.subKernel.includes(0) ? 'no taps (bias only)' : times(p.subKernel)}`).join(' · ')}`, '');
      if ('error' in subPixel) printLines(`Sub-pixel form: not available (${subPixel.error}).`);
      else {
        printLines('Sub-pixel form (exactly equivalent):',
          `  conv k${times(subPixel.kernel)} s1 pads ${times(subPixel.pads.begin)} / ${times(subPixel.pads.end)}, ${subPixel.channels} output channels → pixel shuffle ×${subPixel.factor} → crop from ${times(subPixel.crop.begin)}, size ${times(subPixel.crop.size)}`,
          `  checked with the engine on random input and weights: max |difference| ${subPixel.maxAbsError.toExponential(2)}`);
      }
      printLines('', 'Resize-conv with the same output size (even: no checkerboard from the geometry):');
      if ('error' in resize) printLines(`  not available (${resize.error})`);
      else printLines(`  ${resize.layers.map(describeLayer).join(' → ')}  (FLOPs ${(resize.flops / plan.flops).toFixed(2)}× the transposed layer's)`);
      printLines('', `ICNR: ${icnr}.`);
      if (score) {
        printLines('', `Weight score (per-phase sums = interior response to a constant input): ${score.score.toFixed(4)} (0 = weights compensate; larger = visible checkerboard)`,
          ...score.sums.slice(0, 8).map((row, c) => `  channel ${c}: ${row.map((v) => v.toFixed(4)).join(' ')}`),
          ...(score.sums.length > 8 ? [`  … ${score.sums.length - 8} more channels (--json for all)`] : []));
      }
    });
}

function tryOr<T>(fn: () => T): T | { error: string } {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TconvError) return { error: error.message };
    throw error;
  }
}

/** Builds the sub-pixel form on random weights and compares it with the engine's transposed conv. */
function subPixelCheck(plan: Plan) {
  return tryOr(() => {
    const input = plan.axes.map((a) => a.input);
    const x = randomTensor([1, plan.inChannels, ...input], 1);
    const w = randomTensor(plan.weightShape, 2);
    const b = randomTensor([plan.outChannels], 3);
    const options = {
      kernel: plan.axes.map((a) => a.kernel), stride: plan.axes.map((a) => a.stride), groups: plan.groups, dilation: plan.axes.map((a) => a.dilation),
      pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(0, a.padEnd)) },
      outputPadding: plan.axes.map((a) => Math.max(0, -a.padEnd)),
    };
    const sp = toSubPixel(w, b, options, input);
    const expected = convTranspose(x, w, b, { ...options, backend: 'reference' });
    const actual = applySubPixel(x, sp);
    return {
      kernel: sp.weight.shape.slice(2), channels: sp.weight.shape[0]!, pads: sp.pads, factor: sp.factor, crop: sp.crop,
      maxAbsError: maxAbsError(actual.data, expected.data),
    };
  });
}
