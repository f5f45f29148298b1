/**
 * Element-wise ops of one input: activations (Relu … Erf), the math functions decoders use (Sqrt, Exp, Log,
 * Reciprocal, Neg, Abs), Clip, and the inference forms of Identity and Dropout. Each computes in float64 from the
 * stored value and rounds once to the input's type (float32, or float16/bfloat16: see dtype.ts).
 */
import type { Activation } from '../../engine/ops/activation.ts';
import { elementwiseKernels } from '../../engine/select.ts';
import { TconvError } from '../../shape/errors.ts';
import { invalidModel } from '../errors.ts';
import { type OnnxNode, floatAttr, intAttr } from '../model.ts';
import { DATA_TYPE_NAMES, DataType } from '../schema.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import { floatResult, wrapInteger } from './dtype.ts';
import type { InferContext, OpDefinition } from './types.ts';
import { floatOutput, required } from './util.ts';

interface UnaryOptions {
  /** The function maps integers to integers (Relu, Neg, Abs, Clip): integer inputs keep their type. */
  readonly integers?: boolean;
  /**
   * The float32 fast path: the activation the run's backend applies with its element-wise kernels (a shared loop
   * calling the per-element function is ten times slower), so a fused step and this op give the same bits.
   */
  readonly activation?: (node: OnnxNode) => Activation;
}

function checkType(node: OnnxNode, dataType: number | undefined, integers: boolean): void {
  if (dataType === undefined || isFloating(dataType) || (integers && dataType !== DataType.STRING && dataType !== DataType.BOOL)) return;
  throw new TconvError({
    code: 'unsupported', parameter: `${node.name}.input`, value: DATA_TYPE_NAMES[dataType] ?? dataType,
    rule: `is an element type ${node.opType} does not take`, hint: 'use a floating-point input',
  });
}

function applyUnary(node: OnnxNode, x: OnnxTensor, f: (v: number) => number): OnnxTensor {
  if (isFloating(x.dataType)) {
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]!);
    return floatResult(x.dataType, x.shape, out);
  }
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = wrapInteger(x.dataType, f(x.data[i]!), node);
  return { name: '', dataType: x.dataType, shape: x.shape, data: out };
}

/** `fn` reads the node's attributes once and returns the per-element function. */
function unary(fn: (node: OnnxNode) => (x: number) => number, options: UnaryOptions = {}): OpDefinition {
  return {
    infer: (ctx) => {
      fn(ctx.node); // checks the attributes before anything runs
      checkType(ctx.node, ctx.types[0], options.integers ?? false);
      return [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: ctx.types[0] ?? DataType.FLOAT }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, 'an input');
      if (options.activation && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
        const out = floatOutput(ctx, x.data.length, [0]); // may be x's buffer: the kernels read each element first
        elementwiseKernels(ctx.options.backend).map(options.activation(ctx.node), x.data, out);
        return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
      }
      return [applyUnary(ctx.node, x, fn(ctx.node))];
    },
  };
}

// biome-ignore lint/complexity/useMathMinMax: Relu(NaN) is 0 here, as onnxruntime gives; Math.max would give NaN
export const Relu = unary(() => (x) => (x > 0 ? x : 0), { integers: true, activation: () => ({ kind: 'relu' }) });
export const LeakyRelu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 0.01);
  return (x) => (x >= 0 ? x : alpha * x);
}, { activation: (node) => ({ kind: 'leakyRelu', alpha: floatAttr(node, 'alpha', 0.01) }) });
export const Tanh = unary(() => Math.tanh, { activation: () => ({ kind: 'tanh' }) });
export const Sigmoid = unary(() => (x) => 1 / (1 + Math.exp(-x)), { activation: () => ({ kind: 'sigmoid' }) });
export const Elu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 1);
  return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
});
// Selu's defaults are the float32 values the operator lists.
export const Selu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 1.6732631921768188);
  const gamma = floatAttr(node, 'gamma', 1.0507010221481323);
  return (x) => (x <= 0 ? gamma * (alpha * Math.exp(x) - alpha) : gamma * x);
});
export const Celu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 1);
  return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
});
// log(1 + eˣ) without overflow for large x.
export const Softplus = unary(() => (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))));
export const Softsign = unary(() => (x) => x / (1 + Math.abs(x)));
export const HardSigmoid = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 0.2);
  const beta = floatAttr(node, 'beta', 0.5);
  return (x) => Math.max(0, Math.min(1, alpha * x + beta));
});
export const HardSwish = unary(() => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)));
export const ThresholdedRelu = unary((node) => {
  const alpha = floatAttr(node, 'alpha', 1);
  return (x) => (x > alpha ? x : 0);
});
export const Erf = unary(() => erf);
export const Sqrt = unary(() => Math.sqrt);
export const Exp = unary(() => Math.exp);
export const Log = unary(() => Math.log);
export const Reciprocal = unary(() => (x) => 1 / x);
export const Neg = unary(() => (x) => -x, { integers: true });
export const Abs = unary(() => Math.abs, { integers: true });

