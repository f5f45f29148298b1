/**
 * From measured cells to the bench's answers: records with GFLOP/s (FLOPs from the plan) and the ratio to the best
 * peer at the same thread count, geometric means of ratios, and the printed tables. Pure functions.
 */
import { geometricMean, median } from './stats.ts';
import type { CellResult, Status } from './protocol.ts';

/** One line of `--json`: a case × library × threads. */
export interface BenchRecord {
  readonly case: string;
  readonly library: string;
  readonly threads: number;
  readonly status: Status;
  readonly reason?: string;
  /** Median over rounds of each round's median per-call time. */
  readonly medianMs: number | null;
  /** Fastest call seen in any round. */
  readonly minMs: number | null;
  /** plan.flops / medianMs. */
  readonly gflops: number | null;
  /** Relative L2 error against the reference (also for wrong results). */
  readonly relErr: number | null;
  /** Best peer's medianMs / this medianMs at the same case and thread count (> 1: faster than every peer). */
  readonly ratio: number | null;
  readonly flops: number;
  readonly samples: number;
  readonly rounds: number;
  readonly peakRssMiB: number | null;
}

export interface Cell {
  readonly case: string;
  readonly library: string;
  readonly threads: number;
  readonly flops: number;
  /** One result per round (cells left out by an option carry a synthetic `skipped` result). */
  readonly results: readonly Omit<CellResult, 'case'>[];
}

/**
 * Merges the rounds of one cell into a record (ratio still null). A cell is ok only if every round was ok;
 * otherwise the first round that was not ok tells why.
 * @example
 * toRecord({ case: 'a', library: 'wasm', threads: 1, flops: 2e6, results: [r1, r2, r3] }).medianMs
 */
export function toRecord(cell: Cell): BenchRecord {
  const { results } = cell;
  const failed = results.find((r) => r.status !== 'ok');
  const peaks = results.map((r) => r.peakRssMiB).filter((v) => v > 0);
  const base = {
    case: cell.case, library: cell.library, threads: cell.threads, flops: cell.flops, rounds: results.length,
    samples: results.reduce((sum, r) => sum + r.samples, 0), peakRssMiB: peaks.length > 0 ? Math.max(...peaks) : null,
    ratio: null,
  };
  if (failed) {
    return {
      ...base, status: failed.status, ...(failed.reason === undefined ? {} : { reason: failed.reason }),
      medianMs: null, minMs: null, gflops: null, relErr: failed.relErr,
    };
  }
  const medianMs = median(results.map((r) => r.medianMs!));
  return {
    ...base, status: 'ok', medianMs, minMs: Math.min(...results.map((r) => r.minMs!)),
    gflops: cell.flops / (medianMs * 1e6), relErr: Math.max(...results.map((r) => r.relErr ?? 0)),
  };
}

/**
 * Fills `ratio`: the best (fastest) peer's median time over this record's, per case and thread count.
 * @example
 * withRatios([wasm, ortWeb, ortNode], new Set(['ort-web', 'ort-node']))
 */
export function withRatios(records: readonly BenchRecord[], peers: ReadonlySet<string>): BenchRecord[] {
  const best = new Map<string, number>();
  const key = (r: BenchRecord): string => `${r.case}\u0000${r.threads}`;
  for (const r of records) {
    if (!peers.has(r.library) || r.status !== 'ok') continue;
    const current = best.get(key(r));
    if (current === undefined || r.medianMs! < current) best.set(key(r), r.medianMs!);
  }
  return records.map((r) => {
    const bestPeer = best.get(key(r));
    return { ...r, ratio: r.status === 'ok' && bestPeer !== undefined ? bestPeer / r.medianMs! : null };
  });
}

export interface RatioSummary {
  readonly library: string;
  readonly threads: number;
  /** Geometric mean of `ratio` over the cases where it is defined. */
  readonly geomean: number | null;
  readonly worst: number | null;
  readonly cases: number;
}

