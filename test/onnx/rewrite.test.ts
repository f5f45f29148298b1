// The rewrites a model session makes (src/onnx/rewrite.ts, src/onnx/fusions.ts): BatchNormalization folded into the
// convolution before it, activations fused into their producer's step, x·Sigmoid(x) as one pass, and the buffer
// reuse of compiled runs; and the engine route of large MatMuls. Each on a tiny model built here, rewritten (the
// default session) against not (`fuse: false`, and runModel) on random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type NodeRunEvent, type OnnxModel, createSession, readModel, runModel } from '../../src/onnx/index.ts';
import { foldIntoConvolutions } from '../../src/onnx/rewrite.ts';
import { AttributeType, type RawAttribute } from '../../src/onnx/schema.ts';
import { floatTensorProto, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import { listBackends, pixelShuffle, resize } from '../../src/engine/index.ts';
import { buildModel, ints, node } from './build-model.ts';

const flt = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.FLOAT, f: value });
const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });

function random(seed: number, n: number, low = -1, high = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return low + (high - low) * (s / 2 ** 32);
  });
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const init = (name: string, shape: number[], seed: number, low = -1, high = 1) => floatTensorProto(name, shape, random(seed, size(shape), low, high));

/** BatchNormalization's four per-channel initializers (variance positive), named `${prefix}.scale` etc. */
function bnStats(prefix: string, channels: number, seed: number) {
  return [
    init(`${prefix}.scale`, [channels], seed, 0.5, 2), init(`${prefix}.B`, [channels], seed + 1),
    init(`${prefix}.mean`, [channels], seed + 2), init(`${prefix}.var`, [channels], seed + 3, 0.1, 3),
  ];
}
const bnInputs = (x: string, prefix: string) => [x, `${prefix}.scale`, `${prefix}.B`, `${prefix}.mean`, `${prefix}.var`];

/** Runs a model on random inputs three ways: runModel, an unfused session, the default (rewritten) session. */
function runThreeWays(model: OnnxModel, shape: number[], seed: number) {
  const feeds = { [model.inputs[0]!.name]: { shape, data: random(seed, size(shape), -2, 2) } };
  const out = model.outputs[0]!.name;
  const plain = runModel(model, feeds).get(out)!;
  const unfused = createSession(model, { fuse: false });
  const fused = createSession(model);
  const events: NodeRunEvent[] = [];
  try {
    return {
      plain,
      unfused: unfused.run(feeds).get(out)!,
      fused: fused.run(feeds, { onNodeRun: (e) => events.push(e) }).get(out)!,
      events,
    };
  } finally {
    unfused.dispose();
    fused.dispose();
  }
}

test('BatchNormalization folds into the Conv (groups, bias) and the ConvTranspose (groups, no bias) before it, to float32 rounding', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [2, 4, 7, 6] }],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), int('group', 2)], 'conv'),
      node('BatchNormalization', bnInputs('c1', 'bn1'), ['n1'], [flt('epsilon', 1e-3)], 'bn1'),
      node('ConvTranspose', ['n1', 'w2'], ['c2'], [ints('kernel_shape', [4, 4]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('group', 2)], 'convT'),
      node('BatchNormalization', bnInputs('c2', 'bn2'), ['y'], [], 'bn2'),
    ],
    initializers: [init('w1', [6, 2, 3, 3], 1), init('b1', [6], 2), init('w2', [6, 3, 4, 4], 3), ...bnStats('bn1', 6, 10), ...bnStats('bn2', 6, 20)],
  }));
  const folded = foldIntoConvolutions(model);
  assert.deepEqual(folded.nodes.map((n) => `${n.name}:${n.opType}`), ['conv:Conv', 'convT:ConvTranspose']);
  assert.equal(folded.nodes[1]!.outputs[0], 'y');
  assert.equal(model.nodes.length, 4, 'the model itself is not changed');
  for (const seed of [5, 6, 7]) {
    const { plain, unfused, fused } = runThreeWays(model, [2, 4, 7, 6], seed);
    assert.deepEqual([...unfused.data], [...plain.data]);
    assert.deepEqual(fused.shape, plain.shape);
    const error = relativeL2Error(fused.data, plain.data);
    assert.ok(error < 1e-6 && error > 0, `relative L2 ${error} (0 would mean nothing was folded)`);
  }
});

