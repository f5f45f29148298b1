// Export: stacks written as ONNX run in onnxruntime-node and give tconv's own output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConvTranspose1d, ConvTranspose2d, Conv2d, ConvTranspose3d, randomTensor, type Tensor } from '../../src/engine/index.ts';
import { type ExportSpec, exportStack } from '../../src/onnx/export.ts';
import { runModel } from '../../src/onnx/index.ts';
import { closeEnough, relativeL2Error } from '../../src/tensor/compare.ts';

async function onnxruntime(bytes: Uint8Array, x: Tensor): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
  const y = result.output!;
  return { dims: y.dims, data: y.data as Float32Array };
}

async function checkAgainstOrt(spec: ExportSpec, seed: number): Promise<void> {
  const exported = exportStack(spec);
  const x = randomTensor(spec.input, seed, { distribution: 'normal' });
  const ours = runModel(exported.model, { input: x }, { backend: 'reference' }).get('output')!;
  const theirs = await onnxruntime(exported.bytes, x);
  assert.deepEqual([...theirs.dims], [...exported.outputShape]);
  assert.deepEqual([...ours.shape], [...exported.outputShape]);
  assert.ok(closeEnough(ours.data, theirs.data), `relative L2 ${relativeL2Error(ours.data, theirs.data)}`);
}

test('the sample decoder stack (convT, BN, activations, resize, conv, pixel shuffle) matches onnxruntime', async () => {
  const spec = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/onnx/stacks/decoder.json'), 'utf8')) as ExportSpec;
  await checkAgainstOrt(spec, 11);
  await checkAgainstOrt({ ...spec, input: [3, 32, 5, 7] }, 12); // another batch (symbolic axis) and odd sizes
});

test('asymmetric pads, dilation, groups, bilinear resize, sigmoid and conv strides match onnxruntime', async () => {
  await checkAgainstOrt({
    input: [2, 4, 5, 6], seed: 5, layers: [
      { kind: 'convTranspose', outChannels: 6, kernel: [3, 2], stride: [2, 3], dilation: [2, 1], groups: 2, pads: { begin: [0, 1], end: [2, 0] }, outputPadding: [1, 0] },
      { kind: 'sigmoid' },
      { kind: 'resize', mode: 'bilinear', scale: 3 },
      { kind: 'conv', outChannels: 3, kernel: 3, stride: 2, padding: 1, bias: false },
    ],
  }, 6);
});

test('1D and 3D stacks match onnxruntime', async () => {
  await checkAgainstOrt({ input: [2, 3, 9], layers: [{ kind: 'convTranspose', outChannels: 2, kernel: 5, stride: 3, padding: 1, outputPadding: 2 }, { kind: 'resize', mode: 'nearest', scale: 2 }, { kind: 'tanh' }] }, 7);
  await checkAgainstOrt({ input: [1, 2, 3, 4, 3], layers: [{ kind: 'convTranspose', outChannels: 3, kernel: 3, stride: 2, padding: 1 }, { kind: 'batchNorm', seed: 2 }, { kind: 'relu' }] }, 8);
});

test("the engine's layer objects export with their weights: onnxruntime gives the layers' own forward output", async () => {
  const layers = [
    new ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1, seed: 1 }),
    new Conv2d(4, 4, 3, { padding: 1, bias: false, seed: 2 }),
    new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, seed: 3 }),
  ];
  const x = randomTensor([2, 8, 5, 5], 4);
  const direct = layers.reduce((y, layer) => layer.forward(y), x);
  const exported = exportStack({ input: [2, 8, 5, 5], layers });
  const theirs = await onnxruntime(exported.bytes, x);
  assert.deepEqual([...theirs.dims], [...direct.shape]);
  assert.ok(closeEnough(direct.data, theirs.data), `relative L2 ${relativeL2Error(direct.data, theirs.data)}`);
  const one = new ConvTranspose1d(2, 2, 3, { stride: 2, seed: 5 });
  const three = new ConvTranspose3d(2, 2, 2, { stride: 2, seed: 6 });
  assert.deepEqual(exportStack({ input: [1, 2, 4], layers: [one] }).outputShape, [1, 2, 9]);
  assert.deepEqual(exportStack({ input: [1, 2, 2, 2, 2], layers: [three] }).outputShape, [1, 2, 4, 4, 4]);
});

test('stack errors name the layer and the rule', () => {
  assert.throws(() => exportStack({ input: [1, 4, 4, 4], layers: [{ kind: 'deconv' } as never] }), {
    code: 'invalid-value', message: /layers\[0\]\.kind \("deconv"\) must be convTranspose, conv, batchNorm/,
  });
  assert.throws(() => exportStack({ input: [1, 4, 4], layers: [{ kind: 'pixelShuffle', factor: 2 }] }), {
    code: 'unsupported', message: /layers\[0\]\.kind \("pixelShuffle"\) is exported as ONNX DepthToSpace, which is 2D only/,
  });
  assert.throws(() => exportStack({ input: [1, 4, 4, 4], layers: [{ kind: 'convTranspose', kernel: 3, weight: { shape: [4, 4, 2, 2], data: new Float32Array(64) } }] }), {
    code: 'weight-shape', message: /layers\[0\]\.weight\.shape \(\[4, 4, 2, 2\]\) must be \[4, 4, 3, 3\]/,
  });
  assert.throws(() => exportStack({ input: [1, 4, 4, 4], layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, outputPadding: 2 }] }), {
    code: 'output-padding-too-large', message: /layers\[0\]\.outputPadding \(2\) must be smaller than stride/,
  });
  assert.throws(() => exportStack({ input: [1, 6, 4, 4], layers: [{ kind: 'pixelShuffle', factor: 2 }] }), {
    message: /layers\[0\]\.factor \(2\) needs channels divisible by 4, but the layer receives 6/,
  });
  assert.throws(() => exportStack({ input: [1, 4], layers: [{ kind: 'relu' }] }), { message: /input \(\[1, 4\]\) must be a shape N, C and 1 to 3 spatial sizes/ });
  assert.throws(() => exportStack({ input: [1, 4, 4], layers: [] }), { message: /layers \(\[\]\) must list at least one layer/ });
  assert.throws(() => exportStack({ input: [1, 2, 4], layers: [{ kind: 'batchNorm', variance: [1, -1] }] }), { message: /layers\[0\]\.variance\[1\] \(-1\) must be 0 or more/ });
});
