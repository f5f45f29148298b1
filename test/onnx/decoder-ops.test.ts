// The operators decoders use, every Resize mode and the exact element types, each on a hand-made model against
// onnxruntime-node: same output shapes, values within the project's tolerance (float16 results bit-equal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { randomTensor } from '../../src/engine/index.ts';
import { type OnnxTensor, inferShapes, readModel, runModel } from '../../src/onnx/index.ts';
import { AttributeType, DataType, ModelProto, type RawAttribute, type RawNode, type RawTensor } from '../../src/onnx/schema.ts';
import { floatTensorProto, halfToFloat, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { closeEnough, maxAbsError, relativeL2Error } from '../../src/tensor/compare.ts';
import { node } from './build-model.ts';

const str = (name: string, value: string): RawAttribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });
const flt = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.FLOAT, f: value });
const ints = (name: string, values: number[]): RawAttribute => ({ name, type: AttributeType.INTS, ints: values });
const floats = (name: string, shape: number[], values: number[]): RawTensor => floatTensorProto(name, shape, Float32Array.from(values));

type Kind = 'float32' | 'int64' | 'int32' | 'uint8' | 'int8';
const CODES: Record<Kind, number> = { float32: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32, uint8: DataType.UINT8, int8: DataType.INT8 };

interface Input { readonly name: string; readonly kind?: Kind; readonly shape: number[]; readonly values?: number[] }
interface Case {
  readonly name: string;
  readonly opset?: number;
  readonly nodes: RawNode[];
  readonly inputs: Input[];
  readonly initializers?: RawTensor[];
  readonly outputs?: string[];
}

let seed = 1;
function valuesOf(input: Input): number[] {
  if (input.values) return input.values;
  const t = randomTensor(input.shape, seed++, { distribution: 'normal' });
  return input.kind === undefined || input.kind === 'float32' ? [...t.data] : [...t.data].map((v) => Math.round(v * 20));
}

function encode(c: Case): Uint8Array {
  const info = (name: string, elemType: number, shape?: number[]) => ({
    name, type: { tensor_type: { elem_type: elemType, ...(shape ? { shape: { dim: shape.map((d) => ({ dim_value: d })) } } : {}) } },
  });
  return ModelProto.encode(ModelProto.fromObject({
    ir_version: 8, opset_import: [{ domain: '', version: c.opset ?? 13 }],
    graph: {
      name: c.name, node: c.nodes, initializer: c.initializers ?? [],
      input: c.inputs.map((i) => info(i.name, CODES[i.kind ?? 'float32'], i.shape)),
      // Output types are left to onnxruntime's inference (elem_type 0 would be refused by ORT): declare float, and
      // let cases with other output types say so through the op (ORT checks only when it knows).
      output: (c.outputs ?? ['y']).map((o) => ({ name: o })),
    },
  })).finish();
}

function ortTensor(kind: Kind, values: number[], shape: number[]): ort.Tensor {
  switch (kind) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from(values), shape);
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), shape);
    case 'int32': return new ort.Tensor('int32', Int32Array.from(values), shape);
    case 'uint8': return new ort.Tensor('uint8', Uint8Array.from(values), shape);
    case 'int8': return new ort.Tensor('int8', Int8Array.from(values), shape);
  }
}

function fromOrt(t: ort.Tensor): number[] {
  if (t.type === 'float16') return [...(t.data as Uint16Array)].map(halfToFloat);
  if (t.type === 'bool') return [...(t.data as Uint8Array)].map(Number);
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

async function check(c: Case): Promise<void> {
  const bytes = encode(c);
  const model = readModel(bytes);
  const feeds: Record<string, OnnxTensor> = {};
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const input of c.inputs) {
    const values = valuesOf(input);
    const kind = input.kind ?? 'float32';
    feeds[input.name] = { name: input.name, dataType: CODES[kind], shape: input.shape, data: kind === 'float32' ? Float32Array.from(values) : Float64Array.from(values) };
    ortFeeds[input.name] = ortTensor(kind, values, input.shape);
  }
  const ours = runModel(model, feeds, { backend: 'reference' });
  const session = await ort.InferenceSession.create(bytes);
  const theirs = await session.run(ortFeeds);
  for (const name of c.outputs ?? ['y']) {
    const a = ours.get(name)!;
    const b = theirs[name]!;
    assert.deepEqual([...a.shape], [...b.dims], `${c.name} ${name}: shape`);
    const expected = fromOrt(b);
    if (b.type === 'float16') assert.deepEqual([...a.data], expected, `${c.name} ${name}: float16 values`);
    else assert.ok(closeEnough(a.data, expected), `${c.name} ${name}: relative L2 ${relativeL2Error(a.data, expected)}, max abs ${maxAbsError(a.data, expected)}`);
  }
}

