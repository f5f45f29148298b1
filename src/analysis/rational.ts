/**
 * Exact rationals (BigInt numerator and denominator, always reduced, denominator positive) for alignment: output
 * positions through a stack are fractions like −1/3 or −7/16, and deciding whether two paths meet, or whether a
 * position moves when weights change, needs equality, not a tolerance. Products of gains grow with depth, hence BigInt.
 */

export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcdBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * num/den reduced; den must not be 0.
 * @example
 * ratio(2, -4) // → { num: -1n, den: 2n }
 */
export function ratio(num: number | bigint, den: number | bigint = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError('a rational needs a non-zero denominator');
  if (d < 0n) { n = -n; d = -d; }
  const g = gcdBig(n, d);
  return g > 1n ? { num: n / g, den: d / g } : { num: n, den: d };
}

export const ZERO: Rational = ratio(0);
export const ONE: Rational = ratio(1);

export const add = (a: Rational, b: Rational): Rational => ratio(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Rational, b: Rational): Rational => ratio(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Rational, b: Rational): Rational => ratio(a.num * b.num, a.den * b.den);
export const div = (a: Rational, b: Rational): Rational => ratio(a.num * b.den, a.den * b.num);
export const equal = (a: Rational, b: Rational): boolean => a.num === b.num && a.den === b.den;
export const isZero = (a: Rational): boolean => a.num === 0n;

/** ⌊a⌋ as a number (indices are small). */
export function floorOf(a: Rational): number {
  const q = a.num / a.den; // BigInt division truncates toward zero
  return Number(a.num < 0n && q * a.den !== a.num ? q - 1n : q);
}

/**
 * The nearest float (exact for the small fractions alignment produces).
 * @example
 * toNumber(ratio(-1, 4)) // → -0.25
 */
export function toNumber(a: Rational): number {
  const n = Number(a.num);
  const d = Number(a.den);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Past float range: drop the same low bits from both (the quotient keeps its leading digits).
  const bits = Math.max(a.num.toString(2).length, a.den.toString(2).length);
  const shift = BigInt(bits - 1000);
  return Number(a.num >> shift) / Number(a.den >> shift);
}
