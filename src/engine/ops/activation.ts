/**
 * The activation a layer call may apply to its output after the bias (EngineOptions.activation), so a whole-model
 * caller saves the separate element-wise pass and its intermediate tensor. Defined on the layer's float32 output,
 * exactly as the ONNX executor's Relu and LeakyRelu (src/onnx/ops/elementwise.ts) compute it, so a fused node gives
 * the same bits as the two unfused ones on every backend:
 *   relu:      v > 0 ? v : 0          (NaN and −0 give 0)
 *   leakyRelu: v >= 0 ? v : alpha·v   (alpha·v in float64, rounded once to float32; NaN stays NaN)
 * The native addon computes the same expressions in C++ (kernels/native/src/engine.cc, applyActivation).
 */
import { TconvError } from '../../shape/errors.ts';

export type Activation = { readonly kind: 'relu' } | { readonly kind: 'leakyRelu'; readonly alpha: number };

/** The activation as numbers for the native addon: kind 0 none, 1 relu, 2 leakyRelu; alpha (0 unless leaky). */
export const ACTIVATION_CODES = { none: 0, relu: 1, leakyRelu: 2 } as const;

/** Refuses anything but a known activation with a finite alpha, by name. */
export function checkActivation(activation: unknown): Activation | null {
  if (activation === undefined || activation === null) return null;
  const candidate = activation as { kind?: unknown; alpha?: unknown };
  if (typeof activation !== 'object' || (candidate.kind !== 'relu' && candidate.kind !== 'leakyRelu')) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'activation', value: activation,
      rule: "must be { kind: 'relu' } or { kind: 'leakyRelu', alpha } (the activations a layer call applies itself)",
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

/**
 * Writes activation(source[i]) to target[i] for every element (target may be source: one pass in place).
 * @example
 * const y = new Float32Array([-2, 0, 3]);
 * activate(y, y, { kind: 'leakyRelu', alpha: 0.5 }); // y → [-1, 0, 3]
 */
export function activate(source: Float32Array, target: Float32Array, activation: Activation): void {
  const n = target.length;
  if (activation.kind === 'relu') {
    for (let i = 0; i < n; i++) {
      const v = source[i]!;
      // biome-ignore lint/complexity/useMathMinMax: NaN maps to 0, as the ONNX executor's Relu; Math.max keeps it
      target[i] = v > 0 ? v : 0;
    }
    return;
  }
  const alpha = activation.alpha;
  for (let i = 0; i < n; i++) {
    const v = source[i]!;
    target[i] = v >= 0 ? v : alpha * v;
  }
}
