/**
 * Worker threads for the wasm backend. Every worker instantiates the same module over the same shared memory and
 * sleeps on a control word; a call wakes them, the calling thread takes its share of the tasks (dynamic, from
 * an atomic counter in the header) and then blocks with Atomics.wait until every task is done. Workers are unref'd:
 * they never keep a Node process alive.
 */
import { CONTROL, HEADER_PTR } from './control.ts';
import { H_DONE_TASKS, H_TASK_COUNT } from './layout.ts';

interface NodeWorker {
  unref?(): void;
  terminate(): unknown;
  postMessage?(message: unknown): void;
}
type WorkerCtor = new (url: URL, options: object) => NodeWorker;

const DONE_INDEX = HEADER_PTR / 4 + H_DONE_TASKS;
const COUNT_INDEX = HEADER_PTR / 4 + H_TASK_COUNT;
/** How long the first threaded call waits for new workers to come up (they join later calls when slower). */
const STARTUP_WAIT_MS = 2000;

/** The worker_threads Worker class in Node, or null (browsers use Web Workers, started by startBrowserPool). */
function nodeWorkerClass(): WorkerCtor | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
  return mod?.Worker ?? null;
}

/** True where this thread may block in Atomics.wait (Node's main thread and workers; not a browser page). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads of a shared word the caller makes before it blocks: a worker's last task usually ends within microseconds of
 * the caller's, and going to sleep in Atomics.wait and being woken costs tens of microseconds (more on a busy host).
 */
const CALLER_SPIN = 20000;

/** Returns once every task of the call is done (or a worker trapped). */
function waitForTasks(words: Int32Array): void {
  const count = Atomics.load(words, COUNT_INDEX);
  let spin = 0;
  for (let done = Atomics.load(words, DONE_INDEX); done < count && !Atomics.load(words, CONTROL.failed); done = Atomics.load(words, DONE_INDEX)) {
    if (++spin > CALLER_SPIN) Atomics.wait(words, DONE_INDEX, done, 100);
  }
}

/** Returns once no worker is inside the call (a late one sees `running` 0 and leaves without touching the header). */
function waitUntilIdle(words: Int32Array): void {
  let spin = 0;
  for (let a = Atomics.load(words, CONTROL.active); a > 0; a = Atomics.load(words, CONTROL.active)) {
    if (++spin > CALLER_SPIN) Atomics.wait(words, CONTROL.active, a, 100);
  }
}

export class ThreadPool {
  private readonly workers: NodeWorker[] = [];
  private readonly words: Int32Array;

  constructor(private readonly module: WebAssembly.Module, private readonly memory: WebAssembly.Memory) {
    this.words = new Int32Array(memory.buffer, 0, 4096);
  }

  /** Workers that can join a call (besides the caller). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts workers until `threads − 1` exist and waits (bounded) for them to be ready; returns false when this host
   * has no workers. Node: worker_threads with the setup in workerData. Browsers (inside a Web Worker of a
   * cross-origin-isolated page): module Web Workers set up by message; they start only once this thread yields, so
   * the calls before that run on fewer threads (a worker that is not up takes no tasks).
   */
  ensure(threads: number): boolean {
    if (this.workers.length >= threads - 1) return true;
    const NodeWorker = nodeWorkerClass();
    if (!NodeWorker && typeof Worker !== 'function') return false;
    while (this.workers.length < threads - 1) {
      const tid = this.workers.length + 1;
      const setup = { module: this.module, memory: this.memory, tid, header: HEADER_PTR, control: CONTROL, doneIndex: DONE_INDEX };
      if (NodeWorker) {
        const worker = new NodeWorker(new URL('./node-worker.mjs', import.meta.url), { workerData: setup, execArgv: [] });
        worker.unref?.();
        this.workers.push(worker);
      } else {
        // Written as `new Worker(new URL('…', import.meta.url), …)`: the form bundlers (Vite, webpack, esbuild)
        // recognise, bundling the worker script and emitting it beside the page with no configuration.
        const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
        worker.postMessage(setup);
        this.workers.push(worker);
      }
    }
    if (!NodeWorker) return true;
    const deadline = Date.now() + STARTUP_WAIT_MS;
    for (let r = Atomics.load(this.words, CONTROL.ready); r < this.workers.length && Date.now() < deadline; r = Atomics.load(this.words, CONTROL.ready)) {
      Atomics.wait(this.words, CONTROL.ready, r, 50);
    }
    return true;
  }

  /**
   * Runs the call whose header is written: starts the workers (waking waiting ones only when `wake`), works, waits
   * for every task and every worker that joined. Returns how many tasks the calling thread ran itself.
   */
  run(work: (header: number, tid: number) => number, wake = true): number {
    const words = this.words;
    Atomics.store(words, CONTROL.running, 1);
    Atomics.add(words, CONTROL.generation, 1);
    // Polling workers see the bump by themselves and napping ones within a nap; Atomics.notify wakes them at once but
    // costs the caller 0.1–1 ms on a busy host (the woken thread preempts it): only calls that pay for it ask.
    // A worker asleep for good joins nothing until notified: wake it whatever the call's size (once per idle spell).
    if ((wake && Atomics.load(words, CONTROL.waiting) > 0) || Atomics.load(words, CONTROL.sleeping) > 0) Atomics.notify(words, CONTROL.generation);
    // A trap on this thread must still leave the workers idle before it propagates (the header is reused next call).
    let mine = 0;
    let trap: unknown = null;
    try {
      mine = work(HEADER_PTR, 0);
    } catch (error) {
      trap = error;
    }
    if (!trap) waitForTasks(words);
    Atomics.store(words, CONTROL.running, 0);
    waitUntilIdle(words);
    const failed = Atomics.exchange(words, CONTROL.failed, 0);
    if (trap) throw trap;
    if (failed) throw new Error('tconv wasm: a worker thread trapped while computing this layer');
    return mine;
  }

  /** Stops every worker (tests and long-lived hosts that want to free them). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    Atomics.store(this.words, CONTROL.ready, 0);
  }
}
