// The float32 fast paths of the element-wise ops (src/onnx/ops/arithmetic.ts combineFloat, elementwise.ts `float`
// loops) give exactly what the per-element float64 definition gives, rounded once, on every broadcast pattern a
// decoder uses (per-channel scale and bias, scalars, same shapes, size-1 axes in the middle), and match
// onnxruntime-node; MaxPool's loops, and the row and product kernels of MaxPool 2×2, nearest ×2 Resize, DepthToSpace
// and MatMul, give the reference backend's bits on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { listBackends } from '../../src/engine/index.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { createSession, readModel, runModel } from '../../src/onnx/index.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import { AttributeType, type RawAttribute } from '../../src/onnx/schema.ts';
import { floatTensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, ints, node } from './build-model.ts';

function random(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The backends this machine runs (native needs its addon built). */
const BACKENDS = listBackends().filter((b) => b.available && ['reference', 'native', 'wasm'].includes(b.name)).map((b) => b.name as 'reference' | 'native' | 'wasm');
after(() => getRuntime().pool?.close());

/** NumPy broadcasting by brute force: each output index decoded, each operand read at its broadcast position. */
function naive(f: (a: number, b: number) => number, a: Float32Array, sa: number[], b: Float32Array, sb: number[]): { shape: number[]; data: Float32Array } {
  const rank = Math.max(sa.length, sb.length);
  const pa = [...new Array<number>(rank - sa.length).fill(1), ...sa];
  const pb = [...new Array<number>(rank - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => Math.max(d, pb[i]!));
  const out = new Float32Array(size(shape));
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    let ia = 0;
    let ib = 0;
    let strideA = 1;
    let strideB = 1;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const i = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
      if (pa[axis] !== 1) ia += i * strideA;
      if (pb[axis] !== 1) ib += i * strideB;
      strideA *= pa[axis]!;
      strideB *= pb[axis]!;
    }
    out[o] = f(a[ia]!, b[ib]!);
  }
  return { shape, data: out };
}

const BINARY: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b, PRelu: (x, s) => (x < 0 ? s * x : x),
};
const PAIRS: [number[], number[]][] = [
  [[2, 3, 4, 5], [2, 3, 4, 5]], [[2, 3, 4, 5], [1, 3, 1, 1]], [[2, 3, 4, 5], [3, 1, 1]], [[2, 3, 4, 5], []], [[2, 3, 4, 5], [5]],
  [[2, 3, 4, 5], [2, 1, 4, 1]], [[1, 3, 1, 5], [2, 1, 4, 1]], [[2, 1, 7], [2, 6, 1]], [[1, 8, 16], [1, 8, 16]], [[4, 1, 1, 1], [1, 3, 2, 2]],
];

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
try {
  ort = await import('onnxruntime-node');
} catch {
  ort = null;
}

for (const [op, f] of Object.entries(BINARY)) {
  test(`${op}: the float32 fast path equals the per-element definition on every broadcast pattern, and onnxruntime-node`, async () => {
    for (const [k, [sa, sb]] of PAIRS.entries()) {
      if (op === 'PRelu' && sb.length > sa.length) continue; // the slope broadcasts to X, not the other way
      const a = random(11 + k, size(sa));
      const b = op === 'Div' ? random(97 + k, size(sb)).map((v) => v + Math.sign(v) * 0.5) : random(97 + k, size(sb));
      const model = readModel(buildModel({
        nodes: [node(op, ['a', 'b'], ['y'])], inputs: [{ name: 'a', shape: sa }, { name: 'b', shape: sb }],
      }));
      const y = runModel(model, { a: { shape: sa, data: a }, b: { shape: sb, data: b } }).get('y')!;
      const expected = naive(f, a, sa, b, sb);
      assert.deepEqual(y.shape, expected.shape, `${op} ${sa} ${sb}`);
      assert.deepEqual([...y.data], [...expected.data], `${op} [${sa}] with [${sb}]`);
      if (!ort) continue;
      const session = await ort.InferenceSession.create(buildModel({
        nodes: [node(op, ['a', 'b'], ['y'])], inputs: [{ name: 'a', shape: sa }, { name: 'b', shape: sb }],
      }));
      try {
        const result = await session.run({ a: new ort.Tensor('float32', a, sa), b: new ort.Tensor('float32', b, sb) });
        assert.ok(relativeL2Error(y.data, result.y!.data as Float32Array) <= 1e-6, `${op} [${sa}] with [${sb}] against onnxruntime-node`);
      } finally {
        await session.release();
      }
    }
  });
}