const X = [2, 3, 4, 5];
const one = (op: string, attributes: RawAttribute[] = [], shape = X, opset?: number): Case => ({ name: op, opset, nodes: [node(op, ['x'], ['y'], attributes)], inputs: [{ name: 'x', shape }] });

test('activations and math functions', async () => {
  for (const c of [
    one('Elu', [flt('alpha', 0.7)]), one('Selu'), one('Celu', [flt('alpha', 1.3)], X, 13), one('Softplus'), one('Softsign'),
    one('HardSigmoid', [flt('alpha', 0.3), flt('beta', 0.4)]), one('HardSwish', [], X, 14), one('ThresholdedRelu', [flt('alpha', 0.2)]),
    one('Erf'), one('Exp'), one('Neg'), one('Abs'), one('Reciprocal'), one('Relu'), one('Tanh'), one('Sigmoid'),
  ]) await check(c);
  // Sqrt and Log of |x| (their domain).
  for (const op of ['Sqrt', 'Log']) await check({ name: op, nodes: [node('Abs', ['x'], ['a']), node(op, ['a'], ['y'])], inputs: [{ name: 'x', shape: X }] });
  await check({ name: 'Erf far out', nodes: [node('Erf', ['x'], ['y'])], inputs: [{ name: 'x', shape: [9], values: [-7, -3, -2.6, -2.4, -0.1, 0, 0.3, 2.5, 4] }] });
});

test('Clip (attributes, inputs, one bound, integers), PRelu, Dropout at inference', async () => {
  await check({ ...one('Clip', [flt('min', -0.5), flt('max', 0.7)], X, 6), name: 'Clip-6' });
  await check({ name: 'Clip-13', nodes: [node('Clip', ['x', 'lo', 'hi'], ['y'])], inputs: [{ name: 'x', shape: X }], initializers: [floats('lo', [], [-0.3]), floats('hi', [], [0.4])] });
  await check({ name: 'Clip max only', nodes: [node('Clip', ['x', '', 'hi'], ['y'])], inputs: [{ name: 'x', shape: X }], initializers: [floats('hi', [], [0.1])] });
  await check({ name: 'Clip int32', nodes: [node('Clip', ['x', 'lo', 'hi'], ['y'])], inputs: [{ name: 'x', kind: 'int32', shape: [6] }, { name: 'lo', kind: 'int32', shape: [], values: [-5] }, { name: 'hi', kind: 'int32', shape: [], values: [7] }] });
  await check({ name: 'PRelu per channel', nodes: [node('PRelu', ['x', 's'], ['y'])], inputs: [{ name: 'x', shape: X }], initializers: [floats('s', [3, 1, 1], [0.1, -0.2, 0.3])] });
  await check({ name: 'Dropout with mask', nodes: [node('Dropout', ['x'], ['y', 'm'], [])], inputs: [{ name: 'x', shape: X }], outputs: ['y', 'm'] });
});

