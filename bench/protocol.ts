/**
 * Messages between the bench parent (bench/run.ts, through bench/child-handle.ts) and a child that times one
 * library at one thread count (bench/child.ts). The child stays alive for the whole run and measures one case at a
 * time when asked, so every library meets the same machine load case by case.
 */
import type { SuiteCase } from './suite.ts';
import type { TimingOptions } from './timing.ts';
import type { LibraryName } from './libraries/registry.ts';

/**
 * ok: checked and timed. wrong: failed the correctness gate (not timed). n/a: the library cannot express the case.
 * unavailable: the library (e.g. the native addon) is not usable here. skipped: left out by an option (e.g. the
 * reference above --reference-max-gflop). error: it threw, crashed or timed out.
 */
export type Status = 'ok' | 'wrong' | 'n/a' | 'unavailable' | 'skipped' | 'error';

export interface ChildSetup {
  readonly library: LibraryName;
  readonly threads: number;
  readonly timing: TimingOptions;
  readonly tolerance: number;
}

export interface CaseEntry {
  readonly case: SuiteCase;
  /** The case's cache directory (bench/data.ts). */
  readonly dir: string;
}

/** One cell as measured by a child in one round. */
export interface CellResult {
  readonly case: string;
  readonly status: Status;
  readonly reason?: string;
  readonly medianMs: number | null;
  readonly minMs: number | null;
  readonly samples: number;
  readonly relErr: number | null;
  /** Peak resident set of the child so far (process.resourceUsage().maxRSS), in MiB; 0 when not measured. */
  readonly peakRssMiB: number;
}

export type ParentMessage =
  | { readonly type: 'setup'; readonly setup: ChildSetup }
  | { readonly type: 'measure'; readonly entry: CaseEntry };

export type ChildMessage =
  | { readonly type: 'loaded'; readonly version: string; readonly unavailable: string | null }
  | { readonly type: 'result'; readonly result: CellResult };
