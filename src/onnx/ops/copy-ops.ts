/**
 * Ops that copy blocks of their input: Split (into pieces along an axis), Expand (broadcast to a shape) and Tile
 * (repeat along each axis). Their shape-like inputs (split, shape, repeats) may be graph inputs: the run plans once
 * their values are known. Element types are kept.
 */
import { invalidModel } from '../errors.ts';
import { type OnnxNode, intAttr, intsAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { InferContext, OpDefinition, Shape } from './types.ts';
import { broadcastShapes, broadcastStrides, knownValue, normalizeAxis, required, sizeOf } from './util.ts';

type ValueOf = (i: number) => OnnxTensor | undefined;

const like = (x: OnnxTensor, length: number) => (x.data instanceof Float32Array ? new Float32Array(length) : new Float64Array(length));

/** Split's pieces: the `split` attribute (before 13) or input (13+), else equal parts (the last smaller from 18). */
function pieces(node: OnnxNode, opset: number, x: Shape, value: ValueOf): { axis: number; sizes: number[] } {
  const axis = normalizeAxis(node, intAttr(node, 'axis', 0), x.length);
  const length = x[axis]!;
  const given = opset >= 13 ? knownValue(node, value, 1, 'split') : undefined;
  const split = opset >= 13 ? (given ? [...given.data] : undefined) : intsAttr(node, 'split');
  if (split !== undefined && split.length > 0) {
    if (split.some((s) => !Number.isSafeInteger(s) || s < 0) || split.reduce((a, b) => a + b, 0) !== length) {
      throw invalidModel(`${node.name}.split`, [...split], `must be non-negative sizes adding up to axis ${axis}'s ${length}`);
    }
    if (split.length !== node.outputs.length) throw invalidModel(`${node.name}.split`, [...split], `has ${split.length} parts for ${node.outputs.length} outputs`);
    return { axis, sizes: [...split] };
  }
  const count = opset >= 18 ? intAttr(node, 'num_outputs', node.outputs.length) : node.outputs.length;
  if (count < 1) throw invalidModel(`${node.name}.num_outputs`, count, 'must be at least 1');
  if (opset < 18 && length % count !== 0) throw invalidModel(`${node.name}.input`, [...x], `has ${length} elements on axis ${axis}, which do not split into ${count} equal parts`);
  const part = Math.ceil(length / count);
  return { axis, sizes: Array.from({ length: count }, (_, k) => Math.max(0, Math.min(part, length - k * part))) };
}

export const Split: OpDefinition = {
  infer: (ctx: InferContext) => {
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    const { axis, sizes } = pieces(ctx.node, ctx.opset, x, ctx.constant);
    return sizes.map((s) => ({ shape: x.map((d, a) => (a === axis ? s : d)), dataType: ctx.types[0] ?? DataType.FLOAT }));
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const { axis, sizes } = pieces(ctx.node, ctx.opset, x.shape, (i) => ctx.inputs[i]);
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const length = x.shape[axis]!;
    let start = 0;
    return sizes.map((s) => {
      const out = like(x, outer * s * inner);
      for (let p = 0; p < outer; p++) out.set(x.data.subarray((p * length + start) * inner, (p * length + start + s) * inner), p * s * inner);
      start += s;
      return { name: '', dataType: x.dataType, shape: x.shape.map((d, a) => (a === axis ? s : d)), data: out };
    });
  },
  foldable: true,
};

function integers(node: OnnxNode, t: OnnxTensor, what: string): number[] {
  const v = [...t.data];
  v.forEach((d, a) => { if (!Number.isSafeInteger(d) || d < 0) throw invalidModel(`${node.name}.${what}[${a}]`, d, 'must be a non-negative integer'); });
  return v;
}

function expandShape(node: OnnxNode, x: Shape, value: ValueOf): number[] {
  const spec = required(node, [knownValue(node, value, 1, 'shape')], 0, 'input and shape');
  return broadcastShapes(node, x, integers(node, spec, 'shape'));
}

/** Copies `x` into the broadcast `shape` (an odometer over the output; broadcast axes have stride 0). */
function broadcastTo(x: OnnxTensor, shape: Shape): OnnxTensor {
  const out = like(x, sizeOf(shape));
  const strides = broadcastStrides(x.shape, shape);
  const index = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x.data[src]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      index[a]!++;
      src += strides[a]!;
      if (index[a]! < shape[a]!) break;
      src -= strides[a]! * shape[a]!;
      index[a] = 0;
    }
  }
  return { name: '', dataType: x.dataType, shape, data: out };
}

export const Expand: OpDefinition = {
  infer: (ctx) => [{ shape: expandShape(ctx.node, required(ctx.node, ctx.shapes, 0, 'input and shape'), ctx.constant), dataType: ctx.types[0] ?? DataType.FLOAT }],
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'input and shape');
    return [broadcastTo(x, expandShape(ctx.node, x.shape, (i) => ctx.inputs[i]))];
  },
  foldable: true,
};

function repeats(node: OnnxNode, x: Shape, value: ValueOf): number[] {
  const r = integers(node, required(node, [knownValue(node, value, 1, 'repeats')], 0, 'input and repeats'), 'repeats');
  if (r.length !== x.length) throw invalidModel(`${node.name}.repeats`, r, `must hold one count per axis of the input (${x.length})`);
  return r;
}

export const Tile: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'input and repeats');
    return [{ shape: x.map((d, a) => d * repeats(ctx.node, x, ctx.constant)[a]!), dataType: ctx.types[0] ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'input and repeats');
    const r = repeats(ctx.node, x.shape, (i) => ctx.inputs[i]);
    const shape = x.shape.map((d, a) => d * r[a]!);
    const out = like(x, sizeOf(shape));
    const inStrides = x.shape.map((_, a) => sizeOf(x.shape.slice(a + 1)));
    const index = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < out.length; o++) {
      let src = 0;
      for (let a = 0; a < shape.length; a++) src += (index[a]! % x.shape[a]!) * inStrides[a]!;
      out[o] = x.data[src]!;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++index[a]! < shape[a]!) break;
        index[a] = 0;
      }
    }
    return [{ name: '', dataType: x.dataType, shape, data: out }];
  },
  foldable: true,
};