test('broadcasting arithmetic in float32, integer division and wrapping, float16 casts', async () => {
  const inputs = [{ name: 'a', shape: X }, { name: 'b', shape: [3, 1, 5] }];
  for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']) await check({ name: op, nodes: [node(op, ['a', 'b'], ['y'])], inputs });
  for (const op of ['Max', 'Min', 'Sum', 'Mean']) await check({ name: `${op} of three`, nodes: [node(op, ['a', 'b', 'c'], ['y'])], inputs: [...inputs, { name: 'c', shape: [5] }] });
  await check({ name: 'Pow', nodes: [node('Abs', ['a'], ['p']), node('Pow', ['p', 'b'], ['y'])], inputs });
  await check({ name: 'Pow integer exponent', nodes: [node('Pow', ['a', 'e'], ['y'])], inputs: [inputs[0]!], initializers: [floats('e', [], [3])] });
  // onnxruntime's CPU kernels take no uint8 arithmetic: the values are C's (and the ONNX suite's).
  const u8 = (op: string, a: number[], b: number[]) => {
    const model = readModel(encode({ name: op, nodes: [node(op, ['a', 'b'], ['y'])], inputs: [{ name: 'a', kind: 'uint8', shape: [a.length] }, { name: 'b', kind: 'uint8', shape: [b.length] }] }));
    const t = (v: number[]) => ({ name: '', dataType: DataType.UINT8, shape: [v.length], data: Float64Array.from(v) });
    const y = runModel(model, { a: t(a), b: t(b) }).get('y')!;
    assert.equal(y.dataType, DataType.UINT8);
    return [...y.data];
  };
  assert.deepEqual(u8('Div', [7, 200, 255, 3, 0, 9], [2, 3, 16, 7, 5, 9]), [3, 66, 15, 0, 0, 1]);
  assert.deepEqual(u8('Add', [200, 255, 3], [100, 1, 7]), [44, 0, 10]);
  assert.deepEqual(u8('Sub', [1, 255, 3], [2, 1, 7]), [255, 254, 252]);
  assert.throws(() => u8('Div', [1], [0]), { code: 'invalid-value', message: /Div#0\.B \(0\) divides an integer by zero/ });
  const i32 = (name: string, values: number[]) => ({ name, kind: 'int32' as const, shape: [values.length], values });
  await check({ name: 'int32 Div toward zero', nodes: [node('Div', ['a', 'b'], ['y'])], inputs: [i32('a', [-7, 7, -7, 9, -1]), i32('b', [2, -2, -2, 4, 3])] });
  await check({ name: 'int32 Mul', nodes: [node('Mul', ['a', 'b'], ['y'])], inputs: [i32('a', [100, -100, 12]), i32('b', [3, 2, -11])] });
  // Cast to float16 rounds to nearest even; arithmetic on float16 rounds every result.
  await check({ name: 'Cast float16', nodes: [node('Cast', ['x'], ['y'], [int('to', DataType.FLOAT16)])], inputs: [{ name: 'x', shape: [8], values: [0.1, 1 / 3, 65519, 65520, 1e-8, -2.5e-5, 2049, 4097] }] });
  // float16 arithmetic rounds each result to nearest, ties to even, as IEEE 754 and NumPy (the ONNX reference) do:
  // 0.1 + 0.2 is 1228.5 units of 2⁻¹² → 1228; 0.1 + 0.7 is 1638.75 units of 2⁻¹¹ → 1639. (onnxruntime's CPU float16
  // Add gives 1229 and 1638: it is not compared here.)
  const half = readModel(encode({ name: 'tie', nodes: [node('Cast', ['a'], ['h'], [int('to', DataType.FLOAT16)]), node('Add', ['h', 'h2'], ['y']), node('Cast', ['b'], ['h2'], [int('to', DataType.FLOAT16)])], inputs: [{ name: 'a', shape: [1] }, { name: 'b', shape: [1] }] }));
  const f = (v: number) => ({ name: '', dataType: DataType.FLOAT, shape: [1], data: Float32Array.of(v) });
  assert.deepEqual([...runModel(half, { a: f(0.1), b: f(0.2) }).get('y')!.data], [0.2998046875]);
  assert.deepEqual([...runModel(half, { a: f(0.1), b: f(0.7) }).get('y')!.data], [0.80029296875]);
  await check({ name: 'Cast float → int32 truncates', nodes: [node('Cast', ['x'], ['y'], [int('to', DataType.INT32)])], inputs: [{ name: 'x', shape: [5], values: [-2.7, 2.7, 0.5, -0.5, 100.9] }] });
});

test('legacy broadcast (opset 6): B placed at axis, or at the end', async () => {
  const run = (attributes: RawAttribute[], b: number[], values: number[]) => {
    const model = readModel(encode({ name: 'legacy', opset: 6, nodes: [node('Add', ['a', 'b'], ['y'], attributes)], inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: b }] }));
    const a = { name: 'a', dataType: DataType.FLOAT, shape: [2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5]) };
    return [...runModel(model, { a, b: { name: 'b', dataType: DataType.FLOAT, shape: b, data: Float32Array.from(values) } }).get('y')!.data];
  };
  assert.deepEqual(run([int('broadcast', 1), int('axis', 0)], [2], [10, 20]), [10, 11, 12, 23, 24, 25]);
  assert.deepEqual(run([int('broadcast', 1)], [3], [10, 20, 30]), [10, 21, 32, 13, 24, 35]);
  assert.deepEqual(run([int('broadcast', 1), int('axis', 0)], [2, 1], [10, 20]), [10, 11, 12, 23, 24, 25]);
  assert.deepEqual(run([int('broadcast', 1)], [], [5]), [5, 6, 7, 8, 9, 10]);
});

