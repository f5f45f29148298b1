/** Seeded randomness and PyTorch's default initialisation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, fanIn, pytorchDefaultInit, pytorchInitBound, randomTensor, tensor, closeEnough, relativeL2Error } from '../../src/tensor/index.ts';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = createRng(123);
  const b = createRng(123);
  const c = createRng(124);
  const first = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(first, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(first, Array.from({ length: 5 }, () => c.next()));
  assert.deepEqual([...randomTensor([3, 4], 9).data], [...randomTensor([3, 4], 9).data]);
});

test('uniform, integer and normal draws have the right range and moments', () => {
  const rng = createRng(2024);
  const n = 20000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    const k = rng.int(-2, 2);
    assert.ok(Number.isInteger(k) && k >= -2 && k <= 2);
    const z = rng.normal(3, 2);
    sum += z;
    sumSq += z * z;
  }
  const mean = sum / n;
  const std = Math.sqrt(sumSq / n - mean * mean);
  assert.ok(Math.abs(mean - 3) < 0.06, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.06, `std ${std}`);
  const t = randomTensor([1000], 1, { low: 5, high: 6 });
  assert.ok(t.data.every((v) => v >= 5 && v <= 6));
  const g = randomTensor([1000], 1, { distribution: 'normal', mean: 0, std: 0.02 });
  assert.ok(g.data.every((v) => Math.abs(v) < 0.2));
});

test('fan_in is weight.size(1)·∏k, as torch computes it, for both layouts', () => {
  // ConvTranspose2d(16, 8, 4, groups=2): weight (16, 4, 4, 4) → fan_in = (Cout/groups)·16 = 64.
  assert.equal(fanIn([16, 4, 4, 4]), 64);
  // Conv2d(16, 8, 3, groups=2): weight (8, 8, 3, 3) → fan_in = (Cin/groups)·9 = 72.
  assert.equal(fanIn([8, 8, 3, 3]), 72);
  assert.equal(pytorchInitBound([16, 4, 4, 4]), 1 / 8);
});

test('default init: weight and bias uniform within ±1/√fan_in, filling the range', () => {
  const { weight, bias } = pytorchDefaultInit({ weightShape: [8, 4, 5], outChannels: 4, bias: true, seed: 3 });
  const bound = 1 / Math.sqrt(20);
  assert.deepEqual(weight.shape, [8, 4, 5]);
  assert.ok(weight.data.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...weight.data.map(Math.abs)) > 0.9 * bound);
  assert.deepEqual(bias?.shape, [4]);
  assert.ok(bias!.data.every((v) => Math.abs(v) <= bound));
  assert.equal(pytorchDefaultInit({ weightShape: [8, 4, 5], outChannels: 4, bias: false, seed: 3 }).bias, null);
});

test('tensor() checks its data length; compare helpers', () => {
  assert.throws(() => tensor([2, 2], [1, 2, 3]), /tensor data has 3 values but shape \[2, 2\] needs 4/);
  assert.ok(closeEnough([1, 2, 3], [1, 2, 3.00001]));
  assert.ok(!closeEnough([1, 2, NaN], [1, 2, 3]));
  assert.equal(relativeL2Error([0, 0], [0, 0]), 0);
  assert.throws(() => relativeL2Error([1], [1, 2]), /cannot compare 1 values with 2/);
});
