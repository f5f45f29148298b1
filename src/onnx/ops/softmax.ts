/**
 * Softmax: exp(x − max) / Σ exp(x − max) along the axis (from opset 13), or over the trailing block from `axis` on
 * (before opset 13, the input coerced to 2-D). Float32 rows (the last axis, or the trailing block) run on the run's
 * backend's softmax kernel (src/engine/elementwise.ts: within a few ulp of the float64 formula); other axes and
 * types in the float64 loop, rounded once to the input's type.
 */
import { softmaxStrided } from '../../engine/elementwise.ts';
import { elementwiseKernels } from '../../engine/select.ts';
import { intAttr } from '../model.ts';
import type { OnnxNode } from '../model.ts';
import { DataType } from '../schema.ts';
import { isFloating } from '../tensor-proto.ts';
import { floatResult } from './dtype.ts';
import type { OpDefinition, Shape } from './types.ts';
import { floatOutput, normalizeAxis, notSupported, required, sizeOf } from './util.ts';

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
    if (inner === 1 && length > 0 && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      // Rows: the kernel reads each value before writing it, so the input's buffer may be the output.
      const out = floatOutput(ctx, x.data.length, [0]);
      elementwiseKernels(ctx.options.backend).softmax(x.data, length, out);
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
    }
    const out = new Float32Array(x.data.length);
    softmaxStrided(x.data, outer, length, inner, out);
    return [floatResult(x.dataType, x.shape, out)];
  },
};
