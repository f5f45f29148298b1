/**
 * The weight gradient of a transposed convolution through a backend's conv forward (the route of native addons built
 * before their own ∂W kernel, and of wasm before its own; the bench times it as the before): the same sum as weight-gradient.ts,
 * ∂W[ci, co, k] = Σₙ Σᵢ x[n, ci, i] · ∂Y[n, co, i·s + k·d − padBegin], read as one ordinary convolution per group with
 * the batch and channel axes swapped: ∂Yᵀ (Cout/g, N, out…) is the input, Xᵀ (Cin/g, N, in…) the weight, with stride d
 * and dilation s (the roles of stride and dilation exchange), padded by padBegin before and max(padEnd, 0) after. Its
 * output (Cout/g, Cin/g, K′…) holds ∂W at k < K on every axis (K′ ≥ K; the rest is cropped).
 */
import type { BackendName } from '../engine/backend.ts';
import { planFromTensors } from '../engine/ops/plan-from-tensors.ts';
import { getBackend } from '../engine/select.ts';
import type { Plan } from '../shape/plan.ts';

/** The per-group conv and the workspace it needs: ∂Yᵀ, Xᵀ and the wide output of one group, reused for every group. */
export interface SwappedConv {
  readonly plan: Plan;
  readonly workspaceFloats: number;
}

/**
 * Plans the per-group conv of a transposed plan with batch ≥ 1.
 * @example
 * swappedConv(planFromTensors('convTranspose', [2, 8, 5, 5], [8, 4, 4, 4], { stride: 2 })).workspaceFloats
 */
export function swappedConv(plan: Plan): SwappedConv {
  const { batch, inChannels, outChannels, groups } = plan;
  const conv = planFromTensors('conv', [outChannels / groups, batch, ...plan.axes.map((a) => a.output)], [inChannels / groups, batch, ...plan.axes.map((a) => a.input)], {
    stride: plan.axes.map((a) => a.dilation), dilation: plan.axes.map((a) => a.stride),
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(a.padEnd, 0)) }, bias: false,
  });
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  return { plan: conv, workspaceFloats: size(conv.inputShape) + size(conv.weightShape) + size(conv.outputShape) };
}

/** Channels-first copy with batch and channels swapped, for the channels [first, first + count): (count, N, spatial…). */
function swapBatchAndChannels(out: Float32Array, data: Float32Array, batch: number, channels: number, spatial: number, first: number, count: number): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < count; c++) {
      const from = (n * channels + first + c) * spatial;
      out.set(data.subarray(from, from + spatial), (c * batch + n) * spatial);
    }
  }
}

/**
 * ∂W (Cin, Cout/groups, k…) of a transposed-convolution plan into `result`, summed over the batch, by the backend's
 * conv, with `scratch` (conv.workspaceFloats) for the swapped copies and the wide output.
 */
export function swappedConvWeightGradient(
  plan: Plan, conv: SwappedConv, x: Float32Array, gradOutput: Float32Array, result: Float32Array, scratch: Float32Array,
  backend: BackendName, threads: number | undefined,
): void {
  const { batch, inChannels, outChannels, groups } = plan;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const kernel = plan.axes.map((a) => a.kernel);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const inSize = plan.axes.reduce((a, axis) => a * axis.input, 1);
  const outSize = plan.axes.reduce((a, axis) => a * axis.output, 1);
  const gradT = scratch.subarray(0, outPerGroup * batch * outSize);
  const xT = scratch.subarray(gradT.length, gradT.length + inPerGroup * batch * inSize);
  const wide = conv.plan.outputShape.slice(2);
  const wideSize = wide.reduce((a, b) => a * b, 1);
  const out = scratch.subarray(gradT.length + xT.length, gradT.length + xT.length + outPerGroup * inPerGroup * wideSize);
  const engine = getBackend(backend);
  const index = new Array<number>(kernel.length).fill(0);
  for (let g = 0; g < groups; g++) {
    swapBatchAndChannels(gradT, gradOutput, batch, outChannels, outSize, g * outPerGroup, outPerGroup);
    swapBatchAndChannels(xT, x, batch, inChannels, inSize, g * inPerGroup, inPerGroup);
    engine.conv({ plan: conv.plan, input: gradT, weight: xT, bias: null, output: out, threads, packs: null }); // (Cout/g, Cin/g, K′…)
    for (let t = 0; t < kernelSize; t++) {
      let rest = t;
      for (let a = kernel.length - 1; a >= 0; a--) { index[a] = rest % kernel[a]!; rest = Math.floor(rest / kernel[a]!); }
      let w = 0;
      for (let a = 0; a < kernel.length; a++) w = w * wide[a]! + index[a]!;
      for (let co = 0; co < outPerGroup; co++) {
        for (let ci = 0; ci < inPerGroup; ci++) {
          result[((g * inPerGroup + ci) * outPerGroup + co) * kernelSize + t] = out[(co * inPerGroup + ci) * wideSize + w]!;
        }
      }
    }
  }
}
