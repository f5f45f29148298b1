import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { fromTfjs, type TfjsPad } from '../../src/shape/conventions/tfjs.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { convTranspose, createRng, randomTensor, tensor, closeEnough } from '../../src/engine/index.ts';

await tf.setBackend('cpu');

/** NHWC → NCHW, and tfjs filter [h, w, out, in] → PyTorch (in, out, h, w). */
function toNchw(data: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let k = 0; k < c!; k++) out[((b * c! + k) * h! + y) * w! + x] = data[((b * h! + y) * w! + x) * c! + k]!;
  return out;
}
function filterToPytorch(data: Float32Array, [h, w, o, i]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let a = 0; a < o!; a++) for (let b = 0; b < i!; b++) out[((b * o! + a) * h! + y) * w! + x] = data[((y * w! + x) * o! + a) * i! + b]!;
  return out;
}

test('fromTfjs matches tf.conv2dTranspose on the cpu backend (same, valid, numeric and explicit pads, every reachable size)', () => {
  const rng = createRng(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    const [h, w, kh, kw, sh, sw, cin, cout] = [int(1, 5), int(1, 5), int(1, 5), int(1, 4), int(1, 3), int(1, 3), int(1, 2), int(1, 2)];
    const pads: TfjsPad[] = ['same', 'valid', int(0, 2), [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], [0, 0]]];
    const pad = pads[trial % 4]!;
    // Every output size tfjs accepts here (its forward conv maps back to (h, w)); check a few of them.
    const sizes: [number, number][] = [];
    for (let oh = 1; oh <= h * sh + kh; oh++) for (let ow = 1; ow <= w * sw + kw; ow++) sizes.push([oh, ow]);
    const reachable = sizes.filter(([oh, ow]) => {
      try { fromTfjs({ xShape: [1, h, w, cin], filterShape: [kh, kw, cout, cin], outputShape: [1, oh, ow, cout], strides: [sh, sw], pad }); return true; } catch { return false; }
    });
    for (const [oh, ow] of reachable.slice(0, 3)) {
      const args = { xShape: [1, h, w, cin], filterShape: [kh, kw, cout, cin], outputShape: [1, oh, ow, cout], strides: [sh, sw], pad };
      const spec = fromTfjs(args);
      const x = randomTensor(args.xShape, trial * 100 + oh);
      const f = randomTensor(args.filterShape, trial * 100 + oh + 1);
      const expected = tf.conv2dTranspose(tf.tensor4d(x.data, args.xShape as [number, number, number, number]), tf.tensor4d(f.data, args.filterShape as [number, number, number, number]), args.outputShape as [number, number, number, number], [sh, sw], pad as never);
      const want = toNchw(expected.dataSync() as Float32Array, args.outputShape);
      const ours = convTranspose(tensor([1, cin, h, w], toNchw(x.data, args.xShape)), tensor([cin, cout, kh, kw], filterToPytorch(f.data, args.filterShape)), null, { ...spec, backend: 'reference' });
      assert.deepEqual(ours.shape, [1, cout, oh, ow]);
      assert.ok(closeEnough(ours.data, want), JSON.stringify(args));
      checked++;
    }
  }
  assert.ok(checked >= 40, `only ${checked} configurations checked`);
});

test('tfjs same = output i·s, crop ⌊(K − s)/2⌋ at the start (ONNX SAME_UPPER)', () => {
  const p = planLayer(fromTfjs({ xShape: [2, 32, 32, 8], filterShape: [3, 3, 4, 8], outputShape: [2, 64, 64, 4], strides: 2, pad: 'same' }));
  assert.deepEqual(p.outputShape, [2, 4, 64, 64]);
  assert.deepEqual(p.axes.map((a) => [a.padBegin, a.padEnd]), [[0, 1], [0, 1]]);
  const v = planLayer(fromTfjs({ xShape: [5, 5, 5, 1], filterShape: [2, 2, 1, 1, 1], outputShape: [10, 10, 9, 1], strides: 2, pad: 'valid' }));
  assert.deepEqual(v.outputShape, [1, 1, 10, 10, 9]);
});

