/** Messages between the bench parent (bench/run.ts) and the child that times one library at one thread count. */
import type { SuiteCase } from './suite.ts';
import type { TimingOptions } from './timing.ts';
import type { LibraryName } from './libraries/registry.ts';

/**
 * ok: checked and timed. wrong: failed the correctness gate (not timed). n/a: the library cannot express the case.
 * unavailable: the library (e.g. the native addon) is not usable here. skipped: left out by an option (e.g. the
 * reference above --reference-max-gflop). error: it threw or crashed.
 */
export type Status = 'ok' | 'wrong' | 'n/a' | 'unavailable' | 'skipped' | 'error';

export interface Job {
  readonly library: LibraryName;
  readonly threads: number;
  readonly cases: readonly { readonly case: SuiteCase; readonly dir: string }[];
  readonly timing: TimingOptions;
  readonly tolerance: number;
}

/** One cell as measured by a child. */
export interface CellResult {
  readonly case: string;
  readonly status: Status;
  readonly reason?: string;
  readonly medianMs: number | null;
  readonly minMs: number | null;
  readonly samples: number;
  readonly relErr: number | null;
  /** Peak resident set of the child so far (process.resourceUsage().maxRSS), in MiB. */
  readonly peakRssMiB: number;
}

export type ChildMessage =
  | { readonly type: 'loaded'; readonly version: string; readonly unavailable: string | null }
  | { readonly type: 'start'; readonly case: string }
  | { readonly type: 'result'; readonly result: CellResult }
  | { readonly type: 'done'; readonly peakRssMiB: number };
