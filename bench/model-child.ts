/**
 * A child process of `npm run bench -- --models` (bench/models.ts): loads ONE library at ONE thread count, then,
 * each time the parent asks, checks one zoo model's output against PyTorch's and, only if it is right, times it
 * (and, for tconv, profiles it by op). It lives until the parent disconnects.
 */
import { checkOutput } from './gate.ts';
import { type ModelLibrary, type ModelProfile, loadModelData, loadModelLibrary } from './model-runners.ts';
import type { LibraryName } from './libraries/registry.ts';
import { summarize } from './stats.ts';
import { type TimingOptions, timeCalls } from './timing.ts';

export interface ModelChildSetup {
  readonly library: LibraryName;
  readonly threads: number;
  readonly timing: TimingOptions;
  readonly tolerance: number;
  /** Profiled runs of a tconv model after its timing (per-op medians). */
  readonly profileRuns: number;
}

export type ModelParentMessage =
  | { readonly type: 'setup'; readonly setup: ModelChildSetup }
  | { readonly type: 'measure'; readonly model: string; readonly dir: string };

export interface ModelResult {
  readonly model: string;
  readonly status: 'ok' | 'wrong' | 'unavailable' | 'error';
  readonly reason: string | null;
  readonly medianMs: number | null;
  readonly minMs: number | null;
  readonly samples: number;
  readonly relErr: number | null;
  readonly profile: ModelProfile | null;
  /** maxRSS of the child so far (MiB): every model it ran, plus Node and the library. */
  readonly peakRssMiB: number;
}

export type ModelChildMessage =
  | { readonly type: 'loaded'; readonly version: string; readonly unavailable: string | null }
  | { readonly type: 'result'; readonly result: ModelResult };

const send = (message: ModelChildMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

type Outcome = Omit<ModelResult, 'model' | 'peakRssMiB'>;
const notTimed = (status: ModelResult['status'], reason: string, relErr: number | null = null): Outcome =>
  ({ status, reason, medianMs: null, minMs: null, samples: 0, relErr, profile: null });

async function measure(library: ModelLibrary, setup: ModelChildSetup, dir: string): Promise<Outcome> {
  const data = await loadModelData(dir);
  const prepared = await library.prepare(data);
  try {
    const gate = checkOutput(await prepared.run(), data.expected, setup.tolerance);
    if (!gate.ok) return notTimed('wrong', gate.reason, gate.relErr);
    const stats = summarize(await timeCalls(() => prepared.run(), setup.timing));
    const profile = prepared.profile ? prepared.profile(setup.profileRuns) : null;
    return { status: 'ok', reason: null, ...stats, relErr: gate.relErr, profile };
  } finally {
    await prepared.dispose();
  }
}

let setup: ModelChildSetup | undefined;
let library: ModelLibrary | undefined;

async function handle(message: ModelParentMessage): Promise<void> {
  if (message.type === 'setup') {
    setup = message.setup;
    try {
      library = await loadModelLibrary(setup.library, setup.threads);
    } catch (error) {
      library = { version: setup.library, unavailable: `does not load: ${(error as Error).message.split('\n')[0]}`, prepare: () => Promise.reject(new Error('unavailable')) };
    }
    await send({ type: 'loaded', version: library.version, unavailable: library.unavailable });
    return;
  }
  if (!setup || !library) throw new Error('measure before setup');
  let outcome: Outcome;
  try {
    outcome = library.unavailable !== null ? notTimed('unavailable', library.unavailable) : await measure(library, setup, message.dir);
  } catch (error) {
    outcome = notTimed('error', (error as Error).message.split('\n')[0] ?? String(error));
  }
  await send({ type: 'result', result: { model: message.model, ...outcome, peakRssMiB: peakRssMiB() } });
}

let queue = Promise.resolve();
process.on('message', (message: ModelParentMessage) => {
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
// ort-web's worker threads would keep the process alive after the parent is gone.
process.on('disconnect', () => process.exit(0));
