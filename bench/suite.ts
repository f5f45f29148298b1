/**
 * The benchmark suite file (../shared/bench/suite.json): layers in PyTorch's terms. Each case becomes a tconv
 * LayerSpec, and its plan supplies the FLOPs every GFLOP/s figure is computed from.
 */
import { readFileSync } from 'node:fs';
import { type LayerOptions, type LayerSpec, type Plan, planLayer } from '../src/shape/index.ts';

export interface SuiteCase {
  readonly id: string;
  readonly group?: string;
  readonly n: number;
  readonly cin: number;
  readonly cout: number;
  readonly input: readonly number[];
  readonly kernel: readonly number[];
  readonly stride?: readonly number[];
  readonly padding?: readonly number[];
  readonly outputPadding?: readonly number[];
  readonly dilation?: readonly number[];
  readonly groups?: number;
}

export interface Suite {
  readonly about?: string;
  readonly cases: readonly SuiteCase[];
}

/** Reads and minimally checks a suite file; the layer rules themselves are checked by planLayer. */
export function loadSuite(path: string): Suite {
  const suite = JSON.parse(readFileSync(path, 'utf8')) as Suite;
  if (!Array.isArray(suite.cases) || suite.cases.length === 0) {
    throw new Error(`suite file ${path} has no "cases" array`);
  }
  const seen = new Set<string>();
  for (const c of suite.cases) {
    if (typeof c.id !== 'string' || seen.has(c.id)) throw new Error(`suite file ${path}: every case needs a unique "id" (got ${JSON.stringify(c.id)})`);
    seen.add(c.id);
  }
  return suite;
}

/**
 * The layer hyper-parameters of a suite case, as tconv's LayerOptions (what convTranspose takes besides tensors).
 * @example
 * caseLayer({ id: 'x', n: 1, cin: 3, cout: 3, input: [32, 32], kernel: [3, 3], padding: [1, 1] }).padding // → [1, 1]
 */
export function caseLayer(c: SuiteCase): LayerOptions {
  return { kernel: c.kernel, stride: c.stride, padding: c.padding, outputPadding: c.outputPadding, dilation: c.dilation, groups: c.groups };
}

/** The full tconv layer of a suite case, with bias as in torch.nn.ConvTranspose*d. */
export function caseSpec(c: SuiteCase): LayerSpec {
  return { kind: 'convTranspose', batch: c.n, inChannels: c.cin, outChannels: c.cout, input: c.input, bias: true, ...caseLayer(c) };
}

/** The plan of a suite case: shapes and FLOPs (never recomputed elsewhere). */
export function casePlan(c: SuiteCase): Plan {
  return planLayer(caseSpec(c));
}
