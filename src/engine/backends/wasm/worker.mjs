// A tconv wasm worker (plain JavaScript: no TypeScript loader needed). It instantiates the kernels over the shared
// memory, then sleeps on the generation word; each wake-up runs `work(header, tid)` — taking tasks from the
// shared counter — while the call is running. Browsers send the setup in the first message; Node starts
// node-worker.mjs, which passes workerData to `start`. No imports and no top-level await, so bundlers can emit it
// in any worker format.
/**
 * Between calls a worker polls, then sleeps. A worker woken by Atomics.notify is placed by the kernel on the waker's
 * CPU and preempts it: on this 2-vCPU host the caller then sat descheduled while the worker ran every task. And any
 * activity on the other vCPU slows the caller: napping in 50 µs timed waits for 200 ms after each call made a
 * one-thread model run 1.5–1.7× slower (timer wake-ups of a virtual CPU; docs/perf-log.md, 2026-12-07 wasm-t2). So a
 * worker polls for POLL_MS after each call — a model's next layer usually comes within that, and it joins at once with
 * no notify — then naps for NAPPING_MS (0 here: napping cost more than it saved) and sleeps, counted in `sleeping`;
 * the next threaded call notifies it (once per idle spell, pool.ts).
 */
const POLL_MS = 0.5;
const NAP_MS = 0.05;
const NAPPING_MS = 0;

export function start({ module, memory, tid, header, control, doneIndex }) {
  const { work } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const words = new Int32Array(memory.buffer, 0, 4096);
  Atomics.add(words, control.ready, 1);
  Atomics.notify(words, control.ready);
  let seen = Atomics.load(words, control.generation);
  for (;;) {
    for (const pollUntil = performance.now() + POLL_MS; Atomics.load(words, control.generation) === seen;) {
      // The clock read costs more than a load: read it every 64 loads.
      let poll = 0;
      while (poll < 64 && Atomics.load(words, control.generation) === seen) poll++;
      if (performance.now() > pollUntil) break;
    }
    // Counted while napping or asleep, so that a caller skips Atomics.notify when every worker polls. A call that
    // starts between the count and a wait changes `generation`, and the wait returns at once.
    Atomics.add(words, control.waiting, 1);
    const napUntil = performance.now() + NAPPING_MS;
    while (Atomics.load(words, control.generation) === seen && performance.now() < napUntil) {
      Atomics.wait(words, control.generation, seen, NAP_MS);
    }
    if (Atomics.load(words, control.generation) === seen) {
      Atomics.add(words, control.sleeping, 1);
      Atomics.wait(words, control.generation, seen);
      Atomics.sub(words, control.sleeping, 1);
    }
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