/**
 * The error function to float64 accuracy: its Taylor series near 0, the continued fraction of erfc further out.
 * @example
 * erf(1) // → 0.8427007929497149
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a < 2.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Identity keeps the element type (it may carry int64 shapes). */
export const Identity: OpDefinition = {
  infer: (ctx) => [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: ctx.types[0] ?? DataType.FLOAT }],
  run: (ctx) => [required(ctx.node, ctx.inputs, 0, 'an input')],
  foldable: true,
};

/** Clip's bounds: attributes before opset 11, optional scalar inputs from opset 11. */
function clipBounds(node: OnnxNode, opset: number, value: (i: number) => OnnxTensor | undefined): [number, number] {
  if (opset < 11) return [floatAttr(node, 'min', -3.4028234663852886e38), floatAttr(node, 'max', 3.4028234663852886e38)];
  const bound = (i: number, fallback: number): number => {
    if (!node.inputs[i]) return fallback;
    const t = value(i);
    if (t === undefined) return fallback; // checked at run time, when the value is there
    if (t.data.length !== 1) throw invalidModel(`${node.name}.${i === 1 ? 'min' : 'max'}`, [...t.shape], 'must be a scalar');
    return t.data[0]!;
  };
  return [bound(1, -Infinity), bound(2, Infinity)];
}

export const Clip: OpDefinition = {
  infer: (ctx: InferContext) => {
    checkType(ctx.node, ctx.types[0], ctx.opset >= 12);
    clipBounds(ctx.node, ctx.opset, ctx.constant);
    return [{ shape: required(ctx.node, ctx.shapes, 0, 'an input'), dataType: ctx.types[0] ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const [low, high] = clipBounds(ctx.node, ctx.opset, (i) => ctx.inputs[i]);
    // min(max(x, low), high): with low > high every value becomes high, as the operator says.
    return [applyUnary(ctx.node, required(ctx.node, ctx.inputs, 0, 'an input'), (x) => Math.min(Math.max(x, low), high))];
  },
};

/** Dropout at inference: the input unchanged and an all-true mask; training mode is refused. */
function checkInference(node: OnnxNode, opset: number, value: (i: number) => OnnxTensor | undefined): void {
  const hint = 'export the model in eval mode (model.eval()): tconv runs inference only';
  if (opset < 7 && intAttr(node, 'is_test', 0) === 0) notTraining(node, 'is_test', 0, hint);
  if (opset >= 12 && node.inputs[2]) {
    const training = value(2);
    if (training === undefined) notTraining(node, 'training_mode', node.inputs[2], `${hint} (the training_mode input is not known before running)`);
    // Training with ratio 0 drops nothing: the same exact identity.
    const ratio = node.inputs[1] ? value(1) : undefined;
    if (training.data[0] !== 0 && (node.inputs[1] ? ratio?.data[0] : 0.5) !== 0) notTraining(node, 'training_mode', true, hint);
  }
}

function notTraining(node: OnnxNode, parameter: string, value: unknown, hint: string): never {
  throw new TconvError({ code: 'unsupported', parameter: `${node.name}.${parameter}`, value, rule: 'asks for training-mode dropout (random), which tconv does not run', hint });
}

export const Dropout: OpDefinition = {
  infer: (ctx) => {
    checkInference(ctx.node, ctx.opset, ctx.constant);
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    // The mask is bool from opset 10 (the input's type before).
    return [{ shape: x, dataType: ctx.types[0] ?? DataType.FLOAT }, { shape: x, dataType: ctx.opset >= 10 ? DataType.BOOL : ctx.types[0] ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    checkInference(ctx.node, ctx.opset, (i) => ctx.inputs[i]);
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const mask: OnnxTensor = ctx.opset >= 10
      ? { name: '', dataType: DataType.BOOL, shape: x.shape, data: new Float64Array(x.data.length).fill(1) }
      : { ...x, name: '', data: x.data instanceof Float32Array ? new Float32Array(x.data.length).fill(1) : new Float64Array(x.data.length).fill(1) };
    return [x, mask];
  },
};