test('BatchNormalization is not folded when the convolution output has another reader, or is a graph output, or its statistics are not initializers', () => {
  const parts = {
    inputs: [{ name: 'x', shape: [1, 2, 5, 5] }],
    initializers: [init('w', [3, 2, 3, 3], 1), ...bnStats('bn', 3, 10)],
  };
  const shared = readModel(buildModel({
    ...parts,
    nodes: [
      node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [3, 3])], 'conv'),
      node('BatchNormalization', bnInputs('c', 'bn'), ['n'], [], 'bn'),
      node('Add', ['n', 'c'], ['y'], [], 'add'),
    ],
  }));
  assert.equal(foldIntoConvolutions(shared), shared);
  const exposed = readModel(buildModel({
    ...parts,
    outputs: ['y', 'c'],
    nodes: [node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [3, 3])], 'conv'), node('BatchNormalization', bnInputs('c', 'bn'), ['y'], [], 'bn')],
  }));
  assert.equal(foldIntoConvolutions(exposed), exposed);
  const fedMean = readModel(buildModel({
    ...parts,
    inputs: [{ name: 'x', shape: [1, 2, 5, 5] }, { name: 'm', shape: [3] }],
    nodes: [
      node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [3, 3])], 'conv'),
      node('BatchNormalization', ['c', 'bn.scale', 'bn.B', 'm', 'bn.var'], ['y'], [], 'bn'),
    ],
  }));
  assert.equal(foldIntoConvolutions(fedMean), fedMean);
  // Still runs, with the same values as runModel (nothing was rewritten).
  const { plain, fused } = runThreeWays(shared, [1, 2, 5, 5], 3);
  assert.deepEqual([...fused.data], [...plain.data]);
});

test('a Mul by a constant scalar folds into the Conv (bias) or ConvTranspose (none) before it, to float32 rounding; other Muls are left alone', () => {
  const scalar = (name: string, value: number, shape: number[] = []) => floatTensorProto(name, shape, Float32Array.of(value));
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 4, 6, 5] }],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], 'conv'),
      node('Mul', ['c1', 's1'], ['m1'], [], 'scale1'),
      node('ConvTranspose', ['m1', 'w2'], ['c2'], [ints('kernel_shape', [4, 4]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('group', 2)], 'convT'),
      node('Constant', [], ['s2'], [{ name: 'value', type: AttributeType.TENSOR, t: floatTensorProto('', [1, 1, 1, 1], Float32Array.of(-1.7)) }], 'k'),
      node('Mul', ['s2', 'c2'], ['y'], [], 'scale2'),
    ],
    initializers: [init('w1', [6, 4, 3, 3], 1), init('b1', [6], 2), init('w2', [6, 2, 4, 4], 3), scalar('s1', 0.2)],
  }));
  const folded = foldIntoConvolutions(model);
  // The second scalar is a Constant node's (as PyTorch exports ESRGAN's 0.2); the Constant itself stays.
  assert.deepEqual(folded.nodes.map((n) => `${n.name}:${n.opType}`), ['conv:Conv', 'convT:ConvTranspose', 'k:Constant']);
  assert.equal(folded.nodes[1]!.outputs[0], 'y');
  for (const seed of [5, 6]) {
    const { plain, unfused, fused } = runThreeWays(model, [1, 4, 6, 5], seed);
    assert.deepEqual([...unfused.data], [...plain.data]);
    const error = relativeL2Error(fused.data, plain.data);
    assert.ok(error < 1e-6 && error > 0, `relative L2 ${error} (0 would mean nothing was folded)`);
  }
  const leftAlone = (mulInputs: string[], initializers: ReturnType<typeof init>[], outputs?: string[]) => {
    const m = readModel(buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 6, 5] }],
      ...(outputs ? { outputs } : {}),
      nodes: [node('Conv', ['x', 'w1'], ['c1'], [ints('kernel_shape', [3, 3])], 'conv'), node('Mul', mulInputs, ['y'], [], 'mul')],
      initializers: [init('w1', [6, 4, 3, 3], 1), ...initializers],
    }));
    assert.equal(foldIntoConvolutions(m), m, `Mul(${mulInputs.join(', ')}) ${outputs ? `outputs ${outputs.join(', ')}` : ''}`);
  };
  leftAlone(['c1', 'v'], [init('v', [6, 1, 1], 4)]); // per channel, not a scalar
  leftAlone(['c1', 'c1'], []); // a square
  leftAlone(['c1', 'inf'], [scalar('inf', Number.POSITIVE_INFINITY)]); // ∞·W would make NaNs of zero weights
  leftAlone(['c1', 'wide'], [scalar('wide', 2, [1, 1, 1, 1, 1])]); // widens the output's rank
  leftAlone(['c1', 's'], [scalar('s', 2)], ['y', 'c1']); // the convolution's output is a graph output too
});

