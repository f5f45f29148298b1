// The float32 fast paths of the element-wise ops (src/onnx/ops/arithmetic.ts combineFloat, elementwise.ts `float`
// loops) give exactly what the per-element float64 definition gives, rounded once, on every broadcast pattern a
// decoder uses (per-channel scale and bias, scalars, same shapes, size-1 axes in the middle), and match
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel, runModel } from '../../src/onnx/index.ts';
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
    const a = runModel(fast, { x: { shape, data: x } }).get('y')!;
    const b = runModel(general, { x: { shape, data: x } }).get('y')!;
    assert.deepEqual(a.shape, b.shape, `case ${k}`);
    assert.deepEqual([...a.data], [...b.data], `case ${k}`);
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
