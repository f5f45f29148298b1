/**
 * The native thread pool's hand-off (kernels/native/src/threadpool.cc: lock-free join and close, workers that spin,
 * yield, then sleep): with the per-thread work minimum set to one cycle, the zoo's small layers all run in parallel,
 * call after call with changing thread counts, and every result must equal the one-thread result bit for bit with no
 * element left unwritten; prepared layers too, whose calls switch between 1 and 2 threads by their measured times. In a child process, since the addon reads TCONV_NATIVE_CYCLES_PER_THREAD once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { sizeOf } from '../helpers/reference-case.ts';
import { skipReason } from './native-support.ts';

test('small layers forced onto the pool: 1–4 threads, back to back, give the one-thread bits', { skip: skipReason }, () => {
  const child = fileURLToPath(new URL('./thread-pool-child.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--conditions=tconv-source', '--import', 'tsx', child], {
    encoding: 'utf8', env: { ...process.env, TCONV_NATIVE_CYCLES_PER_THREAD: '1' }, timeout: 120_000,
  });
  assert.equal(result.status, 0, `child failed: ${result.stderr}`);
  const { calls, mismatch, maxThreads } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { calls: number; mismatch: string | null; maxThreads: number[] };
  assert.equal(mismatch, null);
  assert.equal(calls, 2000);
  // Each layer may take more than one thread at one cycle per thread (describe's maxThreads: one per task, at most 256),
  // so its prepared calls at 2 threads went through the measured choice, on both sides of it.
  for (const n of maxThreads) assert.ok(n > 1, `maxThreads ${maxThreads}`);
});

// describe(handle).maxThreads is the bound the measured thread choice works under (src/engine/thread-choice.ts): a
// layer whose estimated work pays for no second thread never goes through the choice.
test('maxThreads: one for a tiny layer, more for a large one, never more tasks than it has', { skip: skipReason }, () => {
  const native = createNativeBackend();
  const tiny = planLayer({ kind: 'conv', batch: 1, input: [8, 8], inChannels: 2, outChannels: 2, kernel: [3, 3], padding: [1, 1] });
  const large = planLayer({ kind: 'conv', batch: 1, input: [32, 32], inChannels: 64, outChannels: 64, kernel: [3, 3], padding: [1, 1] });
  const cycles = Number(process.env.TCONV_NATIVE_CYCLES_PER_THREAD ?? 150_000);
  for (const [plan, many] of [[tiny, false], [large, true]] as const) {
    const layout = native.layout(plan, new Float32Array(sizeOf(plan.weightShape)).fill(0.5));
    const expected = Math.max(1, Math.min(layout.tasks, 256, 1 + Math.floor(layout.estimatedCycles / cycles)));
    assert.equal(layout.maxThreads, expected, `${JSON.stringify(layout)}`);
    assert.equal(layout.maxThreads! > 1, many, `estimated ${layout.estimatedCycles} cycles, ${layout.tasks} tasks`);
  }
});
