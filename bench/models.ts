/**
 * `npm run bench -- --models`: times `tconv run` (runModel) on every zoo model (test/fixtures/zoo, built by
 * scripts/zoo/build.py) against onnxruntime-node and onnxruntime-web, at each thread count, in the same run.
 *
 * As in the layer bench, one child process per library and thread count (bench/model-child.ts) lives for the whole
 * run; models are the outer loop, so every library of a model meets the same machine load, and the order of the
 * children rotates from round to round. Each child checks a model's output against PyTorch's before timing it
 * (medians of repeated calls after a warm-up), and tconv's children then profile the run by op (src/onnx/execute.ts
 * onNodeRun) and report the peak bytes of tensors alive at once.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, UsageError } from './args.ts';
import { BenchChild } from './child-process.ts';
import type { ModelChildMessage, ModelChildSetup, ModelParentMessage, ModelResult } from './model-child.ts';
import { formatNumber, markdownTable, renderTable } from './report.ts';
import { geometricMean, median } from './stats.ts';

const ZOO = fileURLToPath(new URL('../test/fixtures/zoo', import.meta.url));
const CHILD = fileURLToPath(new URL('./model-child.ts', import.meta.url));
/** Profiled runs per tconv model, after its timing and a profiled warm-up: per-op times are their medians. */
const PROFILE_RUNS = 21;
/** Each tconv backend is compared with the ONNX Runtime package of its kind. */
const PAIRS = [['native', 'ort-node'], ['wasm', 'ort-web'], ['reference', 'ort-node']] as const;

const failed = (model: string, status: 'error' | 'unavailable', reason: string): ModelResult =>
  ({ model, status, reason, medianMs: null, minMs: null, samples: 0, relErr: null, profile: null, peakRssMiB: 0 });

/** The model bench's child (bench/model-child.ts) for one library at one thread count (bench/child-process.ts). */
class ModelChild extends BenchChild<ModelChildSetup, ModelParentMessage, ModelChildMessage> {
  constructor(setup: ModelChildSetup, timeoutMs: number) {
    super(CHILD, setup, timeoutMs);
  }

  async measure(model: string, dir: string): Promise<ModelResult> {
    const event = await this.request({ type: 'measure', model, dir });
    if (this.broken) return failed(model, 'error', this.broken);
    if (this.unavailable) return failed(model, 'unavailable', this.unavailable);
    if (event?.kind === 'message' && event.message.type === 'result') return event.message.result;
    return failed(model, 'error', event ? this.explain(event) : 'no reply');
  }
}

/** One model × library × threads over all rounds. */
export interface ModelRecord {
  readonly model: string;
  readonly library: string;
  readonly threads: number;
  readonly status: ModelResult['status'];
  readonly reason: string | null;
  /** Median over rounds of each round's median per-call time. */
  readonly medianMs: number | null;
  readonly relErr: number | null;
  readonly profile: ModelResult['profile'];
  readonly peakRssMiB: number;
}

/**
 * Merges a cell's rounds: ok only if every round was; the profile of the last round.
 * @example
 * mergeRounds([{ ...ok, medianMs: 3 }, { ...ok, medianMs: 1 }, { ...ok, medianMs: 2 }], 'wasm', 1).medianMs // → 2
 */
export function mergeRounds(results: readonly ModelResult[], library: string, threads: number): ModelRecord {
  const first = results[0]!;
  const bad = results.find((r) => r.status !== 'ok');
  const peakRssMiB = Math.max(0, ...results.map((r) => r.peakRssMiB));
  if (bad) return { model: first.model, library, threads, status: bad.status, reason: bad.reason, medianMs: null, relErr: bad.relErr, profile: null, peakRssMiB };
  return {
    model: first.model, library, threads, status: 'ok', reason: null, medianMs: median(results.map((r) => r.medianMs!)),
    relErr: Math.max(...results.map((r) => r.relErr ?? 0)), profile: results.at(-1)!.profile, peakRssMiB,
  };
}

/** Speed ratio of a tconv backend against a peer on one model: peer time / tconv time (> 1: tconv is faster). */
export function modelRatio(records: readonly ModelRecord[], model: string, library: string, peer: string, threads: number): number | null {
  const find = (name: string) => records.find((r) => r.model === model && r.library === name && r.threads === threads && r.status === 'ok');
  const ours = find(library);
  const theirs = find(peer);
  return ours && theirs ? theirs.medianMs! / ours.medianMs! : null;
}

