// Each operator variant tconv runs, on a hand-made one- or two-node model, against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { randomTensor } from '../../src/engine/index.ts';
import { inferShapes, readModel, runModel } from '../../src/onnx/index.ts';
import { AttributeType, type RawAttribute, type RawTensor } from '../../src/onnx/schema.ts';
import { floatTensorProto, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { closeEnough, relativeL2Error } from '../../src/tensor/compare.ts';
import { buildModel, ints, node } from './build-model.ts';

const str = (name: string, value: string): RawAttribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });
const flt = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.FLOAT, f: value });
const floats = (name: string, shape: number[], values: number[]): RawTensor => floatTensorProto(name, shape, Float32Array.from(values));

interface Case {
  readonly name: string;
  readonly opset?: number;
  readonly input: number[];
  readonly nodes: ReturnType<typeof node>[];
  readonly initializers?: RawTensor[];
}

async function check(c: Case): Promise<void> {
  const bytes = buildModel({ nodes: c.nodes, initializers: c.initializers, inputs: [{ name: 'x', shape: c.input }], opset: c.opset });
  const model = readModel(bytes);
  const x = randomTensor(c.input, c.input.reduce((a, b) => a + b, 0), { distribution: 'normal' });
  const ours = runModel(model, { x }, { backend: 'reference' }).get('y')!;
  assert.deepEqual([...inferShapes(model).shapes.get('y')!], [...ours.shape], `${c.name}: inferred shape`);
  const session = await ort.InferenceSession.create(bytes);
  const theirs = (await session.run({ x: new ort.Tensor('float32', x.data, c.input) })).y!;
  assert.deepEqual([...ours.shape], [...theirs.dims], `${c.name}: shape`);
  const expected = theirs.data as Float32Array;
  assert.ok(closeEnough(ours.data, expected), `${c.name}: relative L2 ${relativeL2Error(ours.data, expected)}`);
}

const resize = (attributes: RawAttribute[], scales?: number[], sizes?: number[]): Pick<Case, 'nodes' | 'initializers'> => ({
  nodes: [node('Resize', ['x', '', scales ? 's' : '', ...(sizes ? ['z'] : [])], ['y'], attributes)],
  initializers: [...(scales ? [floats('s', [scales.length], scales)] : []), ...(sizes ? [int64TensorProto('z', [sizes.length], sizes)] : [])],
});

test('Resize: nearest modes and coordinate transforms, scales and sizes, up and down', async () => {
  const input = [1, 2, 5, 7];
  for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
    for (const transform of ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn']) {
      // align_corners and pytorch_half_pixel with a length input · scale that is not whole are refused (see below).
      const whole = transform === 'align_corners' || transform === 'pytorch_half_pixel';
      await check({ name: `nearest ${nearest} ${transform}`, input, ...resize([str('mode', 'nearest'), str('nearest_mode', nearest), str('coordinate_transformation_mode', transform)], whole ? undefined : [1, 1, 2.5, 1.5], whole ? [1, 2, 12, 10] : undefined) });
    }
  }
  for (const transform of ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel']) {
    await check({ name: `linear ${transform} ×`, input, ...resize([str('mode', 'linear'), str('coordinate_transformation_mode', transform)], [1, 1, 3, 2]) });
    await check({ name: `linear ${transform} sizes`, input, ...resize([str('mode', 'linear'), str('coordinate_transformation_mode', transform)], undefined, [1, 2, 3, 11]) });
  }
  await check({ name: 'nearest downscale', input, ...resize([str('mode', 'nearest')], [1, 1, 0.5, 0.5]) });
  await check({ name: 'linear 1D', input: [2, 3, 6], ...resize([str('mode', 'linear')], [1, 1, 2.5]) });
  await check({ name: 'Resize-10', opset: 10, input, nodes: [node('Resize', ['x', 's'], ['y'], [str('mode', 'nearest')])], initializers: [floats('s', [4], [1, 1, 2, 3])] });
});

test('Upsample (opset 9) nearest and linear', async () => {
  for (const mode of ['nearest', 'linear']) {
    await check({ name: `Upsample ${mode}`, opset: 9, input: [1, 2, 3, 4], nodes: [node('Upsample', ['x', 's'], ['y'], [str('mode', mode)])], initializers: [floats('s', [4], [1, 1, 2, 3])] });
  }
});

test('DepthToSpace DCR and CRD', async () => {
  for (const mode of ['DCR', 'CRD']) {
    await check({ name: `DepthToSpace ${mode}`, input: [2, 8, 3, 2], nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 2), str('mode', mode)])] });
  }
});

