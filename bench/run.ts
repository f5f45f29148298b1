/**
 * `npm run bench`: times tconv's backends and the peers on the cases of a suite file.
 *
 * The parent (this file) prepares each case's data and reference output once (bench/data.ts), then keeps one child
 * process per library and thread count (bench/child.ts, driven by bench/child-handle.ts), so thread pools and
 * WebAssembly memories never share a process, and asks them one at a time to measure a case: cases are the outer
 * loop, so on a busy machine every library of a case meets the same load. Children check every output against the
 * reference before timing it. The parent prints progress, then the tables (bench/report.ts), and writes --json /
 * --markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { type BenchOptions, USAGE, UsageError, parseBenchArgs } from './args.ts';
import { DEFAULT_CACHE_DIR, ensureCaseData } from './data.ts';
import { LIBRARIES, describeLibrary } from './libraries/registry.ts';
import { ChildHandle } from './child-handle.ts';
import type { CellResult } from './protocol.ts';
import {
  type Cell, formatNumber, markdownTable, matrix, peakFractionRows, renderTable, resultTable, summarizeRatios, threadScaling,
  toRecord, versusPeer, withRatios,
} from './report.ts';
import { type SuiteCase, casePlan, loadSuite } from './suite.ts';
import { type FmaPeak, measureFmaPeak } from '../src/engine/backends/native/index.ts';

const PEERS = new Set<string>(LIBRARIES.filter((l) => l.role === 'peer').map((l) => l.name));

/** Progress on stderr: one line per finished cell; on a terminal, a live line for the running one. */
class Progress {
  private readonly started = performance.now();
  private live = false;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  private clock(): string {
    const s = Math.floor((performance.now() - this.started) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, ' ')}:${String(s % 60).padStart(2, '0')}]`;
  }

  running(text: string): void {
    if (!this.stream.isTTY) return;
    this.stream.write(`\r\x1b[K${this.clock()} ${text} …`);
    this.live = true;
  }

  line(text: string): void {
    this.stream.write(`${this.live ? '\r\x1b[K' : ''}${this.clock()} ${text}\n`);
    this.live = false;
  }
}

function describeResult(r: CellResult, child: ChildHandle, flops: number): string {
  const where = `${r.case} · ${child.setup.library} · t${child.setup.threads}`;
  if (r.status === 'ok') return `${where}: ${formatNumber(r.medianMs)} ms, ${formatNumber(flops / (r.medianMs! * 1e6))} GFLOP/s`;
  const err = r.relErr === null ? '' : ` (relErr ${r.relErr.toExponential(1)})`;
  return `${where}: ${r.status}${err}${r.reason ? ` — ${r.reason}` : ''}`;
}

async function main(options: BenchOptions): Promise<void> {
  const suite = loadSuite(options.suite);
  let cases: readonly SuiteCase[] = suite.cases;
  if (options.cases) {
    const unknown = options.cases.filter((id) => !suite.cases.some((c) => c.id === id));
    if (unknown.length > 0) throw new UsageError(`--cases got unknown case "${unknown[0]}"; the suite has ${suite.cases.map((c) => c.id).join(', ')}.`);
    cases = suite.cases.filter((c) => options.cases!.includes(c.id));
  }
  const flops = new Map(cases.map((c) => [c.id, casePlan(c).flops]));
  const progress = new Progress(process.stderr);
  const loadBefore = loadavg();

  const dirs = new Map<string, string>();
  for (const c of cases) {
    progress.running(`reference output of ${c.id}`);
    const { dir, referenceSeconds } = await ensureCaseData(c, { cacheDir: DEFAULT_CACHE_DIR, refresh: options.refreshCache });
    if (referenceSeconds !== null) progress.line(`reference output of ${c.id} computed in ${referenceSeconds.toFixed(1)} s and cached`);
    dirs.set(c.id, dir);
  }

  // The FMA peak moves with the shared machine's load: measured before and after, in this run, for "% of peak".
  const measurePeak = (): FmaPeak | null => (options.libraries.includes('native') ? measureFmaPeak(0.5) : null);
  const peakBefore = measurePeak();
  if (peakBefore) progress.line(`FMA peak (one thread, ${peakBefore.kernelSet}, register-only): ${formatNumber(peakBefore.gflops)} GFLOP/s`);

  const cells = new Map<string, Cell & { results: Omit<CellResult, 'case'>[] }>();
  const record = (r: CellResult, library: string, threads: number): void => {
    const { case: id, ...rest } = r;
    const key = `${id}\u0000${library}\u0000${threads}`;
    if (!cells.has(key)) cells.set(key, { case: id, library, threads, flops: flops.get(id)!, results: [] });
    cells.get(key)!.results.push(rest);
  };

  // One child per library and thread count, alive for the whole run. Cases are the outer loop, so all libraries
  // meet the same machine load case by case; the order of libraries rotates from round to round.
  const singleOnly: string[] = [];
  const children: ChildHandle[] = [];
  const timing = { minTimeMs: options.minTimeMs, warmupMs: options.warmupMs, minSamples: 5, maxSamples: 100_000 };
  for (const threads of options.threads) {
    for (const library of options.libraries) {
      const { singleThreaded } = describeLibrary(library);
      if (singleThreaded && threads !== 1) singleOnly.push(`${library} (${singleThreaded})`);
      else children.push(new ChildHandle({ library, threads, timing, tolerance: options.tolerance }, options.caseTimeoutMs));
    }
  }
  try {
    for (let round = 0; round < options.rounds; round++) {
      if (options.rounds > 1) progress.line(`round ${round + 1} of ${options.rounds}`);
      const order = [...children.slice(round % children.length), ...children.slice(0, round % children.length)];
      for (const c of cases) {
        for (const child of order) {
          const { library, threads } = child.setup;
          let result: CellResult;
          if (library === 'reference' && flops.get(c.id)! > options.referenceMaxFlops) {
            const reason = `the reference is slow: ${formatNumber(flops.get(c.id)! / 1e9)} GFLOP > --reference-max-gflop ${options.referenceMaxFlops / 1e9}`;
            result = { case: c.id, status: 'skipped', reason, medianMs: null, minMs: null, samples: 0, relErr: null, peakRssMiB: 0 };
          } else {
            progress.running(`${c.id} · ${library} · t${threads}`);
            result = await child.measure({ case: c, dir: dirs.get(c.id)! });
            progress.line(describeResult(result, child, flops.get(c.id)!));
          }
          record(result, library, threads);
        }
      }
    }
  } finally {
    for (const child of children) child.close();
  }
  const peakAfter = measurePeak();
  const peak = peakBefore && peakAfter ? { kernelSet: peakBefore.kernelSet, before: peakBefore.gflops, after: peakAfter.gflops, mean: (peakBefore.gflops + peakAfter.gflops) / 2 } : null;
  const versions = new Map(children.flatMap((ch) => (ch.version ? [[ch.setup.library, ch.version] as const] : [])));
  const peaks = new Map(children.filter((ch) => ch.peakRssMiB > 0).map((ch) => [ch.label, ch.peakRssMiB]));

  // Records in suite order, then library order, then threads.
  const ordered = cases.flatMap((c) => options.libraries.flatMap((library) => options.threads.flatMap((threads) => {
    const cell = cells.get(`${c.id}\u0000${library}\u0000${threads}`);
    return cell ? [toRecord(cell)] : [];
  })));
  const records = withRatios(ordered, PEERS);
  const summaries = summarizeRatios(records).filter((s) => s.cases > 0);
  const tconvLibraries = options.libraries.filter((l) => !PEERS.has(l));
  const peerLibraries = options.libraries.filter((l) => PEERS.has(l));
  const versus = [
    ...tconvLibraries.flatMap((l) => options.threads.flatMap((t) => peerLibraries.map((p) => versusPeer(records, l, p, t)))),
    ...options.libraries.flatMap((l) => options.threads.filter((t) => t > 1).map((t) => threadScaling(records, l, t))),
  ].filter((s) => s.cases > 0);
  const loadAfter = loadavg();

  const out: string[] = [];
  out.push(`tconv bench — ${cases.length} cases, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after`);
  out.push(`libraries: ${[...versions.values()].join('; ')}`);
  if (singleOnly.length > 0) out.push(`one thread only: ${[...new Set(singleOnly)].join('; ')}`);
  out.push(`medians of per-call times over ≥ ${options.minTimeMs / 1000} s per cell${options.rounds > 1 ? `, median of ${options.rounds} rounds` : ''}; ×best peer = fastest peer's time / this time`);
  out.push('', resultTable(records), '', 'GFLOP/s', matrix(records, 'gflops', false));
  const ratioHeader = ['library', 'threads', 'cases', 'geomean', 'worst'];
  const peakHeader = ['library', 'peak RSS MiB'];
  const peakRows = [...peaks].map(([k, v]) => [k, v.toFixed(0)]);
  const ratioRows = [...summaries, ...versus].map((s) => [s.library, String(s.threads), String(s.cases), formatNumber(s.geomean), formatNumber(s.worst)]);
  out.push('', 'Geometric mean and worst case of speed ratios: the best peer\'s (or the named peer\'s, or t1\'s) time / this time');
  out.push(renderTable(ratioHeader, ratioRows));
  const fractionHeader = ['case', 'native t1 GFLOP/s', '% of FMA peak'];
  const fractionRows = peak ? peakFractionRows(records, 'native', peak.mean) : [];
  const peakLine = peak ? `FMA peak (one thread, ${peak.kernelSet}, register-only loop): ${formatNumber(peak.before)} GFLOP/s before, ${formatNumber(peak.after)} after` : '';
  if (fractionRows.length > 0) {
    out.push('', `${peakLine}; native t1 as a fraction of their mean`);
    out.push(renderTable(fractionHeader, fractionRows));
  }
  out.push('', 'Peak memory (max RSS of each child process, MiB; includes Node and the tsx loader)');
  out.push(renderTable(peakHeader, peakRows));
  process.stdout.write(`${out.join('\n')}\n`);

  const meta = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
    loadAverage: { before: loadBefore, after: loadAfter }, suite: options.suite, options, versions: Object.fromEntries(versions),
    peakRssMiB: Object.fromEntries(peaks), ratios: [...summaries, ...versus], fmaPeakGflops: peak,
  };
  if (options.json) {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(options.json, `${JSON.stringify({ meta, records }, null, 1)}\n`);
  }
  if (options.markdown) {
    mkdirSync(dirname(options.markdown), { recursive: true });
    writeFileSync(options.markdown, [
      `${meta.date}, ${meta.cores} × ${meta.cpu}, Node ${meta.node}; load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after`,
      '', '**GFLOP/s**', '', matrix(records, 'gflops', true), '', '**Median ms per call**', '', matrix(records, 'medianMs', true),
      '', '**Speed ratios**', '', markdownTable(ratioHeader, ratioRows), '',
      ...(fractionRows.length > 0 ? [`**Native t1 against the FMA peak** (${peakLine})`, '', markdownTable(fractionHeader, fractionRows), ''] : []),
      '**Peak memory**', '', markdownTable(peakHeader, peakRows), '',
    ].join('\n'));
  }
}

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
} else {
  // One bench per run: the backward pass, whole models, or the suite's layers.
  const job = options.backward ? import('./backward.ts').then((m) => m.runBackwardBench(options))
    : options.models ? import('./models.ts').then((m) => m.benchModels(options))
    : main(options);
  job.catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof UsageError ? error.message : (error as Error).stack}
`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
