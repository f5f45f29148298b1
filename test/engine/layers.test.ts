/** torch.nn-like layers: constructors, init, forward (with output_size), unbatched inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, convTranspose, conv, manualSeed, randomTensor,
} from '../../src/engine/index.ts';

test('the seed article\'s three layers give 32×32, 32×32 and 63×63', () => {
  const x = randomTensor([1, 3, 32, 32], 1);
  const cases = [[3, 1, 1, 32], [5, 1, 2, 32], [7, 2, 3, 63]] as const;
  for (const [kernel, stride, padding, expected] of cases) {
    const layer = new ConvTranspose2d(3, 2, kernel, { stride, padding, seed: 2 });
    assert.deepEqual(layer.forward(x).shape, [1, 2, expected, expected]);
  }
});

test('weights follow PyTorch\'s shapes and default-init bounds, per layer kind', () => {
  const t = new ConvTranspose2d(16, 8, [4, 3], { groups: 2, seed: 1 });
  assert.deepEqual(t.weight.shape, [16, 4, 4, 3]);
  assert.deepEqual(t.bias?.shape, [8]);
  const tBound = 1 / Math.sqrt(4 * 12); // fan_in = (Cout/groups)·∏k
  assert.ok(t.weight.data.every((v) => Math.abs(v) <= tBound) && t.bias!.data.every((v) => Math.abs(v) <= tBound));
  const c = new Conv3d(6, 3, 3, { groups: 3, bias: false, seed: 1 });
  assert.deepEqual(c.weight.shape, [3, 2, 3, 3, 3]);
  assert.equal(c.bias, null);
  assert.ok(c.weight.data.every((v) => Math.abs(v) <= 1 / Math.sqrt(2 * 27)));
  assert.deepEqual(new ConvTranspose1d(2, 3, 5).weight.shape, [2, 3, 5]);
  assert.deepEqual(new Conv1d(2, 3, 5).weight.shape, [3, 2, 5]);
  assert.deepEqual(new ConvTranspose3d(2, 3, [1, 2, 3]).weight.shape, [2, 3, 1, 2, 3]);
  assert.deepEqual(new Conv2d(2, 3, 1).weight.shape, [3, 2, 1, 1]);
});

test('seeds: explicit seeds reproduce, unseeded layers differ but replay after manualSeed', () => {
  assert.deepEqual([...new Conv2d(2, 2, 3, { seed: 7 }).weight.data], [...new Conv2d(2, 2, 3, { seed: 7 }).weight.data]);
  manualSeed(11);
  const a = new Conv2d(2, 2, 3);
  const b = new Conv2d(2, 2, 3);
  assert.notDeepEqual([...a.weight.data], [...b.weight.data]);
  manualSeed(11);
  assert.deepEqual([...new Conv2d(2, 2, 3).weight.data], [...a.weight.data]);
});

test('forward equals the functional op with the layer\'s weights', () => {
  const layer = new ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, dilation: [1, 2], groups: 2, seed: 3 });
  const x = randomTensor([2, 4, 5, 4], 4);
  const expected = convTranspose(x, layer.weight, layer.bias, { stride: 2, padding: 1, outputPadding: 1, dilation: [1, 2], groups: 2 });
  assert.deepEqual(layer.forward(x), expected);
  assert.deepEqual(layer.plan(x.shape).outputShape, expected.shape);
  const c = new Conv1d(4, 2, 3, { stride: 2, padding: 1, seed: 5 });
  const x1 = randomTensor([1, 4, 9], 6);
  assert.deepEqual(c.forward(x1), conv(x1, c.weight, c.bias, { stride: 2, padding: 1 }));
  assert.deepEqual(c.plan(x1.shape).outputShape, [1, 2, 5]);
});

test('forward(x, outputSize) picks output_padding as torch does, with or without N and C', () => {
  const layer = new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, seed: 1 });
  const x = randomTensor([1, 3, 8, 8], 2);
  assert.deepEqual(layer.forward(x).shape, [1, 2, 15, 15]);
  assert.deepEqual(layer.forward(x, [16, 15]).shape, [1, 2, 16, 15]);
  assert.deepEqual(layer.forward(x, [1, 2, 15, 16]).shape, [1, 2, 15, 16]);
  // The extra row is a plain continuation: the first 15 rows agree with the default output.
  const plain = layer.forward(x);
  const taller = layer.forward(x, [16, 15]);
  assert.deepEqual([...taller.data.subarray(0, 15 * 15)], [...plain.data.subarray(0, 15 * 15)]);
});

test('unbatched inputs (C, spatial…) work as in torch', () => {
  const layer = new ConvTranspose1d(2, 3, 4, { stride: 2, padding: 1, seed: 1 });
  const x = randomTensor([2, 6], 2);
  const y = layer.forward(x);
  assert.deepEqual(y.shape, [3, 12]);
  assert.deepEqual([...y.data], [...layer.forward({ shape: [1, 2, 6], data: x.data }).data]);
  assert.deepEqual(new Conv2d(2, 1, 3, { seed: 1 }).forward(randomTensor([2, 5, 5], 3)).shape, [1, 3, 3]);
});
