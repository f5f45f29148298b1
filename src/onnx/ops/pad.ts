/**
 * Pad (constant, reflect, edge; negative pads crop) and Concat: what generators and U-Net decoders put around their
 * convolutions (ReflectionPad2d before a conv, skip connections concatenated on channels).
 */
import { invalidModel } from '../errors.ts';
import { type OnnxNode, floatAttr, intAttr, intsAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { InferContext, OpDefinition, RunContext, Shape } from './types.ts';
import { floatOutput, knownValue, normalizeAxis, notSupported, required, sizeOf } from './util.ts';

export interface PadSettings {
  readonly mode: 'constant' | 'reflect' | 'edge';
  readonly begin: readonly number[];
  readonly end: readonly number[];
  readonly value: number;
}

/** The node's mode, per-axis begin/end pads and fill value (pads known when planning; Pad-18's axes name the padded axes). */
export function padSettings(node: OnnxNode, opset: number, x: Shape, valueAt: (i: number) => OnnxTensor | undefined): PadSettings {
  const mode = stringAttr(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') notSupported(node, 'mode', mode, 'use constant, reflect or edge');
  let pads: readonly number[];
  let value: number;
  if (opset < 11) {
    pads = intsAttr(node, 'pads') ?? [];
    value = floatAttr(node, 'value', 0);
  } else {
    const p = required(node, [knownValue(node, valueAt, 1, 'pads')], 0, 'data and pads');
    pads = [...p.data];
    const axes = knownValue(node, valueAt, 3, 'axes');
    if (axes !== undefined) pads = padsForAxes(node, x.length, pads, [...axes.data]);
    value = knownValue(node, valueAt, 2, 'constant_value')?.data[0] ?? 0;
  }
  if (pads.length !== 2 * x.length) throw invalidModel(`${node.name}.pads`, [...pads], `must hold ${2 * x.length} values (begin then end for each of the ${x.length} axes)`);
  const begin = pads.slice(0, x.length);
  const end = pads.slice(x.length);
  x.forEach((n, a) => {
    const out = n + begin[a]! + end[a]!;
    if (out < 0 || !Number.isSafeInteger(out)) throw invalidModel(`${node.name}.pads`, [...pads], `leaves an output size of ${out} on axis ${a}`);
    if (mode === 'reflect' && (begin[a]! >= n || end[a]! >= n) && out > 0) {
      throw invalidModel(`${node.name}.pads`, [...pads], `reflects ${Math.max(begin[a]!, end[a]!)} cells on axis ${a} of size ${n}, but reflect padding must be smaller than the size`);
    }
  });
  return { mode: mode as PadSettings['mode'], begin, end, value };
}

/** Pad-18's `axes`: pads given for some axes only (begin…, end… in the order of `axes`); the others get 0. */
function padsForAxes(node: OnnxNode, rank: number, pads: readonly number[], axes: readonly number[]): number[] {
  if (pads.length !== 2 * axes.length) throw invalidModel(`${node.name}.pads`, [...pads], `must hold ${2 * axes.length} values (begin then end for each of the ${axes.length} axes named)`);
  const full = new Array<number>(2 * rank).fill(0);
  const seen = new Set<number>();
  axes.forEach((raw, k) => {
    const a = normalizeAxis(node, raw, rank, 'axes');
    if (seen.has(a)) throw invalidModel(`${node.name}.axes`, [...axes], 'repeats an axis');
    seen.add(a);
    full[a] = pads[k]!;
    full[rank + a] = pads[axes.length + k]!;
  });
  return full;
}

/** Input index for output index o along an axis (−1: the constant). */
function source(mode: PadSettings['mode'], o: number, begin: number, n: number): number {
  let i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
  // reflect without repeating the edge: −1 → 1, n → n − 2 (checked above: pads < n)
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

export const Pad: OpDefinition = {
  infer: (ctx: InferContext) => {
    const x = required(ctx.node, ctx.shapes, 0, 'data and pads');
    const s = padSettings(ctx.node, ctx.opset, x, (i) => ctx.constant(i));
    return [{ shape: x.map((n, a) => n + s.begin[a]! + s.end[a]!), dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }];
  },
  run: (ctx: RunContext) => {
    const x = required(ctx.node, ctx.inputs, 0, 'data and pads');
    const s = padSettings(ctx.node, ctx.opset, x.shape, (i) => ctx.inputs[i]);
    const shape = x.shape.map((n, a) => n + s.begin[a]! + s.end[a]!);
    const maps = shape.map((len, a) => Int32Array.from({ length: len }, (_, o) => source(s.mode, o, s.begin[a]!, x.shape[a]!)));
    const inStrides = x.shape.map((_, a) => sizeOf(x.shape.slice(a + 1)));
    const out = x.data instanceof Float32Array ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
    const index = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < out.length; o++) {
      let offset = 0;
      let inside = true;
      for (let a = 0; a < shape.length; a++) {
        const i = maps[a]![index[a]!]!;
        if (i < 0) { inside = false; break; }
        offset += i * inStrides[a]!;
      }
      out[o] = inside ? x.data[offset]! : s.value;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++index[a]! < shape[a]!) break;
        index[a] = 0;
      }
    }
    return [{ name: '', dataType: x.dataType, shape, data: out }];
  },
};

function concatShape(node: OnnxNode, shapes: readonly (Shape | undefined)[]): { shape: number[]; axis: number } {
  const first = required(node, shapes, 0, 'one or more inputs');
  const axis = normalizeAxis(node, intAttr(node, 'axis', 1), first.length);
  const shape = [...first];
  shape[axis] = 0;
  shapes.forEach((s, i) => {
    if (s === undefined) return;
    if (s.length !== first.length || s.some((d, a) => a !== axis && d !== first[a])) {
      throw invalidModel(`${node.name}.input[${i}]`, [...s], `does not match input 0 [${first.join(', ')}] outside axis ${axis}`);
    }
    shape[axis]! += s[axis]!;
  });
  return { shape, axis };
}

export const Concat: OpDefinition = {
  infer: (ctx) => [{ shape: concatShape(ctx.node, ctx.shapes).shape, dataType: ctx.constant(0)?.dataType ?? DataType.FLOAT }],
  run: (ctx) => {
    const parts = ctx.inputs.filter((t): t is OnnxTensor => t !== undefined);
    const { shape, axis } = concatShape(ctx.node, ctx.inputs.map((t) => t?.shape));
    const floating = parts.some((t) => t.data instanceof Float32Array);
    // Every element is written, so a float32 result may take a recycled buffer.
    const allFloat = parts.every((t) => t.dataType === DataType.FLOAT && t.data instanceof Float32Array);
    const out = allFloat ? floatOutput(ctx, sizeOf(shape)) : floating ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
    const outer = sizeOf(shape.slice(0, axis));
    let at = 0;
    // Row by row of the outer axes, copy each input's slab in turn.
    for (let o = 0; o < outer; o++) {
      for (const t of parts) {
        const slab = sizeOf(t.shape.slice(axis));
        out.set(t.data.subarray(o * slab, (o + 1) * slab), at);
        at += slab;
      }
    }
    return [{ name: '', dataType: floating ? DataType.FLOAT : parts[0]!.dataType, shape, data: out }];
  },
  foldable: true,
};