test('Relu, LeakyRelu, Clip and Tanh fuse into the step of the node before them, with the same values bit for bit', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 6, 6] }],
    nodes: [
      node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], 'conv'),
      node('Relu', ['c'], ['r'], [], 'relu'),
      node('Conv', ['r', 'w2'], ['c2'], [ints('kernel_shape', [1, 1])], 'conv2'),
      node('Add', ['c2', 'x'], ['s'], [], 'add'),
      node('LeakyRelu', ['s'], ['l'], [flt('alpha', 0.2)], 'leaky'),
      node('Conv', ['l', 'w2'], ['c3'], [ints('kernel_shape', [1, 1])], 'conv3'),
      node('Clip', ['c3', 'lo', 'hi'], ['k'], [], 'clip'),
      node('ConvTranspose', ['k', 'w3'], ['t'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])], 'convT'),
      node('Tanh', ['t'], ['y'], [], 'tanh'),
    ],
    initializers: [
      init('w', [2, 2, 3, 3], 1), init('w2', [2, 2, 1, 1], 2), init('w3', [2, 1, 2, 2], 3),
      floatTensorProto('lo', [], Float32Array.of(-0.5)), floatTensorProto('hi', [], Float32Array.of(0.75)),
    ],
  }));
  for (const seed of [1, 2]) {
    const { plain, fused, events } = runThreeWays(model, [1, 2, 6, 6], seed);
    assert.deepEqual([...fused.data], [...plain.data]);
    assert.deepEqual(events.map((e) => [e.node.name, ...e.fused.map((n) => n.name)].join('+')), ['conv+relu', 'conv2+add+leaky', 'conv3+clip', 'convT+tanh']);
  }
});

test('a Relu or LeakyRelu after a Conv or ConvTranspose is applied by the engine as it stores, the same bits as the separate node, on every backend', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [2, 3, 7, 5] }],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['c'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], 'conv'),
      node('LeakyRelu', ['c'], ['l'], [flt('alpha', 0.3)], 'leaky'),
      node('ConvTranspose', ['l', 'w2'], ['t'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2])], 'convT'),
      node('Relu', ['t'], ['y'], [], 'relu'),
    ],
    initializers: [init('w', [4, 3, 3, 3], 4), init('b', [4], 5), init('w2', [4, 2, 3, 3], 6)],
  }));
  const shape = [2, 3, 7, 5];
  const feeds = { x: { shape, data: random(7, size(shape), -2, 2) } };
  for (const backend of listBackends().filter((b) => b.available)) {
    const plain = runModel(model, feeds, { backend: backend.name }).get('y')!;
    const session = createSession(model, { backend: backend.name });
    try {
      const events: NodeRunEvent[] = [];
      for (let run = 0; run < 2; run++) {
        events.length = 0;
        // The second run writes into buffers recycled from the first.
        const fused = session.run(feeds, { onNodeRun: (e) => events.push(e) }).get('y')!;
        assert.deepEqual([...fused.data], [...plain.data], `${backend.name}, run ${run}`);
      }
      assert.deepEqual(events.map((e) => [e.node.name, ...e.fused.map((n) => n.name)].join('+')), ['conv+leaky', 'convT+relu']);
      assert.ok(plain.data.some((v) => v === 0) && plain.data.some((v) => v > 0), 'the Relu clipped some outputs and kept others');
    } finally {
      session.dispose();
    }
  }
});

