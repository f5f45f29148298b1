/**
 * The element-wise kernels a backend may provide beside its convolutions (Backend.elementwise), and their one
 * JavaScript implementation, which the reference backend uses and every other backend falls back to. The ONNX
 * executor's activations, same-shape Add, per-channel PRelu and its fused SiLU and GroupNorm steps run on them.
 *
 * Rounding: the JavaScript loops compute in float64 and round once to float32 (relu, leakyRelu, add and prelu are
 * then exact; tanh, sigmoid and silu follow src/engine/fast-math.ts). A backend's own kernels give relu, leakyRelu,
 * add, prelu and affine the same bits, and tanh, sigmoid, silu and softmax within the few ulp its tests state; on one
 * backend a fused step and the unfused ops give the same bits, because both run that backend's kernels.
 */
import { type Activation, activate, belowZero, bitsOf } from './ops/activation.ts';

export interface GroupNormArgs {
  /** Blocks normalised apart: batch · groups. */
  readonly blocks: number;
  /** Elements of a block: channels / groups · inner. */
  readonly blockSize: number;
  readonly channels: number;
  /** Elements of one channel of one sample (the spatial size). */
  readonly inner: number;
  readonly epsilon: number;
  /** Per channel; null: 1. */
  readonly scale: Float32Array | null;
  /** Per channel; null: 0. */
  readonly shift: Float32Array | null;
}

export interface ElementwiseKernels {
  /** out[i] = f(x[i]); out may be x. */
  map(f: Activation, x: Float32Array, out: Float32Array): void;
  /** out[i] = f(a[i] + b[i]) (f null: plain sum); same lengths; out may be a or b. */
  add(a: Float32Array, b: Float32Array, out: Float32Array, f: Activation | null): void;
  /**
   * PRelu with one slope per channel: x is blocks of `inner` elements (batch folded into the blocks: block k uses
   * slope[k % slope.length]); x < 0 ? slope·x : x, the product in float64 rounded once; out may be x.
   */
  preluChannels(x: Float32Array, slope: Float32Array, inner: number, out: Float32Array): void;
  /**
   * Group normalisation as PyTorch exports it: per block the mean and (biased) variance over `blockSize` elements
   * (blocks = N·groups), then per channel y = (x − mean)/√(variance + ε)·scale[c] + shift[c] (channel c spans
   * `inner` elements; a block holds channels/groups channels), rounded once to float32, then f; out may be x.
   */
  groupNorm(x: Float32Array, args: GroupNormArgs, f: Activation | null, out: Float32Array): void;
  /**
   * Softmax of each row of `length` contiguous values (x's length a multiple of it): e^(x − max) / Σ e^(x − max), the
   * sum in float64; out may be x. A row with a NaN gives NaNs, one with +∞ NaNs (∞ − ∞), as the float64 formula does.
   */
  softmax(x: Float32Array, length: number, out: Float32Array): void;
  /**
   * out[i] = a·x[i] + b, or x[i]/a + b when `divide`, in float64 rounded once: Mul, Add, Sub and Div by a scalar with
   * the bits of the float64 loops (b = −0 leaves a product's or quotient's −0 alone); out may be x.
   */
  affine(x: Float32Array, a: number, b: number, divide: boolean, out: Float32Array): void;
  /**
   * out (m×n) = a (m×k) · b (k×n), row-major: each output the float64 sum of its k products in order p = 0…k−1,
   * rounded once. A product of two float32 values is exact in float64, so every backend gives the same bits (the
   * JavaScript loop's). `transA`: a is stored k×m (a Transpose folded into the product); `transB`: b is stored n×k.
   * out must not share memory with a or b. MatMul's small products (an attention block's).
   */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out: Float32Array, transA?: boolean, transB?: boolean): void;
  /**
   * Nearest ×2 upsampling in 2D: each row of `width` values of x (planes and heights folded together) becomes two
   * rows of 2·width in out, each value stored twice. A copy (x's bits); out apart from x.
   */
  upsample2x(x: Float32Array, width: number, out: Float32Array): void;
  /**
   * MaxPool 2×2 of stride 2 with every window inside the input: `planes` planes of inRows × inWidth give outRows ×
   * outWidth each; each output is its window's first tap raised by the others in order with `v > best` (a NaN first
   * tap stays, a later NaN does not replace it). out apart from x.
   */
  maxPool2x2(x: Float32Array, planes: number, inRows: number, inWidth: number, outRows: number, outWidth: number, out: Float32Array): void;
  /**
   * DepthToSpace CRD (PyTorch's PixelShuffle): out[p, h·b + i, w·b + j] = x[p·b² + i·b + j, h, w] for `planes` output
   * planes (batch · channels) of (h·b) × (w·b). A copy (x's bits); out apart from x.
   */
  depthToSpace(x: Float32Array, planes: number, h: number, w: number, b: number, out: Float32Array): void;
}

/**
 * Softmax in float64 over `outer` groups of `length` values `inner` apart (inner 1: rows), rounded once: the
 * JavaScript kernel, and the ONNX op's loop for an axis other than the last.
 */
export function softmaxStrided(x: ArrayLike<number>, outer: number, length: number, inner: number, out: Float32Array): void {
  const e = new Float64Array(length);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      const base = p * length * inner + q;
      let max = -Infinity;
      for (let k = 0; k < length; k++) max = Math.max(max, x[base + k * inner]!);
      let sum = 0;
      for (let k = 0; k < length; k++) {
        e[k] = Math.exp(x[base + k * inner]! - max);
        sum += e[k]!;
      }
      for (let k = 0; k < length; k++) out[base + k * inner] = e[k]! / sum;
    }
  }
}

