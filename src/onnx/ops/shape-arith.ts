/**
 * The small shape arithmetic exporters emit around real layers (PyTorch's ReflectionPad2d pads, view(x.size(0), -1)
 * heads): Shape, Gather, Slice, Unsqueeze, Squeeze, ConstantOfShape, Cast. Shape inference folds them into
 * constants, so the Reshape, Pad and Resize nodes that read them see known values.
 */
import { invalidModel } from '../errors.ts';
import { type OnnxNode, intAttr, intsAttr } from '../model.ts';
import { DATA_TYPE_NAMES, DataType } from '../schema.ts';
import { floatResult, wrapInteger } from './dtype.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import type { InferContext, OpDefinition, Shape as Dims } from './types.ts';
import { knownValue, normalizeAxis, notSupported, required, sizeOf } from './util.ts';

const int64 = (shape: Dims, values: readonly number[]): OnnxTensor => ({ name: '', dataType: DataType.INT64, shape, data: Float64Array.from(values) });

/** Integer values of input i, known when planning (else RuntimeValueNeeded names the slot). */
function known(node: OnnxNode, value: (i: number) => OnnxTensor | undefined, i: number, what: string): number[] | undefined {
  const t = knownValue(node, value, i, what);
  return t === undefined ? undefined : [...t.data];
}

function shapeOf(node: OnnxNode, x: Dims): number[] {
  const rank = x.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return x.slice(clamp(intAttr(node, 'start', 0)), clamp(intAttr(node, 'end', rank)));
}

export const Shape: OpDefinition = {
  infer: (ctx) => [{ shape: [shapeOf(ctx.node, required(ctx.node, ctx.shapes, 0, 'an input')).length], dataType: DataType.INT64 }],
  run: (ctx) => {
    const s = shapeOf(ctx.node, required(ctx.node, ctx.inputs, 0, 'an input').shape);
    return [int64([s.length], s)];
  },
  evaluate: (ctx) => {
    const s = shapeOf(ctx.node, required(ctx.node, ctx.shapes, 0, 'an input'));
    return [int64([s.length], s)];
  },
};

function gather(node: OnnxNode, data: OnnxTensor, indices: OnnxTensor): OnnxTensor {
  const axis = normalizeAxis(node, intAttr(node, 'axis', 0), data.shape.length);
  const n = data.shape[axis]!;
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  const outer = sizeOf(data.shape.slice(0, axis));
  const inner = sizeOf(data.shape.slice(axis + 1));
  const out = data.data instanceof Float32Array ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.data) {
      const i = raw < 0 ? raw + n : raw;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw invalidModel(`${node.name}.indices`, raw, `is outside axis ${axis} of size ${n}`);
      out.set(data.data.subarray((o * n + i) * inner, (o * n + i + 1) * inner), at);
      at += inner;
    }
  }
  return { name: '', dataType: data.dataType, shape, data: out };
}

export const Gather: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'data and indices');
    const idx = required(ctx.node, ctx.shapes, 1, 'data and indices');
    normalizeAxis(ctx.node, intAttr(ctx.node, 'axis', 0), x.length);
    const axis = intAttr(ctx.node, 'axis', 0);
    const a = axis < 0 ? axis + x.length : axis;
    return [{ shape: [...x.slice(0, a), ...idx, ...x.slice(a + 1)], dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
  },
  run: (ctx) => [gather(ctx.node, required(ctx.node, ctx.inputs, 0, 'data and indices'), required(ctx.node, ctx.inputs, 1, 'data and indices'))],
  foldable: true,
};

interface SliceSpec { readonly starts: number[]; readonly ends: number[]; readonly axes: number[]; readonly steps: number[] }