test('x · Sigmoid(x) (SiLU as exported) runs as one step, to float32 rounding of the product', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 3, 5, 5] }],
    nodes: [
      node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [1, 1])], 'conv'),
      node('Sigmoid', ['c'], ['s'], [], 'sigmoid'),
      node('Mul', ['c', 's'], ['y'], [], 'mul'),
    ],
    initializers: [init('w', [3, 3, 1, 1], 1)],
  }));
  for (const seed of [1, 2, 3]) {
    const { plain, fused, events } = runThreeWays(model, [1, 3, 5, 5], seed);
    const error = relativeL2Error(fused.data, plain.data);
    assert.ok(error < 1e-7, `relative L2 ${error}`);
    assert.deepEqual(events.map((e) => [e.node.name, ...e.fused.map((n) => n.name)].join('+')), ['conv', 'sigmoid+mul']);
  }
});

test('buffer reuse never writes over a fed input or an output handed back by an earlier run', () => {
  // r's buffer is the model's own: the Sigmoid and Tanh write over it; x and the outputs must stay untouched.
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    outputs: ['y', 'z'],
    nodes: [
      node('Relu', ['x'], ['r'], [], 'relu'),
      node('Sigmoid', ['r'], ['s'], [], 'sigmoid'),
      node('Tanh', ['s'], ['t'], [], 'tanh'),
      node('Add', ['t', 'x'], ['y'], [], 'add'),
      node('Neg', ['x'], ['n'], [], 'neg'),
      node('Add', ['n', 'n'], ['z'], [], 'double'),
    ],
  }));
  const session = createSession(model);
  try {
    const inputs = [random(1, 32, -2, 2), random(2, 32, -2, 2), random(3, 32, -2, 2)];
    const kept = inputs.map((data) => Float32Array.from(data));
    const results = inputs.map((data) => session.run({ x: { shape: [1, 2, 4, 4], data } }));
    inputs.forEach((data, i) => {
      assert.deepEqual([...data], [...kept[i]!], `input ${i} was written over`);
      const expected = runModel(model, { x: { shape: [1, 2, 4, 4], data: kept[i]! } });
      for (const name of ['y', 'z']) assert.deepEqual([...results[i]!.get(name)!.data], [...expected.get(name)!.data], `output ${name} of run ${i}`);
    });
    assert.notEqual(results[0]!.get('y')!.data, results[1]!.get('y')!.data);
  } finally {
    session.dispose();
  }
});

test('GroupNorm as PyTorch exports it (Reshape → InstanceNormalization → Reshape → Mul γ → Add β) runs as one step, to float32 rounding', () => {
  const groupNormModel = (gammaShape: number[]) => readModel(buildModel({
    inputs: [{ name: 'x', shape: [2, 4, 3, 5] }],
    nodes: [
      node('Reshape', ['x', 'grouped'], ['r'], [], 'reshape'),
      node('InstanceNormalization', ['r', 'ones', 'zeros'], ['n'], [flt('epsilon', 1e-5)], 'norm'),
      node('Reshape', ['n', 'back'], ['b'], [], 'reshape_back'),
      node('Mul', ['b', 'gamma'], ['m'], [], 'mul'),
      node('Add', ['m', 'beta'], ['y'], [], 'add'),
    ],
    initializers: [
      int64TensorProto('grouped', [3], [2, 2, -1]), int64TensorProto('back', [4], [2, 4, 3, 5]),
      init('ones', [2], 4, 0.5, 1.5), init('zeros', [2], 5), init('gamma', gammaShape, 6, 0.5, 2), init('beta', [4, 1, 1], 7),
    ],
  }));
  for (const seed of [1, 2, 3]) {
    const { plain, fused, events } = runThreeWays(groupNormModel([4, 1, 1]), [2, 4, 3, 5], seed);
    const error = relativeL2Error(fused.data, plain.data);
    assert.ok(error < 1e-6, `relative L2 ${error}`);
    assert.deepEqual(events.map((e) => [e.node.name, ...e.fused.map((n) => n.name)].join('+')), ['reshape+norm+reshape_back+mul+add']);
  }
  // γ as one scalar is not per channel: the nodes run one by one, exactly as runModel runs them.
  const { plain, fused, events } = runThreeWays(groupNormModel([1]), [2, 4, 3, 5], 1);
  assert.deepEqual([...fused.data], [...plain.data]);
  assert.equal(events.length, 5);
});

