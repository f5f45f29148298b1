// Concat without copies (src/onnx/concat-views.ts): a session's producers write into their slice of the Concat's
// output and the Concat step copies nothing. Each tiny model is compiled to check which Concats became slices, and
// run by a session against an unfused one (which copies every Concat) on every backend, twice with new inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackends } from '../../src/engine/index.ts';
import { compileGraph } from '../../src/onnx/compiled.ts';
import { inferShapes } from '../../src/onnx/graph.ts';
import { type NodeRunEvent, type OnnxModel, createSession, readModel } from '../../src/onnx/index.ts';
import { foldIntoConvolutions } from '../../src/onnx/rewrite.ts';
import { AttributeType, type RawAttribute } from '../../src/onnx/schema.ts';
import { floatTensorProto, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, ints, node } from './build-model.ts';

const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });
const same3 = [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])];

function random(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 2 * (s / 2 ** 32) - 1;
  });
}
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const weight = (name: string, shape: number[], seed: number) => floatTensorProto(name, shape, random(seed, size(shape)));

/** The Concat steps of the session's compiled plan, each marked whether it became a slice. */
function concatSteps(model: OnnxModel, shape: number[]): boolean[] {
  const graph = inferShapes(foldIntoConvolutions(model), { inputShapes: { x: shape } });
  return compileGraph(graph, { fuse: true }).steps.filter((s) => s.node.opType === 'Concat').map((s) => s.view);
}

/** The Concats of the compiled plan by output name: true for a slice. */
function concatViews(model: OnnxModel, shape: number[]): Record<string, boolean> {
  const graph = inferShapes(foldIntoConvolutions(model), { inputShapes: { x: shape } });
  const steps = compileGraph(graph, { fuse: true }).steps.filter((s) => s.node.opType === 'Concat');
  return Object.fromEntries(steps.map((s) => [s.node.outputs[0]!, s.view]));
}

const backends = listBackends().filter((b) => b.available).map((b) => b.name);

/** The default session against an unfused one (Concats copied), two runs each with new inputs; the fused run's events. */
function compareSessions(model: OnnxModel, shape: number[]): NodeRunEvent[][] {
  const events: NodeRunEvent[][] = [];
  for (const backend of backends) {
    const plain = createSession(model, { backend, fuse: false });
    const fused = createSession(model, { backend });
    try {
      for (const seed of [1, 2]) {
        const feeds = { x: { shape, data: random(seed, size(shape)) } };
        const run: NodeRunEvent[] = [];
        const got = fused.run(feeds, { onNodeRun: (e) => run.push(e) });
        const want = plain.run(feeds);
        for (const name of model.outputs.map((o) => o.name)) {
          assert.deepEqual(got.get(name)!.shape, want.get(name)!.shape);
          assert.deepEqual([...got.get(name)!.data], [...want.get(name)!.data], `${backend}, run ${seed}, output ${name}`);
        }
        events.push(run);
      }
    } finally {
      plain.dispose();
      fused.dispose();
    }
  }
  return events;
}

