/**
 * Pooling over the spatial axes of (N, C, spatial…): MaxPool (with dilations, ceil_mode and the optional Indices
 * output), AveragePool (count_include_pad), GlobalMaxPool and GlobalAveragePool. Window geometry follows the
 * operator: explicit pads or auto_pad SAME_UPPER/SAME_LOWER/VALID, output size floor (or ceil) of
 * (in + pads − dilated kernel) / stride + 1, where a ceil-mode window that would start inside the end padding is
 * dropped.
 */
import { elementwiseKernels } from '../../engine/select.ts';
import { sameShape } from '../../tensor/tensor.ts';
import { invalidModel } from '../errors.ts';
import { type OnnxNode, intAttr, intsAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import { floatResult } from './dtype.ts';
import type { OpDefinition, RunContext, Shape } from './types.ts';
import { floatOutput, notSupported, required, sizeOf } from './util.ts';

interface PoolGeometry {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
  readonly output: readonly number[];
}

function geometry(node: OnnxNode, opset: number, x: Shape): PoolGeometry {
  if (x.length < 3) throw invalidModel(`${node.name}.X`, [...x], 'must be (N, C, spatial…) of rank 3 or more');
  const input = x.slice(2);
  const rank = input.length;
  const kernel = intsAttr(node, 'kernel_shape');
  if (!kernel || kernel.length !== rank || kernel.some((k) => !(k >= 1))) throw invalidModel(`${node.name}.kernel_shape`, kernel ?? [], `must give a positive size for each of the ${rank} spatial axes`);
  const perAxis = (name: string, fallback: number): number[] => {
    const v = intsAttr(node, name);
    if (v === undefined || v.length === 0) return new Array<number>(rank).fill(fallback);
    if (v.length !== rank || v.some((d) => !(d >= 1))) throw invalidModel(`${node.name}.${name}`, [...v], `must give a positive value for each of the ${rank} spatial axes`);
    return [...v];
  };
  const stride = perAxis('strides', 1);
  const dilation = perAxis('dilations', 1);
  if (node.opType === 'AveragePool' && dilation.some((d) => d !== 1)) notSupported(node, 'dilations', dilation, 'use dilations of 1 for AveragePool');
  const ceil = opset >= 10 && intAttr(node, 'ceil_mode', 0) === 1;
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  const effective = kernel.map((k, a) => (k - 1) * dilation[a]! + 1);
  let padBegin: number[];
  let padEnd: number[];
  let output: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // out = ⌈in / s⌉; the total pad is split evenly, the odd cell at the end (UPPER) or the beginning (LOWER).
    output = input.map((n, a) => Math.ceil(n / stride[a]!));
    const total = output.map((o, a) => Math.max((o - 1) * stride[a]! + effective[a]! - input[a]!, 0));
    padBegin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    padEnd = total.map((t, a) => t - padBegin[a]!);
  } else if (autoPad === 'VALID' || autoPad === 'NOTSET') {
    const pads = autoPad === 'VALID' ? undefined : intsAttr(node, 'pads');
    if (pads !== undefined && pads.length !== 2 * rank) throw invalidModel(`${node.name}.pads`, [...pads], `must hold ${2 * rank} values (begin then end for each spatial axis)`);
    if (pads?.some((p) => p < 0)) throw invalidModel(`${node.name}.pads`, [...pads], 'must not be negative');
    padBegin = pads ? pads.slice(0, rank) : new Array<number>(rank).fill(0);
    padEnd = pads ? pads.slice(rank) : new Array<number>(rank).fill(0);
    output = input.map((n, a) => {
      const span = n + padBegin[a]! + padEnd[a]! - effective[a]!;
      if (span < 0) throw invalidModel(`${node.name}.kernel_shape`, [...kernel], `is larger than the padded input on spatial axis ${a} (${n + padBegin[a]! + padEnd[a]!})`);
      let out = (ceil ? Math.ceil(span / stride[a]!) : Math.floor(span / stride[a]!)) + 1;
      // A ceil-mode window must start inside the input or the begin padding.
      if (ceil && (out - 1) * stride[a]! >= n + padBegin[a]!) out--;
      return out;
    });
  } else {
    return notSupported(node, 'auto_pad', autoPad, 'use NOTSET, VALID, SAME_UPPER or SAME_LOWER');
  }
  return { kernel, stride, dilation, padBegin, padEnd, output };
}

/**
 * The geometry of a node's last run, reused while its input shape is unchanged: a session's runs do not re-read the
 * node's attributes (which cost several µs a call, as much as a 2×2 pool of the U-Nets' sizes on native).
 */