const ms = (r: ModelRecord | undefined): string => (!r ? '-' : r.status === 'ok' ? formatNumber(r.medianMs!) : r.status);
const ratioText = (v: number | null): string => (v === null ? '-' : `${formatNumber(v)}×`);

interface Tables {
  readonly header: string[];
  readonly rows: string[][];
  readonly ratioHeader: string[];
  readonly ratioRows: string[][];
  readonly opRows: string[][];
  readonly memoryRows: string[][];
  readonly geomeans: { library: string; peer: string; threads: number; models: number; geomean: number; worst: number }[];
}

function tables(records: readonly ModelRecord[], models: readonly string[], options: BenchOptions, flops: ReadonlyMap<string, number>): Tables {
  const columns = options.threads.flatMap((t) => options.libraries.map((l) => [l, t] as const));
  const header = ['model', 'MFLOP', ...columns.map(([l, t]) => `${l} t${t} ms`)];
  const rows = models.map((m) => [m, formatNumber(flops.get(m)! / 1e6), ...columns.map(([l, t]) => ms(records.find((r) => r.model === m && r.library === l && r.threads === t)))]);
  const pairs = PAIRS.filter(([l, p]) => options.libraries.includes(l) && options.libraries.includes(p));
  const ratioColumns = options.threads.flatMap((t) => pairs.map(([l, p]) => [l, p, t] as const));
  const ratioHeader = ['model', ...ratioColumns.map(([l, p, t]) => `${l}/${p} t${t}`)];
  const ratioRows = models.map((m) => [m, ...ratioColumns.map(([l, p, t]) => ratioText(modelRatio(records, m, l, p, t)))]);
  const geomeans = ratioColumns.flatMap(([library, peer, threads]) => {
    const values = models.map((m) => modelRatio(records, m, library, peer, threads)).filter((v): v is number => v !== null);
    return values.length ? [{ library, peer, threads, models: values.length, geomean: geometricMean(values), worst: Math.min(...values) }] : [];
  });
  ratioRows.push(['geomean', ...ratioColumns.map(([l, p, t]) => ratioText(geomeans.find((g) => g.library === l && g.peer === p && g.threads === t)?.geomean ?? null))]);
  // Where tconv's time goes: per op type, from the profiled runs of each tconv backend at one thread. Shares are of
  // the profiled runs' median (a clock read per step, after their own warm-up), not of the timed runs': the two are
  // different samples of a noisy machine, and shares of the timed median added up to more than 100% (dcgan 131% + 88%
  // on 2019's bench, when the 5 profiled runs came straight after the timing, before V8 had re-optimised for them).
  const opRows: string[][] = [];
  for (const r of records) {
    if (!r.profile || r.threads !== options.threads[0]) continue;
    const { runMs, outsideMs } = r.profile;
    const share = (v: number): string => `${Math.round((100 * v) / runMs)}%`;
    const top = r.profile.ops.slice(0, 4).map((o) => `${o.op} ${formatNumber(o.ms)} (${share(o.ms)}, ${o.nodes}×)`);
    opRows.push([r.model, `${r.library} t${r.threads}`, formatNumber(r.medianMs!), formatNumber(runMs), `${formatNumber(outsideMs)} (${share(outsideMs)})`, top.join(', ')]);
  }
  const memoryRows: string[][] = [];
  for (const r of records) {
    if (!r.profile || r.threads !== options.threads[0]) continue;
    memoryRows.push([r.model, `${r.library} t${r.threads}`, (r.profile.peakLiveBytes / 1024).toFixed(0), (r.profile.allValuesBytes / 1024).toFixed(0), `${formatNumber(r.profile.allValuesBytes / r.profile.peakLiveBytes)}×`]);
  }
  return { header, rows, ratioHeader, ratioRows, opRows, memoryRows, geomeans };
}

const OP_HEADER = ['model', 'backend', 'timed run ms', 'profiled run ms', 'outside steps ms', 'largest ops: ms (% of profiled run, nodes)'];
const MEMORY_HEADER = ['model', 'backend', 'peak live KiB', 'all values KiB', 'saved by freeing'];