test('a dense block (cat(x), cat(x, x1), cat(x, x1, x2)) becomes slices of one buffer, and gives the copying run\'s values', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 6, 6] }],
    outputs: ['y'],
    nodes: [
      node('Conv', ['x', 'w0'], ['x0'], same3),
      node('Concat', ['x0'], ['k0'], [int('axis', 1)]),
      node('Conv', ['k0', 'w1', 'b1'], ['c1'], same3),
      node('Relu', ['c1'], ['x1']),
      node('Concat', ['x0', 'x1'], ['k1'], [int('axis', 1)]),
      node('Conv', ['k1', 'w2'], ['c2'], same3),
      node('LeakyRelu', ['c2'], ['x2']),
      node('Concat', ['x0', 'x1', 'x2'], ['k2'], [int('axis', -3)]),
      node('Conv', ['k2', 'w3'], ['c3'], same3),
      node('Relu', ['c3'], ['r3']),
      // x0 read again after the Concats (by a step after the last Concat's reader: an Add straight after the Conv would
      // join its step, fusions.ts); x is a graph input, so this Concat copies.
      node('Add', ['r3', 'x0'], ['s']),
      node('Concat', ['s', 'x'], ['p'], [int('axis', 1)]),
      node('Conv', ['p', 'w4'], ['y'], same3),
    ],
    initializers: [
      weight('w0', [4, 2, 3, 3], 3), weight('w1', [3, 4, 3, 3], 4), weight('b1', [3], 5), weight('w2', [2, 7, 3, 3], 6),
      weight('w3', [4, 9, 3, 3], 7), weight('w4', [2, 6, 3, 3], 8),
    ],
  }));
  assert.deepEqual(concatSteps(model, [1, 2, 6, 6]), [true, true, true, false]);
  const events = compareSessions(model, [1, 2, 6, 6]);
  // The shared buffer holds x0, x1, x2 (9 channels of 6×6 floats); the Concats add no memory. x0, which the Add reads
  // after the last Concat, keeps its own buffer (4 channels) and is copied into its slice, so the shared buffer is
  // freed after the last Concat's reader instead of living as long as x0.
  const block = 4 * 9 * 36;
  const concatStep = events[0]!.find((e) => e.node.outputs[0] === 'k2')!;
  const input = 4 * 2 * 36;
  assert.equal(concatStep.liveBytes, input + block + 4 * 4 * 36);
  const afterBlock = events[0]!.find((e) => e.node.outputs[0] === 's')!;
  assert.equal(afterBlock.liveBytes, input + 2 * 4 * 4 * 36, 'x, x0 and s (written over r3): the shared buffer is gone');
});

test('a U-Net skip Concat with a Relu after it: the slice is written in place when its inputs die there, copied when a Reshape still shares one', () => {
  const parts = (aliased: boolean) => readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    outputs: ['y'],
    nodes: [
      node('Conv', ['x', 'wa'], ['a'], same3),
      node('ConvTranspose', ['x', 'wb'], ['b'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]),
      ...(aliased ? [node('Reshape', ['a', 'shape'], ['a2'])] : []),
      node('Concat', ['b', 'a'], ['m'], [int('axis', 1)]),
      node('Relu', ['m'], ['r']),
      node('Conv', ['r', 'wy'], aliased ? ['c'] : ['y'], same3),
      ...(aliased ? [node('Add', ['c', 'a2'], ['y'])] : []),
    ],
    initializers: [
      weight('wa', [3, 2, 3, 3], 11), weight('wb', [2, 2, 3, 3], 12), weight('wy', [3, 5, 3, 3], 13),
      int64TensorProto('shape', [4], [1, 3, 4, 4]),
    ],
  }));
  for (const aliased of [false, true]) {
    const model = parts(aliased);
    assert.deepEqual(concatSteps(model, [1, 2, 4, 4]), [true], `aliased ${aliased}`);
    compareSessions(model, [1, 2, 4, 4]);
  }
});

test('Concats stay copies when an input is read after a fused activation, is a constant, repeats, or the output is a graph output', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    outputs: ['y', 'z'],
    nodes: [
      node('Conv', ['x', 'wa'], ['a'], same3),
      node('Conv', ['x', 'wb'], ['b'], same3),
      node('Concat', ['a', 'b'], ['m'], [int('axis', 1)]),
      node('Relu', ['m'], ['r']),
      node('Concat', ['r', 'k'], ['n'], [int('axis', 1)]),
      node('Concat', ['n', 'n'], ['o'], [int('axis', 1)]),
      node('Conv', ['o', 'wy'], ['c'], same3),
      node('Add', ['c', 'a'], ['y']),
      // A graph output (and a repeated input).
      node('Concat', ['b', 'b'], ['z'], [int('axis', 1)]),
    ],
    initializers: [
      weight('wa', [2, 2, 3, 3], 21), weight('wb', [2, 2, 3, 3], 22), weight('k', [1, 1, 4, 4], 23), weight('wy', [2, 10, 3, 3], 24),
    ],
  }));
  assert.deepEqual(concatSteps(model, [1, 2, 4, 4]), [false, false, false, false]);
  compareSessions(model, [1, 2, 4, 4]);
});