const lastGeometry = new WeakMap<OnnxNode, { readonly opset: number; readonly shape: Shape; readonly geometry: PoolGeometry }>();

function runGeometry(node: OnnxNode, opset: number, x: Shape): PoolGeometry {
  const known = lastGeometry.get(node);
  if (known && known.opset === opset && sameShape(known.shape, x)) return known.geometry;
  const made = geometry(node, opset, x);
  lastGeometry.set(node, { opset, shape: [...x], geometry: made });
  return made;
}

interface PoolResult { readonly values: OnnxTensor; readonly indices?: OnnxTensor }

/**
 * MaxPool of float32 values without Indices, in 1D to 3D: the same window walk as `pool` (first tap inside the input
 * starts the maximum, a NaN there stays), as a loop nest over the output and the window, with no index decoding or
 * per-position arrays (the general walk was a third of a 3D U-Net's run).
 */
function maxPoolFloat(x: OnnxTensor, g: PoolGeometry): Float32Array {
  const pad = <T>(values: readonly T[], fill: T): T[] => [...new Array<T>(3 - values.length).fill(fill), ...values];
  const [n, c, ...spatial] = x.shape as [number, number, ...number[]];
  const [in0, in1, in2] = pad(spatial, 1) as [number, number, number];
  const [k0, k1, k2] = pad(g.kernel, 1) as [number, number, number];
  const [s0, s1, s2] = pad(g.stride, 1) as [number, number, number];
  const [d0, d1, d2] = pad(g.dilation, 1) as [number, number, number];
  const [p0, p1, p2] = pad(g.padBegin, 0) as [number, number, number];
  const [out0, out1, out2] = pad(g.output, 1) as [number, number, number];
  const data = x.data;
  const out = new Float32Array(n * c * out0 * out1 * out2);
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * in0 * in1 * in2;
    for (let o0 = 0; o0 < out0; o0++) {
      for (let o1 = 0; o1 < out1; o1++) {
        for (let o2 = 0; o2 < out2; o2++) {
          let best = -Infinity;
          let found = false;
          for (let t0 = 0; t0 < k0; t0++) {
            const i0 = o0 * s0 - p0 + t0 * d0;
            if (i0 < 0 || i0 >= in0) continue;
            for (let t1 = 0; t1 < k1; t1++) {
              const i1 = o1 * s1 - p1 + t1 * d1;
              if (i1 < 0 || i1 >= in1) continue;
              const row = base + (i0 * in1 + i1) * in2;
              for (let t2 = 0; t2 < k2; t2++) {
                const i2 = o2 * s2 - p2 + t2 * d2;
                if (i2 < 0 || i2 >= in2) continue;
                const v = data[row + i2]!;
                if (v > best || !found) { best = v; found = true; }
              }
            }
          }
          out[at++] = best;
        }
      }
    }
  }
  return out;
}

/** Every window lies inside the input (no padding reaches a tap): the windows need no bounds checks. */
function windowsInside(x: Shape, g: PoolGeometry): boolean {
  return g.padBegin.every((p) => p === 0) && g.output.every((o, a) => (o - 1) * g.stride[a]! + (g.kernel[a]! - 1) * g.dilation[a]! < x[a + 2]!);
}

/**
 * MaxPool of float32 values without Indices when every window lies inside the input (U-Nets' 2×2 and 2×2×2 pools
 * of stride 2): each output is its window's first tap, raised by each further tap in `maxPoolFloat`'s order (a NaN
 * first tap stays the maximum, a later NaN does not replace it), the window's offsets tabulated once. Its sizes are
 * read straight from the shape and geometry arrays (small integers), which keeps the index arithmetic in integers:
 * padded copies of them made this loop several times slower.
 */