test('pooling: MaxPool (pads, strides, dilations, ceil mode, indices), AveragePool (count_include_pad), auto_pad, global', async () => {
  const pool = (op: string, attributes: RawAttribute[], shape = [1, 2, 7, 6], outputs = ['y']): Case => ({
    name: `${op} ${attributes.map((a) => a.name).join(',')}`, opset: 12, nodes: [node(op, ['x'], outputs, attributes)], inputs: [{ name: 'x', shape }], outputs,
  });
  const k3 = ints('kernel_shape', [3, 3]);
  for (const op of ['MaxPool', 'AveragePool']) {
    await check(pool(op, [k3]));
    await check(pool(op, [k3, ints('strides', [2, 2]), ints('pads', [1, 0, 1, 2])]));
    await check(pool(op, [k3, ints('strides', [2, 2]), int('ceil_mode', 1)]));
    await check(pool(op, [k3, ints('strides', [2, 3]), str('auto_pad', 'SAME_UPPER')]));
    await check(pool(op, [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), str('auto_pad', 'SAME_LOWER')]));
    await check(pool(op, [ints('kernel_shape', [3]), ints('strides', [2])], [2, 3, 9]));
    await check(pool(op, [ints('kernel_shape', [2, 2, 2])], [1, 2, 3, 4, 5]));
  }
  await check(pool('AveragePool', [k3, ints('pads', [1, 1, 1, 1]), int('count_include_pad', 1)]));
  await check(pool('AveragePool', [k3, ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('count_include_pad', 1), int('ceil_mode', 1)]));
  await check(pool('MaxPool', [k3, ints('dilations', [2, 1]), ints('pads', [1, 1, 1, 1])]));
  await check(pool('MaxPool', [k3, ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])], [2, 2, 7, 6], ['y', 'i']));
  await check(one('GlobalAveragePool'));
  await check(one('GlobalMaxPool', [], [2, 3, 4, 5, 2]));
});

test('Softmax (both axis conventions), LayerNormalization, ReduceMean/ReduceSum, SpaceToDepth', async () => {
  await check(one('Softmax', [int('axis', 1)], X, 11));
  await check(one('Softmax', [int('axis', 1)], X, 13));
  await check(one('Softmax', [], X, 13));
  for (const axis of [-1, 1]) {
    const shape = axis === -1 ? [5] : [3, 4, 5];
    await check({
      name: `LayerNormalization axis ${axis}`, opset: 17, nodes: [node('LayerNormalization', ['x', 's', 'b'], ['y', 'm', 'v'], [int('axis', axis), flt('epsilon', 1e-3)])],
      inputs: [{ name: 'x', shape: X }, { name: 's', shape }, { name: 'b', shape }], outputs: ['y', 'm', 'v'],
    });
  }
  for (const op of ['ReduceMean', 'ReduceSum']) {
    await check(one(op, [ints('axes', [1, 3]), int('keepdims', 0)], X, 11));
    await check(one(op, [], X, 11));
  }
  await check({ name: 'ReduceSum-13 axes input', nodes: [node('ReduceSum', ['x', 'a'], ['y'])], inputs: [{ name: 'x', shape: X }, { name: 'a', kind: 'int64', shape: [1], values: [-2] }] });
  await check({ name: 'ReduceMean-18 axes input', opset: 18, nodes: [node('ReduceMean', ['x', 'a'], ['y'], [int('keepdims', 0)])], inputs: [{ name: 'x', shape: X }], initializers: [int64TensorProto('a', [2], [0, 2])] });
  await check(one('SpaceToDepth', [int('blocksize', 2)], [1, 3, 4, 6]));
});