test('every tfjs refusal names the argument', () => {
  const ok = { xShape: [1, 4, 4, 2], filterShape: [3, 3, 5, 2], outputShape: [1, 8, 8, 5], strides: 2, pad: 'same' as TfjsPad };
  const cases: [Partial<typeof ok>, RegExp][] = [
    [{ filterShape: [3, 5, 2] }, /^filter \(\[3, 5, 2\]\) has rank 3, but conv2dTranspose needs rank 4/],
    [{ xShape: [4, 2] }, /^x \(\[4, 2\]\) has rank 2, but a 2D filter needs rank 4 \(batch, spatial, channels\) or 3/],
    [{ outputShape: [8, 8, 5] }, /^outputShape \(\[8, 8, 5\]\) has length 3 but x has rank 4/],
    [{ filterShape: [3, 3, 5, 3] }, /^filter \(\[3, 3, 5, 3\]\) has 3 input channels \(last dimension\) but x has 2/],
    [{ outputShape: [1, 8, 8, 4] }, /^outputShape \(\[1, 8, 8, 4\]\) has 4 channels but the filter produces 5/],
    [{ outputShape: [2, 8, 8, 5] }, /^outputShape \(\[2, 8, 8, 5\]\) has batch 2 but x has batch 1/],
    [{ strides: [2] as never }, /^strides \(\[2\]\) has 1 values but the filter has 2 spatial axes/],
    [{ strides: 0 }, /^strides \(0\) must be a positive integer/],
    [{ pad: 'full' as never }, /^pad \("full"\) must be "same", "valid", a number, or explicit padding with 4 \[before, after\] pairs/],
    [{ pad: -1 }, /^pad \(-1\) must be a non-negative integer/],
    [{ pad: [[0, 0], [1, -1], [0, 0], [0, 0]] }, /^pad\[1\]\[1\] \(-1\) must be a non-negative integer/],
    [{ outputShape: [1, 9, 8, 5] }, /^outputShape \(\[1, 9, 8, 5\]\) has 9 on axis 0, but a forward conv of that size \(kernel 3, stride 2, pad "same"\) has 5 positions, not x's 4; use 8 \(input × stride\) or another size in 7…8/],
    [{ outputShape: [1, 8, 8, 5], pad: 'valid' }, /^outputShape .* has 3 positions, not x's 4; pick the size whose forward conv gives x's size/],
    [{ xShape: [1, 4, 0, 2] }, /^x\[2\] \(0\) must be a positive integer/],
    [{ xShape: 'x' as never }, /^x \("x"\) must be a shape/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => fromTfjs({ ...ok, ...change }), (e: unknown) => e instanceof TconvError && message.test(e.message), JSON.stringify(change));
  }
  // A 1×1 filter with stride 3 and 'valid': outputShape 9 needs 2 extra cells at the end (fine, < stride).
  assert.deepEqual(planLayer(fromTfjs({ ...ok, filterShape: [1, 1, 5, 2], outputShape: [1, 12, 12, 5], strides: 3, pad: 'valid' })).axes.map((a) => a.padEnd), [-2, -2]);
});

test('numeric pads are sized as tfjs does (first axis kernel and stride for every axis); 3D takes same/valid only', () => {
  const args = { xShape: [1, 3, 4, 2], filterShape: [1, 4, 2, 2], strides: [2, 2], pad: 1 };
  assert.throws(() => fromTfjs({ ...args, outputShape: [1, 3, 8, 2] }),
    /outputShape \(\[1, 3, 8, 2\]\) has 8 on axis 1, but a forward conv of that size \(kernel 1, stride 2, pad 1\) has 5 positions, not x's 4 \(tfjs sizes every axis of a numeric pad with the first axis's kernel and stride\)/);
  assert.throws(() => fromTfjs({ xShape: [1, 2, 2, 2, 1], filterShape: [2, 2, 2, 1, 1], outputShape: [1, 4, 4, 4, 1], strides: 2, pad: 1 }),
    /pad \(1\) must be "same" or "valid" for conv3dTranspose/);
});

test("conv3dTranspose 'same' with kernel < stride: tfjs's pad is not clamped at 0, so a zero cell comes before the output", () => {
  // k1 s2, 2 → 4 along depth: tfjs 3D gives [0, x0, 0, x1] (its 2D op gives [x0, 0, x1, 0]).
  const args = { xShape: [1, 2, 1, 1, 1], filterShape: [1, 1, 1, 1, 1], outputShape: [1, 4, 1, 1, 1], strides: [2, 1, 1], pad: 'same' as const };
  const p = planLayer(fromTfjs(args));
  assert.deepEqual(p.axes.map((a) => [a.padBegin, a.padEnd]), [[-1, 0], [0, 0], [0, 0]]);
  const y = convTranspose(tensor([1, 1, 2, 1, 1], [3, 5]), tensor([1, 1, 1, 1, 1], [1]), null, { ...fromTfjs(args), backend: 'reference' });
  const theirs = tf.conv3dTranspose(tf.tensor5d([3, 5], [1, 2, 1, 1, 1]), tf.tensor5d([1], [1, 1, 1, 1, 1]), [1, 4, 1, 1, 1], [2, 1, 1], 'same');
  assert.deepEqual([...y.data], [0, 3, 0, 5]);
  assert.deepEqual([...theirs.dataSync()], [0, 3, 0, 5]);
  // The same call in 2D is clamped: the extra cell goes at the end.
  assert.deepEqual(planLayer(fromTfjs({ xShape: [1, 2, 1, 1], filterShape: [1, 1, 1, 1], outputShape: [1, 4, 1, 1], strides: [2, 1], pad: 'same' })).axes.map((a) => [a.padBegin, a.padEnd]), [[0, -1], [0, 0]]);
});
