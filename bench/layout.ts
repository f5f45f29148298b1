/**
 * Layout conversions for peers that are not NC[D]HW (tfjs is channels-last with filters [k…, out, in]).
 * They run outside the timed region: the bench times the layer, not a transpose the caller would not do.
 */
import type { Plan } from '../src/shape/index.ts';

const product = (values: readonly number[]): number => values.reduce((a, b) => a * b, 1);

/**
 * NC[D]HW → N[D]HWC, for a tensor of canonical shape `shape` = [N, C, spatial…].
 * @example
 * toChannelsLast(Float32Array.of(1, 2, 3, 4), [1, 2, 2]) // → Float32Array [1, 3, 2, 4]
 */
export function toChannelsLast(data: Float32Array, shape: readonly number[]): Float32Array {
  const [n = 1, c = 1] = shape;
  const spatial = product(shape.slice(2));
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const from = (b * c + ch) * spatial;
      for (let s = 0; s < spatial; s++) out[(b * spatial + s) * c + ch] = data[from + s]!;
    }
  }
  return out;
}

/**
 * N[D]HWC → NC[D]HW, the inverse of toChannelsLast (`shape` is the canonical [N, C, spatial…]).
 * @example
 * fromChannelsLast(Float32Array.of(1, 3, 2, 4), [1, 2, 2]) // → Float32Array [1, 2, 3, 4]
 */
export function fromChannelsLast(data: Float32Array, shape: readonly number[]): Float32Array {
  const [n = 1, c = 1] = shape;
  const spatial = product(shape.slice(2));
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const to = (b * c + ch) * spatial;
      for (let s = 0; s < spatial; s++) out[to + s] = data[(b * spatial + s) * c + ch]!;
    }
  }
  return out;
}

/**
 * A transposed-convolution weight (Cin, Cout, k…) as a tfjs filter [K…, Cout, Cin], where K = d·(k − 1) + 1:
 * tfjs has no dilation for transposed convolutions, so a dilated kernel is emulated by inserting zeros between taps
 * (the extra multiplications by zero are the peer's cost; FLOPs still come from the plan).
 * @example
 * tfjsFilter(Float32Array.of(1, 2), planLayer({ kind: 'convTranspose', input: [4], kernel: [2], dilation: [2] }))
 * // → { shape: [3, 1, 1], data: Float32Array [1, 0, 2] }
 */
export function tfjsFilter(weight: Float32Array, plan: Plan): { shape: number[]; data: Float32Array } {
  if (plan.groups !== 1) throw new RangeError('tfjs filters have no groups');
  const cin = plan.inChannels;
  const cout = plan.outChannels;
  const kernel = plan.axes.map((a) => a.kernel);
  const extent = plan.axes.map((a) => a.effectiveKernel);
  const taps = product(kernel);
  const data = new Float32Array(product(extent) * cout * cin);
  const tap = new Array<number>(kernel.length).fill(0);
  for (let t = 0; t < taps; t++) {
    // Row-major index of the dilated position of tap t in the [K…] grid.
    let rest = t;
    for (let a = kernel.length - 1; a >= 0; a--) {
      tap[a] = rest % kernel[a]!;
      rest = Math.floor(rest / kernel[a]!);
    }
    let position = 0;
    for (let a = 0; a < kernel.length; a++) position = position * extent[a]! + tap[a]! * plan.axes[a]!.dilation;
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++) data[(position * cout + o) * cin + i] = weight[(i * cout + o) * taps + t]!;
    }
  }
  return { shape: [...extent, cout, cin], data };
}
