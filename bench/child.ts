/**
 * A child process of the bench: loads ONE library at ONE thread count, then, each time the parent asks, checks one
 * case's output against the cached reference and, only if it is right, times it. Started by bench/child-handle.ts
 * with an IPC channel; it lives until the parent disconnects.
 */
import { loadCaseData } from './data.ts';
import { checkOutput } from './gate.ts';
import { summarize } from './stats.ts';
import { timeCalls } from './timing.ts';
import { describeLibrary } from './libraries/registry.ts';
import type { BenchLibrary, UsableLibrary } from './libraries/library.ts';
import type { CaseEntry, CellResult, ChildMessage, ChildSetup, ParentMessage } from './protocol.ts';

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const send = (message: ChildMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));

type Outcome = Omit<CellResult, 'case' | 'peakRssMiB'>;
const notTimed = (status: CellResult['status'], reason: string, relErr: number | null = null): Outcome =>
  ({ status, reason, medianMs: null, minMs: null, samples: 0, relErr });

async function measureCase(library: UsableLibrary, setup: ChildSetup, entry: CaseEntry): Promise<Outcome> {
  const data = loadCaseData(entry.case, entry.dir);
  const preparation = await library.prepare(data);
  if (!preparation.supported) return notTimed('n/a', preparation.reason);
  const { prepared } = preparation;
  try {
    // The gate: the first call's output must match the reference before any timing.
    const gate = checkOutput(prepared.toCanonical(await prepared.run()), data.expected, setup.tolerance);
    if (!gate.ok) return notTimed('wrong', gate.reason, gate.relErr);
    const stats = summarize(await timeCalls(() => prepared.run(), setup.timing));
    return { status: 'ok', ...stats, relErr: gate.relErr };
  } finally {
    await prepared.dispose();
  }
}

let setup: ChildSetup | undefined;
let library: BenchLibrary | undefined;

async function handle(message: ParentMessage): Promise<void> {
  if (message.type === 'setup') {
    setup = message.setup;
    library = await describeLibrary(setup.library).load(setup.threads);
    await send({ type: 'loaded', version: library.version, unavailable: library.unavailable });
    return;
  }
  if (!setup || !library) throw new Error('measure before setup');
  let outcome: Outcome;
  try {
    outcome = library.unavailable !== null ? notTimed('unavailable', library.unavailable) : await measureCase(library, setup, message.entry);
  } catch (error) {
    outcome = notTimed('error', (error as Error).message.split('\n')[0] ?? String(error));
  }
  await send({ type: 'result', result: { case: message.entry.case.id, ...outcome, peakRssMiB: peakRssMiB() } });
}

// The parent sends one message and waits for the answer, but chain them anyway so two can never overlap.
let queue = Promise.resolve();
process.on('message', (message: ParentMessage) => {
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
// Libraries with worker threads (ort-web) would keep the process alive after the parent is gone.
process.on('disconnect', () => process.exit(0));