/**
 * Mean and (biased) variance of src[start, start + length) in float64, two passes: the statistics InstanceNormalization
 * takes per sample and channel, and group normalisation per block. Float64 because a block of the LDM decoder holds
 * up to ~100 k values: a float32 sum would lose ~5 digits there, and the second pass keeps the variance free of
 * the cancellation E[x²] − E[x]² suffers when the mean is large against the spread.
 */
export function blockMoments(src: ArrayLike<number>, start: number, length: number): { mean: number; variance: number } {
  let mean = 0;
  for (let i = start; i < start + length; i++) mean += src[i]!;
  mean /= length;
  let variance = 0;
  for (let i = start; i < start + length; i++) variance += (src[i]! - mean) ** 2;
  return { mean, variance: variance / length };
}

/**
 * The float64 product loop: row by row, b read along its rows, each output summing its products in order in float64
 * and rounded once, without striding down b's columns. `row` is n doubles of scratch.
 */
export function matmulRows(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, out: Float32Array, row = new Float64Array(n)): void {
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      const start = p * n;
      for (let j = 0; j < n; j++) row[j]! += av * b[start + j]!;
    }
    out.set(row.subarray(0, n), i * n);
  }
}

/** A rows × columns matrix laid out columns × rows (a copy). */
export function transposed(x: Float32Array, rows: number, columns: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) t[c * rows + r] = x[r * columns + c]!;
  return t;
}

/** The JavaScript kernels: float64 arithmetic rounded once on the store (the reference backend's, and the fallback). */
export const jsElementwise: ElementwiseKernels = {
  map(f, x, out) {
    activate(x, out, f);
  },
  add(a, b, out, f) {
    for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
    if (f) activate(out, out, f);
  },
  preluChannels(x, slope, inner, out) {
    const signs = bitsOf(x);
    // x times 1 or the slope as x is below zero, chosen from x's bits without a branch on random signs.
    const factor = Float64Array.of(1, 0);
    for (let start = 0, k = 0; start < out.length; start += inner, k++) {
      factor[1] = slope[k % slope.length]!;
      for (let i = start; i < start + inner; i++) out[i] = x[i]! * factor[belowZero(signs[i]!)]!;
    }
  },
  groupNorm(x, args, f, out) {
    const { blocks, blockSize, channels, inner, epsilon, scale, shift } = args;
    const perBlock = blockSize / inner;
    const groups = channels / perBlock;
    for (let block = 0; block < blocks; block++) {
      const start = block * blockSize;
      // The block's statistics are taken before it is written (out may be x).
      const { mean, variance } = blockMoments(x, start, blockSize);
      const inverse = 1 / Math.sqrt(variance + epsilon);
      const first = (block % groups) * perBlock;
      for (let k = 0; k < perBlock; k++) {
        const c = first + k;
        // Folded per channel: y = a·x + b.
        const a = (scale ? scale[c]! : 1) * inverse;
        const b = (shift ? shift[c]! : 0) - a * mean;
        const from = start + k * inner;
        for (let i = from; i < from + inner; i++) out[i] = a * x[i]! + b;
      }
      if (f) {
        const written = out.subarray(start, start + blockSize);
        activate(written, written, f);
      }
    }
  },
  softmax(x, length, out) {
    if (out.length > 0) softmaxStrided(x, out.length / length, length, 1, out);
  },
  affine(x, a, b, divide, out) {
    if (divide) for (let i = 0; i < out.length; i++) out[i] = x[i]! / a + b;
    else for (let i = 0; i < out.length; i++) out[i] = a * x[i]! + b;
  },
  matmul(a, b, m, k, n, out, transA = false, transB = false) {
    matmulRows(transA ? transposed(a, k, m) : a, transB ? transposed(b, n, k) : b, m, k, n, out);
  },
  upsample2x(x, width, out) {
    // Both output rows in one pass: each input value stored four times.
    const rows = x.length / width;
    for (let r = 0, i = 0; r < rows; r++) {
      let o = 4 * r * width;
      for (const end = i + width; i < end; i++, o += 2) {
        const v = x[i]!;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2 * width] = v;
        out[o + 2 * width + 1] = v;
      }
    }
  },
  maxPool2x2(x, planes, inRows, inWidth, outRows, outWidth, out) {
    let at = 0;
    for (let p = 0; p < planes; p++) {
      for (let r = 0; r < outRows; r++) {
        let i = (p * inRows + 2 * r) * inWidth;
        for (let o = 0; o < outWidth; o++, i += 2) {
          // The first compare is the first tap against itself in the generic loop: the first tap starts the maximum.
          let best = x[i]!;
          const b = x[i + 1]!;
          const c = x[i + inWidth]!;
          const d = x[i + inWidth + 1]!;
          if (b > best) best = b;
          if (c > best) best = c;
          if (d > best) best = d;
          out[at++] = best;
        }
      }
    }
  },
  depthToSpace(x, planes, h, w, b, out) {
    // Output rows in order: each interleaves b input rows (j = 0 … b − 1 a plane apart); b = 2 and 3 unrolled.
    const plane = h * w;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      for (let row = 0; row < h; row++) {
        for (let i = 0; i < b; i++) {
          const from = (p * b * b + i * b) * plane + row * w;
          if (b === 2) {
            for (let col = from; col < from + w; col++, o += 2) {
              out[o] = x[col]!;
              out[o + 1] = x[col + plane]!;
            }
          } else if (b === 3) {
            for (let col = from; col < from + w; col++, o += 3) {
              out[o] = x[col]!;
              out[o + 1] = x[col + plane]!;
              out[o + 2] = x[col + 2 * plane]!;
            }
          } else {
            for (let col = from; col < from + w; col++) for (let j = 0; j < b; j++) out[o++] = x[col + j * plane]!;
          }
        }
      }
    }
  },
};
