/**
 * The reference backend: float64 loops written for clarity, the yardstick every fast kernel is checked against.
 * One rank-generic loop nest serves 1D, 2D and 3D: the plan's axes are promoted to three, with size-1 axes in front.
 * Everything (sizes, stride, padBegin/padEnd, dilation, groups, batch) is read from the plan.
 */
import type { AxisPlan, Plan } from '../../shape/plan.ts';
import type { Backend, KernelArgs } from '../backend.ts';
import { jsElementwise } from '../elementwise.ts';
import { activate } from '../ops/activation.ts';

/** The numbers of one axis the loops need. */
interface Axis {
  readonly input: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly output: number;
}

const UNIT_AXIS: Axis = { input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, output: 1 };

/** [depth, height, width]: a 1D plan becomes (1, 1, W), a 2D plan (1, H, W). */
function threeAxes(plan: Plan): readonly [Axis, Axis, Axis] {
  const given: Axis[] = plan.axes.map((a: AxisPlan) => ({
    input: a.input, kernel: a.kernel, stride: a.stride, dilation: a.dilation, padBegin: a.padBegin, output: a.output,
  }));
  while (given.length < 3) given.unshift(UNIT_AXIS);
  return given as unknown as readonly [Axis, Axis, Axis];
}

/**
 * Transposed convolution, as a scatter: every input element, through every kernel tap, adds x·w to one output.
 * Input i and tap k land on full-output index i·s + k·d; output o = that − padBegin (outside [0, output) is cropped,
 * and outputs no pair reaches — a negative padEnd, or holes when gcd(d, s) > 1 — keep just the bias).
 */
function convTranspose({ plan, input, weight, bias, output }: KernelArgs): void {
  const [D, H, W] = threeAxes(plan);
  const { batch, inChannels, outChannels, groups } = plan;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const inSize = D.input * H.input * W.input;
  const outSize = D.output * H.output * W.output;
  const kernelSize = D.kernel * H.kernel * W.kernel;
  const target = (i: number, k: number, axis: Axis): number => {
    const o = i * axis.stride + k * axis.dilation - axis.padBegin;
    return o >= 0 && o < axis.output ? o : -1;
  };

  const sum = new Float64Array(batch * outChannels * outSize);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) sum.fill(bias ? bias[co]! : 0, (n * outChannels + co) * outSize, (n * outChannels + co + 1) * outSize);
  }

  for (let n = 0; n < batch; n++) {
    for (let ci = 0; ci < inChannels; ci++) {
      const group = Math.floor(ci / inPerGroup);
      for (let id = 0; id < D.input; id++) for (let ih = 0; ih < H.input; ih++) for (let iw = 0; iw < W.input; iw++) {
        const x = input[(n * inChannels + ci) * inSize + (id * H.input + ih) * W.input + iw]!;
        for (let j = 0; j < outPerGroup; j++) {
          const co = group * outPerGroup + j;
          // Transposed weight layout: (Cin, Cout/groups, kd, kh, kw).
          const weightBase = (ci * outPerGroup + j) * kernelSize;
          const outBase = (n * outChannels + co) * outSize;
          for (let kd = 0; kd < D.kernel; kd++) {
            const od = target(id, kd, D);
            if (od < 0) continue;
            for (let kh = 0; kh < H.kernel; kh++) {
              const oh = target(ih, kh, H);
              if (oh < 0) continue;
              for (let kw = 0; kw < W.kernel; kw++) {
                const ow = target(iw, kw, W);
                if (ow < 0) continue;
                const w = weight[weightBase + (kd * H.kernel + kh) * W.kernel + kw]!;
                sum[outBase + (od * H.output + oh) * W.output + ow]! += x * w;
              }
            }
          }
        }
      }
    }
  }
  output.set(sum);
}

/**
 * Ordinary convolution (cross-correlation, as PyTorch), as a gather: every output sums x·w over its window.
 * Output o reads input o·s + k·d − padBegin; reads outside [0, input) are the zero padding (a negative padEnd just
 * means the last inputs are never read).
 */
function conv({ plan, input, weight, bias, output }: KernelArgs): void {
  const [D, H, W] = threeAxes(plan);
  const { batch, inChannels, outChannels, groups } = plan;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const inSize = D.input * H.input * W.input;
  const outSize = D.output * H.output * W.output;
  const kernelSize = D.kernel * H.kernel * W.kernel;
  const source = (o: number, k: number, axis: Axis): number => {
    const i = o * axis.stride + k * axis.dilation - axis.padBegin;
    return i >= 0 && i < axis.input ? i : -1;
  };

  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const group = Math.floor(co / outPerGroup);
      for (let od = 0; od < D.output; od++) for (let oh = 0; oh < H.output; oh++) for (let ow = 0; ow < W.output; ow++) {
        let sum = bias ? bias[co]! : 0;
        for (let j = 0; j < inPerGroup; j++) {
          const ci = group * inPerGroup + j;
          // Conv weight layout: (Cout, Cin/groups, kd, kh, kw).
          const weightBase = (co * inPerGroup + j) * kernelSize;
          const inBase = (n * inChannels + ci) * inSize;
          for (let kd = 0; kd < D.kernel; kd++) {
            const id = source(od, kd, D);
            if (id < 0) continue;
            for (let kh = 0; kh < H.kernel; kh++) {
              const ih = source(oh, kh, H);
              if (ih < 0) continue;
              for (let kw = 0; kw < W.kernel; kw++) {
                const iw = source(ow, kw, W);
                if (iw < 0) continue;
                sum += input[inBase + (id * H.input + ih) * W.input + iw]! * weight[weightBase + (kd * H.kernel + kh) * W.kernel + kw]!;
              }
            }
          }
        }
        output[(n * outChannels + co) * outSize + (od * H.output + oh) * W.output + ow] = sum;
      }
    }
  }
}

/** The activation acts on the float32 output (ops/activation.ts), so it runs after the float64 sums are stored. */
function withActivation(op: (args: KernelArgs) => void): (args: KernelArgs) => void {
  return (args) => {
    op(args);
    if (args.activation) activate(args.output, args.output, args.activation);
  };
}

export const referenceBackend: Backend = {
  name: 'reference',
  availability: () => ({ available: true, reason: 'plain TypeScript, always available' }),
  convTranspose: withActivation(convTranspose),
  conv: withActivation(conv),
  elementwise: jsElementwise,
};
