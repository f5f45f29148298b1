// lintModel: per-layer arithmetic and verdicts, the upsampling path and its compounded overlap, notes, suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintModel, readModel } from '../../src/onnx/index.ts';
import { stackOverlap } from '../../src/analysis/overlap.ts';
import { receptiveField } from '../../src/analysis/receptive-field.ts';
import { AttributeType } from '../../src/onnx/schema.ts';
import { floatTensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, ints, node, weight } from './build-model.ts';
import { renderLint } from '../../src/cli/commands/lint.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/onnx');

test('DCGAN: five even layers, the projection starts the path, the path stays even', () => {
  const report = lintModel(readModel(readFileSync(join(FIXTURES, 'dcgan/model.onnx'))), { dims: { batch: 2 } });
  assert.deepEqual(report.inputs, [{ name: 'z', shape: [2, 16, 1, 1] }]);
  assert.deepEqual(report.layers.map((l) => l.canonical), ['convT k4 s1 pads 0/0', ...Array(4).fill('convT k4 s2 pads 1/1')]);
  assert.deepEqual(report.layers.map((l) => l.phases), [[[4], [4]], ...Array(4).fill([[2, 2], [2, 2]])]);
  assert.deepEqual(report.uneven, []);
  assert.deepEqual(report.layers.map((l) => l.pathIndex), [null, 0, 1, 2, 3]);
  assert.equal(report.path!.overlap.even, true);
  assert.deepEqual(report.path!.overlap.values, [256]); // 4 layers × 2 taps × 2 axes: 2^8 contributions everywhere inside
  assert.ok(report.layers.every((l) => l.weightScore !== null && l.weightScore >= 0));
  assert.deepEqual(report.suggestions, []);
});

test('upsample head: the uneven k3 s2 layer, nearest/bilinear resizes and pixel shuffle on one path', () => {
  const report = lintModel(readModel(readFileSync(join(FIXTURES, 'upsample-head/model.onnx'))));
  assert.deepEqual(report.layers.map((l) => [l.op, l.verdict]), [
    ['ConvTranspose', 'checkerboard'], ['Resize', 'even'], ['Conv', 'even'], ['Resize', 'even'], ['Conv', 'even'], ['DepthToSpace', 'even'],
  ]);
  assert.equal(report.layers[0]!.convention, 'pads 1,1,1,1, output_padding 1,1');
  assert.equal(report.layers[0]!.overlapRatio, 4);
  assert.equal(report.layers[1]!.convention, 'nearest (asymmetric, floor) ×2×2');
  assert.equal(report.layers[3]!.convention, 'linear (half_pixel) ×2×2');
  assert.deepEqual(report.path!.nodes.length, 6);
  // The compounded overlap is the analysis module's, on the same stack.
  const stack = { input: [4, 4], channels: 16, layers: [
    { kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1, outChannels: 8 }, { kind: 'resize', mode: 'nearest', scale: 2 },
    { kind: 'conv', kernel: 3, padding: 1 }, { kind: 'resize', mode: 'bilinear', scale: 2 }, { kind: 'conv', kernel: 3, padding: 1, outChannels: 12 },
    { kind: 'pixelShuffle', factor: 2 },
  ] } as const;
  const direct = stackOverlap(stack);
  assert.equal(report.path!.overlap.ratio, direct.ratio);
  assert.deepEqual(report.path!.overlap.steps.map((s) => s.ratio), direct.steps.map((s) => s.ratio));
  const field = receptiveField(stack).steps.at(-1)!.axes;
  assert.deepEqual(report.path!.receptiveField, { min: field.map((a) => a.minSize), max: field.map((a) => a.size) });
  assert.match(report.suggestions[0]!, /use kernel 2, padding 0, output_padding 0/);
});

test('holes from dilation are reported, with their suggestion', () => {
  const model = readModel(buildModel({
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [ints('strides', [2, 2]), ints('dilations', [2, 2])], 'holey')],
    initializers: [weight('w', [2, 2, 3, 3])], inputs: [{ name: 'x', shape: [1, 2, 8, 8] }],
  }));
  const report = lintModel(model);
  assert.equal(report.layers[0]!.verdict, 'holes');
  assert.equal(report.layers[0]!.overlapRatio, Infinity);
  assert.match(report.layers[0]!.suggestion!, /^some phases get no taps \(dilation shares a factor with stride\)/);
});

test('branches: the longest chain is the path and the other layers are named in the note', () => {
  const w = weight('w', [2, 2, 4, 4]);
  const model = readModel(buildModel({
    nodes: [
      node('ConvTranspose', ['x', 'w'], ['a'], [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])], 'up1'),
      node('Relu', ['a'], ['b']),
      node('ConvTranspose', ['b', 'w'], ['c'], [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])], 'up2'),
      node('ConvTranspose', ['x', 'w'], ['side'], [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])], 'side'),
      node('Add', ['a', 'side'], ['y']),
    ],
    initializers: [w], inputs: [{ name: 'x', shape: [1, 2, 5, 5] }], outputs: ['y', 'c'],
  }));
  const report = lintModel(model);
  assert.deepEqual(report.path!.nodes, ['up1', 'up2']);
  assert.match(report.pathNote!, /not on the longest chain: side/);
});

