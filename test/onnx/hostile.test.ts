// Malformed and hostile files: one clear TconvError each, before any large allocation; never a hang or a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inferShapes, readModel, readTensorProto, runModel } from '../../src/onnx/index.ts';
import { lintModel } from '../../src/onnx/lint.ts';
import { readNpy, writeNpy } from '../../src/onnx/npy.ts';
import { AttributeType, ModelProto, TensorProto } from '../../src/onnx/schema.ts';
import { buildModel, ints, node, weight } from './build-model.ts';

const SAMPLE = readFileSync(join(import.meta.dirname, '../fixtures/conformance/onnx-models/test_ConvTranspose2d/model.onnx'));
const convT = (input: string, output: string) => node('ConvTranspose', [input, 'w'], [output], [ints('strides', [2, 2])]);

test('empty, random and truncated files are refused as invalid models', () => {
  assert.throws(() => readModel(new Uint8Array()), { code: 'invalid-model', message: /^file \("0 bytes"\) is empty/ });
  assert.throws(() => readModel(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])), { code: 'invalid-model', message: /is not a readable ONNX protobuf/ });
  for (const cut of [1, 17, 100, SAMPLE.length - 1]) {
    assert.throws(() => readModel(SAMPLE.subarray(0, cut)), { code: 'invalid-model' }, `truncated at ${cut}`);
  }
});

test('files over the size limit are refused before parsing', () => {
  assert.throws(() => readModel(SAMPLE, { maxBytes: 100 }), { code: 'invalid-model', message: /file \("772 bytes"\) is larger than the limit of 100 bytes/ });
});

test('a model without a graph or nodes is refused', () => {
  const noGraph = ModelProto.encode(ModelProto.fromObject({ ir_version: 7 })).finish();
  assert.throws(() => readModel(noGraph), { code: 'invalid-model', message: /graph \("missing"\) must hold at least one node/ });
  assert.throws(() => readModel(buildModel({ nodes: [] })), { code: 'invalid-model', message: /graph \("no nodes"\)/ });
});

test('declared tensor sizes are checked against the bytes present before allocating', () => {
  const giant = { name: 'w', dims: [1_000_000, 1_000_000], data_type: 1, raw_data: new Uint8Array(16) };
  const bytes = buildModel({ nodes: [convT('x', 'y')], initializers: [giant] });
  assert.throws(() => readModel(bytes), { code: 'invalid-model', message: /graph\.initializer\[0\] \("w"\)\.dims .* declares 1000000000000 elements, over tconv's limit/ });
  const short = { name: 'w', dims: [2, 2, 3, 3], data_type: 1, raw_data: new Uint8Array(16) };
  assert.throws(() => readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [short] })), {
    code: 'invalid-model', message: /raw_data \("16 bytes"\) does not match dims \[2, 2, 3, 3\] of FLOAT \(144 bytes\)/,
  });
  const typed = { name: 'w', dims: [4], data_type: 1, float_data: [1, 2] };
  assert.throws(() => readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [typed] })), { message: /\("2 values"\) does not match dims \[4\] \(4 values\)/ });
  const negative = { name: 'w', dims: [-3], data_type: 1 };
  assert.throws(() => readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [negative] })), { message: /dims\[0\] \(-3\) must be a non-negative integer/ });
});

test('typed fields, int64 and float16 initializers decode', () => {
  const model = readModel(buildModel({
    nodes: [convT('x', 'y')],
    initializers: [
      { name: 'w', dims: [2, 1, 1, 1], data_type: 1, float_data: [1.5, -2] },
      { name: 'shape', dims: [2], data_type: 7, int64_data: [3, -1] },
      { name: 'half', dims: [2], data_type: 10, int32_data: [0x3c00, 0xc000] },
      { name: 'double', dims: [1], data_type: 11, double_data: [0.25] },
    ],
  }));
  assert.deepEqual([...model.initializers.get('w')!.data], [1.5, -2]);
  assert.deepEqual([...model.initializers.get('shape')!.data], [3, -1]);
  assert.deepEqual([...model.initializers.get('half')!.data], [1, -2]);
  assert.deepEqual([...model.initializers.get('double')!.data], [0.25]);
});