/** The zoo's model names (directories holding model.onnx), filtered by --cases. */
function zooModels(filter: readonly string[] | null): string[] {
  const all = readdirSync(ZOO, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  if (!filter) return all;
  const unknown = filter.filter((m) => !all.includes(m));
  if (unknown.length) throw new UsageError(`--cases got unknown model "${unknown[0]}"; the zoo has ${all.join(', ')}.`);
  return all.filter((m) => filter.includes(m));
}

export async function benchModels(options: BenchOptions): Promise<void> {
  const models = zooModels(options.cases);
  const onnx = await import('../src/onnx/index.ts');
  const flops = new Map(models.map((m) => {
    const model = onnx.readModel(readFileSync(join(ZOO, m, 'model.onnx')));
    return [m, onnx.graphFlops(onnx.inferShapes(model))] as const;
  }));
  const loadBefore = loadavg();
  const timing = { minTimeMs: options.minTimeMs, warmupMs: options.warmupMs, minSamples: 5, maxSamples: 100_000 };
  const children: ModelChild[] = [];
  for (const threads of options.threads) {
    for (const library of options.libraries) {
      if (library === 'reference' && threads !== 1) continue; // single-threaded
      children.push(new ModelChild({ library, threads, timing, tolerance: options.tolerance, profileRuns: PROFILE_RUNS }, options.caseTimeoutMs));
    }
  }
  const results = new Map<string, ModelResult[]>();
  const started = performance.now();
  try {
    for (let round = 0; round < options.rounds; round++) {
      const order = [...children.slice(round % children.length), ...children.slice(0, round % children.length)];
      for (const m of models) {
        for (const child of order) {
          const r = await child.measure(m, join(ZOO, m));
          const key = `${m}\u0000${child.setup.library}\u0000${child.setup.threads}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          const clock = Math.round((performance.now() - started) / 1000);
          process.stderr.write(`[${clock} s] ${m} · ${child.label}: ${r.status === 'ok' ? `${formatNumber(r.medianMs!)} ms (relErr ${r.relErr!.toExponential(1)})` : `${r.status} — ${r.reason}`}\n`);
        }
      }
    }
  } finally {
    for (const child of children) child.close();
  }
  const records = models.flatMap((m) => children.map((c) => mergeRounds(results.get(`${m}\u0000${c.setup.library}\u0000${c.setup.threads}`)!, c.setup.library, c.setup.threads)));
  const t = tables(records, models, options, flops);
  const loadAfter = loadavg();
  const versions = [...new Set(children.flatMap((c) => (c.version ? [c.version] : [])))];
  const rss = children.map((c) => [c.label, formatNumber(Math.max(0, ...records.filter((r) => `${r.library} t${r.threads}` === c.label).map((r) => r.peakRssMiB)))]);
  const meta = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
    loadAverage: { before: loadBefore, after: loadAfter }, versions, options,
  };
  const heading = `${meta.date}, ${meta.cores} × ${meta.cpu}, Node ${meta.node}; load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after`;
  const out = [
    `tconv bench --models — ${models.length} zoo models; ${heading}`,
    `libraries: ${versions.join('; ')}`,
    `medians of per-call times over ≥ ${options.minTimeMs / 1000} s per cell${options.rounds > 1 ? `, median of ${options.rounds} rounds` : ''}; every output checked against PyTorch's first`,
    '', 'Median ms per model run', renderTable(t.header, t.rows),
    '', 'Speed ratios: the peer\'s time / tconv\'s time (> 1: tconv is faster)', renderTable(t.ratioHeader, t.ratioRows),
    '', `Where tconv's time goes (medians of ${PROFILE_RUNS} profiled runs after a profiled warm-up; shares are of the profiled run; outside steps: planning, checks, bookkeeping)`, renderTable(OP_HEADER, t.opRows),
    '', 'Memory of a run: peak bytes of tensors alive at once (inputs and intermediates, src/onnx/execute.ts) against all values', renderTable(MEMORY_HEADER, t.memoryRows),
    '', 'Peak RSS of each child process (MiB; includes Node, the tsx loader and the library)', renderTable(['child', 'max RSS MiB'], rss),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (options.json) {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(options.json, `${JSON.stringify({ meta, geomeans: t.geomeans, records }, null, 1)}\n`);
  }
  if (options.markdown) {
    mkdirSync(dirname(options.markdown), { recursive: true });
    writeFileSync(options.markdown, [
      heading, '', `libraries: ${versions.join('; ')}`, '', '**Median ms per model run**', '', markdownTable(t.header, t.rows),
      '', '**Speed ratios** (peer time / tconv time; > 1: tconv is faster)', '', markdownTable(t.ratioHeader, t.ratioRows),
      '', '**Where tconv\'s time goes** (medians of profiled runs; shares are of the profiled run, which reads a clock per step)', '', markdownTable(OP_HEADER, t.opRows),
      '', '**Memory of a run**', '', markdownTable(MEMORY_HEADER, t.memoryRows), '',
    ].join('\n'));
  }
}
