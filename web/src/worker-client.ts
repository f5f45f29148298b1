/**
 * The page's side of the worker: one request per slot (a card's picture); an answer for a slot that has since been
 * asked something newer is dropped, so a card only ever shows the answer to its latest question.
 */
import type { WorkerJob, WorkerRequest, WorkerResponse } from './engine-worker.ts';

let worker: Worker | null = null;
let nextId = 1;
const latest = new Map<string, number>();
const waiting = new Map<number, (response: WorkerResponse) => void>();

function connect(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const { id, slot } = event.data;
    const resolve = waiting.get(id);
    waiting.delete(id);
    if (resolve && latest.get(slot) === id) resolve(event.data);
  };
  return worker;
}

/**
 * Asks the worker; resolves with the answer, or never when a newer request for the same slot supersedes it
 * (the card that asked has been redrawn and waits on the newer answer instead).
 */
export function ask(slot: string, job: WorkerJob, transfer: Transferable[] = []): Promise<WorkerResponse> {
  const id = nextId++;
  const previous = latest.get(slot);
  if (previous !== undefined) waiting.delete(previous);
  latest.set(slot, id);
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    connect().postMessage({ ...job, id, slot } satisfies WorkerRequest, transfer);
  });
}