test('a Concat along an axis after a non-1 axis (batch 2) copies, and still agrees', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [2, 2, 4, 4] }],
    nodes: [
      node('Conv', ['x', 'wa'], ['a'], same3),
      node('Conv', ['x', 'wb'], ['b'], same3),
      node('Concat', ['a', 'b'], ['m'], [int('axis', 1)]),
      node('Conv', ['m', 'wy'], ['y'], same3),
    ],
    initializers: [weight('wa', [2, 2, 3, 3], 31), weight('wb', [3, 2, 3, 3], 32), weight('wy', [2, 5, 3, 3], 33)],
  }));
  assert.deepEqual(concatSteps(model, [2, 2, 4, 4]), [false]);
  compareSessions(model, [2, 2, 4, 4]);
});

test('inputs whose op writes a buffer of its own (Softmax) or passes its input on (Reshape) are copied into their slice', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    nodes: [
      node('Conv', ['x', 'wa'], ['a'], same3),
      node('Softmax', ['a'], ['t'], [int('axis', 1)]),
      node('Conv', ['x', 'wb'], ['b'], same3),
      node('Reshape', ['b', 'shape'], ['r']),
      node('Concat', ['t', 'r'], ['m'], [int('axis', 1)]),
      node('Conv', ['m', 'wy'], ['c'], same3),
      // b is still read: its buffer, which r shares, must not be recycled by the copy.
      node('Add', ['c', 'b'], ['y']),
    ],
    initializers: [
      weight('wa', [2, 2, 3, 3], 41), weight('wb', [3, 2, 3, 3], 42), weight('wy', [3, 5, 3, 3], 43),
      int64TensorProto('shape', [4], [1, 3, 4, 4]),
    ],
  }));
  assert.deepEqual(concatSteps(model, [1, 2, 4, 4]), [true]);
  compareSessions(model, [1, 2, 4, 4]);
});

test('random graphs of Convs, Relus, Adds and Concats (nested, extended, reused, with a Relu after) agree with copying runs', () => {
  const kinds = [0, 0];
  for (let seed = 1; seed <= 24; seed++) {
    let s = seed * 7919;
    const pick = (n: number): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s >>> 16) % n; // the high bits: an LCG's low bits repeat with a short period
    };
    const channels = new Map<string, number>([['x', 2]]);
    const values = ['x'];
    const nodes = [];
    const initializers = [];
    for (let k = 0; k < 14; k++) {
      const kind = pick(4);
      const name = `v${k}`;
      if (kind === 0 || values.length < 2) {
        const from = values[pick(values.length)]!;
        const c = 1 + pick(3);
        initializers.push(weight(`w${k}`, [c, channels.get(from)!, 3, 3], seed * 100 + k));
        nodes.push(node('Conv', [from, `w${k}`], [name], same3));
        channels.set(name, c);
      } else if (kind === 1) {
        const from = values[pick(values.length)]!;
        nodes.push(node('Relu', [from], [name]));
        channels.set(name, channels.get(from)!);
      } else if (kind === 2) {
        const count = 1 + pick(3);
        const inputs = [...new Set(Array.from({ length: count }, () => values[pick(values.length)]!))];
        nodes.push(node('Concat', inputs, [name], [int('axis', 1)]));
        channels.set(name, inputs.reduce((sum, v) => sum + channels.get(v)!, 0));
      } else {
        const a = values[pick(values.length)]!;
        const b = values.find((v) => v !== a && channels.get(v) === channels.get(a)) ?? a;
        nodes.push(node('Add', [a, b], [name]));
        channels.set(name, channels.get(a)!);
      }
      values.push(name);
    }
    // Two outputs: the last value and one from the middle (a graph output inside a shared buffer is refused).
    const outputs = [...new Set([values[values.length - 1]!, values[1 + pick(values.length - 1)]!])].filter((v) => v !== 'x');
    const model = readModel(buildModel({ inputs: [{ name: 'x', shape: [1, 2, 4, 4] }], outputs, nodes, initializers }));
    for (const view of concatSteps(model, [1, 2, 4, 4])) kinds[view ? 1 : 0]!++;
    try {
      compareSessions(model, [1, 2, 4, 4]);
    } catch (error) {
      assert.fail(`seed ${seed}: ${(error as Error).message}`);
    }
  }
  // Both kinds occur (the seeds make 47 copying Concats and 29 slices).
  assert.ok(kinds[0]! > 10 && kinds[1]! > 10, `copying ${kinds[0]}, slices ${kinds[1]}`);
});

