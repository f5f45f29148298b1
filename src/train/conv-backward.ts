/**
 * Backward of transposed and ordinary convolution as functions: ∂L/∂X, ∂L/∂W, ∂L/∂B from ∂L/∂Y, any rank, stride,
 * padding, output padding, dilation, groups and batch, on the options' backend. Each call makes a one-off
 * ConvBackward (conv-backward-layer.ts, which says how each gradient is computed) and returns its buffers; a training
 * loop keeps one ConvBackward per layer instead, so its steps allocate nothing new.
 */
import type { Tensor } from '../tensor/tensor.ts';
import type { EngineLayerOptions } from '../engine/ops/plan-from-tensors.ts';
import { TconvError } from '../shape/errors.ts';
import { ConvBackward, type ConvGradients } from './conv-backward-layer.ts';

export type { ConvGradients } from './conv-backward-layer.ts';

export interface BackwardArgs {
  readonly input: Tensor;
  readonly weight: Tensor;
  /** Whether the forward had a bias (its gradient does not depend on its value). */
  readonly bias?: boolean;
  readonly gradOutput: Tensor;
  /** The forward's options (stride, padding, outputPadding, dilation, groups, pads) and the backend for ∂L/∂X and ∂L/∂W. */
  readonly options?: EngineLayerOptions;
}

function backwardOf(kind: 'convTranspose' | 'conv', args: BackwardArgs, gradients: { input: boolean; weight: boolean }): ConvBackward {
  const back = new ConvBackward(kind, args.input.shape, args.weight.shape, { ...args.options, bias: args.bias ?? true, gradients });
  checkGradOutput(back, args.gradOutput);
  return back;
}

/**
 * @example
 * const x = tensor([1, 1, 3], [1, 2, 3]);
 * const w = tensor([1, 1, 2], [1, 1]);
 * const g = convTransposeBackward({ input: x, weight: w, gradOutput: tensor([1, 1, 6], [1, 0, 0, 0, 0, 1]), options: { stride: 2 } });
 * // g.input.data → [1, 0, 1]; g.weight.data → [1, 3]; g.bias.data → [2]
 */
export function convTransposeBackward(args: BackwardArgs): ConvGradients {
  return backwardOf('convTranspose', args, { input: true, weight: true }).run(args.input.data, args.weight.data, args.gradOutput.data);
}

/**
 * @example
 * const g = convBackward({ input: tensor([1, 1, 4], [1, 2, 3, 4]), weight: tensor([1, 1, 2], [1, 1]), gradOutput: tensor([1, 1, 2], [1, 1]), options: { stride: 2 } });
 * // g.input.data → [1, 1, 1, 1]; g.weight.data → [4, 6]
 */
export function convBackward(args: BackwardArgs): ConvGradients {
  return backwardOf('conv', args, { input: true, weight: true }).run(args.input.data, args.weight.data, args.gradOutput.data);
}

/**
 * ∂L/∂X alone (what a frozen layer in the middle of a network needs), on the options' backend.
 * @example
 * inputGradient('convTranspose', { input: x, weight: w, gradOutput: g, options: { stride: 2, backend: 'native' } })
 */
export function inputGradient(kind: 'convTranspose' | 'conv', args: BackwardArgs): Tensor {
  return backwardOf(kind, args, { input: true, weight: false }).run(args.input.data, args.weight.data, args.gradOutput.data).input;
}

/**
 * ∂L/∂W alone: on the reference backend the float64 per-phase correlation (weight-gradient.ts), on native the addon's
 * GEMM kernel (weight-gradient-native.ts), on wasm the kernels' ∂W kernel (weight-gradient-wasm.ts).
 */
export function weightGradient(kind: 'convTranspose' | 'conv', args: BackwardArgs): Tensor {
  return backwardOf(kind, args, { input: false, weight: true }).run(args.input.data, args.weight.data, args.gradOutput.data).weight;
}

function checkGradOutput(back: ConvBackward, gradOutput: Tensor): void {
  const shape = back.plan.outputShape;
  const same = gradOutput.shape.length === shape.length && gradOutput.shape.every((d, i) => d === shape[i]);
  if (!same) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'gradOutput.shape', value: [...gradOutput.shape],
      rule: `must be the layer's output shape [${shape.join(', ')}]`, hint: 'pass ∂L/∂Y for the forward that was run',
    });
  }
}
