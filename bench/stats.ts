/** Summary statistics of timing samples. Pure functions: the harness's tests check them without timing anything. */

/**
 * The median (mean of the two middle values for an even count).
 * @example
 * median([3, 1, 2]) // → 2
 * median([4, 1, 3, 2]) // → 2.5
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The geometric mean, the right average for ratios (a 2× win and a 2× loss cancel out).
 * @example
 * geometricMean([2, 0.5]) // → 1
 */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('geometric mean of no values');
  if (values.some((v) => !(v > 0))) throw new RangeError('geometric mean needs positive values');
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

export interface SampleSummary {
  readonly medianMs: number;
  readonly minMs: number;
  readonly samples: number;
}

/**
 * Median and minimum of per-call times in milliseconds.
 * @example
 * summarize([2, 1, 3]) // → { medianMs: 2, minMs: 1, samples: 3 }
 */
export function summarize(timesMs: readonly number[]): SampleSummary {
  return { medianMs: median(timesMs), minMs: Math.min(...timesMs), samples: timesMs.length };
}