const UNARY: Record<string, (x: number) => number> = {
  // biome-ignore lint/complexity/useMathMinMax: the operator's definition as src/onnx/ops/elementwise.ts writes it
  Relu: (x) => (x > 0 ? x : 0), LeakyRelu: (x) => (x >= 0 ? x : 0.01 * x), Tanh: Math.tanh, Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

for (const [op, f] of Object.entries(UNARY)) {
  test(`${op}: the float32 loop equals the per-element definition, rounded once, on the reference backend (on the fastest within 3 ulp)`, () => {
    const x = random(5, 3 * 7 * 11).map((v) => v * 8);
    const model = readModel(buildModel({ nodes: [node(op, ['x'], ['y'])], inputs: [{ name: 'x', shape: [3, 7, 11] }] }));
    const expected = Float32Array.from(x, f);
    const y = runModel(model, { x: { shape: [3, 7, 11], data: x } }, { backend: 'reference' }).get('y')!;
    assert.deepEqual([...y.data], [...expected]);
    // The native backend's float32 kernels (test/native/eltwise.test.ts states their bounds); relu and leakyRelu exact.
    const fast = runModel(model, { x: { shape: [3, 7, 11], data: x } }).get('y')!;
    for (let i = 0; i < expected.length; i++) {
      const spacing = 2 ** (Math.floor(Math.log2(Math.abs(expected[i]!) || 2 ** -126)) - 23);
      assert.ok(Math.abs(fast.data[i]! - expected[i]!) <= (op === 'Tanh' || op === 'Sigmoid' ? 3 : 0) * spacing, `element ${i}: ${fast.data[i]} against ${expected[i]}`);
    }
  });
}

/**
 * MaxPool cases: [input shape, attributes]; with Indices asked for, the general window walk runs. Without pads the
 * windows lie inside the input (cases 1, 4, 7, 8, 9: 2×2 windows unrolled in 1, 4 and 9, tabulated in 7 and 8), else
 * the loop nest checks bounds.
 */
const POOLS: [number[], RawAttribute[]][] = [
  [[2, 3, 9], [ints('kernel_shape', [3]), ints('strides', [2]), ints('pads', [1, 1])]],
  [[1, 2, 7, 6], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]],
  [[1, 2, 7, 6], [ints('kernel_shape', [3, 2]), ints('strides', [2, 1]), ints('pads', [1, 0, 1, 1]), ints('dilations', [2, 1])]],
  [[2, 1, 5, 5], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), { name: 'ceil_mode', type: AttributeType.INT, i: 1 }]],
  [[1, 2, 6, 5, 4], [ints('kernel_shape', [2, 2, 2]), ints('strides', [2, 2, 2])]],
  [[1, 1, 5, 4, 7], [ints('kernel_shape', [3, 1, 2]), ints('strides', [1, 2, 3]), ints('pads', [1, 0, 1, 1, 0, 0])]],
  [[1, 2, 6, 6], [ints('kernel_shape', [3, 3]), { name: 'auto_pad', type: AttributeType.STRING, s: new TextEncoder().encode('SAME_UPPER') }]],
  [[1, 2, 9, 8], [ints('kernel_shape', [3, 2]), ints('strides', [2, 3]), ints('dilations', [2, 2])]],
  [[2, 3, 11], [ints('kernel_shape', [3]), ints('strides', [2])]],
  [[1, 2, 5, 4, 5], [ints('kernel_shape', [2, 2, 2]), ints('strides', [1, 2, 1]), ints('dilations', [2, 1, 1])]],
];

test('MaxPool: the float32 loop nest gives what the general window walk gives, in 1D, 2D and 3D, with pads, dilations, ceil mode and SAME', () => {
  for (const [k, [shape, attributes]] of POOLS.entries()) {
    const x = random(31 + k, size(shape));
    // A NaN as the first tap of a window stays the maximum, later ones are passed over.
    for (const at of [0, 3, 9]) x[at] = Number.NaN;
    const fast = readModel(buildModel({ nodes: [node('MaxPool', ['x'], ['y'], attributes)], inputs: [{ name: 'x', shape }] }));
    const general = readModel(buildModel({ nodes: [node('MaxPool', ['x'], ['y', 'i'], attributes)], inputs: [{ name: 'x', shape }], outputs: ['y', 'i'] }));
    const b = runModel(general, { x: { shape, data: x } }, { backend: 'reference' }).get('y')!;
    // Each backend: native runs 2×2 windows of stride 2 in 2D on its row kernel (cases 1 and 3), the others the loops.
    for (const backend of BACKENDS) {
      const a = runModel(fast, { x: { shape, data: x } }, { backend }).get('y')!;
      assert.deepEqual(a.shape, b.shape, `case ${k}, ${backend}`);
      assert.deepEqual([...a.data], [...b.data], `case ${k}, ${backend}`);
    }
  }
});

