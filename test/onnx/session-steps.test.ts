// The session's lean steps for HiFi-GAN's pattern (src/onnx/fusions.ts, src/onnx/ops/conv.ts): convolutions called
// through a layer call bound once per node, a residual Add (and its LeakyRelu) absorbed into the convolution's step,
// same-shape Adds straight on the add kernel. They give the bits of the unfused session (each node as runModel runs
// it) on every backend, run after run, and across input shapes that make the bound calls rebind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackends } from '../../src/engine/index.ts';
import { createSession, readModel, runModel } from '../../src/onnx/index.ts';
import { AttributeType } from '../../src/onnx/schema.ts';
import { floatTensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, ints, node } from './build-model.ts';

function random(seed: number, n: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

const leaky = (input: string, output: string) => node('LeakyRelu', [input], [output], [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.1 }]);
const C = 6;

/**
 * HiFi-GAN's upsampling stage in small: x = ConvTranspose(h); two residual pairs (LeakyRelu, dilated Conv, LeakyRelu,
 * Conv, + x; the second Conv without bias, the residual as the Add's first operand); a broadcast Add of a per-channel
 * constant (left to the Add op); a Conv whose Add reads a value made after it (not absorbed: the value is not there
 * when the Conv runs); the sum and the branch as outputs.
 */
function residualModel(width: number | string) {
  return readModel(buildModel({
    nodes: [
      node('ConvTranspose', ['h', 'wt', 'bt'], ['x0'], [ints('strides', [2]), ints('pads', [1, 1])]),
      leaky('x0', 'a0'),
      node('Conv', ['a0', 'w1', 'b1'], ['c0'], [ints('dilations', [3]), ints('pads', [3, 3])]),
      leaky('c0', 'd0'),
      node('Conv', ['d0', 'w2', 'b2'], ['e0'], [ints('pads', [1, 1])]),
      node('Add', ['e0', 'x0'], ['x1']),
      leaky('x1', 'a1'),
      node('Conv', ['a1', 'w3'], ['c1'], [ints('pads', [1, 1])]),
      node('Add', ['x1', 'c1'], ['x2']),
      node('Add', ['x2', 'shift'], ['s']),
      node('Conv', ['s', 'w2', 'b2'], ['c2'], [ints('pads', [1, 1])]),
      node('Relu', ['s'], ['later']),
      node('Add', ['c2', 'later'], ['y']),
    ],
    initializers: [
      floatTensorProto('wt', [4, C, 4], random(1, 4 * C * 4, 0.6)), floatTensorProto('bt', [C], random(2, C)),
      floatTensorProto('w1', [C, C, 3], random(3, C * C * 3, 0.5)), floatTensorProto('b1', [C], random(4, C)),
      floatTensorProto('w2', [C, C, 3], random(5, C * C * 3, 0.5)), floatTensorProto('b2', [C], random(6, C)),
      floatTensorProto('w3', [C, C, 3], random(7, C * C * 3, 0.5)), floatTensorProto('b3', [C], random(8, C)),
      floatTensorProto('shift', [C, 1], random(9, C)),
    ],
    inputs: [{ name: 'h', shape: [1, 4, width] }],
    outputs: ['y', 'x1'],
  }));
}

for (const backend of listBackends()) {
  const skip = backend.available ? false : `unavailable: ${backend.reason}`;
  test(`${backend.name}: bound convolutions, residual Adds in the conv step and same-shape Add steps = the unfused session and runModel, bit for bit, across shapes`, { skip }, () => {
    const model = residualModel('W');
    const fused = createSession(model, { backend: backend.name, threads: 1 });
    const unfused = createSession(model, { backend: backend.name, threads: 1, fuse: false });
    try {
      // 37 → 74 columns, then 16 → 32 (the bound calls rebind), then 37 again (and again: recycled buffers).
      for (const [round, width] of [37, 16, 37, 37].entries()) {
        const feeds = { h: { shape: [1, 4, width], data: random(20 + round, 4 * width, 2) } };
        const steps: string[] = [];
        const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) });
        const b = unfused.run(feeds);
        const c = runModel(model, feeds, { backend: backend.name, threads: 1 });
        for (const name of ['y', 'x1']) {
          assert.deepEqual(a.get(name)!.shape, [1, C, 2 * width], `${name} at width ${width}`);
          assert.deepEqual([...a.get(name)!.data], [...b.get(name)!.data], `${name} at width ${width}, round ${round}: session = unfused`);
          assert.deepEqual([...a.get(name)!.data], [...c.get(name)!.data], `${name} at width ${width}, round ${round}: session = runModel`);
        }
        assert.deepEqual(steps, ['ConvTranspose', 'LeakyRelu', 'Conv+LeakyRelu', 'Conv+Add+LeakyRelu', 'Conv+Add', 'Add', 'Conv', 'Relu', 'Add']);
      }
    } finally {
      fused.dispose();
      unfused.dispose();
    }
  });
}

