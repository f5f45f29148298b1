/**
 * The Train card's worker: the checkerboard demo of `tconv train --demo checkerboard` (createCheckerboardTrainer),
 * one step at a time on the engine's WebAssembly backend, off the page's thread. Its own worker rather than the
 * engine worker's queue: a run lasts minutes and would hold every other card's pictures behind it. Between steps it
 * yields to its message queue, so Pause lands between two steps; each step's numbers and outputs are posted.
 */
import { initWasm } from '../../src/engine/backends/wasm/runtime.ts';
import { getBackend } from '../../src/engine/select.ts';
import { MAX_STEPS, TRAIN_SETTINGS } from './train-settings.ts';
import { type CheckerboardTrainer, VARIANTS, type VariantName, createCheckerboardTrainer } from '../../src/train/checkerboard-demo.ts';


export type TrainRequest =
  | { type: 'start'; seed: number; run: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' };

export interface TrainRecord {
  readonly name: VariantName;
  readonly loss: number;
  readonly checkerboard: number;
  readonly cellDeviation: number;
  /** The variant's outputs at this step, (images, 32, 32) row-major. */
  readonly output: Float32Array;
}

type TrainEvent =
  | { type: 'started'; seed: number; backend: string; size: number; targets: Float32Array; variants: readonly VariantName[] }
  /** `ms`: the update and the record of every variant (0 at step 0, which is only the record). */
  | { type: 'step'; step: number; ms: number; records: readonly TrainRecord[] }
  | { type: 'state'; state: 'running' | 'paused' | 'finished'; step: number }
  | { type: 'error'; message: string };

/** Every message names the page's run it belongs to, so the page drops what an earlier run still had in flight. */
export type TrainMessage = TrainEvent & { readonly run: number };

const ready = initWasm().catch(() => undefined);
let trainer: CheckerboardTrainer | null = null;
let running = false;
let scheduled = false;
/** Bumped by start and reset, so a start still waiting for the kernels to load is dropped by a later one. */
let generation = 0;
/** The page's number of the current run. */
let run = 0;

const post = (message: TrainEvent, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage({ ...message, run }, transfer);

function postRecords(ms: number): void {
  const records = trainer!.latest.map((r) => ({ name: r.name, loss: r.loss, checkerboard: r.checkerboard, cellDeviation: r.cellDeviation, output: r.output.data.slice() }));
  post({ type: 'step', step: trainer!.steps, ms, records }, records.map((r) => r.output.buffer));
}

/** One step per macrotask, so Pause and Reset are handled between two steps, never in the middle of one. */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(tick, 0);
}

function tick(): void {
  scheduled = false;
  if (!trainer || !running) return;
  const started = performance.now();
  trainer.step();
  postRecords(performance.now() - started);
  if (trainer.steps < MAX_STEPS) {
    schedule();
    return;
  }
  running = false;
  post({ type: 'state', state: 'finished', step: trainer.steps });
}

async function handle(request: TrainRequest): Promise<void> {
  if (request.type === 'start') {
    const mine = ++generation;
    running = false;
    await ready;
    if (mine !== generation) return;
    run = request.run;
    const backend = getBackend('auto').name;
    trainer = createCheckerboardTrainer({ ...TRAIN_SETTINGS, seed: request.seed, backend, variants: VARIANTS });
    post({ type: 'started', seed: request.seed, backend, size: trainer.settings.imageSize, targets: trainer.targets.data.slice(), variants: VARIANTS });
    postRecords(0);
    running = true;
    post({ type: 'state', state: 'running', step: 0 });
    schedule();
  } else if (request.type === 'pause') {
    if (!trainer || !running) return;
    running = false;
    post({ type: 'state', state: 'paused', step: trainer.steps });
  } else if (request.type === 'resume') {
    if (!trainer || running || trainer.steps >= MAX_STEPS) return;
    running = true;
    post({ type: 'state', state: 'running', step: trainer.steps });
    schedule();
  } else {
    generation++;
    running = false;
    trainer = null;
  }
}

self.onmessage = (event: MessageEvent<TrainRequest>) => {
  handle(event.data).catch((error: unknown) => {
    running = false;
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
};