test('Split, Expand and Tile, with their shape inputs given at run time', async () => {
  await check({ name: 'Split equal', nodes: [node('Split', ['x'], ['y', 'z'], [int('axis', 2)])], inputs: [{ name: 'x', shape: X }], outputs: ['y', 'z'] });
  await check({ name: 'Split sizes input', nodes: [node('Split', ['x', 's'], ['y', 'z'], [int('axis', -1)])], inputs: [{ name: 'x', shape: X }, { name: 's', kind: 'int64', shape: [2], values: [1, 4] }], outputs: ['y', 'z'] });
  await check({ name: 'Split-11 attribute', opset: 11, nodes: [node('Split', ['x'], ['y', 'z'], [int('axis', 1), ints('split', [2, 1])])], inputs: [{ name: 'x', shape: X }], outputs: ['y', 'z'] });
  await check({ name: 'Split-18 num_outputs', opset: 18, nodes: [node('Split', ['x'], ['y', 'z'], [int('axis', 3), int('num_outputs', 2)])], inputs: [{ name: 'x', shape: X }], outputs: ['y', 'z'] });
  await check({ name: 'Expand', nodes: [node('Expand', ['x', 's'], ['y'])], inputs: [{ name: 'x', shape: [3, 1, 5] }, { name: 's', kind: 'int64', shape: [4], values: [2, 1, 4, 1] }] });
  await check({ name: 'Tile', nodes: [node('Tile', ['x', 'r'], ['y'])], inputs: [{ name: 'x', shape: [2, 3, 2] }, { name: 'r', kind: 'int64', shape: [3], values: [2, 1, 3] }] });
});

