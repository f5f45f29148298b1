/** Gemm and MatMul, for the linear heads of generators (z → dense → reshape → upsampling stack). */
import { invalidModel } from '../errors.ts';
import { floatAttr, intAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import { conv } from '../../engine/index.ts';
import type { OpDefinition, RunContext, RunOptions, Shape } from './types.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import { transposed } from '../../engine/elementwise.ts';
import type { OnnxNode } from '../model.ts';
import { elementwiseKernels } from '../../engine/select.ts';
import { asFloat32, broadcastShapes, broadcastStrides, floatOutput, floatTensor, required, sizeOf } from './util.ts';

function gemmShape(node: OnnxNode, a: Shape, b: Shape, c: Shape | undefined): number[] {
  if (a.length !== 2 || b.length !== 2) throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], 'must be 2-D matrices for Gemm');
  const ta = intAttr(node, 'transA', 0) === 1;
  const tb = intAttr(node, 'transB', 0) === 1;
  const [m, k] = ta ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [k2, n] = tb ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (k !== k2) throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], `have inner sizes ${k} and ${k2} that differ`);
  if (c !== undefined) broadcastShapes(node, [m, n], c);
  return [m, n];
}

export const Gemm: OpDefinition = {
  infer: (ctx) => {
    const a = required(ctx.node, ctx.shapes, 0, 'A and B');
    const b = required(ctx.node, ctx.shapes, 1, 'A and B');
    return [{ shape: gemmShape(ctx.node, a, b, ctx.shapes[2]), dataType: DataType.FLOAT }];
  },
  run: (ctx) => {
    const { node } = ctx;
    const a = required(node, ctx.inputs, 0, 'A and B');
    const b = required(node, ctx.inputs, 1, 'A and B');
    const c = ctx.inputs[2];
    const [m, n] = gemmShape(node, a.shape, b.shape, c?.shape) as [number, number];
    const ta = intAttr(node, 'transA', 0) === 1;
    const tb = intAttr(node, 'transB', 0) === 1;
    const alpha = floatAttr(node, 'alpha', 1);
    const beta = floatAttr(node, 'beta', 1);
    const k = ta ? a.shape[0]! : a.shape[1]!;
    const A = asFloat32(a);
    const B = asFloat32(b);
    const out = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += A[ta ? p * m + i : i * k + p]! * B[tb ? j * k + p : p * n + j]!;
        out[i * n + j] = alpha * sum;
      }
    }
    if (c !== undefined && beta !== 0) {
      const strides = broadcastStrides(c.shape, [m, n]);
      const C = asFloat32(c);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j]! += beta * C[i * strides[0]! + j * strides[1]!]!;
    }
    return [floatTensor([m, n], out)];
  },
};

/** MatMul with NumPy semantics for rank ≥ 2 (batch axes broadcast); 1-D operands are refused (not needed here). */
function matmulShape(node: OnnxNode, a: Shape, b: Shape): { shape: number[]; batch: number[] } {
  if (a.length < 2 || b.length < 2) throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], 'must have rank 2 or more (tconv does not take 1-D MatMul operands)');
  const [m, k] = a.slice(-2) as [number, number];
  const [k2, n] = b.slice(-2) as [number, number];
  if (k !== k2) throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], `have inner sizes ${k} and ${k2} that differ`);
  const batch = broadcastShapes(node, a.slice(0, -2), b.slice(0, -2));
  return { shape: [...batch, m, n], batch };
}

/**
 * Products from this many multiply-adds on go to the engine's float32 convolution (a call packs A and plans, tens of
 * µs, then runs at float32 speed); below, the backend's float64 product kernel (ElementwiseKernels.matmul: the same
 * bits on every backend; the LDM decoder's 64×32·32×64 in 20 µs on native against the engine call's 38, 30 against
 * 40–49 on wasm, measured at load ~12: docs/perf-log.md, 20:20).
 */
const ENGINE_MIN_PRODUCTS = 1 << 20;

/**
 * A (m×k) · B (k×n) as the engine's 1×1 convolution: B is k channels of length n, A is m filters of k taps (float32
 * sums in the native and wasm kernels, as onnxruntime's).
 */
function productByEngine(A: Float32Array, B: Float32Array, m: number, k: number, n: number, options: RunOptions): Float32Array {
  const y = conv({ shape: [1, k, n], data: B }, { shape: [m, k, 1], data: A }, null, { kernel: [1], backend: options.backend, threads: options.threads });
  return y.data;
}

export const MatMul: OpDefinition = {
  infer: (ctx) => {
    const a = required(ctx.node, ctx.shapes, 0, 'A and B');
    const b = required(ctx.node, ctx.shapes, 1, 'A and B');
    return [{ shape: matmulShape(ctx.node, a, b).shape, dataType: DataType.FLOAT }];
  },
  run: (ctx) => runMatMul(ctx, false, false),
};

/** An operand's shape with its last two axes swapped (what a Transpose folded into the product gave). */
const swapLast = (shape: Shape): Shape => [...shape.slice(0, -2), shape[shape.length - 1]!, shape[shape.length - 2]!];

/**
 * MatMul, with A or B possibly given as the input of a Transpose of their last two axes that the session folded into
 * it (fusions.ts): the kernels read such an operand stored transposed, with the bits of the unfused pair (the same
 * products summed in the same order).
 */
export function runMatMul(ctx: RunContext, transA: boolean, transB: boolean): OnnxTensor[] {
  const a = required(ctx.node, ctx.inputs, 0, 'A and B');
  const b = required(ctx.node, ctx.inputs, 1, 'A and B');
  const aShape = transA ? swapLast(a.shape) : a.shape;
  const bShape = transB ? swapLast(b.shape) : b.shape;
  const { shape, batch } = matmulShape(ctx.node, aShape, bShape);
  const [m, k] = aShape.slice(-2) as [number, number];
  const n = bShape[bShape.length - 1]!;
  const A = asFloat32(a);
  const B = asFloat32(b);
  const sa = broadcastStrides(aShape.slice(0, -2), batch);
  const sb = broadcastStrides(bShape.slice(0, -2), batch);
  // Never one of the operands' buffers: the product is written while they are read.
  const out = floatOutput(ctx, sizeOf(shape));
  const batches = sizeOf(batch);
  const kernels = elementwiseKernels(ctx.options.backend);
  for (let t = 0; t < batches; t++) {
    // Offsets of this batch entry in A and B (broadcast axes repeat).
    let rest = t;
    let oa = 0;
    let ob = 0;
    for (let axis = batch.length - 1; axis >= 0; axis--) {
      const idx = rest % batch[axis]!;
      rest = Math.floor(rest / batch[axis]!);
      oa += idx * sa[axis]!;
      ob += idx * sb[axis]!;
    }
    oa *= m * k;
    ob *= k * n;
    const a = A.subarray(oa, oa + m * k);
    const b = B.subarray(ob, ob + k * n);
    if (ctx.options.backend !== 'reference' && m * k * n >= ENGINE_MIN_PRODUCTS) {
      // The engine takes row-major operands: a folded Transpose is made here.
      const rowA = transA ? transposed(a, k, m) : a;
      const rowB = transB ? transposed(b, n, k) : b;
      out.set(productByEngine(rowA, rowB, m, k, n, ctx.options), t * m * n);
    } else {
      kernels.matmul(a, b, m, k, n, out.subarray(t * m * n, (t + 1) * m * n), transA, transB);
    }
  }
  return [floatTensor(shape, out)];
}
