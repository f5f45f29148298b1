// A Conv or ConvTranspose with its activation fused into the engine call (src/onnx/fusions.ts) gives the bits of the
// unfused pair — the layer, then the activation op on the run's backend's element-wise kernels — on every backend,
// for every activation a layer call applies (Relu, LeakyRelu, Tanh, Sigmoid); and so do a same-shape Add and a
// per-channel PRelu against those kernels (src/engine/elementwise.ts); a GroupNorm step with the SiLU after it gives
// the bits of the GroupNorm step followed by the kernels' SiLU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackends } from '../../src/engine/index.ts';
import { elementwiseKernels } from '../../src/engine/select.ts';
import { createSession, readModel, runModel } from '../../src/onnx/index.ts';
import { AttributeType, type RawAttribute } from '../../src/onnx/schema.ts';
import { floatTensorProto, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, ints, node } from './build-model.ts';

function random(seed: number, n: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

const ACTIVATIONS: readonly [string, RawAttribute[]][] = [
  ['Relu', []], ['LeakyRelu', [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.1 }]], ['Tanh', []], ['Sigmoid', []],
];

for (const backend of listBackends()) {
  const skip = backend.available ? false : `unavailable: ${backend.reason}`;
  test(`${backend.name}: Conv and ConvTranspose + Relu/LeakyRelu/Tanh/Sigmoid fused = unfused, bit for bit`, { skip }, () => {
    for (const layer of ['Conv', 'ConvTranspose']) {
      for (const [activation, attributes] of ACTIVATIONS) {
        // 3 → 5 channels on 9×7 (odd sizes: vector tails), weights scaled so the outputs reach the saturated range.
        const w = layer === 'Conv' ? [5, 3, 3, 3] : [3, 5, 3, 3];
        const model = readModel(buildModel({
          nodes: [node(layer, ['x', 'w', 'b'], ['h'], [ints('pads', [1, 1, 1, 1])]), node(activation, ['h'], ['y'], attributes)],
          initializers: [floatTensorProto('w', w, random(3, 135, 2)), floatTensorProto('b', [5], random(4, 5))],
          inputs: [{ name: 'x', shape: [2, 3, 9, 7] }],
        }));
        const feeds = { x: { shape: [2, 3, 9, 7], data: random(5, 2 * 3 * 9 * 7, 3) } };
        const fused = createSession(model, { backend: backend.name });
        const unfused = createSession(model, { backend: backend.name, fuse: false });
        try {
          const steps: string[] = [];
          const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) }).get('y')!;
          assert.deepEqual(steps, [`${layer}+${activation}`], `${layer} + ${activation}: one fused step`);
          const b = unfused.run(feeds).get('y')!;
          assert.deepEqual([...a.data], [...b.data], `${layer} + ${activation}`);
          assert.deepEqual([...runModel(model, feeds, { backend: backend.name }).get('y')!.data], [...b.data], `${layer} + ${activation}: runModel`);
        } finally {
          fused.dispose();
          unfused.dispose();
        }
      }
    }
  });

  test(`${backend.name}: Add + activation fused (sum read by the activation alone, or by another Add too) = unfused, bit for bit`, { skip }, () => {
    const shape = [2, 4, 37];
    for (const [activation, attributes] of ACTIVATIONS) {
      for (const both of [false, true]) {
        // y = act(x + z); with both, also w = (x + z) + y (HiFi-GAN's residual: the sum feeds the next Add).
        const model = readModel(buildModel({
          nodes: [node('Add', ['x', 'z'], ['s']), node(activation, ['s'], ['y'], attributes), ...(both ? [node('Add', ['s', 'y'], ['w'])] : [])],
          inputs: [{ name: 'x', shape }, { name: 'z', shape }],
          outputs: both ? ['y', 'w'] : ['y'],
        }));
        const feeds = { x: { shape, data: random(11, 296, 6) }, z: { shape, data: random(12, 296, 6) } };
        const fused = createSession(model, { backend: backend.name });
        const unfused = createSession(model, { backend: backend.name, fuse: false });
        try {
          const steps: string[] = [];
          const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) });
          assert.equal(steps[0], `Add+${activation}`, `${activation}: the Add step absorbed the activation (steps: ${steps.join(', ')})`);
          const b = unfused.run(feeds);
          for (const name of both ? ['y', 'w'] : ['y']) assert.deepEqual([...a.get(name)!.data], [...b.get(name)!.data], `${activation}, ${both ? 'sum read twice' : 'sum read once'}: ${name}`);
          // Run again: recycled buffers must not mix the two outputs.
          const again = fused.run(feeds);
          for (const name of both ? ['y', 'w'] : ['y']) assert.deepEqual([...again.get(name)!.data], [...b.get(name)!.data], `${activation}, second run: ${name}`);
        } finally {
          fused.dispose();
          unfused.dispose();
        }
      }
    }
  });

  test(`${backend.name}: GroupNorm + SiLU as one step = the GroupNorm step, then the kernels' SiLU, bit for bit`, { skip }, () => {
    const shape = [2, 4, 3, 5];
    const groupNorm = (silu: boolean) => readModel(buildModel({
      inputs: [{ name: 'x', shape }],
      nodes: [
        node('Reshape', ['x', 'grouped'], ['r']),
        node('InstanceNormalization', ['r', 'scale', 'bias'], ['n'], [{ name: 'epsilon', type: AttributeType.FLOAT, f: 1e-5 }]),
        node('Reshape', ['n', 'back'], ['g']),
        node('Mul', ['g', 'gamma'], ['m']),
        node('Add', ['m', 'beta'], silu ? ['a'] : ['y']),
        ...(silu ? [node('Sigmoid', ['a'], ['s']), node('Mul', ['a', 's'], ['y'])] : []),
      ],
      initializers: [
        int64TensorProto('grouped', [3], [2, 2, -1]), int64TensorProto('back', [4], shape),
        floatTensorProto('scale', [2], random(21, 2)), floatTensorProto('bias', [2], random(22, 2)),
        floatTensorProto('gamma', [4, 1, 1], random(23, 4, 2)), floatTensorProto('beta', [4, 1, 1], random(24, 4)),
      ],
    }));
    const feeds = { x: { shape, data: random(25, 120, 5) } };
    const withSilu = createSession(groupNorm(true), { backend: backend.name });
    const without = createSession(groupNorm(false), { backend: backend.name });
    try {
      const steps: string[] = [];
      const fused = withSilu.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) }).get('y')!;
      assert.deepEqual(steps, ['Reshape+InstanceNormalization+Reshape+Mul+Add+Sigmoid+Mul']);
      const normalised = without.run(feeds).get('y')!;
      const expected = new Float32Array(120);
      elementwiseKernels(backend.name).map({ kind: 'silu' }, normalised.data as Float32Array, expected);
      assert.deepEqual([...fused.data], [...expected]);
      // And the nodes one by one (each rounded at every node) within float32 rounding.
      const plain = runModel(groupNorm(true), feeds, { backend: backend.name }).get('y')!;
      for (let i = 0; i < 120; i++) assert.ok(Math.abs(fused.data[i]! - plain.data[i]!) <= 1e-5 * (1 + Math.abs(plain.data[i]!)), `element ${i}`);
    } finally {
      withSilu.dispose();
      without.dispose();
    }
  });

  test(`${backend.name}: same-shape Add and per-channel PRelu run the backend's element-wise kernels`, { skip }, () => {
    const kernels = elementwiseKernels(backend.name);
    const shape = [2, 3, 5, 7];
    const x = random(7, 210, 4);
    const other = random(8, 210, 4);
    const slope = random(9, 3);
    const model = readModel(buildModel({
      nodes: [node('Add', ['x', 'z'], ['s']), node('PRelu', ['s', 'slope'], ['y'])],
      initializers: [floatTensorProto('slope', [3, 1, 1], slope)],
      inputs: [{ name: 'x', shape }, { name: 'z', shape }],
    }));
    const y = runModel(model, { x: { shape, data: x }, z: { shape, data: other } }, { backend: backend.name }).get('y')!;
    const sum = new Float32Array(210);
    kernels.add(x, other, sum, null);
    const expected = new Float32Array(210);
    kernels.preluChannels(sum, slope, 35, expected);
    assert.deepEqual([...y.data], [...expected]);
    // The same numbers by their definitions: the sum rounded once, then slope·v below zero (rounded once).
    const defined = Float32Array.from(x, (v, i) => {
      const s = Math.fround(v + other[i]!);
      return s < 0 ? slope[Math.floor(i / 35) % 3]! * s : s;
    });
    assert.deepEqual([...expected], [...defined]);
  });
}

