// A tconv wasm worker (plain JavaScript: no TypeScript loader needed). It instantiates the kernels over the shared
// memory, then sleeps on the generation word; each wake-up runs `work(header, tid)` — taking tasks from the
// shared counter — while the call is running. Browsers send the setup in the first message; Node starts
// node-worker.mjs, which passes workerData to `start`. No imports and no top-level await, so bundlers can emit it
// in any worker format.
/**
 * Between calls a worker polls, then naps, then sleeps. Waking a sleeping worker (Atomics.notify) cost the caller
 * 80–190 µs per call on a busy 2-core host (the woken thread preempts it) — more than most of a model's layers take —
 * and polling for long slows the caller: the host's two vCPUs are hyperthreads of one core. So a worker polls only
 * briefly, then naps in short timed waits that need no notify (it joins a call within about a nap, and a call never
 * waits for a worker that has not joined), and sleeps for good after NAPPING_MS without a call. The caller notifies
 * (waking nappers and sleepers at once) only for calls large enough to pay for it (pool.ts, index.ts).
 */
const POLLS = 2000;
const NAP_MS = 0.05;
const NAPPING_MS = 5;

export function start({ module, memory, tid, header, control, doneIndex }) {
  const { work } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const words = new Int32Array(memory.buffer, 0, 4096);
  Atomics.add(words, control.ready, 1);
  Atomics.notify(words, control.ready);
  let seen = Atomics.load(words, control.generation);
  for (;;) {
    for (let poll = 0; poll < POLLS && Atomics.load(words, control.generation) === seen; poll++);
    // Counted while napping or asleep, so that a caller skips Atomics.notify when every worker polls. A call that
    // starts between the count and a wait changes `generation`, and the wait returns at once.
    Atomics.add(words, control.waiting, 1);
    const napUntil = performance.now() + NAPPING_MS;
    while (Atomics.load(words, control.generation) === seen && performance.now() < napUntil) {
      Atomics.wait(words, control.generation, seen, NAP_MS);
    }
    Atomics.wait(words, control.generation, seen);
    Atomics.sub(words, control.waiting, 1);
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
