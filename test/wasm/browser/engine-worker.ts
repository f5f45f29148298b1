// Inside a module Web Worker of a cross-origin-isolated page: load the kernels asynchronously, run the wasm backend
// with 2 threads (the second round after yielding, when the nested workers are up) and compare with the reference.
import { initWasm, lastCall, wasmTuning } from '../../../src/engine/backends/wasm/index.ts';
import { getRuntime } from '../../../src/engine/backends/wasm/runtime.ts';
import { threadChoiceTuning } from '../../../src/engine/thread-choice.ts';
import { convTranspose } from '../../../src/engine/ops/conv-transpose.ts';
import { randomTensor } from '../../../src/tensor/random.ts';
import { relativeL2Error } from '../../../src/tensor/compare.ts';

async function main() {
  await initWasm();
  wasmTuning.minFlopsPerThread = 0; // a small layer, still split across both threads
  wasmTuning.minFlopsToWake = 0; // the rounds are 20 ms apart: the worker sleeps in between
  threadChoiceTuning.mode = 'requested'; // every round on both threads, not the faster side measured
  const x = randomTensor([2, 16, 12, 20], 1);
  const w = randomTensor([16, 12, 4, 4], 2);
  const b = randomTensor([12], 3);
  const options = { stride: 2, padding: 1 } as const;
  const expected = convTranspose(x, w, b, { ...options, backend: 'reference' });
  const errors: number[] = [];
  const callerTasks: number[] = [];
  // At least 20 rounds; more (up to 400, ~8 s) until the nested worker has taken a task: on a busy host it can take
  // seconds to start, and the test asserts that it takes work once up, not how soon.
  const helped = () => callerTasks.some((n) => n < lastCall.tasks);
  for (let round = 0; round < 400 && (round < 20 || !helped()); round++) {
    const got = convTranspose(x, w, b, { ...options, backend: 'wasm', threads: 2 });
    errors.push(relativeL2Error(got.data, expected.data));
    callerTasks.push(lastCall.callerTasks);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  postMessage({
    isolated: crossOriginIsolated, shared: getRuntime().pool !== null, worst: Math.max(...errors),
    tasks: lastCall.tasks, threads: lastCall.threads, callerTasks,
  });
}

main().catch((error: Error) => postMessage({ error: error.message }));