for (const backend of listBackends()) {
  const skip = backend.available ? false : `unavailable: ${backend.reason}`;
  test(`${backend.name}: a Transpose of the last two axes folded into the MatMul that reads it (A or B, an attention's shapes) = unfused, bit for bit; not folded when the other operand comes later`, { skip }, () => {
    const perm = ints('perm', [0, 2, 1]);
    // Qᵀ·K as the LDM decoder's attention writes it, then V·Aᵀ with the Transpose right before its MatMul.
    const model = readModel(buildModel({
      nodes: [
        node('Transpose', ['q'], ['qt'], [perm]), node('MatMul', ['qt', 'k'], ['scores']),
        node('Transpose', ['scores'], ['st'], [perm]), node('MatMul', ['v', 'st'], ['y']),
      ],
      inputs: [{ name: 'q', shape: [2, 32, 24] }, { name: 'k', shape: [2, 32, 24] }, { name: 'v', shape: [2, 9, 24] }],
    }));
    const feeds = { q: { shape: [2, 32, 24], data: random(1, 2 * 32 * 24) }, k: { shape: [2, 32, 24], data: random(2, 2 * 32 * 24) }, v: { shape: [2, 9, 24], data: random(3, 2 * 9 * 24) } };
    const fused = createSession(model, { backend: backend.name });
    const unfused = createSession(model, { backend: backend.name, fuse: false });
    try {
      const steps: string[] = [];
      const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) }).get('y')!;
      const b = unfused.run(feeds).get('y')!;
      assert.deepEqual(steps, ['Transpose+MatMul', 'Transpose+MatMul']);
      assert.deepEqual([...a.shape], [2, 9, 24]);
      assert.deepEqual([...a.data], [...b.data]);
    } finally {
      fused.dispose();
      unfused.dispose();
    }
    // The MatMul's other operand made after the Transpose: the step could not run where the Transpose does.
    const late = readModel(buildModel({
      nodes: [node('Transpose', ['q'], ['qt'], [perm]), node('Relu', ['k'], ['kr']), node('MatMul', ['qt', 'kr'], ['y'])],
      inputs: [{ name: 'q', shape: [2, 32, 24] }, { name: 'k', shape: [2, 32, 24] }],
    }));
    const session = createSession(late, { backend: backend.name });
    try {
      const steps: string[] = [];
      const y = session.run({ q: feeds.q, k: feeds.k }, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) }).get('y')!;
      assert.deepEqual(steps, ['Transpose', 'Relu', 'MatMul']);
      assert.deepEqual([...y.data], [...runModel(late, { q: feeds.q, k: feeds.k }, { backend: backend.name }).get('y')!.data]);
    } finally {
      session.dispose();
    }
  });
}
