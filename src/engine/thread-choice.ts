/**
 * Threads per layer from the layer's own measured times: a layer whose static rule (native threadsFor, wasm
 * minFlopsPerThread) lets it use more than one thread is timed on one thread and on the requested count, alternating
 * for its first calls and again now and then, and runs on whichever is faster here and now. The static rules cannot
 * know the host: on a 2-vCPU machine shared with other processes, a second thread that is preempted in the middle of
 * a task holds the caller until it runs again, and a layer that gains 1.5× on an idle core loses 2–6× under load
 * (docs/perf-log.md, 2026-12-07 threads-t2). More threads must win by a margin: equal times keep one thread (which
 * leaves the other core to the rest of the host). Kernels compute each output the same way on any number of threads,
 * so the choice never changes the result's bits.
 */

/** The policy's constants; tests and calibration scripts may change them. */
export const threadChoiceTuning = {
  /**
   * 'measured': the faster side as measured; 'requested': every call on the requested threads (the static rule alone:
   * tests that force threads); 'one': every call on one thread (A/B of a session against itself, scripts/zoo-threads.ts).
   */
  mode: 'measured' as 'measured' | 'requested' | 'one',
  /** Timed calls per side before the first choice (after one untimed warm-up call each: first-touch, wake-up). */
  explore: 3,
  /** More threads are chosen only when their estimate is below this fraction of one thread's. */
  margin: 0.92,
  /** Weight of a new time in a side's running estimate (exponential moving average). */
  weight: 0.25,
  /**
   * A time counts at most this many times the side's estimate: one call that lost the core (which hits either side)
   * moves the estimate by at most (clip − 1) × weight, while a second thread that is 2–6× slower call after call still
   * switches within one or two calls.
   */
  clip: 4,
  /**
   * The weight of a re-check's time: 1 replaces the side's stale estimate, since the host may have changed since it
   * last ran (a lucky re-check that flips the choice costs one call: the next slow one flips it back).
   */
  recheckWeight: 1,
  /** Calls between two re-checks of the side not chosen: starts here, doubles while the choice holds, to `maxPeriod`. */
  minPeriod: 8,
  maxPeriod: 256,
};

interface Side {
  /** Timed calls so far, the untimed warm-up included. */
  calls: number;
  /** Running estimate of one call's time (any unit), NaN before the first timed call. */
  estimate: number;
}

/** One layer's record: its two sides (1 thread, `threads`), the current choice and when to re-check the other side. */
export class ThreadChoice {
  private readonly one: Side = { calls: 0, estimate: Number.NaN };
  private readonly many: Side = { calls: 0, estimate: Number.NaN };
  private chosen = 0;
  private period = threadChoiceTuning.minPeriod;
  private sinceCheck = 0;

  constructor(readonly threads: number) {}

  /** The thread count of the next call: 1 or `threads`. */
  next(): number {
    const t = threadChoiceTuning;
    if (t.mode !== 'measured' || this.threads <= 1) return t.mode === 'one' ? 1 : this.threads;
    // Exploring: the requested count first (a single call runs as asked), then alternate until both sides are timed.
    if (this.many.calls <= t.explore || this.one.calls <= t.explore) return this.many.calls <= this.one.calls ? this.threads : 1;
    if (this.chosen === 0) this.choose();
    if (this.sinceCheck >= this.period) return this.chosen === 1 ? this.threads : 1;
    return this.chosen;
  }

  /** Records the time of a call made with `threads` threads (1 or this.threads). */
  record(threads: number, time: number): void {
    const t = threadChoiceTuning;
    if (t.mode !== 'measured' || this.threads <= 1) return;
    const side = threads > 1 ? this.many : this.one;
    const recheck = this.chosen !== 0 && threads !== this.chosen;
    const weight = recheck ? t.recheckWeight : t.weight;
    side.calls++;
    // The first call of a side is a warm-up: it pays for first-touch pages and for starting or waking the workers.
    if (side.calls > 1) {
      side.estimate = Number.isNaN(side.estimate) ? time : side.estimate + weight * (Math.min(time, t.clip * side.estimate) - side.estimate);
    }
    if (this.chosen === 0) return;
    // Choose again after every call: the chosen side turning slow (the host got busy) switches at once; a re-check of
    // the other side makes the period grow while the choice holds. Either way a flip restarts the period.
    const before = this.chosen;
    this.choose();
    if (this.chosen !== before) {
      this.sinceCheck = 0;
      this.period = t.minPeriod;
    } else if (recheck) {
      this.sinceCheck = 0;
      this.period = Math.min(t.maxPeriod, this.period * 2);
    } else {
      this.sinceCheck++;
    }
  }

  /** What has been measured, for reports: the choice (0 before one is made) and each side's estimate. */
  state(): { chosen: number; one: number; many: number } {
    return { chosen: this.chosen, one: this.one.estimate, many: this.many.estimate };
  }

  private choose(): void {
    this.chosen = this.many.estimate < threadChoiceTuning.margin * this.one.estimate ? this.threads : 1;
  }
}

/**
 * Records per layer key (a prepared handle or a plan) and thread count; weak, so they go with their layer.
 * @example
 * const choices = new ThreadChoices<object>();
 * const choice = choices.for(layer, 2);
 * const threads = choice.next(); // 2 or 1
 * choice.record(threads, measuredMs);
 */
export class ThreadChoices<K extends object> {
  private readonly byKey = new WeakMap<K, ThreadChoice>();

  for(key: K, threads: number): ThreadChoice {
    let choice = this.byKey.get(key);
    if (!choice || choice.threads !== threads) {
      choice = new ThreadChoice(threads);
      this.byKey.set(key, choice);
    }
    return choice;
  }
}