test('a large MatMul (batched, B broadcast) runs as the engine\'s 1×1 convolution on native and wasm, within float32 rounding of the float64 loop', () => {
  // [2, 48, 40] · [40, 36]: 69 120 products a batch entry, above the engine threshold; the reference keeps the loop.
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [2, 48, 40] }],
    nodes: [node('MatMul', ['x', 'b'], ['y'], [], 'matmul')],
    initializers: [init('b', [40, 36], 9)],
  }));
  const x = { shape: [2, 48, 40], data: random(10, 2 * 48 * 40) };
  const loop = runModel(model, { x }, { backend: 'reference' }).get('y')!;
  for (const backend of listBackends().filter((b) => b.available && b.name !== 'reference')) {
    const y = runModel(model, { x }, { backend: backend.name }).get('y')!;
    assert.deepEqual(y.shape, [2, 48, 36]);
    const error = relativeL2Error(y.data, loop.data);
    assert.ok(error < 1e-6, `${backend.name}: relative L2 ${error}`);
  }
});

test('nearest Resize by whole factors (1D, 2D — ×2 on both axes, one pass — and 3D) copies exactly what the engine\'s resize gives', () => {
  for (const [shape, factors] of [[[2, 3, 5], [3]], [[1, 2, 3, 4], [2, 3]], [[1, 2, 3, 2, 3], [2, 1, 2]], [[2, 3, 4, 5], [2, 2]], [[1, 1, 3, 3], [2, 2]], [[1, 2, 4, 3], [1, 2]]] as [number[], number[]][]) {
    const scales = [1, 1, ...factors];
    const model = readModel(buildModel({
      inputs: [{ name: 'x', shape }],
      nodes: [node('Resize', ['x', '', 's'], ['y'], [{ name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode('nearest') }, { name: 'coordinate_transformation_mode', type: AttributeType.STRING, s: new TextEncoder().encode('asymmetric') }, { name: 'nearest_mode', type: AttributeType.STRING, s: new TextEncoder().encode('floor') }], 'resize')],
      initializers: [floatTensorProto('s', [scales.length], Float32Array.from(scales))],
    }));
    const x = { shape, data: random(3, size(shape)) };
    const y = runModel(model, { x }).get('y')!;
    const expected = resize(x, { scale: factors, mode: 'nearest' });
    assert.deepEqual(y.shape, expected.shape);
    assert.deepEqual([...y.data], [...expected.data], `${shape} × ${factors}`);
  }
});

test('DepthToSpace CRD on float32 copies exactly what the engine\'s pixel shuffle gives', () => {
  for (const [shape, b] of [[[1, 8, 3, 5], 2], [[2, 18, 2, 3], 3], [[1, 4, 1, 1], 2], [[2, 32, 3, 2], 4], [[1, 5, 2, 3], 1]] as [number[], number][]) {
    const model = readModel(buildModel({
      inputs: [{ name: 'x', shape }],
      nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', b), { name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode('CRD') }], 'shuffle')],
    }));
    const x = { shape, data: random(4, size(shape)) };
    const y = runModel(model, { x }).get('y')!;
    const expected = pixelShuffle(x, b);
    assert.deepEqual(y.shape, expected.shape);
    assert.deepEqual([...y.data], [...expected.data], `${shape} b${b}`);
  }
});
