/**
 * Smallest and largest value of a list of any length. `Math.max(...values)` passes every value as an argument and
 * overflows the call stack somewhere past ~10^5 values (an overlap axis of a large layer has millions).
 */
export function extent(values: ArrayLike<number>): { readonly min: number; readonly max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