test('Gemm with transposes and broadcast C, MatMul, Flatten, Reshape, Transpose', async () => {
  await check({
    name: 'Gemm', input: [3, 4],
    nodes: [node('Gemm', ['x', 'b', 'c'], ['y'], [int('transB', 1), flt('alpha', 0.5), flt('beta', 2)])],
    initializers: [floats('b', [5, 4], Array.from({ length: 20 }, (_, i) => i / 10 - 1)), floats('c', [5], [1, 2, 3, 4, 5])],
  });
  await check({
    name: 'Gemm transA', input: [4, 3],
    nodes: [node('Gemm', ['x', 'b'], ['y'], [int('transA', 1)])], initializers: [floats('b', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
  });
  await check({ name: 'MatMul batched', input: [2, 3, 4], nodes: [node('MatMul', ['x', 'b'], ['y'])], initializers: [floats('b', [4, 2], [1, -2, 3, 4, 0.5, 6, 7, 8])] });
  await check({ name: 'Flatten', input: [2, 3, 4, 5], nodes: [node('Flatten', ['x'], ['a'], [int('axis', 2)]), node('Relu', ['a'], ['y'])] });
  await check({
    name: 'Reshape with 0 and -1', input: [2, 12], nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [4], [0, 3, -1, 2])],
  });
  await check({ name: 'Transpose', input: [2, 3, 4], nodes: [node('Transpose', ['x'], ['y'], [ints('perm', [2, 0, 1])])] });
  await check({ name: 'Transpose (pixel unshuffle)', input: [1, 2, 3, 2, 4, 2], nodes: [node('Transpose', ['x'], ['y'], [ints('perm', [0, 1, 3, 5, 2, 4])])] });
  await check({ name: 'Transpose (last axis kept)', input: [3, 2, 5], nodes: [node('Transpose', ['x'], ['y'], [ints('perm', [1, 0, 2])])] });
  await check({
    name: 'Constant-fed Reshape', input: [2, 8],
    nodes: [node('Constant', [], ['s'], [{ name: 'value', type: AttributeType.TENSOR, t: int64TensorProto('', [4], [-1, 2, 2, 2]) }]), node('Reshape', ['x', 's'], ['y'])],
  });
});

test('element-wise ops broadcast, activations and batch norm', async () => {
  const c = floats('c', [3, 1, 1], [1, -2, 0.5]);
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) await check({ name: op, input: [2, 3, 2, 4], nodes: [node(op, ['x', 'c'], ['y'])], initializers: [c] });
  await check({ name: 'LeakyRelu default alpha', input: [2, 5], nodes: [node('LeakyRelu', ['x'], ['y'])] });
  await check({ name: 'Sigmoid, Tanh, Relu', input: [2, 5], nodes: [node('Sigmoid', ['x'], ['a']), node('Tanh', ['a'], ['b']), node('Relu', ['b'], ['y'])] });
  await check({
    name: 'BatchNormalization', input: [2, 3, 4, 4],
    nodes: [node('BatchNormalization', ['x', 'g', 'b', 'm', 'v'], ['y'], [flt('epsilon', 1e-3)])],
    initializers: [floats('g', [3], [1, 2, 0.5]), floats('b', [3], [0, 1, -1]), floats('m', [3], [0.1, -0.2, 0.3]), floats('v', [3], [1, 0.5, 2])],
  });
});

test('ConvTranspose with auto_pad and output_shape, and Conv with SAME_UPPER, match onnxruntime', async () => {
  const w = floatTensorProto('w', [2, 3, 3, 3], randomTensor([2, 3, 3, 3], 3).data);
  await check({ name: 'SAME_UPPER', input: [1, 2, 4, 5], nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [ints('strides', [2, 2]), str('auto_pad', 'SAME_UPPER')])], initializers: [w] });
  await check({ name: 'output_shape', input: [1, 2, 4, 5], nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [ints('strides', [2, 3]), ints('output_shape', [9, 15])])], initializers: [w] });
  const wc = floatTensorProto('w', [3, 2, 3, 3], randomTensor([3, 2, 3, 3], 4).data);
  await check({ name: 'Conv SAME_UPPER', input: [1, 2, 7, 6], nodes: [node('Conv', ['x', 'w'], ['y'], [ints('strides', [2, 2]), str('auto_pad', 'SAME_UPPER')])], initializers: [wc] });
});

