// A tconv wasm worker (plain JavaScript: no TypeScript loader needed). It instantiates the kernels over the shared
// memory, then sleeps on the generation word; each wake-up runs `work(header, tid)` — taking tasks from the
// shared counter — while the call is running. Browsers send the setup in the first message; Node starts
// node-worker.mjs, which passes workerData to `start`. No imports and no top-level await, so bundlers can emit it
// in any worker format.
const SPIN = 20000;

export function start({ module, memory, tid, header, control, doneIndex }) {
  const { work } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const words = new Int32Array(memory.buffer, 0, 4096);
  Atomics.add(words, control.ready, 1);
  Atomics.notify(words, control.ready);
  let seen = Atomics.load(words, control.generation);
  for (;;) {
    // Back-to-back calls (inference loops) usually arrive within microseconds: poll briefly before sleeping, since
    // waking from Atomics.wait costs tens of microseconds.
    for (let spin = 0; spin < SPIN && Atomics.load(words, control.generation) === seen; spin++);
    Atomics.wait(words, control.generation, seen);
    seen = Atomics.load(words, control.generation);
    Atomics.add(words, control.active, 1);
    if (Atomics.load(words, control.running) === 1) {
      try {
        work(header, tid);
      } catch {
        // A trap (a kernel bug): the task this thread held will never finish; tell the caller instead of hanging it.
        Atomics.store(words, control.failed, 1);
      }
      Atomics.notify(words, doneIndex);
    }
    Atomics.sub(words, control.active, 1);
    Atomics.notify(words, control.active);
  }
}

if (typeof WorkerGlobalScope !== 'undefined') {
  globalThis.onmessage = (event) => start(event.data);
}
