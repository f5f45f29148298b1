/** Command-line options of `npm run bench` (bench/run.ts), parsed and checked without side effects. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TOLERANCE } from './gate.ts';
import { LIBRARY_NAMES, type LibraryName } from './libraries/registry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_SUITE = resolve(ROOT, '../shared/bench/suite.json');

export interface BenchOptions {
  readonly suite: string;
  readonly threads: readonly number[];
  readonly libraries: readonly LibraryName[];
  /** Case ids to run, or null for all. */
  readonly cases: readonly string[] | null;
  readonly minTimeMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly json: string | null;
  readonly markdown: string | null;
  readonly tolerance: number;
  /** The reference backend is timed only on cases up to this many FLOPs (it is a slow float64 loop). */
  readonly referenceMaxFlops: number;
  readonly caseTimeoutMs: number;
  readonly refreshCache: boolean;
  /** Time the backward (∂X, ∂W) and a training step instead of the forward (bench/backward.ts). */
  readonly backward: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run bench -- [options]

Times tconv's backends and the peers on every case of a suite, each library in its own child process.

Options:
  --suite FILE              suite file (default ../shared/bench/suite.json)
  --threads LIST            thread counts, e.g. 1,2 (default 1,2)
  --only NAMES              libraries to run: ${LIBRARY_NAMES.join(', ')} (default all)
  --cases IDS               case ids to run (default all)
  --min-time SECONDS        timed calls per cell last at least this long (default 1)
  --warmup SECONDS          untimed calls before timing (default 0.2)
  --rounds N                repeat the whole run N times; report the median of the round medians (default 1)
  --json FILE               write every record as JSON
  --markdown FILE           write the GFLOP/s matrix and ratio summary as Markdown
  --tolerance X             relative L2 error allowed against the reference (default ${DEFAULT_TOLERANCE})
  --reference-max-gflop X   time the reference backend only on cases up to X GFLOP (default 0.05)
  --case-timeout SECONDS    give up on a cell after this long (default 300)
  --refresh-cache           recompute the cached inputs and reference outputs
  --backward                time ∂X and ∂W of the suite's 2D/3D layers and one training step of the demo decoder
                            against PyTorch (CPU, /usr/bin/python3) and tfjs cpu/wasm, all at 1 thread
                            (uses --cases, --min-time, --markdown, --json)
  -h, --help                show this help`;

function positiveNumber(option: string, text: string, integer = false): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${option} must be a positive ${integer ? 'integer' : 'number'}, got "${text}".`);
  }
  return value;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Parses the bench's arguments (without the node and script paths).
 * @example
 * parseBenchArgs(['--threads', '1', '--only', 'wasm,ort-web']).libraries // → ['wasm', 'ort-web']
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseOrUsageError(() => parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      suite: { type: 'string' }, threads: { type: 'string' }, only: { type: 'string' }, cases: { type: 'string' },
      'min-time': { type: 'string' }, warmup: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'string' },
      markdown: { type: 'string' }, tolerance: { type: 'string' }, 'reference-max-gflop': { type: 'string' },
      'case-timeout': { type: 'string' }, 'refresh-cache': { type: 'boolean' }, backward: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  }));

  const threads = list(values.threads ?? '1,2').map((t) => positiveNumber('threads', t, true));
  if (threads.length === 0) throw new UsageError('--threads needs at least one thread count, e.g. --threads 1,2.');

  const names = values.only === undefined ? [...LIBRARY_NAMES] : list(values.only);
  for (const name of names) {
    if (!(LIBRARY_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--only got unknown library "${name}"; choose from ${LIBRARY_NAMES.join(', ')}.`);
    }
  }
  if (names.length === 0) throw new UsageError('--only needs at least one library name.');

  const cases = values.cases === undefined ? null : list(values.cases);
  if (cases !== null && cases.length === 0) throw new UsageError('--cases needs at least one case id.');

  return {
    suite: resolve(values.suite ?? DEFAULT_SUITE),
    threads: [...new Set(threads)],
    libraries: [...new Set(names)] as LibraryName[],
    cases,
    minTimeMs: 1000 * (values['min-time'] === undefined ? 1 : positiveNumber('min-time', values['min-time'])),
    warmupMs: 1000 * (values.warmup === undefined ? 0.2 : positiveNumber('warmup', values.warmup)),
    rounds: values.rounds === undefined ? 1 : positiveNumber('rounds', values.rounds, true),
    json: values.json === undefined ? null : resolve(values.json),
    markdown: values.markdown === undefined ? null : resolve(values.markdown),
    tolerance: values.tolerance === undefined ? DEFAULT_TOLERANCE : positiveNumber('tolerance', values.tolerance),
    referenceMaxFlops: 1e9 * (values['reference-max-gflop'] === undefined ? 0.05 : positiveNumber('reference-max-gflop', values['reference-max-gflop'])),
    caseTimeoutMs: 1000 * (values['case-timeout'] === undefined ? 300 : positiveNumber('case-timeout', values['case-timeout'])),
    refreshCache: values['refresh-cache'] ?? false,
    backward: values.backward ?? false,
    help: values.help ?? false,
  };
}

/** node:util's parse errors as the bench's usage error (first line only). */
function parseOrUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help).`);
  }
}
