/** The ops' behaviour beyond the random comparisons: batch 0, hand-checkable cases, backends, all ranks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv as convAny, convTranspose as convTransposeAny, getBackend, listBackends, planFromTensors, randomTensor, tensor } from '../../src/engine/index.ts';
import type { Tensor } from '../../src/engine/index.ts';
import { referenceBackend } from '../../src/engine/backends/reference.ts';

// These tests pin the reference backend; the fast backends are compared with it in their own tests.
type Options = Parameters<typeof convAny>[3];
const convTranspose = (x: Tensor, w: Tensor, b: Tensor | null, o: Options = {}) => convTransposeAny(x, w, b, { ...o, backend: 'reference' });
const conv = (x: Tensor, w: Tensor, b: Tensor | null, o: Options = {}) => convAny(x, w, b, { ...o, backend: 'reference' });

test('batch 0 gives an empty result of the right shape (transposed and conv, every rank)', () => {
  for (const rank of [1, 2, 3]) {
    const spatial = [5, 4, 3].slice(0, rank);
    const kernel = [3, 2, 2].slice(0, rank);
    const y = convTranspose(tensor([0, 4, ...spatial]), randomTensor([4, 3, ...kernel], 1), randomTensor([6], 2), { stride: 2, padding: 1, groups: 2 });
    assert.deepEqual(y.shape, [0, 6, ...spatial.map((i, a) => (i - 1) * 2 - 2 + kernel[a]!)]);
    assert.equal(y.data.length, 0);
    const z = conv(tensor([0, 4, ...spatial]), randomTensor([6, 2, ...kernel], 1), null, { groups: 2 });
    assert.deepEqual(z.shape, [0, 6, ...spatial.map((i, a) => i - kernel[a]! + 1)]);
    assert.equal(z.data.length, 0);
  }
});

test('a stride-2, kernel-2 transposed conv repeats each input (hand-checkable)', () => {
  const y = convTranspose(tensor([1, 1, 3], [1, 2, 3]), tensor([1, 1, 2], [1, 1]), null, { stride: 2 });
  assert.deepEqual([...y.data], [1, 1, 2, 2, 3, 3]);
});

test('k3 s2: overlapping taps add, output_padding adds a bias-only cell at the end', () => {
  // Full output of [1, 10] through [1, 2, 4] with stride 2: [1, 2, 4+10, 20, 40]; crop 1 at the start, op 1 at the end.
  const y = convTranspose(tensor([1, 1, 2], [1, 10]), tensor([1, 1, 3], [1, 2, 4]), tensor([1], [0.5]), { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual([...y.data], [2.5, 14.5, 20.5, 40.5]);
});

test('dilation with gcd(d, s) > 1 leaves bias-only holes', () => {
  // k2 s2 d2: taps land on full indices 2i and 2i + 2 — odd outputs are holes.
  const y = convTranspose(tensor([1, 1, 2], [1, 1]), tensor([1, 1, 2], [1, 1]), tensor([1], [-1]), { stride: 2, dilation: 2 });
  assert.deepEqual([...y.data], [0, -1, 1, -1, 0]);
});

test('conv with stride, padding, dilation and groups (hand-checkable)', () => {
  // Two groups of one channel each; channel 1 is doubled by its weight.
  const x = tensor([1, 2, 5], [1, 2, 3, 4, 5, 1, 1, 1, 1, 1]);
  const y = conv(x, tensor([2, 1, 2], [1, 1, 2, 2]), tensor([2], [0, 1]), { groups: 2, stride: 2, padding: 1, dilation: 2 });
  // Padded channel 0: [0, 1, 2, 3, 4, 5, 0]; windows at 0, 2, 4 read (0, 2), (2, 4), (4, 0).
  assert.deepEqual([...y.data], [2, 6, 4, 3, 5, 3]);
});

test('negative padEnd via pads + outputPadding, and every rank runs through one implementation', () => {
  const x = randomTensor([2, 2, 3, 2, 3], 5);
  const w = randomTensor([2, 1, 2, 3, 1], 6);
  const y = convTranspose(x, w, null, { stride: [2, 1, 3], pads: { begin: [0, 1, 0], end: [1, 0, 0] }, outputPadding: [1, 0, 2] });
  assert.deepEqual(y.shape, [2, 1, 6, 3, 9]); // axis 0: full (3 − 1)·2 + 2 = 6, crop 1 at the end, add 1 back
  // A 3D layer whose leading axes have size 1 equals the 1D layer.
  const x1 = randomTensor([1, 2, 7], 7);
  const w1 = randomTensor([2, 3, 3], 8);
  const one = convTranspose(x1, w1, null, { stride: 2, padding: 1 });
  const three = convTranspose({ shape: [1, 2, 1, 1, 7], data: x1.data }, { shape: [2, 3, 1, 1, 3], data: w1.data }, null, { stride: [1, 1, 2], padding: [0, 0, 1] });
  assert.deepEqual([...three.data], [...one.data]);
});

test('backends: reference is always listed and available; auto picks an available one', () => {
  const reference = listBackends().find((b) => b.name === 'reference');
  assert.equal(reference?.available, true);
  assert.equal(getBackend('reference').name, 'reference');
  const auto = getBackend('auto');
  assert.equal(listBackends().find((b) => b.name === auto.name)?.available, true);
});

test('planFromTensors reads channels and kernel from the shapes', () => {
  const t = planFromTensors('convTranspose', [2, 16, 8, 8], [16, 4, 4, 4], { stride: 2, padding: 1, groups: 2 });
  assert.deepEqual([t.inChannels, t.outChannels, t.groups, t.batch], [16, 8, 2, 2]);
  assert.deepEqual(t.outputShape, [2, 8, 16, 16]);
  const c = planFromTensors('conv', [1, 6, 9], [4, 3, 3], { groups: 2, bias: false });
  assert.deepEqual([c.inChannels, c.outChannels, c.bias], [6, 4, false]);
  assert.deepEqual(c.outputShape, [1, 4, 7]);
});

test('the reference backend writes every output element (poisoned buffer), holes and extra cells included', () => {
  for (const kind of ['convTranspose', 'conv'] as const) {
    // k2 s2 d2 (holes) with output padding 1 (extra cells) for the transposed case; strided, padded conv otherwise.
    const options = kind === 'convTranspose' ? { stride: 2, dilation: 2, outputPadding: 1 } : { stride: 2, padding: 2 };
    const weightShape = kind === 'convTranspose' ? [2, 3, 2, 2] : [3, 2, 2, 2];
    const plan = planFromTensors(kind, [2, 2, 3, 4], weightShape, options);
    const output = new Float32Array(plan.outputShape.reduce((a, b) => a * b, 1)).fill(Number.NaN);
    const args = { plan, input: randomTensor(plan.inputShape, 1).data, weight: randomTensor(plan.weightShape, 2).data, bias: randomTensor([3], 3).data, output };
    referenceBackend[kind](args);
    assert.ok(output.every((v) => Number.isFinite(v)), `${kind}: unwritten elements`);
  }
});
