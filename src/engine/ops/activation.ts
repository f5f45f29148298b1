/**
 * The activation a layer call may apply to its output after the bias (EngineOptions.activation), so a whole-model
 * caller saves the separate element-wise pass and its intermediate tensor. Defined on the layer's float32 output; the
 * ONNX executor's Relu, LeakyRelu, Tanh, Sigmoid and fused SiLU run the same backend's element-wise kernels
 * (src/engine/elementwise.ts), so a fused node gives the same bits as the two unfused ones on every backend:
 *   relu:      v > 0 ? v : 0          (NaN and −0 give 0)
 *   leakyRelu: v >= 0 ? v : alpha·v   (alpha·v in float64, rounded once to float32; NaN stays NaN)
 *   tanh:      tanh(v)                 (±0 keep their sign, ±Inf give ±1, NaN stays NaN)
 *   sigmoid:   1 / (1 + e⁻ᵛ)
 *   silu:      v · sigmoid(v) = v / (1 + e⁻ᵛ)
 * relu and leakyRelu are exact on every backend. The JavaScript loops below compute tanh, sigmoid and silu in float64
 * (src/engine/fast-math.ts) and round once; the native addon's float32 SIMD kernels (kernels/native/src/eltwise*.cc)
 * stay within the few ulp its tests state.
 */
import { TconvError } from '../../shape/errors.ts';
import { fastExp, fastSigmoid, fastTanh } from '../fast-math.ts';

export type Activation =
  | { readonly kind: 'relu' }
  | { readonly kind: 'leakyRelu'; readonly alpha: number }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'sigmoid' }
  | { readonly kind: 'silu' };

/** The activation as numbers for the kernels: kind 0 none, 1 relu, 2 leakyRelu, 3 tanh, 4 sigmoid, 5 silu; alpha (0 unless leaky). */
export const ACTIVATION_CODES = { none: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4, silu: 5 } as const;

const KINDS: readonly string[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'silu'];

/** The slope a kernel takes with the code: alpha for leakyRelu, else 0. */
export const alphaOf = (activation: Activation | null): number => (activation?.kind === 'leakyRelu' ? activation.alpha : 0);

/** Refuses anything but a known activation with a finite alpha, by name. */
export function checkActivation(activation: unknown): Activation | null {
  if (activation === undefined || activation === null) return null;
  const candidate = activation as { kind?: unknown; alpha?: unknown };
  if (typeof activation !== 'object' || !KINDS.includes(candidate.kind as string)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'activation', value: activation,
      rule: "must be { kind: 'relu' }, { kind: 'leakyRelu', alpha }, { kind: 'tanh' }, { kind: 'sigmoid' } or { kind: 'silu' } (the activations a layer call applies itself)",
      hint: 'leave activation out and apply other activations to the result',
    });
  }
  if (candidate.kind === 'leakyRelu' && (typeof candidate.alpha !== 'number' || !Number.isFinite(candidate.alpha))) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'activation.alpha', value: candidate.alpha,
      rule: 'must be a finite number (the slope for negative values)',
      hint: "give it, e.g. { kind: 'leakyRelu', alpha: 0.2 }",
    });
  }
  return activation as Activation;
}

/** The float32 bits of a buffer, to choose by sign without a branch (a branch on random signs mispredicts half the time: ~8× slower). */
export const bitsOf = (data: Float32Array): Int32Array => new Int32Array(data.buffer, data.byteOffset, data.length);
const POSITIVE_INFINITY_BITS = 0x7f800000;

/**
 * 1 for a float32 below zero (sign bit set, magnitude bits not all zero: −0 is not below zero), else 0, from its bits.
 * A NaN with its sign set counts as below zero; x·factor keeps it NaN either way.
 */
export const belowZero = (bits: number): number => (bits >>> 31) & (((bits & 0x7fffffff) + 0x7fffffff) >>> 31);

/**
 * Relu on float32 bits: a negative sign (−0 and negative NaNs included) gives +0, and so does a positive NaN (bits
 * above +∞'s): v > 0 ? v : 0 without a branch. `out` may be `x`.
 */
export function reluInto(x: Float32Array, out: Float32Array): void {
  const from = bitsOf(x);
  const to = bitsOf(out);
  for (let i = 0; i < to.length; i++) {
    const b = from[i]!;
    const kept = b & ~(b >> 31);
    to[i] = kept & ~((POSITIVE_INFINITY_BITS - kept) >> 31);
  }
}

/** LeakyRelu on float32: x times 1 or α as it is below zero (α·x in float64, rounded once). `out` may be `x`. */
export function leakyReluInto(x: Float32Array, out: Float32Array, alpha: number): void {
  const bits = bitsOf(x);
  const factor = Float64Array.of(1, alpha);
  for (let i = 0; i < out.length; i++) out[i] = x[i]! * factor[belowZero(bits[i]!)]!;
}

/**
 * Writes activation(source[i]) to target[i] for every element (target may be source: one pass in place).
 * @example
 * const y = new Float32Array([-2, 0, 3]);
 * activate(y, y, { kind: 'leakyRelu', alpha: 0.5 }); // y → [-1, 0, 3]
 */
export function activate(source: Float32Array, target: Float32Array, activation: Activation): void {
  switch (activation.kind) {
    case 'relu': reluInto(source, target); return;
    case 'leakyRelu': leakyReluInto(source, target, activation.alpha); return;
    case 'tanh': for (let i = 0; i < target.length; i++) target[i] = fastTanh(source[i]!); return;
    case 'sigmoid': for (let i = 0; i < target.length; i++) target[i] = fastSigmoid(source[i]!); return;
    // x · σ(x) = x / (1 + e⁻ˣ), rounded once.
    case 'silu': for (let i = 0; i < target.length; i++) { const v = source[i]!; target[i] = v / (1 + fastExp(-v)); } return;
  }
}