test('run-time shape inputs: Reshape, Slice, Pad, Squeeze/Unsqueeze, ConstantOfShape and Resize read values given with the inputs', async () => {
  const i64 = (name: string, values: number[]) => ({ name, kind: 'int64' as const, shape: [values.length], values });
  await check({ name: 'Reshape', nodes: [node('Reshape', ['x', 's'], ['y'])], inputs: [{ name: 'x', shape: X }, i64('s', [6, -1, 0])] });
  await check({ name: 'Slice', nodes: [node('Slice', ['x', 'a', 'b', 'c', 'd'], ['y'])], inputs: [{ name: 'x', shape: X }, i64('a', [-1, 0]), i64('b', [-100, 5]), i64('c', [3, 1]), i64('d', [-2, 2])] });
  await check({ name: 'Pad', opset: 13, nodes: [node('Pad', ['x', 'p', 'v'], ['y'])], inputs: [{ name: 'x', shape: X }, i64('p', [0, 1, 2, 0, 1, 0, 0, 3]), { name: 'v', shape: [], values: [0.25] }] });
  await check({ name: 'Squeeze then Unsqueeze', nodes: [node('Squeeze', ['x', 'a'], ['s']), node('Unsqueeze', ['s', 'b'], ['y'])], inputs: [{ name: 'x', shape: [2, 1, 3, 1] }, i64('a', [1, -1]), i64('b', [0, 3])] });
  await check({ name: 'ConstantOfShape', nodes: [node('ConstantOfShape', ['s'], ['y'], [{ name: 'value', type: AttributeType.TENSOR, t: floats('v', [1], [2.5]) }])], inputs: [i64('s', [2, 3])] });
  await check({ name: 'Resize sizes', nodes: [node('Resize', ['x', '', '', 's'], ['y'], [str('mode', 'linear')])], inputs: [{ name: 'x', shape: X }, i64('s', [2, 3, 7, 9])] });
  await check({ name: 'Resize scales', nodes: [node('Resize', ['x', '', 's'], ['y'], [str('mode', 'cubic')])], inputs: [{ name: 'x', shape: X }, { name: 's', shape: [4], values: [1, 1, 1.5, 0.6] }] });
  // A Resize node keeps its settings between runs only while its scales hold the same values: the same tensor
  // object changed in place between two runs gives the new size.
  const resized = readModel(encode({ name: 'rescaled', nodes: [node('Resize', ['x', '', 's'], ['y'], [str('mode', 'nearest')])], inputs: [{ name: 'x', shape: [1, 1, 2, 2] }, { name: 's', shape: [4], values: [1, 1, 2, 2] }] }));
  const scales: OnnxTensor = { name: 's', dataType: DataType.FLOAT, shape: [4], data: Float32Array.from([1, 1, 2, 2]) };
  const image = { shape: [1, 1, 2, 2], data: Float32Array.from([1, 2, 3, 4]) };
  assert.deepEqual(runModel(resized, { x: image, s: scales }).get('y')!.shape, [1, 1, 4, 4]);
  scales.data[3] = 3;
  assert.deepEqual(runModel(resized, { x: image, s: scales }).get('y')!.shape, [1, 1, 4, 6]);
  // Without the values (shapes only), planning names the slot and the value it waits for.
  const model = readModel(encode({ name: 'dynamic', nodes: [node('Reshape', ['x', 's'], ['y'])], inputs: [{ name: 'x', shape: X }, i64('s', [2])] }));
  assert.throws(() => inferShapes(model), { code: 'unsupported', message: /^Reshape#0\.shape \("s"\) is known only at run time/ });
  const partial = inferShapes(model, { partial: true });
  assert.deepEqual(partial.skipped, [{ node: 'Reshape#0', opType: 'Reshape', reason: 'depends on a run-time value', needs: { slot: 'Reshape#0.shape', value: 's' } }]);
});

const resize = (opset: number, attributes: RawAttribute[], given: { scales?: number[]; sizes?: number[]; roi?: number[] }, shape = [1, 2, 6, 7]): Case => ({
  name: `Resize-${opset} ${attributes.map((a) => `${a.name}=${a.s ? new TextDecoder().decode(a.s) : a.f ?? a.i ?? a.ints}`).join(' ')} ${JSON.stringify(given)}`, opset,
  nodes: [node('Resize', ['x', given.roi ? 'r' : '', given.scales ? 's' : '', ...(given.sizes ? ['z'] : [])], ['y'], attributes)],
  inputs: [{ name: 'x', shape }],
  initializers: [
    ...(given.roi ? [floats('r', [given.roi.length], given.roi)] : []), ...(given.scales ? [floats('s', [given.scales.length], given.scales)] : []),
    ...(given.sizes ? [int64TensorProto('z', [given.sizes.length], given.sizes)] : []),
  ],
});

test('Resize cubic: coefficient, exclude_outside, every transform, up and down', async () => {
  for (const transform of ['half_pixel', 'asymmetric', 'pytorch_half_pixel', 'align_corners', 'tf_half_pixel_for_nn']) {
    for (const a of [-0.75, -0.5]) {
      for (const exclude of [0, 1]) {
        const attributes = [str('mode', 'cubic'), str('coordinate_transformation_mode', transform), flt('cubic_coeff_a', a), int('exclude_outside', exclude)];
        await check(resize(13, attributes, { sizes: [1, 2, 11, 4] }));
        if (transform !== 'align_corners' && transform !== 'pytorch_half_pixel') await check(resize(13, attributes, { scales: [1, 1, 2, 0.5] }));
      }
    }
  }
});

test('Resize tf_crop_and_resize (roi, extrapolation), nearest modes, linear align_corners shrinking by sizes', async () => {
  for (const mode of ['linear', 'nearest', 'cubic']) {
    await check(resize(13, [str('mode', mode), str('coordinate_transformation_mode', 'tf_crop_and_resize'), flt('extrapolation_value', 7)], { roi: [0, 0, 0.2, -0.1, 1, 1, 0.9, 1.3], sizes: [1, 2, 5, 8] }));
  }
  await check(resize(13, [str('mode', 'linear'), str('coordinate_transformation_mode', 'tf_crop_and_resize')], { roi: [0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8], sizes: [1, 2, 1, 3] }));
  for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
    await check(resize(13, [str('mode', 'nearest'), str('nearest_mode', nearest), str('coordinate_transformation_mode', 'half_pixel')], { scales: [1, 1, 0.5, 1.75] }));
  }
  await check(resize(13, [str('mode', 'linear'), str('coordinate_transformation_mode', 'align_corners')], { sizes: [1, 2, 3, 4] }));
});

test('Resize-18/19: antialias, axes, keep_aspect_ratio_policy, half_pixel_symmetric', async () => {
  for (const mode of ['linear', 'cubic']) {
    await check(resize(18, [str('mode', mode), int('antialias', 1)], { scales: [1, 1, 0.5, 0.6] }, [1, 2, 12, 15]));
    await check(resize(18, [str('mode', mode), int('antialias', 1)], { sizes: [1, 2, 5, 20] }, [1, 2, 12, 15]));
  }
  await check(resize(18, [str('mode', 'linear'), ints('axes', [3, 2])], { scales: [0.5, 2] }));
  for (const policy of ['not_larger', 'not_smaller']) {
    await check(resize(18, [str('mode', 'linear'), str('keep_aspect_ratio_policy', policy), ints('axes', [2, 3])], { sizes: [9, 9] }, [1, 2, 6, 8]));
  }
  await check(resize(19, [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel_symmetric')], { scales: [1, 1, 1.7, 0.6] }));
});
