/**
 * The correctness gate: every library's output is compared with tconv's reference before it is timed, so a fast
 * wrong answer is reported as wrong and never gets a speed.
 */

/** design.md: float32 results against the float64-accumulated reference must agree to a relative L2 below 1e-5. */
export const DEFAULT_TOLERANCE = 1e-5;

export type GateResult =
  | { readonly ok: true; readonly relErr: number }
  | { readonly ok: false; readonly relErr: number | null; readonly reason: string };

/**
 * Relative L2 error ‖actual − expected‖ / ‖expected‖ (absolute error when the expected output is all zeros),
 * accumulated in float64. NaN or ±Infinity anywhere gives NaN.
 * @example
 * relativeL2Error(Float32Array.of(3, 4), Float32Array.of(3, 4)) // → 0
 */
export function relativeL2Error(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const d = actual[i]! - e;
    diff += d * d;
    norm += e * e;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/**
 * Accepts an output when its length matches and its relative L2 error is within the tolerance.
 * @example
 * checkOutput(Float32Array.of(1, 2), Float32Array.of(1, 2)) // → { ok: true, relErr: 0 }
 * checkOutput(Float32Array.of(1, 0), Float32Array.of(1, 2)).ok // → false
 */
export function checkOutput(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = DEFAULT_TOLERANCE): GateResult {
  if (actual.length !== expected.length) {
    return { ok: false, relErr: null, reason: `output has ${actual.length} values, the reference ${expected.length}` };
  }
  const relErr = relativeL2Error(actual, expected);
  if (Number.isNaN(relErr)) return { ok: false, relErr, reason: 'output contains NaN or Infinity' };
  if (relErr > tolerance) {
    return { ok: false, relErr, reason: `relative L2 error ${relErr.toExponential(2)} exceeds ${tolerance.toExponential(0)}` };
  }
  return { ok: true, relErr };
}
