/** The timing loop run inside each child: warm-up, then repeated calls until enough time and samples are collected. */

export interface TimingOptions {
  /** Keep sampling until this much time has been spent in timed calls (ms). */
  readonly minTimeMs: number;
  /** Untimed calls first, until this much time has passed (ms), to reach steady state (JIT, caches, pools). */
  readonly warmupMs: number;
  /** At least this many timed calls, however slow each is. */
  readonly minSamples: number;
  /** At most this many timed calls (tiny layers would otherwise collect millions). */
  readonly maxSamples: number;
}

export const DEFAULT_TIMING: TimingOptions = { minTimeMs: 1000, warmupMs: 200, minSamples: 5, maxSamples: 100_000 };

/**
 * Per-call wall times in milliseconds. A call may return a promise (ONNX Runtime's run is async); it is awaited
 * inside the timed region, because a user pays for it too.
 * @example
 * const times = await timeCalls(() => layer.run(), DEFAULT_TIMING);
 */
export async function timeCalls(call: () => unknown, options: TimingOptions): Promise<number[]> {
  const warmupEnd = performance.now() + options.warmupMs;
  let warmups = 0;
  while (warmups < 1 || performance.now() < warmupEnd) {
    const result = call();
    if (result instanceof Promise) await result;
    warmups++;
  }
  const times: number[] = [];
  let spent = 0;
  while ((spent < options.minTimeMs || times.length < options.minSamples) && times.length < options.maxSamples) {
    const start = performance.now();
    const result = call();
    if (result instanceof Promise) await result;
    const elapsed = performance.now() - start;
    times.push(elapsed);
    spent += elapsed;
  }
  return times;
}