function sliceSpec(ctx: { node: OnnxNode; opset: number }, rank: number, value: (i: number) => OnnxTensor | undefined): SliceSpec {
  const { node } = ctx;
  let starts: number[]; let ends: number[]; let axes: number[] | undefined; let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = [...(intsAttr(node, 'starts') ?? [])];
    ends = [...(intsAttr(node, 'ends') ?? [])];
    axes = intsAttr(node, 'axes') ? [...intsAttr(node, 'axes')!] : undefined;
  } else {
    starts = known(node, value, 1, 'starts') ?? [];
    ends = known(node, value, 2, 'ends') ?? [];
    axes = known(node, value, 3, 'axes');
    steps = known(node, value, 4, 'steps');
  }
  const resolvedAxes = (axes ?? starts.map((_, i) => i)).map((a) => normalizeAxis(node, a, rank, 'axes'));
  const resolvedSteps = steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || resolvedAxes.length !== starts.length || resolvedSteps.length !== starts.length) {
    throw invalidModel(`${node.name}.starts`, starts, 'must have as many values as ends, axes and steps');
  }
  if (resolvedSteps.some((s) => s === 0)) throw invalidModel(`${node.name}.steps`, resolvedSteps, 'must not be 0');
  return { starts, ends, axes: resolvedAxes, steps: resolvedSteps };
}

/** Per axis: the selected indices, as the operator clamps them. */
function sliceIndices(x: Dims, spec: SliceSpec): number[][] {
  const picks = x.map((n) => Array.from({ length: n }, (_, i) => i));
  spec.axes.forEach((axis, k) => {
    const n = x[axis]!;
    const step = spec.steps[k]!;
    const fix = (v: number, low: number, high: number) => Math.min(Math.max(v < 0 ? v + n : v, low), high);
    const start = step > 0 ? fix(spec.starts[k]!, 0, n) : fix(spec.starts[k]!, -1, n - 1);
    const end = step > 0 ? fix(spec.ends[k]!, 0, n) : fix(spec.ends[k]!, -1, n - 1);
    const list: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) list.push(i);
    picks[axis] = list;
  });
  return picks;
}

export const Slice: OpDefinition = {
  infer: (ctx: InferContext) => {
    const x = required(ctx.node, ctx.shapes, 0, 'data, starts and ends');
    const picks = sliceIndices(x, sliceSpec(ctx, x.length, (i) => ctx.constant(i)));
    return [{ shape: picks.map((p) => p.length), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'data, starts and ends');
    const picks = sliceIndices(x.shape, sliceSpec(ctx, x.shape.length, (i) => ctx.inputs[i]));
    const shape = picks.map((p) => p.length);
    const strides = x.shape.map((_, a) => sizeOf(x.shape.slice(a + 1)));
    const out = x.data instanceof Float32Array ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
    const index = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < out.length; o++) {
      let offset = 0;
      for (let a = 0; a < shape.length; a++) offset += picks[a]![index[a]!]! * strides[a]!;
      out[o] = x.data[offset]!;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++index[a]! < shape[a]!) break;
        index[a] = 0;
      }
    }
    return [{ name: '', dataType: x.dataType, shape, data: out }];
  },
  foldable: true,
};

function axesOf(ctx: { node: OnnxNode; opset: number }, value: (i: number) => OnnxTensor | undefined): number[] | undefined {
  return ctx.opset < 13 ? (intsAttr(ctx.node, 'axes') ? [...intsAttr(ctx.node, 'axes')!] : undefined) : known(ctx.node, value, 1, 'axes');
}

function unsqueezeShape(node: OnnxNode, x: Dims, axes: readonly number[] | undefined): number[] {
  if (!axes || axes.length === 0) throw invalidModel(`${node.name}.axes`, axes ?? [], 'must name at least one axis');
  const rank = x.length + axes.length;
  const at = new Set(axes.map((a) => normalizeAxis(node, a, rank, 'axes')));
  if (at.size !== axes.length) throw invalidModel(`${node.name}.axes`, [...axes], 'repeats an axis');
  const out: number[] = [];
  let k = 0;
  for (let a = 0; a < rank; a++) out.push(at.has(a) ? 1 : x[k++]!);
  return out;
}

function squeezeShape(node: OnnxNode, x: Dims, axes: readonly number[] | undefined): number[] {
  if (!axes) return x.filter((d) => d !== 1);
  const at = new Set(axes.map((a) => normalizeAxis(node, a, x.length, 'axes')));
  for (const a of at) if (x[a] !== 1) throw invalidModel(`${node.name}.axes`, [...axes], `names axis ${a} of size ${x[a]}, but only axes of size 1 can be squeezed`);
  return x.filter((_, a) => !at.has(a));
}

