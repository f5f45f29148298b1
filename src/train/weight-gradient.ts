/**
 * The weight gradient of a transposed convolution as a per-phase correlation (float64, reference only).
 *
 * Forward, tap k of an axis feeds exactly one phase of the output (plan.phases): output j of that phase,
 * o = firstOutput + s·j, reads input j + inputOffsets[t]. So ∂L/∂W[ci, c, k] = Σₙ Σⱼ x[n, ci, j + offset] ·
 * gY[n, co, firstOutput + s·j] — for each tap, a correlation of the input with the phase's sub-image of the output
 * gradient, over the j where both exist. No zero products (no inserted zeros), each pair visited once.
 * An ordinary convolution's weight gradient is the same sum on its dual transposed plan (see dual-plan.ts).
 */
import type { Phase } from '../shape/phases.ts';
import type { Plan } from '../shape/plan.ts';

/** One tap of one axis: which outputs and inputs it pairs (inputs contiguous, outputs every `step`). */
interface TapRange {
  readonly firstInput: number;
  readonly firstOutput: number;
  readonly step: number;
  readonly count: number;
}

/** For every tap of an axis, its range of (input, output) pairs; count 0 when it pairs nothing. */
function tapRanges(phases: readonly Phase[], kernel: number, input: number, stride: number): TapRange[] {
  const ranges: TapRange[] = new Array<TapRange>(kernel).fill({ firstInput: 0, firstOutput: 0, step: stride, count: 0 });
  for (const phase of phases) {
    phase.taps.forEach((k, t) => {
      const offset = phase.inputOffsets[t]!;
      // 0 ≤ j < outputCount and 0 ≤ j + offset < input.
      const lo = Math.max(0, -offset);
      const hi = Math.min(phase.outputCount, input - offset);
      ranges[k] = { firstInput: lo + offset, firstOutput: phase.firstOutput + stride * lo, step: stride, count: Math.max(0, hi - lo) };
    });
  }
  return ranges;
}

const UNIT: readonly TapRange[] = [{ firstInput: 0, firstOutput: 0, step: 1, count: 1 }];

/**
 * ∂L/∂W of a transposed convolution for input x and output gradient gradOutput, in the weight layout
 * (Cin, Cout/groups, k…). Sums over the batch.
 */
export function convTransposeWeightGradient(plan: Plan, x: Float32Array, gradOutput: Float32Array): Float32Array {
  const result = new Float32Array(plan.weightShape.reduce((a, b) => a * b, 1));
  convTransposeWeightGradientInto(plan, x, gradOutput, result);
  return result;
}

/** convTransposeWeightGradient written into `result` (the weight's length), every element. */
export function convTransposeWeightGradientInto(plan: Plan, x: Float32Array, gradOutput: Float32Array, result: Float32Array): void {
  const axes = plan.axes.map((a, i) => ({ a, ranges: tapRanges(plan.phases[i]!.phases, a.kernel, a.input, a.stride) }));
  // Promote to three axes (depth, height, width) with unit axes in front, as the reference backend does.
  while (axes.length < 3) axes.unshift({ a: { input: 1, output: 1, kernel: 1 } as Plan['axes'][number], ranges: [...UNIT] });
  const [D, H, W] = axes as [typeof axes[0], typeof axes[0], typeof axes[0]];
  const { batch, inChannels, outChannels, groups } = plan;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const inSize = D.a.input * H.a.input * W.a.input;
  const outSize = D.a.output * H.a.output * W.a.output;
  const kernelSize = D.a.kernel * H.a.kernel * W.a.kernel;
  for (let ci = 0; ci < inChannels; ci++) {
    const group = Math.floor(ci / inPerGroup);
    for (let c = 0; c < outPerGroup; c++) {
      const co = group * outPerGroup + c;
      for (let kd = 0; kd < D.a.kernel; kd++) {
        const rd = D.ranges[kd]!;
        for (let kh = 0; kh < H.a.kernel; kh++) {
          const rh = H.ranges[kh]!;
          for (let kw = 0; kw < W.a.kernel; kw++) {
            const rw = W.ranges[kw]!;
            let sum = 0;
            if (rd.count > 0 && rh.count > 0 && rw.count > 0) {
              for (let n = 0; n < batch; n++) {
                const xBase = (n * inChannels + ci) * inSize;
                const gBase = (n * outChannels + co) * outSize;
                for (let jd = 0; jd < rd.count; jd++) {
                  const id = rd.firstInput + jd;
                  const od = rd.firstOutput + rd.step * jd;
                  for (let jh = 0; jh < rh.count; jh++) {
                    const xRow = xBase + (id * H.a.input + rh.firstInput + jh) * W.a.input + rw.firstInput;
                    const gRow = gBase + (od * H.a.output + rh.firstOutput + rh.step * jh) * W.a.output + rw.firstOutput;
                    for (let jw = 0; jw < rw.count; jw++) sum += x[xRow + jw]! * gradOutput[gRow + rw.step * jw]!;
                  }
                }
              }
            }
            result[(ci * outPerGroup + c) * kernelSize + (kd * H.a.kernel + kh) * W.a.kernel + kw] = sum;
          }
        }
      }
    }
  }
}

/** ∂L/∂B: the output gradient summed over batch and space, per output channel. */
export function biasGradient(plan: Plan, gradOutput: Float32Array): Float32Array {
  const result = new Float32Array(plan.outChannels);
  biasGradientInto(plan, gradOutput, result);
  return result;
}

/** biasGradient written into `result` (Cout). */
export function biasGradientInto(plan: Plan, gradOutput: Float32Array, result: Float32Array): void {
  const outSize = plan.outputShape.slice(2).reduce((a, b) => a * b, 1);
  for (let co = 0; co < plan.outChannels; co++) {
    let sum = 0;
    for (let n = 0; n < plan.batch; n++) {
      const base = (n * plan.outChannels + co) * outSize;
      for (let i = 0; i < outSize; i++) sum += gradOutput[base + i]!;
    }
    result[co] = sum;
  }
}
