/**
 * eˣ, tanh and the logistic function for the float32 fast paths of Tanh, Sigmoid and SiLU. Math.exp and Math.tanh
 * cost 20–30 ns an element in V8; these take a few, and are accurate to ~1e-14 relative in float64, so the float32
 * value they round to is Math's (test/onnx/fast-math.test.ts sweeps float32 inputs densely: at most 1 ulp apart,
 * and only where Math's value lies within ~1e-14 of a float32 rounding boundary). The float64 paths keep Math's.
 *
 * exp: x = (32m + j)·ln2/32 + r with |r| ≤ ln2/64, so eˣ = 2^m · 2^(j/32) · eʳ, eʳ by its Taylor series to r⁵
 * (truncation below 3e-15); ln2/32 is split in two parts so (32m + j)·ln2/32 is exact (Cody and Waite).
 */

const STEPS = 32;
const INV_STEP = STEPS / Math.LN2;
/** ln2/32 to 40 bits after the binary point: k·STEP_HI is exact for |k| < 2^13. */
const STEP_HI = Math.round((Math.LN2 / STEPS) * 2 ** 40) / 2 ** 40;
const STEP_LO = Math.LN2 / STEPS - STEP_HI;
const ROUNDER = 1.5 * 2 ** 52;
/** 2^(j/32), j = 0…31. */
const FRACTION = Float64Array.from({ length: STEPS }, (_, j) => 2 ** (j / STEPS));
/** 2^m for m = −MIN_POWER…MAX_POWER (the range below keeps m inside it). */
const MIN_POWER = 130;
const MAX_POWER = 130;
const POWER = Float64Array.from({ length: MIN_POWER + MAX_POWER + 1 }, (_, i) => 2 ** (i - MIN_POWER));

/** Where the table path runs; outside it (float32 overflow, subnormal results, NaN) Math.exp does. */
const LOWEST = -87;
const HIGHEST = 88;

/**
 * eˣ to ~1e-14 relative on [−87, 88], Math.exp elsewhere.
 * @example
 * fastExp(1) // → 2.718281828459045 (within 1e-14)
 */
export function fastExp(x: number): number {
  if (!(x > LOWEST && x < HIGHEST)) return Math.exp(x);
  // k = x·32/ln2 rounded to the nearest integer: adding 1.5·2⁵² leaves no fraction bits (Math.round costs more);
  // as an int32, m = k >> 5 and j = k & 31 index the tables without float-to-index conversions.
  const k = (x * INV_STEP + ROUNDER - ROUNDER) | 0;
  const r = x - k * STEP_HI - k * STEP_LO;
  // eʳ − 1 = r + r²/2 + … + r⁵/120, by Horner (|r| ≤ ln2/64: the r⁶/720 left out is below 3e-15)
  const p = r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  const scale = POWER[(k >> 5) + MIN_POWER]! * FRACTION[k & (STEPS - 1)]!;
  return scale + scale * p;
}

/** Below this |x|, tanh by its odd series (eˣ − 1 would lose relative accuracy to cancellation). */
const TANH_SERIES = 0.125;
/** Above this |x|, tanh(x) rounds to ±1 in float32 (1 − 2e⁻²ˣ > 1 − 2⁻²⁵). */
const TANH_ONE = 9.1;

/**
 * tanh(x) to ~1e-14 relative.
 * @example
 * fastTanh(0.5) // → 0.46211715726000974 (within 1e-14)
 */
export function fastTanh(x: number): number {
  const a = x < 0 ? -x : x;
  if (a < TANH_SERIES) {
    // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925; the next term is below 1e-13·x here
    const s = x * x;
    return x * (1 + s * (-1 / 3 + s * (2 / 15 + s * (-17 / 315 + s * (62 / 2835 + s * (-1382 / 155925))))));
  }
  if (!(a < TANH_ONE)) return Number.isNaN(x) ? x : x < 0 ? -1 : 1;
  const e = fastExp(2 * a);
  const t = (e - 1) / (e + 1);
  return x < 0 ? -t : t;
}

/**
 * The logistic function 1 / (1 + e⁻ˣ).
 * @example
 * fastSigmoid(0) // → 0.5
 */
export function fastSigmoid(x: number): number {
  return 1 / (1 + fastExp(-x));
}
