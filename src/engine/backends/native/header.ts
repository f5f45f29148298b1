/**
 * The plan as ONE int32 array for the native addon (design.md: "at a WASM or native boundary pass one struct").
 * Layout mirrors kernels/native/src/plan.h (HeaderField): fixed words, then each of three axes (D, H, W, leading
 * axes of 1D/2D layers padded as size-1 axes) as a phase table: the plan's gather phases (src/shape/phases.ts), the
 * polyphase split of a transposed conv or the one phase of an ordinary conv whose input step is the stride.
 */
import type { GatherPhase } from '../../../shape/phases.ts';
import type { Plan } from '../../../shape/plan.ts';

export const HEADER_MAGIC = 0x7c0a0001;
const FIXED_WORDS = 20;

// Leading axes of 1D and 2D layers: one output read from one input through one tap.
const TRIVIAL_AXIS: readonly GatherPhase[] = [{ firstOutput: 0, outputCount: 1, outputStep: 1, inputStep: 1, taps: [0], inputOffsets: [0] }];

/**
 * @example
 * const plan = planLayer({ kind: 'convTranspose', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 2, outChannels: 3 });
 * nativeHeader(plan)[0] === HEADER_MAGIC // → true
 */
export function nativeHeader(plan: Plan): Int32Array {
  const lead = 3 - plan.rank;
  const axes: (readonly GatherPhase[])[] = [];
  const sizes = { input: [1, 1, 1], output: [1, 1, 1], kernel: [1, 1, 1] };
  for (let a = 0; a < 3; a++) {
    if (a < lead) {
      axes.push(TRIVIAL_AXIS);
      continue;
    }
    const axis = plan.axes[a - lead]!;
    sizes.input[a] = axis.input;
    sizes.output[a] = axis.output;
    sizes.kernel[a] = axis.kernel;
    axes.push(plan.gather[a - lead]!);
  }
  const words: number[] = [
    HEADER_MAGIC, plan.kind === 'convTranspose' ? 0 : 1, plan.rank, plan.batch, plan.inChannels, plan.outChannels,
    plan.groups, plan.bias ? 1 : 0, ...sizes.input, ...sizes.output, ...sizes.kernel, 0, 0, 0,
  ];
  for (const phases of axes) {
    words.push(phases.length);
    for (const p of phases) {
      words.push(p.firstOutput, p.outputCount, p.outputStep, p.inputStep, p.taps.length);
      p.taps.forEach((k, t) => {
        words.push(k, p.inputOffsets[t]!);
      });
    }
  }
  words[17] = words.length;
  const header = Int32Array.from(words);
  if (header.length < FIXED_WORDS) throw new Error('unreachable: header shorter than its fixed part');
  return header;
}
