/**
 * Broadcasting arithmetic: Add, Sub, Mul, Div, Pow, PRelu (two inputs) and Max, Min, Sum, Mean (any number).
 * Floating results are computed in float64 and rounded once to the inputs' type (exact for + − × ÷ in float32 and
 * float16); integer results follow fixed-width integer arithmetic: division truncates toward zero, overflow wraps.
 * Before opset 7, Add/Sub/Mul/Div broadcast only when the `broadcast` attribute says so, B aligned at `axis`.
 */
import { TconvError } from '../../shape/errors.ts';
import { invalidModel } from '../errors.ts';
import { type OnnxNode, intAttr } from '../model.ts';
import { DATA_TYPE_NAMES, DataType } from '../schema.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import { floatResult, wrapInteger } from './dtype.ts';
import { belowZero, bitsOf } from '../../engine/ops/activation.ts';
import { elementwiseKernels } from '../../engine/select.ts';
import type { InferContext, OpDefinition, RunContext, Shape } from './types.ts';
import { broadcastShapes, broadcastStrides, floatOutput, sizeOf } from './util.ts';

type Combine = (values: readonly number[], node: OnnxNode, integer: boolean) => number;

/**
 * Shapes of the operands as they broadcast: before opset 7, B (input 1) is placed at `axis` of A's shape (or at its
 * end), and only when `broadcast` is 1; otherwise the shapes must be equal.
 */
function alignedShapes(node: OnnxNode, opset: number, shapes: readonly Shape[]): Shape[] {
  if (node.opType === 'PRelu' && opset < 7 && shapes.length === 2) {
    // PRelu-6 and before: a 1-D slope of C values is per channel (axis 1), not NumPy-aligned at the end.
    const [x, slope] = shapes as [Shape, Shape];
    if (slope.length === 1 && x.length >= 2 && slope[0] === x[1] && slope[0] !== 1) return [x, [slope[0]!, ...new Array<number>(x.length - 2).fill(1)]];
  }
  if (opset >= 7 || shapes.length !== 2 || !['Add', 'Sub', 'Mul', 'Div'].includes(node.opType)) return [...shapes];
  const [a, b] = shapes as [Shape, Shape];
  if (intAttr(node, 'broadcast', 0) === 0) {
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], 'must have equal shapes when broadcast is 0 (before opset 7)', 'set broadcast = 1 or give equal shapes');
    }
    return [a, b];
  }
  if (sizeOf(b) === 1 && b.length <= 1) return [a, []]; // a scalar B
  const axis = node.attributes.has('axis') ? intAttr(node, 'axis', 0) : a.length - b.length;
  const at = axis < 0 ? axis + a.length : axis;
  // Exporters of that era (PyTorch) also wrote size-1 axes in B that broadcast within A's axis.
  if (at < 0 || at + b.length > a.length || b.some((d, i) => d !== a[at + i] && d !== 1)) {
    throw invalidModel(`${node.name}.B`, [...b], `must match A's shape [${a.join(', ')}] from axis ${axis} (legacy broadcast)`);
  }
  return [a, [...b, ...new Array<number>(a.length - at - b.length).fill(1)]];
}

function checkTypes(node: OnnxNode, types: readonly (number | undefined)[], integersOk: boolean): number {
  const known = types.filter((t): t is number => t !== undefined);
  const first = known[0] ?? DataType.FLOAT;
  // Pow's exponent may have its own type; every other op takes one type.
  const mustMatch = node.opType === 'Pow' ? [] : known;
  for (const t of mustMatch) {
    if (t !== first) throw invalidModel(`${node.name}.inputs`, known.map((k) => DATA_TYPE_NAMES[k] ?? k), 'must all have the same element type');
  }
  if (first === DataType.STRING || first === DataType.BOOL || (!integersOk && !isFloating(first))) {
    throw new TconvError({ code: 'unsupported', parameter: `${node.name}.input`, value: DATA_TYPE_NAMES[first] ?? first, rule: `is an element type tconv's ${node.opType} does not take`, hint: 'use floating-point (or integer) tensors' });
  }
  return first;
}