test('a Concat whose placed inputs are out of order, leave a gap, or follow an activation done on a copy, copies', () => {
  const conv = (from: string, to: string, w: string) => node('Conv', [from, w], [to], same3);
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    outputs: ['y'],
    nodes: [
      conv('x', 'a', 'wa'), conv('x', 'b', 'wb'), conv('x', 'c', 'wc'),
      node('Concat', ['a', 'b', 'c'], ['k1'], [int('axis', 1)]),
      conv('k1', 'g', 'wg'), conv('k1', 'd', 'wd'),
      // After k1 (g needs it): b then a are both placed, but a lies before b.
      node('Concat', ['b', 'a', 'g'], ['k2'], [int('axis', 1)]),
      // a's slice is followed by b's, not by free room for d.
      node('Concat', ['a', 'd'], ['k3'], [int('axis', 1)]),
      // A Relu after a Concat whose input a Reshape still shares: done on a copy, so nothing may extend its slice.
      node('Conv', ['x', 'we'], ['e'], same3), node('Conv', ['x', 'wf'], ['f'], same3),
      node('Reshape', ['e', 'shape'], ['e2']),
      node('Concat', ['e', 'f'], ['m'], [int('axis', 1)]), node('Relu', ['m'], ['r']),
      node('Concat', ['r', 'e2'], ['k4'], [int('axis', 1)]),
      // k1 at the end of its buffer: k2, k3 and k4 (copies) are written after it.
      node('Concat', ['k1', 'k2', 'k3', 'k4'], ['k'], [int('axis', 1)]),
      node('Conv', ['k', 'wy'], ['y'], same3),
    ],
    initializers: [
      weight('wa', [2, 2, 3, 3], 51), weight('wb', [2, 2, 3, 3], 52), weight('wc', [2, 2, 3, 3], 53), weight('wd', [2, 6, 3, 3], 54),
      weight('wg', [2, 6, 3, 3], 58),
      weight('we', [2, 2, 3, 3], 55), weight('wf', [1, 2, 3, 3], 56), int64TensorProto('shape', [4], [1, 2, 4, 4]),
      weight('wy', [2, 21, 3, 3], 57),
    ],
  }));
  assert.deepEqual(concatViews(model, [1, 2, 4, 4]), { k1: true, k2: false, k3: false, m: true, k4: false, k: true });
  compareSessions(model, [1, 2, 4, 4]);
});

test('a value copied into its slice is copied again when its shared buffer was freed and made anew between two Concats', () => {
  const model = readModel(buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
    nodes: [
      node('Conv', ['x', 'w0'], ['x0'], same3),
      node('Concat', ['x0'], ['k0'], [int('axis', 1)]),
      // k0's reader: after it the shared buffer (x0 and z: 4 channels) holds nothing and goes back to the arena,
      // from which y2 (4 channels too) takes it and writes over it.
      node('Conv', ['k0', 'w1'], ['y1'], same3),
      node('Conv', ['y1', 'w2'], ['y2'], same3),
      node('Conv', ['y2', 'w3'], ['z'], same3),
      node('Concat', ['x0', 'z'], ['k1'], [int('axis', 1)]),
      node('Conv', ['k1', 'w4'], ['c'], same3),
      // x0 is read after both Concats: it keeps its own buffer and is copied into its slice.
      node('Add', ['c', 'x0'], ['y']),
    ],
    initializers: [
      weight('w0', [2, 2, 3, 3], 61), weight('w1', [4, 2, 3, 3], 62), weight('w2', [4, 4, 3, 3], 63), weight('w3', [2, 4, 3, 3], 64),
      weight('w4', [2, 4, 3, 3], 65),
    ],
  }));
  assert.deepEqual(concatViews(model, [1, 2, 4, 4]), { k0: true, k1: true });
  compareSessions(model, [1, 2, 4, 4]);
});
