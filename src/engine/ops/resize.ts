/**
 * Upsampling by a whole factor per axis, as torch.nn.Upsample / F.interpolate with align_corners = false:
 * 'nearest' copies input ⌊o/r⌋; 'bilinear' (linear along every axis, so also trilinear in 3D) blends the two inputs
 * around the source coordinate max(0, (o + ½)/r − ½), clamping at the end.
 */
import { TconvError } from '../../shape/errors.ts';
import { perAxis, type PerAxis, type Rank } from '../../shape/params.ts';
import { DEFAULT_MEMORY_LIMIT_BYTES, checkMemory } from '../../shape/plan.ts';
import { type Tensor, tensor } from '../../tensor/tensor.ts';

export interface ResizeOptions {
  /** Whole upsampling factor, one per spatial axis or one for all. */
  readonly scale: PerAxis;
  readonly mode?: 'nearest' | 'bilinear';
  /** Refuse outputs whose tensors would need more bytes than this (default 4 GiB). */
  readonly memoryLimitBytes?: number;
}

/**
 * @example
 * resize(tensor([1, 1, 2], [1, 3]), { scale: 2, mode: 'bilinear' }).data // → [1, 1.5, 2.5, 3]
 */
export function resize(input: Tensor, options: ResizeOptions): Tensor {
  const { mode, scale } = resizeSettings(input.shape, options);
  const rank = scale.length;
  const outputShape = input.shape.map((n, i) => (i < 2 ? n : n * scale[i - 2]!));
  const inputElements = input.shape.reduce((a, b) => a * b, 1);
  const outputElements = outputShape.reduce((a, b) => a * b, 1);
  // Axis by axis, the intermediate tensors are never larger than the output.
  checkMemory([inputElements, outputElements], 4 * (inputElements + 2 * outputElements), options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES, outputShape);
  let current = input;
  for (let a = 0; a < rank; a++) {
    if (scale[a] === 1) continue;
    const step = axisResize(current.shape, 2 + a, scale[a]!, mode);
    const out = tensor(current.shape.map((n, i) => (i === 2 + a ? step.outSize : n)));
    resizeAxisInto(step, current.data, out.data, mode === 'nearest');
    current = out;
  }
  return current;
}

/**
 * The mode and per-axis factors of a resize of an input of this shape, refused by name when the rank, mode or
 * factors are not allowed (the engine's resize and training's ResizeLayer check alike).
 */
export function resizeSettings(inputShape: readonly number[], options: ResizeOptions): { mode: 'nearest' | 'bilinear'; scale: readonly number[] } {
  const rank = inputShape.length - 2;
  if (rank < 1 || rank > 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'input', value: [...inputShape],
      rule: 'must have 3 to 5 dimensions (N, C, spatial…)', hint: 'pass an NCW, NCHW or NCDHW tensor',
    });
  }
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') {
    throw new TconvError({ code: 'invalid-value', parameter: 'mode', value: mode, rule: 'must be "nearest" or "bilinear"', hint: 'choose a resize mode' });
  }
  const scale = perAxis('scale', options.scale, rank as Rank, 1, 'positive', 'use a whole upsampling factor such as 2');
  return { mode, scale };
}

/** One upsampled dimension of a row-major tensor, outer × size × inner → outer × size·r × inner, and where each output row reads. */
export interface AxisResize {
  readonly size: number;
  readonly outSize: number;
  readonly outer: number;
  readonly inner: number;
  /** Per output row: the two source rows and the weight of the second (resizeSource). */
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly lambdas: Float64Array;
}

/** The source rows and weights of dimension `dim` of `shape` upsampled r times. */
export function axisResize(shape: readonly number[], dim: number, r: number, mode: 'nearest' | 'bilinear'): AxisResize {
  const size = shape[dim]!;
  const outSize = size * r;
  const first = new Int32Array(outSize);
  const second = new Int32Array(outSize);
  const lambdas = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const { i0, i1, lambda } = resizeSource(o, r, size, mode);
    first[o] = i0;
    second[o] = i1;
    lambdas[o] = lambda;
  }
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  return { size, outSize, outer, inner, first, second, lambdas };
}

/**
 * Writes one upsampled dimension of `src` into `dst`, in storage order (outer, row, inner), so the last axis
 * (inner = 1) is written sequentially rather than one strided pass per output column.
 */
export function resizeAxisInto(step: AxisResize, src: Float32Array, dst: Float32Array, nearest: boolean): void {
  const { size, outSize, outer, inner, first, second, lambdas } = step;
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < outSize; o++) {
      const from0 = (b * size + first[o]!) * inner;
      const from1 = (b * size + second[o]!) * inner;
      const to = (b * outSize + o) * inner;
      const lambda = lambdas[o]!;
      // Nearest copies (1·x + 0·x would turn an infinite x into NaN); linear blends even at weight 0, as PyTorch does.
      if (nearest) for (let c = 0; c < inner; c++) dst[to + c] = src[from0 + c]!;
      else for (let c = 0; c < inner; c++) dst[to + c] = (1 - lambda) * src[from0 + c]! + lambda * src[from1 + c]!;
    }
  }
}

/**
 * Where output o of an axis upsampled r times (from `size` inputs) reads: (1 − lambda)·input[i0] + lambda·input[i1].
 * Shared by the forward and its gradient (src/train/ops-backward.ts), so both use one coordinate map.
 * @example
 * resizeSource(1, 2, 2, 'bilinear') // → { i0: 0, i1: 1, lambda: 0.25 }
 */
export function resizeSource(o: number, r: number, size: number, mode: 'nearest' | 'bilinear'): { i0: number; i1: number; lambda: number } {
  if (mode === 'nearest') {
    const i = Math.min(Math.floor(o / r), size - 1);
    return { i0: i, i1: i, lambda: 0 };
  }
  const source = Math.max(0, (o + 0.5) / r - 0.5);
  const i0 = Math.min(Math.floor(source), size - 1);
  return { i0, i1: Math.min(i0 + 1, size - 1), lambda: source - i0 };
}
