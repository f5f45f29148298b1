/** Small helpers shared by the op implementations: required inputs, element counts, broadcasting. */
import { RuntimeValueNeeded, invalidModel, unsupported } from '../errors.ts';
import type { OnnxNode } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { RunContext, Shape } from './types.ts';

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** Input i, which the op needs. */
export function required<T>(node: OnnxNode, values: readonly (T | undefined)[], i: number, what: string): T {
  const v = values[i];
  if (v === undefined) throw invalidModel(`${node.name}.input[${i}]`, node.inputs[i] ?? '', `is missing: ${node.opType} needs ${what}`);
  return v;
}

/** A float32 buffer for an op's result (see RunContext.floatBuffer): reused when the run offers one, else new. */
export function floatOutput(ctx: RunContext, length: number, reusable: readonly number[] = []): Float32Array {
  return ctx.floatBuffer ? ctx.floatBuffer(length, reusable) : new Float32Array(length);
}

/** A float32 value of the given shape. */
export function floatTensor(shape: Shape, data: Float32Array): OnnxTensor {
  return { name: '', dataType: DataType.FLOAT, shape, data };
}

/** A float32 view of a value: floating tensors pass through, integer tensors are converted. */
export function asFloat32(t: OnnxTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

/** NumPy broadcasting of two shapes (ONNX multidirectional broadcasting). */
export function broadcastShapes(node: OnnxNode, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw invalidModel(`${node.name}.inputs`, [[...a], [...b]], `have shapes that do not broadcast (axis ${i}: ${x} vs ${y})`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Row-major strides of `shape` laid out inside a broadcast `target` shape (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const offset = target.length - shape.length;
  const strides = new Array<number>(target.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[offset + i] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** A normalized axis in [0, rank), accepting ONNX's negative axes. */
export function normalizeAxis(node: OnnxNode, axis: number, rank: number, name = 'axis'): number {
  if (axis < -rank || axis >= rank) throw invalidModel(`${node.name}.${name}`, axis, `must lie in [${-rank}, ${rank - 1}] for a rank-${rank} input`);
  return axis < 0 ? axis + rank : axis;
}

export function notSupported(node: OnnxNode, attribute: string, value: unknown, hint: string): never {
  throw unsupported(`${node.name}.${attribute}`, value, `is a ${node.opType} setting tconv does not implement`, hint);
}

/**
 * The value of input i for a shape-like slot (shape, sizes, axes…), or undefined when the slot is empty. A value
 * not known yet throws RuntimeValueNeeded (lint reports it; a run plans after the inputs are known).
 */
export function knownValue(node: OnnxNode, value: (i: number) => OnnxTensor | undefined, i: number, what: string): OnnxTensor | undefined {
  const name = node.inputs[i];
  if (!name) return undefined;
  const t = value(i);
  if (t === undefined) throw new RuntimeValueNeeded(`${node.name}.${what}`, name);
  return t;
}