function maxPoolInside(data: Float32Array, x: Shape, g: PoolGeometry, out: Float32Array): void {
  const rank = g.kernel.length;
  // Axis `rank − 1 − back` of a per-axis list, 1 for the axes a lower rank does not have.
  const axis = (values: readonly number[], back: number): number => (back < rank ? values[rank - 1 - back]! : 1);
  const in1 = rank >= 2 ? x[x.length - 2]! : 1;
  const in2 = x[x.length - 1]!;
  const [k0, k1, k2] = [axis(g.kernel, 2), axis(g.kernel, 1), axis(g.kernel, 0)];
  const [s0, s1, s2] = [axis(g.stride, 2), axis(g.stride, 1), axis(g.stride, 0)];
  const [d0, d1, d2] = [axis(g.dilation, 2), axis(g.dilation, 1), axis(g.dilation, 0)];
  const [out0, out1, out2] = [axis(g.output, 2), axis(g.output, 1), axis(g.output, 0)];
  const offsets: number[] = [];
  for (let t0 = 0; t0 < k0; t0++) for (let t1 = 0; t1 < k1; t1++) for (let t2 = 0; t2 < k2; t2++) offsets.push((t0 * d0 * in1 + t1 * d1) * in2 + t2 * d2);
  const taps = Int32Array.from(offsets);
  const count = taps.length;
  const inPlane = (rank === 3 ? x[2]! : 1) * in1 * in2;
  const planes = x[0]! * x[1]!;
  let at = 0;
  if (k1 === 2 && k2 === 2 && d1 === 1 && d2 === 1) {
    // 2×2 windows (of k0 layers, 2×2×2 in 3D) unrolled: taps 0, 1, in2, in2 + 1 of each layer, the same order. The
    // first compare of the first layer is the first tap against itself (false, NaN or not).
    const layer = d0 * in1 * in2;
    for (let plane = 0; plane < planes; plane++) {
      for (let o0 = 0; o0 < out0; o0++) {
        for (let o1 = 0; o1 < out1; o1++) {
          let i = plane * inPlane + (o0 * s0 * in1 + o1 * s1) * in2;
          for (let o2 = 0; o2 < out2; o2++, i += s2) {
            let best = data[i]!;
            for (let t0 = 0, j = i; t0 < k0; t0++, j += layer) {
              const a = data[j]!;
              const b = data[j + 1]!;
              const c = data[j + in2]!;
              const d = data[j + in2 + 1]!;
              if (a > best) best = a;
              if (b > best) best = b;
              if (c > best) best = c;
              if (d > best) best = d;
            }
            out[at++] = best;
          }
        }
      }
    }
    return;
  }
  for (let plane = 0; plane < planes; plane++) {
    for (let o0 = 0; o0 < out0; o0++) {
      for (let o1 = 0; o1 < out1; o1++) {
        let corner = plane * inPlane + (o0 * s0 * in1 + o1 * s1) * in2;
        for (let o2 = 0; o2 < out2; o2++, corner += s2) {
          let best = data[corner]!;
          for (let k = 1; k < count; k++) {
            const v = data[corner + taps[k]!]!;
            if (v > best) best = v;
          }
          out[at++] = best;
        }
      }
    }
  }
}

/** A 2D pool of 2×2 windows, stride 2, no dilation (the U-Nets' MaxPool2d(2)): the backend's row kernel. */
function isPlain2x2(g: PoolGeometry): boolean {
  return g.kernel.length === 2 && g.kernel.every((k) => k === 2) && g.stride.every((s) => s === 2) && g.dilation.every((d) => d === 1);
}

