/**
 * ReduceSum and ReduceMean over the named axes (all axes when none are named, unless noop_with_empty_axes), with
 * keepdims. The axes are an attribute before ReduceSum-13 and ReduceMean-18, an input after (a run-time value is
 * planned once the inputs are known). Sums run in float64 and round once to the input's type.
 */
import { invalidModel } from '../errors.ts';
import { type OnnxNode, intAttr, intsAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import { floatResult, wrapInteger } from './dtype.ts';
import type { OpDefinition, Shape } from './types.ts';
import { knownValue, normalizeAxis, notSupported, required, sizeOf } from './util.ts';

/** The opset from which the op takes its axes as an input. */
const AXES_INPUT_FROM: Readonly<Record<string, number>> = { ReduceSum: 13, ReduceMean: 18 };

function reducedAxes(node: OnnxNode, opset: number, rank: number, value: (i: number) => OnnxTensor | undefined): Set<number> {
  const fromInput = opset >= AXES_INPUT_FROM[node.opType]!;
  const raw = fromInput ? knownValue(node, value, 1, 'axes') : undefined;
  const axes = fromInput ? (raw ? [...raw.data] : []) : [...(intsAttr(node, 'axes') ?? [])];
  if (axes.length === 0) {
    // Empty axes: every axis, or none with noop_with_empty_axes (an input-era attribute).
    return fromInput && intAttr(node, 'noop_with_empty_axes', 0) === 1 ? new Set() : new Set(Array.from({ length: rank }, (_, a) => a));
  }
  const set = new Set(axes.map((a) => normalizeAxis(node, a, rank, 'axes')));
  if (set.size !== axes.length) throw invalidModel(`${node.name}.axes`, axes, 'repeats an axis');
  return set;
}

function outputShape(node: OnnxNode, x: Shape, axes: Set<number>): number[] {
  const keep = intAttr(node, 'keepdims', 1) === 1;
  return x.flatMap((d, a) => (axes.has(a) ? (keep ? [1] : []) : [d]));
}

function reduce(kind: 'sum' | 'mean'): OpDefinition {
  return {
    infer: (ctx) => {
      const x = required(ctx.node, ctx.shapes, 0, 'an input');
      const type = ctx.types[0] ?? DataType.FLOAT;
      if (kind === 'mean' && !isFloating(type)) notSupported(ctx.node, 'data', type, 'ReduceMean of integers rounds differently between runtimes: cast to float first');
      return [{ shape: outputShape(ctx.node, x, reducedAxes(ctx.node, ctx.opset, x.length, ctx.constant)), dataType: type }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      const axes = reducedAxes(ctx.node, ctx.opset, x.shape.length, (i) => ctx.inputs[i]);
      const kept = x.shape.map((d, a) => (axes.has(a) ? 1 : d));
      const sums = new Float64Array(sizeOf(kept));
      const keptStrides = kept.map((_, a) => (axes.has(a) ? 0 : sizeOf(kept.slice(a + 1))));
      const index = new Array<number>(x.shape.length).fill(0);
      let target = 0;
      // Odometer over the input; the target offset ignores reduced axes.
      for (let i = 0; i < x.data.length; i++) {
        sums[target]! += x.data[i]!;
        for (let a = x.shape.length - 1; a >= 0; a--) {
          index[a]!++;
          target += keptStrides[a]!;
          if (index[a]! < x.shape[a]!) break;
          target -= keptStrides[a]! * x.shape[a]!;
          index[a] = 0;
        }
      }
      const count = x.shape.reduce((n, d, a) => (axes.has(a) ? n * d : n), 1);
      const shape = outputShape(ctx.node, x.shape, axes);
      if (!isFloating(x.dataType)) {
        return [{ name: '', dataType: x.dataType, shape, data: sums.map((v) => wrapInteger(x.dataType, v, ctx.node)) }];
      }
      const out = Float32Array.from(sums, (v) => (kind === 'mean' ? v / count : v));
      return [floatResult(x.dataType, shape, out)];
    },
  };
}

export const ReduceSum = reduce('sum');
export const ReduceMean = reduce('mean');
