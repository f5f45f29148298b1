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