function pool(node: OnnxNode, x: OnnxTensor, g: PoolGeometry, kind: 'max' | 'average', wantIndices: boolean, ctx: RunContext): PoolResult {
  const [n, c] = x.shape as [number, number];
  if (kind === 'max' && !wantIndices && x.dataType === DataType.FLOAT && x.shape.length <= 5) {
    const shape = [n, c, ...g.output];
    const inside = x.data instanceof Float32Array && windowsInside(x.shape, g);
    const data = inside ? floatOutput(ctx, sizeOf(shape)) : maxPoolFloat(x, g);
    if (inside && isPlain2x2(g)) {
      const [inRows, inWidth] = x.shape.slice(2) as [number, number];
      elementwiseKernels(ctx.options.backend).maxPool2x2(x.data as Float32Array, n * c, inRows, inWidth, g.output[0]!, g.output[1]!, data);
    } else if (inside) {
      maxPoolInside(x.data as Float32Array, x.shape, g, data);
    }
    return { values: { name: '', dataType: DataType.FLOAT, shape, data } };
  }
  const input = x.shape.slice(2);
  const rank = input.length;
  const inPlane = sizeOf(input);
  const outPlane = sizeOf(g.output);
  const includePad = kind === 'average' && intAttr(node, 'count_include_pad', 0) === 1;
  const columnMajor = intAttr(node, 'storage_order', 0) === 1;
  const floating = isFloating(x.dataType);
  const values = floating ? new Float32Array(n * c * outPlane) : new Float64Array(n * c * outPlane);
  const indices = wantIndices ? new Float64Array(n * c * outPlane) : undefined;
  const inStrides = input.map((_, a) => sizeOf(input.slice(a + 1)));
  // Column-major flat indices (storage_order 1) count the first spatial axis fastest.
  const colStrides = input.map((_, a) => sizeOf(input.slice(0, a)));
  const windowCount = sizeOf(g.kernel);
  const outIndex = new Array<number>(rank).fill(0);
  const tap = new Array<number>(rank).fill(0);
  for (let o = 0; o < outPlane; o++) {
    let rest = o;
    for (let a = rank - 1; a >= 0; a--) { outIndex[a] = rest % g.output[a]!; rest = Math.floor(rest / g.output[a]!); }
    // Offsets of the window's taps inside the input (−1: padding), and the average's divisor.
    const offsets: number[] = [];
    const flat: number[] = [];
    let padded = 1;
    for (let a = 0; a < rank; a++) {
      const start = outIndex[a]! * g.stride[a]! - g.padBegin[a]!;
      // count_include_pad counts the window cells within the padded extent.
      const end = Math.min(start + (g.kernel[a]! - 1) * g.dilation[a]! + 1, input[a]! + g.padEnd[a]!);
      padded *= end - start;
    }
    for (let w = 0; w < windowCount; w++) {
      let r = w;
      for (let a = rank - 1; a >= 0; a--) { tap[a] = r % g.kernel[a]!; r = Math.floor(r / g.kernel[a]!); }
      let offset = 0;
      let col = 0;
      let inside = true;
      for (let a = 0; a < rank; a++) {
        const i = outIndex[a]! * g.stride[a]! - g.padBegin[a]! + tap[a]! * g.dilation[a]!;
        if (i < 0 || i >= input[a]!) { inside = false; break; }
        offset += i * inStrides[a]!;
        col += i * colStrides[a]!;
      }
      if (inside) { offsets.push(offset); flat.push(columnMajor ? col : offset); }
    }
    for (let plane = 0; plane < n * c; plane++) {
      const base = plane * inPlane;
      const at = plane * outPlane + o;
      if (kind === 'max') {
        let best = -Infinity;
        let where = -1;
        for (let k = 0; k < offsets.length; k++) {
          const v = x.data[base + offsets[k]!]!;
          if (v > best || where < 0) { best = v; where = k; }
        }
        values[at] = best;
        if (indices) indices[at] = plane * inPlane + (where >= 0 ? flat[where]! : 0);
      } else {
        let sum = 0;
        for (const off of offsets) sum += x.data[base + off]!;
        values[at] = sum / (includePad ? padded : offsets.length);
      }
    }
  }
  const shape = [n, c, ...g.output];
  const result = floating ? floatResult(x.dataType, shape, values as Float32Array) : { name: '', dataType: x.dataType, shape, data: values };
  return { values: result, ...(indices ? { indices: { name: '', dataType: DataType.INT64, shape, data: indices } } : {}) };
}

function windowed(kind: 'max' | 'average'): OpDefinition {
  return {
    infer: (ctx) => {
      const x = required(ctx.node, ctx.shapes, 0, 'an input');
      const type = ctx.types[0] ?? DataType.FLOAT;
      if (kind === 'average' && !isFloating(type)) notSupported(ctx.node, 'X', type, 'AveragePool takes floating-point tensors');
      const g = geometry(ctx.node, ctx.opset, x);
      const shape = [x[0]!, x[1]!, ...g.output];
      return kind === 'max' ? [{ shape, dataType: type }, { shape, dataType: DataType.INT64 }] : [{ shape, dataType: type }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      const g = runGeometry(ctx.node, ctx.opset, x.shape);
      const { values, indices } = pool(ctx.node, x, g, kind, kind === 'max' && Boolean(ctx.node.outputs[1]), ctx);
      return indices ? [values, indices] : [values];
    },
  };
}

export const MaxPool = windowed('max');
export const AveragePool = windowed('average');

function global(kind: 'max' | 'average'): OpDefinition {
  const outShape = (x: Shape) => [x[0]!, x[1]!, ...x.slice(2).map(() => 1)];
  return {
    infer: (ctx) => {
      const x = required(ctx.node, ctx.shapes, 0, 'an input');
      if (x.length < 3) throw invalidModel(`${ctx.node.name}.X`, [...x], 'must be (N, C, spatial…) of rank 3 or more');
      return [{ shape: outShape(x), dataType: ctx.types[0] ?? DataType.FLOAT }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      const planes = x.shape[0]! * x.shape[1]!;
      const size = sizeOf(x.shape.slice(2));
      const out = new Float32Array(planes);
      for (let p = 0; p < planes; p++) {
        let acc = kind === 'max' ? -Infinity : 0;
        for (let i = p * size; i < (p + 1) * size; i++) acc = kind === 'max' ? Math.max(acc, x.data[i]!) : acc + x.data[i]!;
        out[p] = kind === 'max' ? acc : acc / size;
      }
      return [floatResult(x.dataType, outShape(x.shape), out)];
    },
  };
}

export const GlobalMaxPool = global('max');
export const GlobalAveragePool = global('average');
