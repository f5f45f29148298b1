/**
 * The child process of the bench: loads ONE library at ONE thread count, then for each case checks the output
 * against the cached reference and, only if it is right, times it. Started by bench/run.ts with an IPC channel.
 */
import { loadCaseData } from './data.ts';
import { checkOutput } from './gate.ts';
import { summarize } from './stats.ts';
import { timeCalls } from './timing.ts';
import { describeLibrary } from './libraries/registry.ts';
import type { CellResult, ChildMessage, Job } from './protocol.ts';
import type { UsableLibrary } from './libraries/library.ts';

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const send = (message: ChildMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));

type Outcome = Omit<CellResult, 'case' | 'peakRssMiB'>;
const notTimed = (status: CellResult['status'], reason: string, relErr: number | null = null): Outcome =>
  ({ status, reason, medianMs: null, minMs: null, samples: 0, relErr });

async function measureCase(library: UsableLibrary, job: Job, entry: Job['cases'][number]): Promise<Outcome> {
  const data = loadCaseData(entry.case, entry.dir);
  const preparation = await library.prepare(data);
  if (!preparation.supported) return notTimed('n/a', preparation.reason);
  const { prepared } = preparation;
  try {
    // The gate: the first call's output must match the reference before any timing.
    const gate = checkOutput(prepared.toCanonical(await prepared.run()), data.expected, job.tolerance);
    if (!gate.ok) return notTimed('wrong', gate.reason, gate.relErr);
    const stats = summarize(await timeCalls(() => prepared.run(), job.timing));
    return { status: 'ok', ...stats, relErr: gate.relErr };
  } finally {
    await prepared.dispose();
  }
}

async function runJob(job: Job): Promise<void> {
  const library = await describeLibrary(job.library).load(job.threads);
  await send({ type: 'loaded', version: library.version, unavailable: library.unavailable });
  for (const entry of job.cases) {
    await send({ type: 'start', case: entry.case.id });
    let outcome: Outcome;
    try {
      outcome = library.unavailable !== null ? notTimed('unavailable', library.unavailable) : await measureCase(library, job, entry);
    } catch (error) {
      outcome = notTimed('error', (error as Error).message.split('\n')[0] ?? String(error));
    }
    await send({ type: 'result', result: { case: entry.case.id, ...outcome, peakRssMiB: peakRssMiB() } });
  }
  await send({ type: 'done', peakRssMiB: peakRssMiB() });
}

process.once('message', (job: Job) => {
  runJob(job).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
