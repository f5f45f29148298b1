import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromKeras, kerasAxisCrop, type KerasTransposeLayer } from '../../src/shape/conventions/keras.ts';
import { fromTfjs } from '../../src/shape/conventions/tfjs.ts';
import { fromOnnx } from '../../src/shape/conventions/onnx.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { TconvError } from '../../src/shape/errors.ts';

const crops = (layer: KerasTransposeLayer) => planLayer(fromKeras(layer)).axes.map((a) => [a.output, a.padBegin, a.padEnd]);

test('Keras same: output i·s, crop ⌊(K − s)/2⌋ at the start and the rest at the end', () => {
  assert.deepEqual(crops({ input: [32], kernelSize: 3, strides: 2, padding: 'same' }), [[64, 0, 1]]);
  assert.deepEqual(crops({ input: [32], kernelSize: 4, strides: 2, padding: 'same' }), [[64, 1, 1]]);
  assert.deepEqual(crops({ input: [32], kernelSize: 5, strides: 2, padding: 'same' }), [[64, 1, 2]]);
  assert.deepEqual(crops({ input: [32], kernelSize: 1, strides: 2, padding: 'same' }), [[64, 0, -1]]);
  assert.deepEqual(crops({ input: [10], kernelSize: 3, dilationRate: 2, padding: 'same' }), [[10, 2, 2]]);
});

test('Keras valid: output i·s + max(K − s, 0); output_padding follows deconv_output_length', () => {
  assert.deepEqual(crops({ input: [32], kernelSize: 3, strides: 2, padding: 'valid' }), [[65, 0, 0]]);
  assert.deepEqual(crops({ input: [5], kernelSize: 1, strides: 3 }), [[15, 0, -2]]);
  assert.deepEqual(crops({ input: [32], kernelSize: 3, strides: 2, padding: 'valid', outputPadding: 1 }), [[66, 0, -1]]);
  // same + output_padding 0 with k3 s2 is PyTorch's k3 s2 p1 op0 (63), op 1 gives 64 as plain same does.
  assert.deepEqual(crops({ input: [32], kernelSize: 3, strides: 2, padding: 'same', outputPadding: 0 }), [[63, 1, 1]]);
  // … but TF places it: ⌊1/2⌋ = 0 at the start, so it is still SAME_UPPER, not PyTorch's p1 op1.
  assert.deepEqual(crops({ input: [32], kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }), [[64, 0, 1]]);
  assert.deepEqual(kerasAxisCrop(32, 3, 2, 1, 'same', null), { length: 64, forward: 32, begin: 0, end: 1 });
  const spec = fromKeras({ input: [8, 8], kernelSize: [4, 4], strides: 2, padding: 'same', filters: 16, inChannels: 32, batch: 4 });
  assert.deepEqual(planLayer(spec).outputShape, [4, 16, 16, 16]);
  assert.deepEqual(planLayer(spec).weightShape, [32, 16, 4, 4]);
});

test('Keras/TF same = tfjs same = ONNX SAME_UPPER, for any 2D kernel and stride (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), (i, k, s) => {
    const keras = planLayer(fromKeras({ input: [i, i], kernelSize: k, strides: s, padding: 'same' }));
    const tfjs = planLayer(fromTfjs({ xShape: [1, i, i, 1], filterShape: [k, k, 1, 1], outputShape: [1, i * s, i * s, 1], strides: s, pad: 'same' }));
    const same = (p: typeof keras) => p.axes.map((a) => [a.padBegin, a.padEnd]);
    assert.deepEqual(same(keras), same(tfjs));
    const onnx = planLayer(fromOnnx({ attributes: { auto_pad: 'SAME_UPPER', strides: [s, s] }, inputShape: [1, 1, i, i], weightShape: [1, 1, k, k] }));
    assert.deepEqual(same(keras), same(onnx));
  }), { numRuns: 200 });
});

test('every Keras refusal names the Keras argument', () => {
  const cases: [KerasTransposeLayer, RegExp][] = [
    [{ input: [8], kernelSize: 3, padding: 'full' as never }, /^padding \("full"\) must be "same" or "valid"/],
    [{ input: [8], kernelSize: 3, strides: 2, dilationRate: 2 }, /^dilation_rate \(2\) cannot exceed 1 together with strides above 1/],
    [{ input: [8], kernelSize: 3, strides: 2, outputPadding: 2 }, /^output_padding \(2\) must be smaller than strides \(2\) \(Keras: "Strides must be greater than output padding"\); use output_padding below 2/],
    [{ input: [8, 8], kernelSize: 3, strides: [1, 2], outputPadding: [1, 0] }, /^output_padding\[0\] \(1\) must be smaller than strides \(1\).*; use output_padding 0 or leave it out/],
    [{ input: [32], kernelSize: 4, strides: 2, padding: 'same', outputPadding: 0 }, /^output_padding \(0\) makes Keras ask TensorFlow for an output of 62, whose forward 'same' conv has 31 positions, not the input's 32; TensorFlow refuses it/],
    [{ input: [8, 8], kernelSize: [3, 3, 3] }, /^kernel_size \(\[3, 3, 3\]\) has 3 values but input has 2/],
    [{ input: [8], kernelSize: 0 }, /^kernel_size \(0\) must be a positive integer/],
    [{ input: [8], kernelSize: 3, filters: 0 }, /^filters \(0\) must be a positive integer/],
    [{ input: [8], kernelSize: 3, inChannels: 1.5 }, /^inChannels \(1.5\) must be a positive integer/],
    [{ input: [8], kernelSize: 3, batch: -1 }, /^batch \(-1\) must be a non-negative integer/],
    [{ input: 8, kernelSize: 3, rank: 4 as never }, /^rank \(4\) must be 1, 2 or 3 spatial axes/],
  ];
  for (const [layer, message] of cases) {
    assert.throws(() => fromKeras(layer), (e: unknown) => e instanceof TconvError && message.test(e.message), JSON.stringify(layer));
  }
});
