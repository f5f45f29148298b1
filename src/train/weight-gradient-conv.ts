/**
 * The weight gradient of a transposed convolution on a compute backend (wasm, native): the same sum as
 * weight-gradient.ts, ∂W[ci, co, k] = Σₙ Σᵢ x[n, ci, i] · ∂Y[n, co, i·s + k·d − padBegin], read as one ordinary
 * convolution per group with the batch and channel axes swapped: ∂Yᵀ (Cout, N, out…) is the input, Xᵀ (Cin, N, in…)
 * the weight, with stride d and dilation s (the roles of stride and dilation exchange), padded by padBegin before and
 * max(padEnd, 0) after. Its output (Cout, Cin, K′…) holds ∂W at k < K on every axis (K′ ≥ K; the rest is cropped).
 * So the engine's tested forward kernels compute ∂W on every backend, with no new kernel.
 */
import type { BackendChoice } from '../engine/backend.ts';
import { conv } from '../engine/ops/conv.ts';
import type { Plan } from '../shape/plan.ts';
import { tensor } from '../tensor/tensor.ts';

/** Channels-first copy with batch and channels swapped, for the channels [first, first + count): (count, N, spatial…). */
function swapBatchAndChannels(data: Float32Array, batch: number, channels: number, spatial: number, first: number, count: number): Float32Array {
  const out = new Float32Array(count * batch * spatial);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < count; c++) {
      const from = (n * channels + first + c) * spatial;
      out.set(data.subarray(from, from + spatial), (c * batch + n) * spatial);
    }
  }
  return out;
}

/**
 * ∂W (Cin, Cout/groups, k…) of a transposed-convolution plan, summed over the batch, computed by the backend's conv.
 * @example
 * convTransposeWeightGradientOnBackend(plan, x.data, gradOutput.data, { backend: 'native' })
 */
export function convTransposeWeightGradientOnBackend(
  plan: Plan, x: Float32Array, gradOutput: Float32Array, options: { readonly backend?: BackendChoice; readonly threads?: number },
): Float32Array {
  const { batch, inChannels, outChannels, groups } = plan;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const kernel = plan.axes.map((a) => a.kernel);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const result = new Float32Array(inChannels * outPerGroup * kernelSize);
  if (batch === 0) return result;
  const inSpatial = plan.axes.map((a) => a.input);
  const outSpatial = plan.axes.map((a) => a.output);
  const inSize = inSpatial.reduce((a, b) => a * b, 1);
  const outSize = outSpatial.reduce((a, b) => a * b, 1);
  const layer = {
    stride: plan.axes.map((a) => a.dilation), dilation: plan.axes.map((a) => a.stride),
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(a.padEnd, 0)) },
    backend: options.backend, threads: options.threads,
  };
  for (let g = 0; g < groups; g++) {
    const gradT = tensor([outPerGroup, batch, ...outSpatial], swapBatchAndChannels(gradOutput, batch, outChannels, outSize, g * outPerGroup, outPerGroup));
    const xT = tensor([inPerGroup, batch, ...inSpatial], swapBatchAndChannels(x, batch, inChannels, inSize, g * inPerGroup, inPerGroup));
    const out = conv(gradT, xT, null, layer); // (Cout/g, Cin/g, K′…)
    const wide = out.shape.slice(2);
    const wideSize = wide.reduce((a, b) => a * b, 1);
    const index = new Array<number>(kernel.length).fill(0);
    for (let t = 0; t < kernelSize; t++) {
      let rest = t;
      for (let a = kernel.length - 1; a >= 0; a--) { index[a] = rest % kernel[a]!; rest = Math.floor(rest / kernel[a]!); }
      let w = 0;
      for (let a = 0; a < kernel.length; a++) w = w * wide[a]! + index[a]!;
      for (let co = 0; co < outPerGroup; co++) {
        for (let ci = 0; ci < inPerGroup; ci++) {
          result[((g * inPerGroup + ci) * outPerGroup + co) * kernelSize + t] = out.data[(co * inPerGroup + ci) * wideSize + w]!;
        }
      }
    }
  }
  return result;
}