test('a model without upsampling layers says so', () => {
  const report = lintModel(readModel(buildModel({ nodes: [node('Relu', ['x'], ['y'])] })));
  assert.deepEqual(report.layers, []);
  assert.equal(report.path, null);
  assert.equal(report.pathNote, 'no conv, transposed conv or resize layers');
});

test('very large spatial sizes are summarised from the phases instead of overlap maps', () => {
  const model = readModel(buildModel({
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [ints('strides', [2])])],
    initializers: [floatTensorProto('w', [1, 1, 3], Float32Array.of(1, 1, 1))], inputs: [{ name: 'x', shape: [1, 1, 100_000] }],
  }));
  const report = lintModel(model);
  assert.equal(report.layers[0]!.overlapRatio, 2);
  assert.equal(report.path, null);
  assert.match(report.pathNote!, /has a spatial size of 200001, over 65536: its compounded overlap and receptive fields are not computed/);
  assert.equal(AttributeType.INTS, 7);
});

test("U-Net: the decoder path runs through the skip concatenation; the exporter's pad arithmetic is folded", () => {
  const report = lintModel(readModel(readFileSync(join(FIXTURES, 'unet/model.onnx'))));
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(report.layers.map((l) => l.op), ['Conv', 'Conv', 'ConvTranspose', 'ConvTranspose', 'Conv']);
  // The reflection Pad before the last conv joins the path as a 1×1 conv with those pads (no row of its own).
  assert.deepEqual(report.path!.nodes.map((n) => n.split('/').pop()), ['Conv', 'Conv', 'ConvTranspose', 'ConvTranspose', 'Pad', 'Conv']);
  assert.equal(report.pathNote, null);
  assert.deepEqual(report.path!.inputSize, [32, 32]);
  assert.deepEqual(report.layers.map((l) => l.pathIndex), [0, 1, 2, 3, 5]);
  assert.deepEqual(report.uneven, []);
});

test('lint works from shapes alone: a size that depends on a run-time value is named, not fatal', () => {
  const model = readModel(buildModel({
    nodes: [node('ConvTranspose', ['x', 'w'], ['a'], [ints('strides', [2, 2])]), node('Reshape', ['a', 's'], ['y'])],
    initializers: [weight('w', [2, 3, 4, 4])],
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }, { name: 's', shape: [3] }],
  }));
  const report = lintModel(model);
  assert.deepEqual(report.layers.map((l) => [l.op, l.outputShape]), [['ConvTranspose', [1, 3, 10, 10]]]);
  assert.deepEqual(report.skipped, [{ node: 'Reshape#1', opType: 'Reshape', reason: 'depends on a run-time value', needs: { slot: 'Reshape#1.shape', value: 's' } }]);
  assert.match(report.suggestions.join('\n'), /sizes from there on depend on run-time values \(Reshape#1\.shape ← "s"\): run the model with its inputs to plan them/);
});

test('onnxruntime 1.30 differences are warnings: SAME with kernel + output_padding < stride, output_padding ≥ stride', () => {
  const str = (name: string, value: string) => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  const model = readModel(buildModel({
    nodes: [
      node('ConvTranspose', ['x', 'w1'], ['a'], [ints('strides', [3, 3]), str('auto_pad', 'SAME_UPPER')], 'same_k1'),
      node('ConvTranspose', ['a', 'w3'], ['b'], [ints('dilations', [2, 2]), ints('output_padding', [1, 0])], 'dilated_op'),
      node('ConvTranspose', ['b', 'w3'], ['y'], [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), ints('output_padding', [1, 1])], 'plain'),
    ],
    initializers: [weight('w1', [2, 2, 1, 1]), weight('w3', [2, 2, 3, 3])], inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
  }));
  const report = lintModel(model);
  assert.deepEqual(report.layers.map((l) => l.outputShape.slice(2)), [[12, 12], [17, 16], [34, 32]]);
  assert.deepEqual(report.warnings, [
    'same_k1: onnxruntime 1.30 outputs 10×10, not 12×12: with auto_pad SAME_UPPER and kernel + output_padding < stride it gives min(i·s, (i − 1)·s + K + op) where the operator text gives i·s',
    'dilated_op: onnxruntime 1.30 refuses this node: output_padding 1 is not less than stride 1 (onnxruntime bounds it by the stride alone) on axis 0',
  ]);
  assert.equal(report.layers[2]!.runtime, null);
  const text = renderLint(report);
  assert.deepEqual(text.slice(text.indexOf('warnings:'), text.indexOf('warnings:') + 3), ['warnings:', `  - ${report.warnings[0]}`, `  - ${report.warnings[1]}`]);
  assert.deepEqual(lintModel(readModel(readFileSync(join(FIXTURES, 'dcgan/model.onnx')))).warnings, []);
});
