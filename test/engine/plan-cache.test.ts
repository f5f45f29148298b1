import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EngineLayerOptions, conv, planFromTensors, prepareWeights, randomTensor } from '../../src/engine/index.ts';

test('planFromTensors reuses the plan of an identical call and re-plans when anything differs', () => {
  const a = planFromTensors('convTranspose', [1, 3, 32, 32], [3, 3, 7, 7], { stride: 2, padding: 3 });
  assert.equal(planFromTensors('convTranspose', [1, 3, 32, 32], [3, 3, 7, 7], { stride: 2, padding: 3 }), a);
  const other = planFromTensors('convTranspose', [1, 3, 32, 32], [3, 3, 7, 7], { stride: 2, padding: 3, outputPadding: 1 });
  assert.notEqual(other, a);
  assert.deepEqual(other.outputShape, [1, 3, 64, 64]);
  assert.deepEqual(planFromTensors('conv', [1, 3, 32, 32], [3, 3, 7, 7], { stride: 2, padding: 3 }).outputShape, [1, 3, 16, 16]);
  // A refused layer is refused every time (errors are not cached as plans).
  for (let i = 0; i < 2; i++) {
    assert.throws(() => planFromTensors('convTranspose', [1, 3, 32, 32], [3, 3, 7, 7], { stride: 2, outputPadding: 2 }), { code: 'output-padding-too-large' });
  }
});

test('plan-cache keys are exact: NaN, ±Infinity, fractions and strings after a valid call are planned (and refused), never a cached plan', () => {
  const input = [1, 3, 8, 8];
  const weight = [3, 3, 4, 4];
  planFromTensors('convTranspose', input, weight, {});
  planFromTensors('convTranspose', input, weight, { stride: 2, padding: 1, pads: undefined });
  for (const options of [
    { stride: Number.NaN }, { padding: Number.POSITIVE_INFINITY }, { padding: Number.NEGATIVE_INFINITY }, { groups: Number.NaN },
    { dilation: [1, Number.NaN] }, { outputPadding: Number.NaN }, { stride: 1.0000001 }, { stride: '1' as never },
    { pads: { begin: [0, Number.NaN], end: [0, 0] } }, { memoryLimitBytes: Number.NaN }, { memoryLimitBytes: 'abc' as never },
  ]) {
    assert.throws(() => planFromTensors('convTranspose', input, weight, options), { code: 'invalid-value' }, JSON.stringify(options));
  }
  // Different limits are different keys: a call under a small limit is refused even after the same layer planned.
  assert.throws(() => planFromTensors('convTranspose', input, weight, { memoryLimitBytes: 100 }), { code: 'memory-limit' });
  assert.equal(planFromTensors('convTranspose', input, weight, { memoryLimitBytes: 1e9 }).outputShape[2], 11);
});

test('prepared weights remember their calls\' plans, yet a call with any planned value changed (in place too) is planned anew', () => {
  const weight = randomTensor([4, 2, 3, 3], 1);
  const w = prepareWeights(weight);
  const x = randomTensor([1, 2, 8, 8], 2);
  const unprepared = (opts: EngineLayerOptions) => conv(x, weight, null, { ...opts, backend: 'reference' });
  try {
    const options: { stride: number[]; padding: number; backend: 'reference'; pads?: { begin: number[]; end: number[] } } = { stride: [1, 1], padding: 1, backend: 'reference' };
    assert.deepEqual(conv(x, w, null, options).shape, [1, 4, 8, 8]);
    assert.deepEqual(conv(x, w, null, options).shape, [1, 4, 8, 8]);
    options.stride[1] = 2; // edited in place: the memo kept a copy, so this is a new call
    const strided = conv(x, w, null, options);
    assert.deepEqual(strided.shape, [1, 4, 8, 4]);
    assert.deepEqual(strided.data, unprepared({ stride: [1, 2], padding: 1 }).data);
    options.padding = 0;
    assert.deepEqual(conv(x, w, null, options).shape, [1, 4, 6, 3]);
    delete (options as { padding?: number }).padding;
    options.pads = { begin: [1, 0], end: [1, 0] };
    assert.deepEqual(conv(x, w, null, options).shape, [1, 4, 8, 3]);
    options.pads.end[1] = 2;
    assert.deepEqual(conv(x, w, null, options).shape, [1, 4, 8, 4]);
    // Another input shape, and with a bias: other plans.
    assert.deepEqual(conv(randomTensor([2, 2, 5, 5], 3), w, randomTensor([4], 4), { padding: 1 }).shape, [2, 4, 5, 5]);
    // A refused value is refused on every call, also after valid calls filled the memo.
    for (let i = 0; i < 2; i++) {
      assert.throws(() => conv(x, w, null, { stride: Number.NaN }), { code: 'invalid-value' });
      assert.throws(() => conv(x, w, null, { pads: { begin: [0, 0], end: [0, Number.NaN] } }), { code: 'invalid-value' });
    }
    // More distinct calls than the memo holds still give each call its own plan.
    for (let round = 0; round < 2; round++) {
      for (let size = 3; size < 12; size++) assert.deepEqual(conv(randomTensor([1, 2, size, size], size), w, null, {}).shape, [1, 4, size - 2, size - 2]);
    }
  } finally {
    w.dispose();
  }
});
