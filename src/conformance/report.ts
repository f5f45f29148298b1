/**
 * What a conformance run reports, shared by the vector-file runner (run.ts) and the ONNX test-directory runner
 * (onnx-dir.ts): options, case results, reports, and how a result reads on one line.
 */
import { isTconvError } from '../shape/errors.ts';
import type { BackendChoice } from '../engine/index.ts';

export interface ConformanceOptions {
  /** Engine backend (default 'reference': conformance checks arithmetic, not speed). */
  readonly backend?: BackendChoice;
  /** Work budget of a file's cases or a test directory's model runs, as runModel's maxFlops (default DEFAULT_MAX_FLOPS). */
  readonly maxFlops?: number;
}

/**
 * How a case ended: passed; refused by name (an operator, attribute or type tconv does not implement exactly);
 * a wrong value ('differs'); an error reading or checking the files; or a crash (a tconv bug).
 */
export type Outcome = 'pass' | 'refused' | 'differs' | 'error' | 'crash';

export interface CaseResult {
  readonly name: string;
  /** 'model' for a case of an ONNX test directory (a whole model run, see onnx-dir.ts). */
  readonly op: 'ConvTranspose' | 'Conv' | 'model';
  readonly expect: 'success' | 'failure';
  readonly passed: boolean;
  /** ONNX test directories: how the case ended (see Outcome). */
  readonly outcome?: Outcome;
  /** Output comparison (success cases that ran). */
  readonly relativeL2?: number;
  readonly maxAbs?: number;
  readonly outputShape?: readonly number[];
  /** Gradient cases: the worst relative L2 and max |error| over ∂X, ∂W and ∂B. */
  readonly gradient?: { readonly relativeL2: number; readonly maxAbs: number };
  /** The error tconv raised (the refusal of a failure case, or what stopped a success case). */
  readonly error?: string;
  /** Why a case failed, in one sentence. */
  readonly reason?: string;
  /** One line for a listing: the figures of a pass, the refusal, or the reason of a failure. */
  readonly detail?: string;
}

export interface ConformanceReport {
  readonly file: string;
  readonly backend: BackendChoice;
  /** One result per case, in file order. */
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
}

/** How an error that stopped a case is reported: a refusal by name, a bad file, or a crash (a tconv bug). */
export function failureOf(error: unknown): { outcome: Outcome; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (!isTconvError(error)) return { outcome: 'crash', message };
  return { outcome: error.code === 'unsupported' ? 'refused' : 'error', message };
}

/** One line per case, then "N passed, M failed". */
export function formatReport(report: ConformanceReport): string {
  const lines = report.results.map((c) => `${c.passed ? 'pass' : 'FAIL'}  ${c.name}  ${c.detail ?? ''}`.trimEnd());
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n');
}

/** Adds the one-line `detail` to a case result. */
export function withDetail(c: CaseResult): CaseResult {
  const prefix = c.outcome === 'refused' || c.outcome === 'error' || c.outcome === 'crash' ? `${c.outcome}: ` : '';
  const detail = !c.passed ? `${prefix}${c.reason ?? ''}`
    : c.expect === 'failure' ? `refused: ${c.error}`
    : `rel L2 ${c.relativeL2?.toExponential(1)}, max abs ${c.maxAbs?.toExponential(1)}`
      + (c.gradient ? `, grad rel L2 ${c.gradient.relativeL2.toExponential(1)}, max abs ${c.gradient.maxAbs.toExponential(1)}` : '');
  return { ...c, detail };
}
