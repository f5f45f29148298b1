/** What the child process needs from each benchmarked library. */
import type { SuiteCase } from '../suite.ts';
import type { Plan } from '../../src/shape/index.ts';

/** A case's tensors in tconv's layouts: NC[D]HW input and output, weight (Cin, Cout/groups, k…). */
export interface CaseData {
  readonly case: SuiteCase;
  readonly plan: Plan;
  readonly input: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** Path of the same layer as a one-node ONNX model (input "input", output "output"; weight and bias as initializers). */
  readonly onnxModel: string;
}

/** One case made ready to run: the timed call, and the conversion of its result back to NC[D]HW (not timed). */
export interface PreparedCase {
  /** One forward pass, returning the library's own output (layout as the library produces it). */
  run(): Float32Array | Promise<Float32Array>;
  /** The output in tconv's NC[D]HW layout, for the correctness gate. */
  toCanonical(output: Float32Array): Float32Array;
  dispose(): void | Promise<void>;
}

export type Preparation =
  | { readonly supported: true; readonly prepared: PreparedCase }
  /** The library cannot express the case (e.g. groups in tfjs): reported as n/a with the reason. */
  | { readonly supported: false; readonly reason: string };

/** A loaded library: usable (with `prepare`), or not usable here and why (e.g. the native addon is not built). */
export type BenchLibrary = { readonly version: string } & (
  | { readonly unavailable: null; prepare(data: CaseData): Promise<Preparation> }
  | { readonly unavailable: string }
);

export type UsableLibrary = Extract<BenchLibrary, { unavailable: null }>;
