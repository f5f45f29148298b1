/**
 * `npm run bench`: times tconv's backends and the peers on the cases of a suite file.
 *
 * The parent (this file) prepares each case's data and reference output once (bench/data.ts), then starts one child
 * process per library and thread count (bench/child.ts), so thread pools and WebAssembly memories never share a
 * process. Children check every output against the reference before timing it. The parent prints progress, then
 * the tables (bench/report.ts), and writes --json / --markdown.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, USAGE, UsageError, parseBenchArgs } from './args.ts';
import { DEFAULT_CACHE_DIR, ensureCaseData } from './data.ts';
import { LIBRARIES, type LibraryName, describeLibrary } from './libraries/registry.ts';
import type { CellResult, ChildMessage, Job } from './protocol.ts';
import {
  type Cell, formatNumber, markdownTable, matrix, renderTable, resultTable, summarizeRatios, threadScaling,
  toRecord, versusPeer, withRatios,
} from './report.ts';
import { type SuiteCase, casePlan, loadSuite } from './suite.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
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

interface ChildOutcome {
  readonly version: string | null;
  readonly results: CellResult[];
  readonly peakRssMiB: number | null;
}

/** Runs one child on `job`; a crash or timeout marks the case it was on as error and restarts on the rest. */
async function runChild(job: Job, options: BenchOptions, onResult: (r: CellResult, job: Job) => void, progress: Progress): Promise<ChildOutcome> {
  const results: CellResult[] = [];
  let version: string | null = null;
  let peak: number | null = null;
  let current: string | null = null;
  let stderr = '';
  const child: ChildProcess = fork(CHILD, [], { execArgv: ['--import', TSX], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout!.resume(); // tfjs greets on stdout; nothing there is ours.
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'loaded') version = message.version;
    else if (message.type === 'start') {
      current = message.case;
      progress.running(`${message.case} · ${job.library} · t${job.threads}`);
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.caseTimeoutMs);
    } else if (message.type === 'result') {
      clearTimeout(timer);
      current = null;
      results.push(message.result);
      onResult(message.result, job);
    } else if (message.type === 'done') peak = message.peakRssMiB;
  });
  child.send(job);
  const { code, signal } = await exit;
  clearTimeout(timer);
  if (results.length === job.cases.length) return { version, results, peakRssMiB: peak };

  // The child died: blame the case it was running (or the first unfinished one), then go on without it.
  const done = new Set(results.map((r) => r.case));
  const remaining = job.cases.filter((c) => !done.has(c.case.id));
  const culprit = current ?? remaining[0]!.case.id;
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const lastLine = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? '';
  const reason = timedOut ? `took longer than --case-timeout ${options.caseTimeoutMs / 1000} s`
    : `child ${code === null ? `killed by ${signal}` : `exited with code ${code}`}${lastLine ? `: ${lastLine}` : ''}`;
  // A child that died before loading its library would die again: every remaining case shares the failure.
  const failed = version === null ? remaining.map((c) => c.case.id) : [culprit];
  for (const id of failed) {
    const failure: CellResult = { case: id, status: 'error', reason, medianMs: null, minMs: null, samples: 0, relErr: null, peakRssMiB: 0 };
    results.push(failure);
    onResult(failure, job);
  }
  const rest = remaining.filter((c) => !failed.includes(c.case.id));
  if (rest.length === 0) return { version, results, peakRssMiB: peak };
  const retry = await runChild({ ...job, cases: rest }, options, onResult, progress);
  return { version: version ?? retry.version, results: [...results, ...retry.results], peakRssMiB: Math.max(peak ?? 0, retry.peakRssMiB ?? 0) || null };
}

