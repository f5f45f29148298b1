/** Ops that only move or name data: Constant, Reshape, Flatten, Transpose (generator heads and pixel shuffles). */
import { invalidModel } from '../errors.ts';
import { intAttr, intsAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { OpDefinition, Shape } from './types.ts';
import { floatOutput, knownValue, normalizeAxis, notSupported, required, sizeOf } from './util.ts';
import type { OnnxNode } from '../model.ts';

function constantValue(node: OnnxNode): OnnxTensor {
  const value = node.attributes.get('value');
  if (value !== undefined && typeof value === 'object' && 'data' in value) return value;
  const float = node.attributes.get('value_float');
  if (typeof float === 'number') return { name: '', dataType: DataType.FLOAT, shape: [], data: Float32Array.of(float) };
  const floats = node.attributes.get('value_floats');
  if (Array.isArray(floats)) return { name: '', dataType: DataType.FLOAT, shape: [floats.length], data: Float32Array.from(floats as number[]) };
  const int = node.attributes.get('value_int');
  if (typeof int === 'number') return { name: '', dataType: DataType.INT64, shape: [], data: Float64Array.of(int) };
  const ints = node.attributes.get('value_ints');
  if (Array.isArray(ints)) return { name: '', dataType: DataType.INT64, shape: [ints.length], data: Float64Array.from(ints as number[]) };
  const [first] = node.attributes.keys();
  return notSupported(node, first ?? 'value', '(none)', 'give Constant a tensor value (value, value_float(s) or value_int(s))');
}

export const Constant: OpDefinition = {
  infer: ({ node }) => {
    const v = constantValue(node);
    return [{ shape: v.shape, dataType: v.dataType }];
  },
  run: ({ node }) => [constantValue(node)],
  foldable: true,
};

/** Reshape's target: 0 copies the input's dimension (unless allowzero), −1 takes what is left. */
export function reshapeTarget(node: OnnxNode, input: Shape, spec: readonly number[], allowZero: boolean): number[] {
  const total = sizeOf(input);
  let inferred = -1;
  const out = spec.map((d, i) => {
    if (d === -1) {
      if (inferred >= 0) throw invalidModel(`${node.name}.shape`, [...spec], 'has more than one -1');
      inferred = i;
      return 1;
    }
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw invalidModel(`${node.name}.shape`, [...spec], `copies dimension ${i} (0), which the input does not have`);
      return input[i]!;
    }
    if (!Number.isSafeInteger(d) || d < 0) throw invalidModel(`${node.name}.shape[${i}]`, d, 'must be a size, 0 or -1');
    return d;
  });
  const known = sizeOf(out);
  if (inferred >= 0) {
    if (known === 0 || total % known !== 0) throw invalidModel(`${node.name}.shape`, [...spec], `cannot hold the input's ${total} elements`);
    out[inferred] = total / known;
  } else if (known !== total) {
    throw invalidModel(`${node.name}.shape`, [...spec], `holds ${known} elements but the input [${input.join(', ')}] has ${total}`);
  }
  return out;
}

export const Reshape: OpDefinition = {
  infer: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.shapes, 0, 'data and shape');
    if (ctx.opset < 5) {
      const spec = intsAttr(node, 'shape') ?? [];
      return [{ shape: reshapeTarget(node, x, spec, false), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
    }
    const spec = required(node, [knownValue(node, ctx.constant, 1, 'shape')], 0, 'data and shape');
    return [{ shape: reshapeTarget(node, x, [...spec.data], intAttr(node, 'allowzero', 0) === 1), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.inputs, 0, 'data and shape');
    const spec = ctx.opset < 5 ? intsAttr(node, 'shape') ?? [] : [...required(node, ctx.inputs, 1, 'data and shape').data];
    return [{ ...x, name: '', shape: reshapeTarget(node, x.shape, spec, intAttr(node, 'allowzero', 0) === 1) }];
  },
  foldable: true,
};

function flattenShape(node: OnnxNode, x: Shape): number[] {
  const axis = intAttr(node, 'axis', 1);
  const a = axis === x.length ? x.length : normalizeAxis(node, axis, x.length);
  return [sizeOf(x.slice(0, a)), sizeOf(x.slice(a))];
}

export const Flatten: OpDefinition = {
  infer: (ctx) => [{ shape: flattenShape(ctx.node, required(ctx.node, ctx.shapes, 0, 'an input')), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }],
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    return [{ ...x, name: '', shape: flattenShape(ctx.node, x.shape) }];
  },
  foldable: true,
};

function permutation(node: OnnxNode, rank: number): number[] {
  const perm = intsAttr(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) throw invalidModel(`${node.name}.perm`, [...perm], `must be a permutation of 0…${rank - 1}`);
  return [...perm];
}

export const Transpose: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    return [{ shape: permutation(ctx.node, x.length).map((p) => x[p]!), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const perm = permutation(ctx.node, x.shape.length);
    // Every element is written (and x is read from elsewhere), so a float32 result may take a recycled buffer.
    return [transpose(x, perm, x.dataType === DataType.FLOAT && x.data instanceof Float32Array ? floatOutput(ctx, x.data.length) : undefined)];
  },
  foldable: true,
};

/**
 * Generic transpose: output axis j is input axis perm[j]. The output is written in order, a row of its last axis at
 * a time (one fixed input stride per row), the odometer stepping only between rows. A float32 result goes into
 * `out` when given (a compiled run's recycled buffer; it must not be x's).
 */
export function transpose(x: OnnxTensor, perm: readonly number[], out?: Float32Array): OnnxTensor {
  const rank = x.shape.length;
  const shape = perm.map((p) => x.shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * x.shape[i + 1]!;
  const strides = perm.map((p) => inStrides[p]!);
  const data = x.data;
  const result = x.data instanceof Float32Array ? (out ?? new Float32Array(data.length)) : new Float64Array(data.length);
  if (rank === 0) {
    result.set(data);
    return { name: '', dataType: x.dataType, shape, data: result };
  }
  const last = rank - 1;
  const row = shape[last]!;
  const step = strides[last]!;
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < result.length; o += row) {
    for (let k = 0, s = src; k < row; k++, s += step) result[o + k] = data[s]!;
    for (let axis = last - 1; axis >= 0; axis--) {
      index[axis]!++;
      src += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      src -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return { name: '', dataType: x.dataType, shape, data: result };
}
