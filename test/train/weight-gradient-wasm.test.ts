/**
 * The wasm ∂W kernel (src/train/weight-gradient-wasm.ts, kernels/wasm/weight-gradient.ts) end to end against the
 * float64 per-phase sum on layers that reach its branches: 1D/2D/3D, groups, dilation with phases that get no taps, kernel smaller than the stride,
 * output padding, batch, more pairs per tap than one K chunk (the accumulating tiles) and channel counts off the
 * 4 × 8 tile. The PyTorch vectors run on wasm in grad-vectors.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackends, randomTensor, relativeL2Error } from '../../src/engine/index.ts';
import { planFromTensors } from '../../src/engine/ops/plan-from-tensors.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { convTransposeWeightGradient } from '../../src/train/weight-gradient.ts';
import { lastWeightGradientCall, runWasmWeightGradient, wasmWeightGradient } from '../../src/train/weight-gradient-wasm.ts';
import { wasmTuning } from '../../src/engine/backends/wasm/index.ts';

const wasm = listBackends().some((b) => b.name === 'wasm' && b.available);

const LAYERS = [
  { name: '1D k16 s8', input: [2, 5, 9], weight: [5, 3, 16], options: { stride: 8, padding: 4 } },
  { name: '2D k4 s2 p1, batch 3', input: [3, 6, 5, 7], weight: [6, 9, 4, 4], options: { stride: 2, padding: 1 } },
  { name: '2D groups 3, output padding', input: [2, 6, 4, 5], weight: [6, 2, 3, 3], options: { stride: 2, padding: 1, outputPadding: 1, groups: 3 } },
  { name: '2D k3 s2 d2 (phases without taps)', input: [1, 4, 6, 6], weight: [4, 5, 3, 3], options: { stride: 2, dilation: 2, padding: 2, outputPadding: 1 } },
  { name: '2D k2 s3 (kernel smaller than the stride)', input: [2, 3, 4, 4], weight: [3, 4, 2, 2], options: { stride: 3 } },
  { name: '2D many positions (K over one chunk)', input: [2, 3, 40, 41], weight: [3, 2, 2, 3], options: { stride: 1, padding: 1 } },
  { name: '2D 1×1 input (dcgan-1 shape)', input: [5, 7, 1, 1], weight: [7, 6, 4, 4], options: { stride: 1 } },
  { name: '3D k2 s2', input: [1, 9, 3, 4, 3], weight: [9, 5, 2, 2, 2], options: { stride: 2 } },
  { name: 'depthwise', input: [1, 8, 6, 6], weight: [8, 1, 4, 4], options: { stride: 2, padding: 1, groups: 8 } },
];

test('wasm ∂W agrees with the float64 per-phase sum', { skip: wasm ? false : 'wasm backend not available' }, () => {
  for (const [i, l] of LAYERS.entries()) {
    const plan = planFromTensors('convTranspose', l.input, l.weight, { ...l.options, bias: false });
    const x = randomTensor(plan.inputShape, 10 + i);
    const gy = randomTensor(plan.outputShape, 20 + i);
    const expected = convTransposeWeightGradient(plan, x.data, gy.data);
    const kernel = wasmWeightGradient(plan);
    // NaN first: every cell of ∂W must be written.
    const got = new Float32Array(expected.length).fill(Number.NaN);
    runWasmWeightGradient(kernel, x.data, gy.data, got);
    assert.ok(got.every((v) => Number.isFinite(v)), `${l.name}: unwritten cells`);
    assert.ok(relativeL2Error(got, expected) < 1e-5, `${l.name}: relative error ${relativeL2Error(got, expected)}`);
  }
});

test('a layer whose ∂W block would pass the 4 GiB a wasm32 memory addresses is refused by name before anything is allocated', { skip: wasm ? false : 'wasm backend not available' }, () => {
  // 2 × 512 × 1024² inputs: X alone is 4 GiB. Planning allocates nothing; the limit check comes first.
  const plan = planFromTensors('convTranspose', [2, 512, 1024, 1024], [512, 1, 1, 1], { bias: false, memoryLimitBytes: 64 * 1024 ** 3 });
  assert.throws(() => wasmWeightGradient(plan), (e: unknown) => e instanceof TconvError && e.code === 'memory-limit' && /4 GiB a wasm32 memory/.test(e.message));
});

test('wasm ∂W on 1, 2 and 3 threads: the same bits (each task sums its columns over every position in the same order)', { skip: wasm ? false : 'wasm backend not available' }, () => {
  const saved = wasmTuning.minFlopsPerThread;
  wasmTuning.minFlopsPerThread = 0;
  try {
    for (const [i, l] of LAYERS.entries()) {
      const plan = planFromTensors('convTranspose', l.input, l.weight, { ...l.options, bias: false });
      const x = randomTensor(plan.inputShape, 30 + i);
      const gy = randomTensor(plan.outputShape, 40 + i);
      const kernel = wasmWeightGradient(plan);
      const one = new Float32Array(plan.weightShape.reduce((a, b) => a * b, 1));
      runWasmWeightGradient(kernel, x.data, gy.data, one, 1);
      for (const threads of [2, 3]) {
        const many = new Float32Array(one.length).fill(Number.NaN);
        runWasmWeightGradient(kernel, x.data, gy.data, many, threads);
        assert.equal(lastWeightGradientCall.threads, Math.min(threads, plan.groups * kernel.colBlocks), `${l.name}: threads used`);
        assert.deepEqual(many, one, `${l.name} on ${threads} threads`);
      }
    }
    // The workers take part, on a layer long enough for them to wake (a worker still starting takes no task: a few tries).
    const big = planFromTensors('convTranspose', [4, 32, 16, 16], [32, 32, 4, 4], { stride: 2, padding: 1, bias: false });
    const kernel = wasmWeightGradient(big);
    const [x, gy] = [randomTensor(big.inputShape, 50), randomTensor(big.outputShape, 51)];
    const out = new Float32Array(32 * 32 * 16);
    let workerTasks = 0;
    for (let attempt = 0; attempt < 20 && workerTasks === 0; attempt++) {
      runWasmWeightGradient(kernel, x.data, gy.data, out, 2);
      workerTasks = lastWeightGradientCall.tasks - lastWeightGradientCall.callerTasks;
    }
    assert.ok(workerTasks > 0, 'no task ran on a worker thread');
  } finally {
    wasmTuning.minFlopsPerThread = saved;
  }
});