function combine(ctx: RunContext, inputs: readonly OnnxTensor[], f: Combine, kernel?: FloatKernel): OnnxTensor {
  const { node } = ctx;
  const shapes = alignedShapes(node, ctx.opset, inputs.map((t) => t.shape));
  const shape = shapes.reduce<number[]>((acc, s) => broadcastShapes(node, acc, s), []);
  const dataType = inputs[0]!.dataType;
  if (kernel && dataType === DataType.FLOAT && inputs.length === 2 && inputs[1]!.dataType === DataType.FLOAT) {
    // An operand of the result's length has its shape: the loops read its element before writing it, so it may be the output.
    const out = floatOutput(ctx, sizeOf(shape), [0, 1]);
    const [a, b] = [inputs[0]!.data, inputs[1]!.data];
    if (a instanceof Float32Array && b instanceof Float32Array && onBackend(ctx, kernel, a, b, shapes[1]!, shape, out)) return { name: '', dataType, shape, data: out };
    return { name: '', dataType, shape, data: combineFloat(kernel, a, b, shapes[0]!, shapes[1]!, shape, out) };
  }
  const integer = !isFloating(dataType);
  const count = sizeOf(shape);
  const out = integer ? new Float64Array(count) : new Float32Array(count);
  const strides = shapes.map((s) => broadcastStrides(s, shape));
  const offsets = new Array<number>(inputs.length).fill(0);
  const values = new Array<number>(inputs.length).fill(0);
  const index = new Array<number>(shape.length).fill(0);
  const rank = shape.length;
  // Odometer walk over the output: each operand's offset advances by its (broadcast) stride.
  for (let o = 0; o < count; o++) {
    for (let k = 0; k < inputs.length; k++) values[k] = inputs[k]!.data[offsets[k]!]!;
    const v = f(values, node, integer);
    out[o] = integer ? wrapInteger(dataType, v, node) : v;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      for (let k = 0; k < inputs.length; k++) offsets[k]! += strides[k]![axis]!;
      if (index[axis]! < shape[axis]!) break;
      for (let k = 0; k < inputs.length; k++) offsets[k]! -= strides[k]![axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  if (integer) return { name: '', dataType, shape, data: out };
  return floatResult(dataType, shape, out as Float32Array);
}

/**
 * Same-shape Add, Add/Sub/Mul/Div with a scalar, and PRelu with one slope per channel (or one in all) on the run's
 * backend's element-wise kernels (src/engine/elementwise.ts); false, having written nothing, for other shapes. An
 * operand with as many elements as the result has its shape (broadcasting only widens).
 */
function onBackend(ctx: RunContext, kernel: FloatKernel, a: Float32Array, b: Float32Array, shapeB: Shape, shape: Shape, out: Float32Array): boolean {
  if (kernel === 'add' && a.length === out.length && b.length === out.length) {
    elementwiseKernels(ctx.options.backend).add(a, b, out, null);
    return true;
  }
  if (kernel !== 'prelu' && out.length > 0 && withScalar(ctx, kernel, a, b, out)) return true;
  if (kernel !== 'prelu' || a.length !== out.length || out.length === 0) return false;
  if (b.length === 1) {
    elementwiseKernels(ctx.options.backend).preluChannels(a, b, out.length, out);
    return true;
  }
  const slope = [...new Array<number>(shape.length - shapeB.length).fill(1), ...shapeB];
  if (shape.length < 2 || !slope.every((d, axis) => d === (axis === 1 ? shape[1] : 1))) return false;
  elementwiseKernels(ctx.options.backend).preluChannels(a, b, sizeOf(shape.slice(2)), out);
  return true;
}

/**
 * One operand a scalar, the other the result's shape: out = a·x + b (or x/a + b) on the affine kernel, with the
 * bits of the float64 loop (×1 and the sign of −x are exact; + −0 leaves every product and quotient as it is, −0
 * included). A scalar divided by a tensor is no affine map: false.
 */
function withScalar(ctx: RunContext, kernel: Exclude<FloatKernel, 'prelu'>, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const scalarFirst = a.length === 1 && b.length === out.length;
  if (!scalarFirst && !(b.length === 1 && a.length === out.length)) return false;
  const [x, s] = scalarFirst ? [b, a[0]!] : [a, b[0]!];
  const map = scalarAffine(kernel, scalarFirst, s);
  if (!map) return false;
  elementwiseKernels(ctx.options.backend).affine(x, map.factor, map.offset, map.divide, out);
  return true;
}

/**
 * The affine map of an op with a scalar operand `s` (first or second): x·s + −0, x + s, ±x ∓ s, x / s + −0; none for a
 * scalar divided by a tensor. A model session's fused steps (fusions.ts) take it from here, so they compute the op's bits.
 */
export function scalarAffine(kernel: Exclude<FloatKernel, 'prelu'>, scalarFirst: boolean, s: number): { factor: number; offset: number; divide: boolean } | null {
  switch (kernel) {
    case 'mul': return { factor: s, offset: -0, divide: false };
    case 'add': return { factor: 1, offset: s, divide: false };
    case 'sub': return { factor: scalarFirst ? -1 : 1, offset: scalarFirst ? s : -s, divide: false };
    case 'div': return scalarFirst ? null : { factor: s, offset: -0, divide: true };
  }
}

/**
 * The float32 fast path of the two-input ops: the same float64 arithmetic, rounded once on the store, in a loop of
 * its own per op (a shared loop calling `f` per element is ten times slower). Axes are merged where both operands
 * run contiguously (or stay put), so a per-channel bias or a same-shape add is one long inner loop.
 */
type FloatKernel = 'add' | 'sub' | 'mul' | 'div' | 'prelu';

function combineFloat(kernel: FloatKernel, a: Float32Array | Float64Array, b: Float32Array | Float64Array, shapeA: Shape, shapeB: Shape, shape: Shape, out: Float32Array): Float32Array {
  if (out.length === 0) return out;
  const sa = broadcastStrides(shapeA, shape);
  const sb = broadcastStrides(shapeB, shape);
  // Merge axis i into axis i+1 when each operand's stride on i is its stride on i+1 times that axis's size.
  const dims: number[] = [];
  const stridesA: number[] = [];
  const stridesB: number[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const d = shape[axis]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && stridesA[last] === sa[axis]! * d && stridesB[last] === sb[axis]! * d) {
      dims[last]! *= d;
      stridesA[last] = sa[axis]!;
      stridesB[last] = sb[axis]!;
    } else {
      dims.push(d);
      stridesA.push(sa[axis]!);
      stridesB.push(sb[axis]!);
    }
  }
  if (dims.length === 0) { dims.push(1); stridesA.push(0); stridesB.push(0); }
  const rank = dims.length;
  const inner = dims[rank - 1]!;
  const ia = stridesA[rank - 1]!;
  const ib = stridesB[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  const signs = kernel === 'prelu' && a instanceof Float32Array ? bitsOf(a) : null;
  const factor = Float64Array.of(1, 0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < out.length; o += inner) {
    switch (kernel) {
      case 'add': for (let i = 0; i < inner; i++) out[o + i] = a[offA + i * ia]! + b[offB + i * ib]!; break;
      case 'sub': for (let i = 0; i < inner; i++) out[o + i] = a[offA + i * ia]! - b[offB + i * ib]!; break;
      case 'mul': for (let i = 0; i < inner; i++) out[o + i] = a[offA + i * ia]! * b[offB + i * ib]!; break;
      case 'div': for (let i = 0; i < inner; i++) out[o + i] = a[offA + i * ia]! / b[offB + i * ib]!; break;
      case 'prelu':
        if (ib === 0 && signs) {
          // One slope along the row (per channel): x times 1 or the slope as x is below zero, chosen from x's bits
          // without a branch on random signs.
          factor[1] = b[offB]!;
          for (let i = 0; i < inner; i++) out[o + i] = a[offA + i * ia]! * factor[belowZero(signs[offA + i * ia]!)]!;
          break;
        }
        for (let i = 0; i < inner; i++) {
          const x = a[offA + i * ia]!;
          out[o + i] = x < 0 ? b[offB + i * ib]! * x : x;
        }
        break;
    }
    // Odometer over the outer (merged) axes.
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]!++;
      offA += stridesA[axis]!;
      offB += stridesB[axis]!;
      if (index[axis]! < dims[axis]!) break;
      offA -= stridesA[axis]! * dims[axis]!;
      offB -= stridesB[axis]! * dims[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

function op(f: Combine, arity: 'two' | 'many', integersOk = true, kernel?: FloatKernel): OpDefinition {
  const needs = arity === 'two' ? 'two inputs' : 'one or more inputs';
  const present = <T>(list: readonly (T | undefined)[]): T[] => list.filter((t): t is T => t !== undefined);
  return {
    infer: (ctx: InferContext) => {
      const shapes = present(ctx.shapes);
      if (shapes.length < (arity === 'two' ? 2 : 1)) throw invalidModel(`${ctx.node.name}.inputs`, [...ctx.node.inputs], `are too few: ${ctx.node.opType} needs ${needs}`);
      const dataType = checkTypes(ctx.node, ctx.types, integersOk);
      const aligned = alignedShapes(ctx.node, ctx.opset, shapes);
      return [{ shape: aligned.reduce<number[]>((acc, s) => broadcastShapes(ctx.node, acc, s), []), dataType }];
    },
    run: (ctx) => [combine(ctx, present(ctx.inputs), f, kernel)],
    foldable: true,
  };
}

const two = (g: (a: number, b: number, node: OnnxNode, integer: boolean) => number): Combine => (v, node, integer) => g(v[0]!, v[1]!, node, integer);

export const Add = op(two((a, b) => a + b), 'two', true, 'add');
export const Sub = op(two((a, b) => a - b), 'two', true, 'sub');
export const Mul = op(two((a, b) => a * b), 'two', true, 'mul');
export const Div = op(two((a, b, node, integer) => {
  if (!integer) return a / b;
  // Integer division truncates toward zero (C semantics, as the runtimes compute it); by zero it is undefined.
  if (b === 0) throw new TconvError({ code: 'invalid-value', parameter: `${node.name}.B`, value: 0, rule: 'divides an integer by zero, which has no defined result', hint: 'keep integer divisors non-zero' });
  return Math.trunc(a / b);
}), 'two', true, 'div');
export const Pow = op(two((a, b, node, integer) => {
  const v = a ** b;
  if (integer && !Number.isInteger(v)) {
    throw new TconvError({ code: 'unsupported', parameter: `${node.name}.Y`, value: b, rule: 'raises an integer to a power with a non-integer result', hint: 'use floating-point tensors' });
  }
  return v;
}), 'two');
export const PRelu = op(two((x, slope) => (x < 0 ? slope * x : x)), 'two', true, 'prelu');
export const Max = op((v) => v.reduce((a, b) => (a >= b || Number.isNaN(a) ? a : b)), 'many');
export const Min = op((v) => v.reduce((a, b) => (a <= b || Number.isNaN(a) ? a : b)), 'many');
export const Sum = op((v) => v.reduce((a, b) => a + b, 0), 'many');
export const Mean = op((v) => v.reduce((a, b) => a + b, 0) / v.length, 'many', false);