test('unsupported settings are named', () => {
  const model = readModel(buildModel({ nodes: [node('Resize', ['x', '', 's'], ['y'], [str('mode', 'area')])], initializers: [floats('s', [4], [1, 1, 2, 2])] }));
  assert.throws(() => inferShapes(model), { code: 'unsupported', message: /Resize#0\.mode \("area"\) is a Resize setting tconv does not implement; use mode nearest, linear or cubic/ });
  // Where the ONNX reference and onnxruntime compute different values, tconv refuses instead of picking one.
  const corners = readModel(buildModel({ nodes: [node('Resize', ['x', '', 's'], ['y'], [str('mode', 'linear'), str('coordinate_transformation_mode', 'align_corners')])], initializers: [floats('s', [4], [1, 1, 0.6, 0.6])] }));
  assert.throws(() => inferShapes(corners), { code: 'unsupported', message: /Resize#0\.scales .* align_corners with input · scale = 4 · 0\.6\d* = 2\.4\d* \(not whole\) on axis 2 computes different values in the ONNX reference \(unrounded length\) and onnxruntime/ });
  const bn = readModel(buildModel({ nodes: [node('BatchNormalization', ['x', 'g', 'g', 'g', 'g'], ['y', 'mean'], [int('training_mode', 1)])], initializers: [floats('g', [2], [1, 1])] }));
  assert.throws(() => inferShapes(bn), { code: 'unsupported', message: /training_mode \(1\) is a BatchNormalization setting tconv does not implement; use opset 14 or later, or export the model in eval mode/ });
  const dynamic = readModel(buildModel({ nodes: [node('Relu', ['x'], ['s']), node('Reshape', ['x', 's'], ['y'])] }));
  assert.throws(() => inferShapes(dynamic), { code: 'unsupported', message: /Reshape#1\.shape \("s"\) is known only at run time/ });
});

test('Pad (constant, reflect, edge, cropping) and Concat match onnxruntime', async () => {
  for (const mode of ['constant', 'reflect', 'edge']) {
    await check({
      name: `Pad ${mode}`, input: [1, 2, 4, 5],
      nodes: [node('Pad', ['x', 'p', 'v'], ['y'], [str('mode', mode)])],
      initializers: [int64TensorProto('p', [8], [0, 0, 2, 1, 0, 0, 3, 2]), floats('v', [], [mode === 'constant' ? 0.5 : 0])],
    });
  }
  await check({ name: 'Pad cropping', input: [1, 2, 4, 5], nodes: [node('Pad', ['x', 'p'], ['y'])], initializers: [int64TensorProto('p', [8], [0, 0, -1, 2, 0, 0, 1, -2])] });
  await check({ name: 'Pad-2', opset: 2, input: [1, 2, 3], nodes: [node('Pad', ['x'], ['y'], [ints('pads', [0, 0, 1, 0, 1, 2]), str('mode', 'reflect')])] });
  await check({
    name: 'Concat channels', input: [2, 3, 4, 4],
    nodes: [node('Relu', ['x'], ['a']), node('Concat', ['x', 'a', 'c'], ['y'], [int('axis', 1)])],
    initializers: [floats('c', [2, 1, 4, 4], Array.from({ length: 32 }, (_, i) => i))],
  });
  await check({ name: 'Concat last axis', input: [2, 3], nodes: [node('Concat', ['x', 'x'], ['y'], [int('axis', -1)])] });
});

test('shape arithmetic folds: Shape, Gather, Unsqueeze, Concat → Reshape; Slice, Squeeze, ConstantOfShape, Cast', async () => {
  const tensorAttr = (t: RawTensor): RawAttribute => ({ name: 'value', type: AttributeType.TENSOR, t });
  await check({
    name: 'view(x.size(0), -1)', input: [3, 2, 4, 5],
    nodes: [
      node('Shape', ['x'], ['s']), node('Gather', ['s', 'zero'], ['n'], [int('axis', 0)]), node('Unsqueeze', ['n', 'ax0'], ['n1']),
      node('Concat', ['n1', 'minus1'], ['target'], [int('axis', 0)]), node('Reshape', ['x', 'target'], ['y']),
    ],
    initializers: [int64TensorProto('zero', [], [0]), int64TensorProto('ax0', [1], [0]), int64TensorProto('minus1', [1], [-1])],
  });
  await check({
    name: 'Slice with negative steps and clamped ends', input: [2, 3, 7, 6],
    nodes: [node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])],
    initializers: [int64TensorProto('st', [2], [-1, 1]), int64TensorProto('en', [2], [-100, 1000]), int64TensorProto('ax', [2], [2, 3]), int64TensorProto('sp', [2], [-2, 2])],
  });
  await check({ name: 'Squeeze', input: [2, 1, 3, 1], nodes: [node('Squeeze', ['x', 'ax'], ['y'])], initializers: [int64TensorProto('ax', [1], [1])] });
  await check({ name: 'Shape start/end', opset: 15, input: [2, 3, 2], nodes: [node('Shape', ['x'], ['s'], [int('start', 1)]), node('Cast', ['s'], ['f'], [int('to', 1)]), node('Add', ['x', 'f'], ['y'])] });
  await check({
    name: 'ConstantOfShape + Add', input: [2, 3],
    nodes: [node('ConstantOfShape', ['shape'], ['c'], [tensorAttr(floats('', [1], [0.25]))]), node('Add', ['x', 'c'], ['y'])],
    initializers: [int64TensorProto('shape', [2], [2, 3])],
  });
  await check({ name: 'Cast to int and back', input: [4, 5], nodes: [node('Cast', ['x'], ['i'], [int('to', 6)]), node('Cast', ['i'], ['y'], [int('to', 1)])] });
});

test('InstanceNormalization matches onnxruntime', async () => {
  await check({
    name: 'InstanceNormalization', input: [2, 3, 5, 4],
    nodes: [node('InstanceNormalization', ['x', 'g', 'b'], ['y'], [flt('epsilon', 1e-3)])],
    initializers: [floats('g', [3], [1, 2, 0.5]), floats('b', [3], [0, 1, -1])],
  });
});
