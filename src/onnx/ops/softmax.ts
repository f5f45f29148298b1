/**
 * Softmax: exp(x − max) / Σ exp(x − max) along the axis (from opset 13), or over the trailing block from `axis` on
 * (before opset 13, the input coerced to 2-D). Computed in float64, rounded once to the input's type.
 */
import { intAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import { isFloating } from '../tensor-proto.ts';
import { floatResult } from './dtype.ts';
import type { OpDefinition, Shape } from './types.ts';
import { normalizeAxis, notSupported, required, sizeOf } from './util.ts';
import type { OnnxNode } from '../model.ts';

/** The softmax groups: `outer` blocks of `length` values `inner` apart. */
function layout(node: OnnxNode, opset: number, x: Shape): { outer: number; length: number; inner: number } {
  const axis = normalizeAxis(node, intAttr(node, 'axis', opset >= 13 ? -1 : 1), Math.max(x.length, 1));
  if (opset >= 13) return { outer: sizeOf(x.slice(0, axis)), length: x[axis] ?? 1, inner: sizeOf(x.slice(axis + 1)) };
  return { outer: sizeOf(x.slice(0, axis)), length: sizeOf(x.slice(axis)), inner: 1 };
}

export const Softmax: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    const type = ctx.types[0] ?? DataType.FLOAT;
    if (!isFloating(type)) notSupported(ctx.node, 'input', type, 'Softmax takes floating-point tensors');
    layout(ctx.node, ctx.opset, x);
    return [{ shape: x, dataType: type }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const { outer, length, inner } = layout(ctx.node, ctx.opset, x.shape);
    const out = new Float32Array(x.data.length);
    const e = new Float64Array(length);
    for (let p = 0; p < outer; p++) {
      for (let q = 0; q < inner; q++) {
        const base = p * length * inner + q;
        let max = -Infinity;
        for (let k = 0; k < length; k++) max = Math.max(max, x.data[base + k * inner]!);
        let sum = 0;
        for (let k = 0; k < length; k++) { e[k] = Math.exp(x.data[base + k * inner]! - max); sum += e[k]!; }
        for (let k = 0; k < length; k++) out[base + k * inner] = e[k]! / sum;
      }
    }
    return [floatResult(x.dataType, x.shape, out)];
  },
};
