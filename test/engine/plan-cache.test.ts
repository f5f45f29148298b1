import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFromTensors } from '../../src/engine/index.ts';

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