function describeResult(r: CellResult, job: Job, flops: number): string {
  const where = `${r.case} · ${job.library} · t${job.threads}`;
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

  const cells = new Map<string, Cell & { results: Omit<CellResult, 'case'>[] }>();
  const cellOf = (id: string, library: string, threads: number) => {
    const key = `${id}\u0000${library}\u0000${threads}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { case: id, library, threads, flops: flops.get(id)!, results: [] }));
    return cell;
  };
  const record = (r: CellResult, job: Pick<Job, 'library' | 'threads'>): void => {
    const { case: id, ...rest } = r;
    cellOf(id, job.library, job.threads).results.push(rest);
  };
  const versions = new Map<string, string>();
  const peaks = new Map<string, number>();
  const singleOnly: string[] = [];

  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) progress.line(`round ${round} of ${options.rounds}`);
    for (const threads of options.threads) {
      for (const library of options.libraries) {
        const descriptor = describeLibrary(library);
        if (descriptor.singleThreaded && threads !== 1) {
          if (round === 1) singleOnly.push(`${library} (${descriptor.singleThreaded})`);
          continue;
        }
        const runnable: Job['cases'][number][] = [];
        for (const c of cases) {
          if (library === 'reference' && flops.get(c.id)! > options.referenceMaxFlops) {
            const reason = `the reference is slow: ${formatNumber(flops.get(c.id)! / 1e9)} GFLOP > --reference-max-gflop ${options.referenceMaxFlops / 1e9}`;
            record({ case: c.id, status: 'skipped', reason, medianMs: null, minMs: null, samples: 0, relErr: null, peakRssMiB: 0 }, { library, threads });
          } else runnable.push({ case: c, dir: dirs.get(c.id)! });
        }
        if (runnable.length === 0) continue;
        const job: Job = { library, threads, cases: runnable, timing: { minTimeMs: options.minTimeMs, warmupMs: options.warmupMs, minSamples: 5, maxSamples: 100_000 }, tolerance: options.tolerance };
        const outcome = await runChild(job, options, (r, j) => {
          record(r, j);
          progress.line(describeResult(r, j, flops.get(r.case)!));
        }, progress);
        if (outcome.version) versions.set(library, outcome.version);
        const key = `${library} t${threads}`;
        if (outcome.peakRssMiB !== null) peaks.set(key, Math.max(peaks.get(key) ?? 0, outcome.peakRssMiB));
      }
    }
  }

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
  if (singleOnly.length > 0) out.push(`one thread only: ${singleOnly.join('; ')}`);
  out.push(`medians of per-call times over ≥ ${options.minTimeMs / 1000} s per cell${options.rounds > 1 ? `, median of ${options.rounds} rounds` : ''}; ×best peer = fastest peer's time / this time`);
  out.push('', resultTable(records), '', 'GFLOP/s', matrix(records, 'gflops', false));
  const ratioHeader = ['library', 'threads', 'cases', 'geomean', 'worst'];
  const peakHeader = ['library', 'peak RSS MiB'];
  const peakRows = [...peaks].map(([k, v]) => [k, v.toFixed(0)]);
  const ratioRows = [...summaries, ...versus].map((s) => [s.library, String(s.threads), String(s.cases), formatNumber(s.geomean), formatNumber(s.worst)]);
  out.push('', 'Geometric mean and worst case of speed ratios: the best peer\'s (or the named peer\'s, or t1\'s) time / this time');
  out.push(renderTable(ratioHeader, ratioRows));
  out.push('', 'Peak memory (max RSS of each child process, MiB; includes Node and the tsx loader)');
  out.push(renderTable(peakHeader, peakRows));
  process.stdout.write(`${out.join('\n')}\n`);

  const meta = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
    loadAverage: { before: loadBefore, after: loadAfter }, suite: options.suite, options, versions: Object.fromEntries(versions),
    peakRssMiB: Object.fromEntries(peaks), ratios: [...summaries, ...versus],
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
      '', '**Speed ratios**', '', markdownTable(ratioHeader, ratioRows), '', '**Peak memory**', '', markdownTable(peakHeader, peakRows), '',
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
  main(options).catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof UsageError ? error.message : (error as Error).stack}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