test('MaxPool in a session keeps its geometry per input shape: runs alternating between shapes give each shape\'s pool', () => {
  const attributes = [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])];
  const model = readModel(buildModel({ nodes: [node('MaxPool', ['x'], ['y'], attributes)], inputs: [{ name: 'x', shape: [1, 'c', 'h', 'w'] }] }));
  const general = readModel(buildModel({ nodes: [node('MaxPool', ['x'], ['y', 'i'], attributes)], inputs: [{ name: 'x', shape: [1, 'c', 'h', 'w'] }], outputs: ['y', 'i'] }));
  for (const backend of BACKENDS) {
    const session = createSession(model, { backend });
    try {
      for (const [k, shape] of [[1, 2, 8, 6], [1, 3, 6, 10], [1, 2, 8, 6], [1, 1, 5, 3]].entries()) {
        const x = random(70 + k, size(shape));
        const want = runModel(general, { x: { shape, data: x } }, { backend: 'reference' }).get('y')!;
        const got = session.run({ x: { shape, data: x } }).get('y')!;
        assert.deepEqual([...got.shape], [...want.shape], `${backend}, run ${k}`);
        assert.deepEqual([...got.data], [...want.data], `${backend}, run ${k}`);
      }
    } finally {
      session.dispose();
    }
  }
});

test('Relu, LeakyRelu (α > 0 and < 0) and per-channel PRelu choose by sign bits with the definition\'s values on ±0, NaNs, ±∞ and subnormals', () => {
  const bits = new Int32Array([0, 0x80000000, 0x7fc00000, 0xffc00000 | 0, 0x7f800000, 0xff800000 | 0, 1, 0x80000001 | 0, 0x3f800000, 0xbf800000 | 0, 0x7f7fffff, 0xff7fffff | 0]);
  const x = new Float32Array(bits.buffer);
  const shape = [1, 2, 2, 3];
  const run = (op: string, attribute: RawAttribute[], initializers: ReturnType<typeof floatTensorProto>[] = [], inputs = ['x']) => {
    const model = readModel(buildModel({ nodes: [node(op, inputs, ['y'], attribute)], initializers, inputs: [{ name: 'x', shape }] }));
    return [...runModel(model, { x: { shape, data: Float32Array.from(x) } }).get('y')!.data];
  };
  // biome-ignore lint/complexity/useMathMinMax: the operator's definition as src/onnx/ops/elementwise.ts writes it
  assert.deepEqual(run('Relu', []), [...Float32Array.from(x, (v) => (v > 0 ? v : 0))]);
  for (const alpha of [0.2, -0.3]) {
    assert.deepEqual(run('LeakyRelu', [{ name: 'alpha', type: AttributeType.FLOAT, f: alpha }]), [...Float32Array.from(x, (v) => (v >= 0 ? v : Math.fround(alpha) * v))]);
  }
  const slopes = [0.25, -0.5];
  const expected = Float32Array.from(x, (v, i) => (v < 0 ? slopes[Math.floor(i / 6)]! * v : v));
  assert.deepEqual(run('PRelu', [], [floatTensorProto('s', [2, 1, 1], Float32Array.from(slopes))], ['x', 's']), [...expected]);
});

test('nearest ×2 Resize, DepthToSpace CRD (blocks 2 and 3) and MatMul on every backend give the reference backend\'s bits', () => {
  const text = (name: string, value: string): RawAttribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  const cases: { label: string; parts: Parameters<typeof buildModel>[0]; feeds: Record<string, number[]> }[] = [
    {
      label: 'Resize ×2 nearest',
      parts: { nodes: [node('Resize', ['x', '', 'scales'], ['y'], [text('mode', 'nearest')])], initializers: [floatTensorProto('scales', [4], Float32Array.of(1, 1, 2, 2))], inputs: [{ name: 'x', shape: [1, 3, 5, 13] }] },
      feeds: { x: [1, 3, 5, 13] },
    },
    ...[2, 3].map((b) => ({
      label: `DepthToSpace CRD b ${b}`,
      parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [{ name: 'blocksize', type: AttributeType.INT, i: b }, text('mode', 'CRD')])], inputs: [{ name: 'x', shape: [2, 2 * b * b, 3, 11] }] },
      feeds: { x: [2, 2 * b * b, 3, 11] },
    })),
    {
      label: 'MatMul batched 3×(9×17·17×21)',
      parts: { nodes: [node('MatMul', ['x', 'w'], ['y'])], inputs: [{ name: 'x', shape: [3, 9, 17] }, { name: 'w', shape: [3, 17, 21] }] },
      feeds: { x: [3, 9, 17], w: [3, 17, 21] },
    },
  ];
  for (const [k, c] of cases.entries()) {
    const model = readModel(buildModel(c.parts));
    const feeds = Object.fromEntries(Object.entries(c.feeds).map(([name, shape], i) => [name, { shape, data: random(90 + 10 * k + i, size(shape)) }]));
    const want = runModel(model, feeds, { backend: 'reference' }).get('y')!;
    for (const backend of BACKENDS) {
      const got = runModel(model, feeds, { backend }).get('y')!;
      assert.deepEqual([...got.shape], [...want.shape], `${c.label}, ${backend}`);
      assert.deepEqual([...got.data], [...want.data], `${c.label}, ${backend}`);
    }
  }
});