/** Arithmetic with a constant scalar, alone or before an activation: x/2 → LeakyRelu (HiFi-GAN's mean), 3 − x, x·s, 2/x. */
function scalarModel() {
  const shape = [1, 3, 41];
  return readModel(buildModel({
    nodes: [
      node('Div', ['x', 'two'], ['h']),
      leaky('h', 'a'),
      node('Sub', ['three', 'a'], ['b']),
      node('Mul', ['b', 'scale'], ['c']),
      node('Relu', ['c'], ['d']),
      node('Div', ['two', 'd'], ['y']),
    ],
    initializers: [
      floatTensorProto('two', [], Float32Array.of(2)), floatTensorProto('three', [1], Float32Array.of(3)),
      floatTensorProto('scale', [1, 1, 1], Float32Array.of(-0.37)),
    ],
    inputs: [{ name: 'x', shape }],
    outputs: ['y', 'b'],
  }));
}

for (const backend of listBackends()) {
  const skip = backend.available ? false : `unavailable: ${backend.reason}`;
  test(`${backend.name}: scalar arithmetic steps (and the activation after them) = the unfused session and runModel, bit for bit`, { skip }, () => {
    const model = scalarModel();
    const fused = createSession(model, { backend: backend.name, threads: 1 });
    const unfused = createSession(model, { backend: backend.name, threads: 1, fuse: false });
    try {
      for (const seed of [1, 2]) {
        // Zeros, negative zeros and large values among random ones: the affine map's −0 offset and the slope matter
        // (deepEqual is strict: it tells −0 from 0).
        const data = random(seed, 123, 50);
        data[0] = 0;
        data[1] = -0;
        data[2] = 3.4e38;
        const feeds = { x: { shape: [1, 3, 41], data } };
        const steps: string[] = [];
        const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) });
        assert.deepEqual(steps, ['Div+LeakyRelu', 'Sub', 'Mul+Relu', 'Div']);
        const b = unfused.run(feeds);
        const c = runModel(model, feeds, { backend: backend.name, threads: 1 });
        for (const name of ['y', 'b']) {
          assert.deepEqual([...a.get(name)!.data], [...b.get(name)!.data], `${name}, seed ${seed}: session = unfused`);
          assert.deepEqual([...a.get(name)!.data], [...c.get(name)!.data], `${name}, seed ${seed}: session = runModel`);
        }
      }
    } finally {
      fused.dispose();
      unfused.dispose();
    }
  });
}

for (const backend of listBackends()) {
  const skip = backend.available ? false : `unavailable: ${backend.reason}`;
  test(`${backend.name}: a residual that is the layer's own input (conv(z) + z, the sum read twice) = the unfused session, bit for bit`, { skip }, () => {
    // z dies at the fused step, twice over (the layer's input and the residual): its buffer may take the activation
    // only after the sum has read it.
    const model = readModel(buildModel({
      nodes: [
        node('Relu', ['h'], ['z']),
        node('Conv', ['z', 'w', 'b'], ['q'], [ints('pads', [2, 2])]),
        node('Add', ['q', 'z'], ['u']),
        leaky('u', 'v'),
      ],
      initializers: [floatTensorProto('w', [C, C, 5], random(31, C * C * 5, 0.4)), floatTensorProto('b', [C], random(32, C))],
      inputs: [{ name: 'h', shape: [2, C, 29] }],
      outputs: ['u', 'v'],
    }));
    const fused = createSession(model, { backend: backend.name, threads: 1 });
    const unfused = createSession(model, { backend: backend.name, threads: 1, fuse: false });
    try {
      for (const seed of [1, 2, 3]) {
        const feeds = { h: { shape: [2, C, 29], data: random(40 + seed, 2 * C * 29, 3) } };
        const steps: string[] = [];
        const a = fused.run(feeds, { onNodeRun: (event) => steps.push([event.node.opType, ...event.fused.map((n) => n.opType)].join('+')) });
        assert.deepEqual(steps, ['Relu', 'Conv+Add+LeakyRelu']);
        const b = unfused.run(feeds);
        for (const name of ['u', 'v']) assert.deepEqual([...a.get(name)!.data], [...b.get(name)!.data], `${name}, seed ${seed}`);
      }
    } finally {
      fused.dispose();
      unfused.dispose();
    }
  });
}