/** Geometric mean of the ratio to the best peer, per library and thread count. */
export function summarizeRatios(records: readonly BenchRecord[]): RatioSummary[] {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of records) {
    const k = `${r.library}\u0000${r.threads}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((group) =>
    ratioSummary(group[0]!.library, group[0]!.threads, group.map((r) => r.ratio).filter((v): v is number => v !== null)));
}

function ratioSummary(library: string, threads: number, ratios: readonly number[]): RatioSummary {
  return {
    library, threads, cases: ratios.length,
    geomean: ratios.length > 0 ? geometricMean(ratios) : null, worst: ratios.length > 0 ? Math.min(...ratios) : null,
  };
}

interface Selector {
  readonly library: string;
  readonly threads: number;
}

/** Geometric mean and worst case, over the cases both ran correctly, of `other`'s time / `mine`'s time. */
function speedups(records: readonly BenchRecord[], mine: Selector, other: Selector, label: string): RatioSummary {
  const times = ({ library, threads }: Selector) =>
    new Map(records.filter((r) => r.library === library && r.threads === threads && r.status === 'ok').map((r) => [r.case, r.medianMs!]));
  const a = times(mine);
  const b = times(other);
  return ratioSummary(label, mine.threads, [...a].flatMap(([id, ms]) => (b.has(id) ? [b.get(id)! / ms] : [])));
}

/**
 * A tconv backend against one named peer at the same thread count: peer time / backend time.
 * @example
 * versusPeer(records, 'wasm', 'ort-web', 1) // → { library: 'wasm vs ort-web', threads: 1, geomean: 1.3, worst: 1.02, cases: 15 }
 */
export function versusPeer(records: readonly BenchRecord[], library: string, peer: string, threads: number): RatioSummary {
  return speedups(records, { library, threads }, { library: peer, threads }, `${library} vs ${peer}`);
}

/**
 * Thread scaling of one library: its time at one thread / its time at `threads`.
 * @example
 * threadScaling(records, 'native', 2) // → { library: 'native vs itself at t1', threads: 2, geomean: 1.85, … }
 */
export function threadScaling(records: readonly BenchRecord[], library: string, threads: number): RatioSummary {
  return speedups(records, { library, threads }, { library, threads: 1 }, `${library} vs itself at t1`);
}

/** Three significant digits, without exponent for everyday magnitudes. */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return value.toFixed(Math.min(digits, 6));
}

/** The short text a cell shows instead of a number when it was not timed. */
export function statusText(r: BenchRecord): string {
  if (r.status === 'wrong') return r.relErr === null ? 'wrong' : `wrong (relErr ${r.relErr.toExponential(1)})`;
  return r.status;
}

/** A plain-text table with right-aligned numeric columns. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], alignLeft = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i < alignLeft ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The full result table: one row per case × library × threads. Reasons for untimed cells are listed once below
 * the table and referred to by number, since one reason (e.g. a backend not built) often covers many rows.
 */
export function resultTable(records: readonly BenchRecord[]): string {
  const reasons: string[] = [];
  const footnote = (r: BenchRecord): string => {
    if (!r.reason) return '';
    const text = `${r.library}: ${r.reason}`;
    const index = reasons.includes(text) ? reasons.indexOf(text) : reasons.push(text) - 1;
    return ` [${index + 1}]`;
  };
  const header = ['case', 'library', 'threads', 'GFLOP', 'median ms', 'min ms', 'GFLOP/s', '×best peer', 'relErr', 'note'];
  const rows = records.map((r) => [
    r.case, r.library, String(r.threads), formatNumber(r.flops / 1e9), formatNumber(r.medianMs), formatNumber(r.minMs),
    formatNumber(r.gflops), r.ratio === null ? '–' : formatNumber(r.ratio),
    r.relErr === null ? '–' : r.relErr.toExponential(1), r.status === 'ok' ? '' : `${statusText(r)}${footnote(r)}`,
  ]);
  const notes = reasons.map((text, i) => `[${i + 1}] ${text}`);
  return [renderTable(header, rows, 2), ...notes].join('\n');
}

/**
 * One number per cell (GFLOP/s or median ms) as a compact case × (library, threads) matrix, as Markdown (for
 * docs/bench.md) or aligned text. Columns follow the order of first appearance in `records`.
 */
export function matrix(records: readonly BenchRecord[], metric: 'gflops' | 'medianMs', markdown: boolean): string {
  const cases = [...new Set(records.map((r) => r.case))];
  // A library that ran nowhere (e.g. a backend not built here) gets no column; the result table says why.
  const ran = records.filter((r) => r.status !== 'unavailable');
  const columns = [...new Map(ran.map((r) => [`${r.library} t${r.threads}`, r])).keys()];
  const find = new Map(records.map((r) => [`${r.case}\u0000${r.library} t${r.threads}`, r]));
  const flops = new Map(records.map((r) => [r.case, r.flops]));
  const rows = cases.map((id) => [id, formatNumber(flops.get(id)! / 1e9), ...columns.map((col) => {
    const r = find.get(`${id}\u0000${col}`);
    if (!r) return '';
    return r.status === 'ok' ? formatNumber(r[metric]) : r.status;
  })]);
  const header = ['case', 'GFLOP', ...columns];
  return markdown ? markdownTable(header, rows) : renderTable(header, rows);
}

/** A Markdown table; every column but the first is right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const md = (row: readonly string[]): string => `| ${row.join(' | ')} |`;
  return [md(header), md(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(md)].join('\n');
}

/**
 * One library's one-thread GFLOP/s as a fraction of the core's FMA peak measured in the same run (the mean of the
 * measurements before and after): rows of case, GFLOP/s and percent.
 * @example
 * peakFractionRows(records, 'native', 200) // → [['dcgan-2', '160', '80%'], …]
 */
export function peakFractionRows(records: readonly BenchRecord[], library: string, peakGflops: number): string[][] {
  return records
    .filter((r) => r.library === library && r.threads === 1 && r.gflops !== null)
    .map((r) => [r.case, formatNumber(r.gflops!), `${((100 * r.gflops!) / peakGflops).toFixed(0)}%`]);
}