test('external data and unknown element types are named as unsupported', () => {
  const external = { name: 'w', dims: [1], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] };
  assert.throws(() => readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [external] })), {
    code: 'unsupported', message: /is external data \(a side file\), which tconv does not read; save the model with its weights inside/,
  });
  const strings = { name: 'w', dims: [1], data_type: 8, string_data: [new Uint8Array([65])] };
  assert.throws(() => readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [strings] })), { code: 'unsupported', message: /data_type \("STRING"\) is an element type tconv does not read/ });
});

test('cycles, dangling inputs and values produced twice are refused', () => {
  const w = weight('w', [2, 2, 3, 3]);
  const cyclic = readModel(buildModel({ nodes: [node('Relu', ['b'], ['a']), node('Relu', ['a'], ['b']), convT('x', 'y')], initializers: [w] }));
  assert.throws(() => inferShapes(cyclic), { code: 'invalid-model', message: /graph\.node \(\["Relu#0", "Relu#1"\]\) form a cycle \(2 node\(s\) wait on each other's outputs\)/ });
  const dangling = readModel(buildModel({ nodes: [node('Relu', ['nowhere'], ['y'])] }));
  assert.throws(() => inferShapes(dangling), { code: 'invalid-model', message: /Relu#0\.input\[0\] \("nowhere"\) is not a graph input, an initializer or the output of any node/ });
  const twice = readModel(buildModel({ nodes: [node('Relu', ['x'], ['y']), node('Tanh', ['x'], ['y'])] }));
  assert.throws(() => inferShapes(twice), { code: 'invalid-model', message: /Tanh#1\.output\[0\] \("y"\) is produced twice/ });
  const missingOutput = readModel(buildModel({ nodes: [node('Relu', ['x'], ['z'])] }));
  assert.throws(() => inferShapes(missingOutput), { code: 'invalid-model', message: /graph\.output\[0\] \("y"\) is not produced by any node/ });
});

test('unsupported operators are all named at once, and lint lists them instead of failing', () => {
  const model = readModel(buildModel({
    nodes: [node('TopK', ['x'], ['a'], [], 'soft'), node('Relu', ['a'], ['b']), node('GridSample', ['b', 'x'], ['c']), node('Relu', ['c'], ['y'])],
  }));
  assert.throws(() => inferShapes(model), {
    code: 'unsupported',
    message: /op_type \(\["TopK", "GridSample"\]\) names operators tconv does not run: TopK \(1 node: soft\); GridSample \(1 node: GridSample#2\); tconv runs Abs, Add, AveragePool, /,
  });
  const report = lintModel(model);
  assert.deepEqual(report.skipped.map((s) => [s.node, s.reason]), [
    ['soft', 'unsupported operator'], ['Relu#1', 'depends on a skipped node'], ['GridSample#2', 'unsupported operator'], ['Relu#3', 'depends on a skipped node'],
  ]);
  assert.match(report.suggestions.join('\n'), /not analysed: 4 node\(s\) \(unsupported operators: TopK, GridSample\)/);
  const foreign = readModel(buildModel({ nodes: [{ ...node('Relu', ['x'], ['y']), domain: 'com.microsoft' }] }));
  assert.throws(() => inferShapes(foreign), { code: 'unsupported', message: /\["com\.microsoft\.Relu"\]/ });
});

test('deeply nested sub-graphs are refused without a crash', () => {
  // model.graph, then graph.node → node.attribute → attribute.g repeated 20 000 times: written outside-in into one
  // buffer (the payload sizes are computed first), so building the test file stays linear.
  const fields = [7, ...Array.from({ length: 20_000 }, () => [1, 5, 6]).flat()];
  const varintLength = (n: number): number => (n < 0x80 ? 1 : 1 + varintLength(n >>> 7));
  const sizes = new Array<number>(fields.length + 1).fill(0); // sizes[i]: payload size of fields[i]
  for (let i = fields.length - 1; i >= 0; i--) sizes[i] = i + 1 < fields.length ? 1 + varintLength(sizes[i + 1]!) + sizes[i + 1]! : 0;
  const bytes = new Uint8Array(1 + varintLength(sizes[0]!) + sizes[0]!);
  let at = 0;
  fields.forEach((number, i) => {
    bytes[at++] = (number << 3) | 2;
    for (let n = sizes[i]!; ; n >>>= 7) {
      if (n < 0x80) { bytes[at++] = n; break; }
      bytes[at++] = (n & 0x7f) | 0x80;
    }
  });
  let error: unknown;
  try {
    const model = readModel(bytes);
    inferShapes(model);
  } catch (e) {
    error = e;
  }
  assert.equal((error as { code?: string }).code, 'invalid-model');
});

test('shape errors inside a node name the node', () => {
  const w = weight('w', [3, 2, 3, 3]);
  const model = readModel(buildModel({ nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [ints('strides', [2, 2])], 'up1')], initializers: [w] }));
  assert.throws(() => inferShapes(model), { code: 'weight-shape', message: /^up1\.W \(\[3, 2, 3, 3\]\) has 3 input channels \(W\.shape\[0\]\) but X has 2/ });
  const reshape = readModel(buildModel({ nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [{ name: 's', dims: [2], data_type: 7, int64_data: [5, -1] }] }));
  assert.throws(() => inferShapes(reshape), { code: 'invalid-model', message: /Reshape#0\.shape \(\[5, -1\]\) cannot hold the input's 32 elements/ });
});

test('a Resize asking for a giant output is refused before allocating', () => {
  const scales = { name: 's', dims: [4], data_type: 1, float_data: [1, 1, 1e6, 1e6] };
  const model = readModel(buildModel({ nodes: [node('Resize', ['x', '', 's'], ['y'])], initializers: [scales] }));
  assert.throws(() => inferShapes(model), { code: 'invalid-model', message: /Resize#0\.output \(\[1, 2, 4000000, 4000000\]\) is larger than tconv's tensor limit/ });
  const run = readModel(buildModel({ nodes: [node('Resize', ['x', '', 's'], ['y'])], initializers: [{ ...scales, float_data: [1, 1, 1000, 1000] }] }));
  assert.throws(() => runModel(run, { x: { shape: [1, 2, 4, 4], data: new Float32Array(32) } }, { memoryLimitBytes: 2 ** 26 }), { code: 'memory-limit' });
});

test('a compute budget refuses expensive models before running', () => {
  const w = weight('w', [2, 2, 3, 3]);
  const model = readModel(buildModel({ nodes: [convT('x', 'y')], initializers: [w] }));
  assert.throws(() => runModel(model, { x: { shape: [1, 2, 4, 4], data: new Float32Array(32) } }, { maxFlops: 100 }), {
    // 2 × output elements (162) × taps per output (2 × 9) = 5832 exceeds the 1152 multiply-adds of the inputs.
    code: 'work-limit', message: /model \("5832 FLOPs"\) needs more than the budget of 100 FLOPs; raise it with --max-flops/,
  });
});

test('TensorProto and .npy files with inconsistent sizes are refused', () => {
  const pb = TensorProto.encode(TensorProto.fromObject({ dims: [1 << 30, 1 << 30], data_type: 1, raw_data: new Uint8Array(8) })).finish();
  assert.throws(() => readTensorProto(pb), { code: 'invalid-model', message: /tensor\.dims \(\[1073741824, 1073741824\]\) declares 1152921504606847000 elements/ });
  assert.throws(() => readTensorProto(Uint8Array.from([0x0a, 0xff])), { code: 'invalid-model', message: /is not a readable TensorProto/ });
  const good = writeNpy({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(readNpy(good).shape, [2, 3]);
  assert.throws(() => readNpy(good.subarray(0, good.length - 4)), { message: /\.npy \(\[2, 3\]\) holds 20 data bytes but shape \(2, 3\) of <f4 needs 24/ });
  assert.throws(() => readNpy(Uint8Array.from([1, 2, 3])), { message: /does not start with the \.npy magic string/ });
  const header = new TextDecoder().decode(good.subarray(10, 74)).replace('(2, 3)', '(9999999999, 9)');
  const huge = Uint8Array.from([...good.subarray(0, 10), ...new TextEncoder().encode(header), ...good.subarray(74)]);
  assert.throws(() => readNpy(huge), { message: /declares 89999999991 elements, over tconv's limit/ });
});

test('attribute types are honoured, and IR-1 attributes without a type are inferred', () => {
  const w = weight('w', [2, 2, 3, 3]);
  const untyped = { name: 'strides', ints: [2, 2] };
  const model = readModel(buildModel({ nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [untyped as never, { name: 'group', type: AttributeType.INT, i: 1 }])], initializers: [w] }));
  assert.deepEqual(model.nodes[0]!.attributes.get('strides'), [2, 2]);
  assert.deepEqual(inferShapes(model).shapes.get('y'), [1, 2, 9, 9]);
});
