/**
 * Backward of transposed and ordinary convolution: ∂L/∂X, ∂L/∂W, ∂L/∂B from ∂L/∂Y, any rank, stride, padding,
 * output padding, dilation, groups and batch.
 *
 * ∂L/∂X is the dual layer's forward, run by the engine on any backend (reference, wasm, native): the input gradient
 * of a transposed convolution is a strided convolution with the same weight (its (Cin, Cout/groups, k…) layout is a
 * convolution's (Cout', Cin'/groups, k…)), and the input gradient of a convolution is a transposed convolution.
 * ∂L/∂W is a per-phase correlation: float64 in TypeScript on the reference backend (weight-gradient.ts), one conv
 * per group with batch and channels swapped on wasm and native (weight-gradient-conv.ts).
 */
import { TconvError } from '../shape/errors.ts';
import type { Plan } from '../shape/plan.ts';
import { type EngineLayerOptions, planFromTensors } from '../engine/ops/plan-from-tensors.ts';
import { conv } from '../engine/ops/conv.ts';
import { convTranspose } from '../engine/ops/conv-transpose.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { getBackend } from '../engine/select.ts';
import { biasGradient, convTransposeWeightGradient } from './weight-gradient.ts';
import { convTransposeWeightGradientOnBackend } from './weight-gradient-conv.ts';

export interface ConvGradients {
  /** ∂L/∂X, the input's shape. */
  readonly input: Tensor;
  /** ∂L/∂W, the weight's shape. */
  readonly weight: Tensor;
  /** ∂L/∂B (Cout), or null when the layer has no bias. */
  readonly bias: Tensor | null;
}

export interface BackwardArgs {
  readonly input: Tensor;
  readonly weight: Tensor;
  /** Whether the forward had a bias (its gradient does not depend on its value). */
  readonly bias?: boolean;
  readonly gradOutput: Tensor;
  /** The forward's options (stride, padding, outputPadding, dilation, groups, pads) and the backend for ∂L/∂X and ∂L/∂W. */
  readonly options?: EngineLayerOptions;
}

/**
 * @example
 * const x = tensor([1, 1, 3], [1, 2, 3]);
 * const w = tensor([1, 1, 2], [1, 1]);
 * const g = convTransposeBackward({ input: x, weight: w, gradOutput: tensor([1, 1, 6], [1, 0, 0, 0, 0, 1]), options: { stride: 2 } });
 * // g.input.data → [1, 0, 1]; g.weight.data → [1, 3]; g.bias.data → [2]
 */
export function convTransposeBackward(args: BackwardArgs): ConvGradients {
  const plan = checkedPlan('convTranspose', args);
  const input = convTransposeInputGradient(plan, args.weight, args.gradOutput, args.options ?? {});
  const weight = weightGradient('convTranspose', args);
  const bias = plan.bias ? tensor([plan.outChannels], biasGradient(plan, args.gradOutput.data)) : null;
  return { input, weight, bias };
}

/**
 * ∂L/∂X alone (what a frozen layer in the middle of a network needs), on the options' backend.
 * @example
 * inputGradient('convTranspose', { input: x, weight: w, gradOutput: g, options: { stride: 2, backend: 'native' } })
 */
export function inputGradient(kind: 'convTranspose' | 'conv', args: BackwardArgs): Tensor {
  const plan = checkedPlan(kind, args);
  const options = args.options ?? {};
  if (kind === 'convTranspose') return convTransposeInputGradient(plan, args.weight, args.gradOutput, options);
  return convTranspose(args.gradOutput, args.weight, null, { ...dualTransposed(plan), backend: options.backend, threads: options.threads });
}

/**
 * ∂L/∂W alone: on the reference backend the float64 per-phase correlation (weight-gradient.ts), on wasm and native
 * the same sum as one conv per group with batch and channels swapped (weight-gradient-conv.ts).
 */
export function weightGradient(kind: 'convTranspose' | 'conv', args: BackwardArgs): Tensor {
  const plan = checkedPlan(kind, args);
  const options = args.options ?? {};
  const backend = getBackend(options.backend ?? 'auto').name;
  const compute = (p: Plan, x: Float32Array, g: Float32Array) => (backend === 'reference'
    ? convTransposeWeightGradient(p, x, g)
    : convTransposeWeightGradientOnBackend(p, x, g, { backend, threads: options.threads }));
  if (kind === 'convTranspose') {
    checkPadsBegin(plan);
    return tensor(plan.weightShape, compute(plan, args.input.data, args.gradOutput.data));
  }
  // The weight gradient of a conv is the transposed weight gradient of its dual, with input and output swapped.
  const dualPlan = planFromTensors('convTranspose', plan.outputShape, plan.weightShape, { ...dualTransposed(plan), bias: false });
  return tensor(plan.weightShape, compute(dualPlan, args.gradOutput.data, args.input.data));
}

