/** Element-wise ops: activations (one input) and broadcasting arithmetic (Add for bias, Sub, Mul, Div). */
import { type OnnxNode, floatAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { OpDefinition, RunContext } from './types.ts';
import { asFloat32, broadcastShapes, broadcastStrides, floatTensor, required, sizeOf } from './util.ts';

/** `fn` reads the node's attributes once and returns the per-element function. */
function unary(fn: (node: OnnxNode) => (x: number) => number): OpDefinition {
  return {
    infer: (ctx) => {
      fn(ctx.node); // checks the attributes before anything runs
      return [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: DataType.FLOAT }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      const f = fn(ctx.node);
      const src = asFloat32(x);
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
      return [floatTensor(x.shape, out)];
    },
  };
}

export const Relu = unary(() => (x) => (x > 0 ? x : 0));
export const LeakyRelu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 0.01);
  return (x) => (x >= 0 ? x : alpha * x);
});
export const Tanh = unary(() => Math.tanh);
export const Sigmoid = unary(() => (x) => 1 / (1 + Math.exp(-x)));

/** Identity keeps the element type (it may carry int64 shapes). */
export const Identity: OpDefinition = {
  infer: (ctx) => [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }],
  run: (ctx) => [required(ctx.node, ctx.inputs, 0, 'an input')],
  foldable: true,
};

function binary(f: (a: number, b: number) => number): OpDefinition {
  return {
    infer: (ctx) => {
      const a = required(ctx.node, ctx.shapes, 0, 'two inputs');
      const b = required(ctx.node, ctx.shapes, 1, 'two inputs');
      return [{ shape: broadcastShapes(ctx.node, a, b), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
    },
    run: (ctx) => {
      const a = required(ctx.node, ctx.inputs, 0, 'two inputs');
      const b = required(ctx.node, ctx.inputs, 1, 'two inputs');
      return [broadcastBinary(ctx, a, b, f)];
    },
    foldable: true,
  };
}

function broadcastBinary(ctx: RunContext, a: OnnxTensor, b: OnnxTensor, f: (a: number, b: number) => number): OnnxTensor {
  const shape = broadcastShapes(ctx.node, a.shape, b.shape);
  const floating = a.data instanceof Float32Array || b.data instanceof Float32Array;
  const out = floating ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  // Odometer walk over the output: offsets into a and b advance by their (broadcast) strides.
  for (let o = 0; o < out.length; o++) {
    out[o] = f(a.data[ia]!, b.data[ib]!);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      ia += sa[axis]!;
      ib += sb[axis]!;
      if (index[axis]! < shape[axis]!) break;
      ia -= sa[axis]! * shape[axis]!;
      ib -= sb[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return { name: '', dataType: floating ? DataType.FLOAT : a.dataType, shape, data: out };
}

export const Add = binary((a, b) => a + b);
export const Sub = binary((a, b) => a - b);
export const Mul = binary((a, b) => a * b);
export const Div = binary((a, b) => a / b);