function reshaping(fn: (node: OnnxNode, x: Dims, axes: readonly number[] | undefined) => number[]): OpDefinition {
  return {
    infer: (ctx) => {
      const x = required(ctx.node, ctx.shapes, 0, 'an input');
      return [{ shape: fn(ctx.node, x, axesOf(ctx, (i) => ctx.constant(i))), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      return [{ ...x, name: '', shape: fn(ctx.node, x.shape, axesOf(ctx, (i) => ctx.inputs[i])) }];
    },
    foldable: true,
  };
}

export const Unsqueeze = reshaping(unsqueezeShape);
export const Squeeze = reshaping(squeezeShape);

function filled(node: OnnxNode, shape: readonly number[]): OnnxTensor {
  const value = node.attributes.get('value');
  const t = value !== undefined && typeof value === 'object' && 'data' in value ? value : undefined;
  const fill = t?.data[0] ?? 0;
  const dataType = t?.dataType ?? DataType.FLOAT;
  const count = sizeOf(shape);
  const data = isFloating(dataType) ? new Float32Array(count).fill(fill) : new Float64Array(count).fill(fill);
  return { name: '', dataType, shape, data };
}

function targetShape(node: OnnxNode, value: (i: number) => OnnxTensor | undefined): number[] {
  const spec = knownValue(node, value, 0, 'input');
  if (spec === undefined) return [];
  const shape = [...spec.data];
  shape.forEach((d, a) => { if (!Number.isSafeInteger(d) || d < 0) throw invalidModel(`${node.name}.input`, shape, `has ${d} on axis ${a}; sizes are non-negative integers`); });
  if (sizeOf(shape) > 2 ** 31 - 1) throw invalidModel(`${node.name}.input`, shape, "is larger than tconv's tensor limit");
  return shape;
}

export const ConstantOfShape: OpDefinition = {
  infer: (ctx) => {
    const t = filled(ctx.node, []);
    return [{ shape: targetShape(ctx.node, ctx.constant), dataType: t.dataType }];
  },
  run: (ctx) => [filled(ctx.node, targetShape(ctx.node, (i) => ctx.inputs[i]))],
  foldable: true,
};

const CAST_TARGETS = new Set<number>([
  DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8,
  DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.BOOL,
]);

function castTarget(node: OnnxNode): number {
  const to = intAttr(node, 'to', DataType.FLOAT);
  if (to === DataType.BFLOAT16) {
    notSupported(node, 'to', 'BFLOAT16', 'runtimes round to bfloat16 differently (ONNX 1.12 test data truncates, onnxruntime rounds to nearest even): cast to FLOAT16 or FLOAT');
  }
  if (!CAST_TARGETS.has(to)) notSupported(node, 'to', DATA_TYPE_NAMES[to] ?? to, 'cast to a float or integer type');
  return to;
}

/** One value cast to an integer type: floats truncate toward zero (out of range is undefined in C: refused). */
function castInteger(node: OnnxNode, to: number, v: number, fromFloat: boolean): number {
  if (to === DataType.BOOL) return v !== 0 ? 1 : 0;
  if (!fromFloat) return wrapInteger(to, v, node);
  const t = Math.trunc(v);
  if (!Number.isFinite(t) || wrapInteger(to, t, node) !== t) {
    throw invalidModel(`${node.name}.input`, v, `is outside the range of ${DATA_TYPE_NAMES[to]}, where a cast has no defined result`, 'clip the values before casting');
  }
  return t;
}

export const Cast: OpDefinition = {
  infer: (ctx) => [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: castTarget(ctx.node) }],
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const to = castTarget(ctx.node);
    if (isFloating(to)) return [floatResult(to, x.shape, Float32Array.from(x.data))];
    const fromFloat = isFloating(x.dataType);
    const data = Float64Array.from(x.data, (v) => castInteger(ctx.node, to, v, fromFloat));
    return [{ name: '', dataType: to, shape: x.shape, data }];
  },
  foldable: true,
};