function checkedPlan(kind: 'convTranspose' | 'conv', args: BackwardArgs): Plan {
  const plan = planFromTensors(kind, args.input.shape, args.weight.shape, { ...args.options, bias: args.bias ?? true });
  checkGradOutput(plan, args.gradOutput);
  return plan;
}

/**
 * @example
 * const g = convBackward({ input: tensor([1, 1, 4], [1, 2, 3, 4]), weight: tensor([1, 1, 2], [1, 1]), gradOutput: tensor([1, 1, 2], [1, 1]), options: { stride: 2 } });
 * // g.input.data → [1, 1, 1, 1]; g.weight.data → [4, 6]
 */
export function convBackward(args: BackwardArgs): ConvGradients {
  const plan = checkedPlan('conv', args);
  const input = inputGradient('conv', args);
  const weight = weightGradient('conv', args);
  const bias = plan.bias ? tensor([plan.outChannels], biasGradient(plan, args.gradOutput.data)) : null;
  return { input, weight, bias };
}

/** ∂L/∂X of a transposed convolution: the strided convolution of ∂L/∂Y, cropped when output padding ≥ stride. */
function convTransposeInputGradient(plan: Plan, weight: Tensor, gradOutput: Tensor, options: EngineLayerOptions): Tensor {
  checkPadsBegin(plan);
  // Conv output = ⌊(Y + padBegin + max(padEnd, 0) − K)/s⌋ + 1 = input + ⌊(max(padEnd, 0) − padEnd)/s⌋: exact unless
  // output padding ≥ stride (allowed when dilation > stride), and the extra cells are never part of the input.
  const grad = conv(gradOutput, weight, null, {
    stride: plan.axes.map((a) => a.stride), dilation: plan.axes.map((a) => a.dilation), groups: plan.groups,
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(a.padEnd, 0)) },
    backend: options.backend, threads: options.threads,
  });
  return cropSpatial(grad, plan.inputShape);
}

/** Both ∂X and the backends' ∂W read ∂Y through a conv's padding, which cannot be negative. */
function checkPadsBegin(plan: Plan): void {
  plan.axes.forEach((a, i) => {
    if (a.padBegin < 0) {
      throw new TconvError({
        code: 'unsupported', parameter: `pads.begin[${i}]`, value: a.padBegin,
        rule: 'is negative (zero cells added before the output); the backward does not implement it',
        hint: 'use pads.begin 0 or more (outputPadding adds cells at the end)',
      });
    }
  });
}

/** The transposed layer whose forward is a conv plan's input gradient: same weight, output size = the conv's input. */
function dualTransposed(plan: Plan): EngineLayerOptions {
  const rem = plan.axes.map((a) => (a.input + a.padBegin + a.padEnd - a.effectiveKernel) % a.stride);
  return {
    stride: plan.axes.map((a) => a.stride), dilation: plan.axes.map((a) => a.dilation), groups: plan.groups,
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a, i) => Math.max(a.padEnd - rem[i]!, 0)) },
    outputPadding: plan.axes.map((a, i) => Math.max(rem[i]! - a.padEnd, 0)),
  };
}

function checkGradOutput(plan: Plan, gradOutput: Tensor): void {
  const same = gradOutput.shape.length === plan.outputShape.length && gradOutput.shape.every((d, i) => d === plan.outputShape[i]);
  if (!same) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'gradOutput.shape', value: [...gradOutput.shape],
      rule: `must be the layer's output shape [${plan.outputShape.join(', ')}]`, hint: 'pass ∂L/∂Y for the forward that was run',
    });
  }
}

/** The leading corner of a tensor, spatial sizes cut to `shape` (N and C equal). */
export function cropSpatial(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.every((d, i) => d === shape[i])) return t;
  const out = tensor(shape);
  const rank = shape.length - 2;
  const inner = (s: readonly number[]) => s.slice(2);
  const from = inner(t.shape);
  const to = inner(shape);
  const toSize = to.reduce((a, b) => a * b, 1);
  const fromSize = from.reduce((a, b) => a * b, 1);
  const index = new Array<number>(rank).fill(0);
  for (let nc = 0; nc < shape[0]! * shape[1]!; nc++) {
    for (let o = 0; o < toSize; o++) {
      let rest = o;
      for (let a = rank - 1; a >= 0; a--) { index[a] = rest % to[a]!; rest = Math.floor(rest / to[a]!); }
      let f = 0;
      for (let a = 0; a < rank; a++) f = f * from[a]! + index[a]!;
      out.data[nc * toSize + o] = t.data[nc * fromSize + f]!;
    }
  }
  return out;
}
