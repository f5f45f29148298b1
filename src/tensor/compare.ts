/** How close two float arrays are, in the terms the tests and the conformance runner use. */

/** ‖a − b‖₂ / ‖b‖₂ in float64; when b is all zeros, ‖a‖₂ (absolute). */
export function relativeL2Error(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  checkLengths(actual, expected);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i]! - expected[i]!;
    diff += d * d;
    norm += expected[i]! * expected[i]!;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/** max |a − b| (NaN anywhere gives NaN, so a poisoned, unwritten element never passes). */
export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  checkLengths(actual, expected);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

/**
 * The project's tolerance: relative L2 < 1e-5, or every element within 1e-4 absolute.
 * @example
 * closeEnough([1, 2], [1, 2.000001]) // → true
 */
export function closeEnough(actual: ArrayLike<number>, expected: ArrayLike<number>, relL2 = 1e-5, abs = 1e-4): boolean {
  return relativeL2Error(actual, expected) < relL2 || maxAbsError(actual, expected) <= abs;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`cannot compare ${a.length} values with ${b.length}`);
}
