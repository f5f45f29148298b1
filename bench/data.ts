/**
 * Case data: seeded random input, weight and bias, the expected output from tconv's reference backend (float64
 * accumulation) and the one-layer ONNX model for ONNX Runtime (written by tconv's ONNX exporter). Computed once per
 * case in the parent and cached under .bench/cache as raw float32 files and model.onnx, which every child reads:
 * all libraries see the same bytes, the slow reference runs once, and peers' processes never load tconv's engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SuiteCase, caseLayer, casePlan } from './suite.ts';
import type { CaseData } from './libraries/library.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_CACHE_DIR = join(ROOT, '.bench', 'cache');
/** Bump when the way data are generated changes. */
const DATA_VERSION = 2;
const MODEL = 'model.onnx';
/**
 * Files whose change can change the random data, the reference output or the model; a change invalidates the
 * cache. Narrow on purpose (other engine files change often and do not affect the reference); --refresh-cache
 * forces a recompute.
 */
const DATA_SOURCES = [
  'src/engine/backends/reference.ts', 'src/tensor/rng.ts', 'src/tensor/random.ts', 'src/shape/plan.ts', 'src/shape/formulas.ts',
  'src/onnx/export.ts',
];

export interface CachedCase {
  readonly dir: string;
  /** Seconds the reference took, or null when read from the cache. */
  readonly referenceSeconds: number | null;
}

let sourcesHash: string | undefined;
function dataSourcesHash(): string {
  if (sourcesHash) return sourcesHash;
  const hash = createHash('sha256');
  for (const file of DATA_SOURCES) {
    const path = join(ROOT, file);
    hash.update(file).update(existsSync(path) ? readFileSync(path) : 'missing');
  }
  sourcesHash = hash.digest('hex');
  return sourcesHash;
}

/**
 * A cache entry of another version is removed once unused this long. Every use touches its meta.json (see
 * markUsed), so a concurrent run of another version, which reads each case once per round, keeps its entries.
 */
const STALE_MS = 30 * 60 * 1000;

function markUsed(dir: string): void {
  const now = new Date();
  utimesSync(join(dir, 'meta.json'), now, now);
}

/** Removes other versions of the same case (other keys) that no run has used for STALE_MS. */
function pruneStale(cacheDir: string, caseId: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    const rest = name.startsWith(`${caseId}-`) ? name.slice(caseId.length + 1) : '';
    if (!/^[0-9a-f]{16}$/.test(rest) || path === keep) continue;
    const meta = join(path, 'meta.json');
    if (!existsSync(meta) || Date.now() - statSync(meta).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** A stable 31-bit seed per case and tensor, so the data do not depend on the order or subset of cases. */
export function seedFor(caseId: string, tensorName: string): number {
  return createHash('sha256').update(`${caseId}/${tensorName}`).digest().readUInt32LE(0) >>> 1;
}

const bytesOf = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  // Copy into an aligned buffer: a Buffer from the pool may start at an offset that is not a multiple of 4.
  const out = new Float32Array(bytes.byteLength / 4);
  bytesOf(out).set(bytes);
  return out;
}

/**
 * Makes sure the cache holds the data and reference output of a case; computes them when missing.
 * @example
 * const { dir } = await ensureCaseData(suite.cases[0], { cacheDir: DEFAULT_CACHE_DIR });
 */
export async function ensureCaseData(c: SuiteCase, { cacheDir, refresh = false }: { cacheDir: string; refresh?: boolean }): Promise<CachedCase> {
  const key = createHash('sha256').update(JSON.stringify({ c, DATA_VERSION, sources: dataSourcesHash() })).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `${c.id}-${key}`);
  const meta = join(dir, 'meta.json');
  if (!refresh && existsSync(meta)) {
    markUsed(dir);
    return { dir, referenceSeconds: null };
  }

  const engine = await import('../src/engine/index.ts');
  const { exportStack } = await import('../src/onnx/export.ts');
  const plan = casePlan(c);
  const x = engine.randomTensor(plan.inputShape, seedFor(c.id, 'input'));
  const w = engine.randomTensor(plan.weightShape, seedFor(c.id, 'weight'));
  const b = engine.randomTensor([plan.outChannels], seedFor(c.id, 'bias'));
  const started = performance.now();
  const y = engine.convTranspose(x, w, b, { ...caseLayer(c), backend: 'reference' });
  const referenceSeconds = (performance.now() - started) / 1000;

  // Written to a temporary directory and renamed, so an interrupted run never leaves a half-written case.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, 'input.f32'), bytesOf(x.data));
  writeFileSync(join(partial, 'weight.f32'), bytesOf(w.data));
  writeFileSync(join(partial, 'bias.f32'), bytesOf(b.data));
  writeFileSync(join(partial, 'expected.f32'), bytesOf(y.data));
  const layer = { kind: 'convTranspose', outChannels: c.cout, ...caseLayer(c), weight: w, biasValues: b.data } as const;
  writeFileSync(join(partial, MODEL), exportStack({ input: plan.inputShape, layers: [layer], fixedBatch: true, name: c.id }).bytes);
  writeFileSync(join(partial, 'meta.json'), JSON.stringify({ case: c, outputShape: y.shape, referenceSeconds }, null, 1));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  pruneStale(cacheDir, c.id, dir);
  return { dir, referenceSeconds };
}

/** Reads a cached case (in the child): tensors in tconv's layouts and the reference output. */
export function loadCaseData(c: SuiteCase, dir: string): CaseData & { readonly expected: Float32Array } {
  markUsed(dir);
  return {
    case: c,
    plan: casePlan(c),
    onnxModel: join(dir, MODEL),
    input: readFloats(join(dir, 'input.f32')),
    weight: readFloats(join(dir, 'weight.f32')),
    bias: readFloats(join(dir, 'bias.f32')),
    expected: readFloats(join(dir, 'expected.f32')),
  };
}
