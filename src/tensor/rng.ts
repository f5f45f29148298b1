/**
 * A small seeded random number generator, so weights, test inputs and benchmarks are reproducible everywhere
 * (Node, browsers, workers) without a dependency. mulberry32 (Tommy Ettinger, public domain): 32-bit state,
 * period 2^32, good enough for initialisation and tests — not for cryptography.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** Uniform integer in [low, high] (both inclusive). */
  int(low: number, high: number): number;
}

/**
 * @example
 * const rng = createRng(42);
 * rng.next() === createRng(42).next() // → true
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  // mulberry32: one 32-bit add, then an xorshift-multiply mix of the state.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Box–Muller yields normals in pairs; keep the second one for the next call.
  let spare: number | null = null;
  const standardNormal = (): number => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - next(); // (0, 1]: log(u) stays finite
    const v = next();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal: (mean = 0, std = 1) => mean + std * standardNormal(),
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
  };
}
