/**
 * Backward of the parameter-free ops a decoder stack holds: resize (nearest, linear), pixel shuffle/unshuffle, the
 * activations (relu, leakyRelu, tanh, sigmoid), add and channel concat. Each is the adjoint of its forward: the
 * forward is linear in its input (resize, shuffle, add, concat) or elementwise (activations).
 */
import { TconvError } from '../shape/errors.ts';
import { pixelShuffle, pixelUnshuffle } from '../engine/ops/pixel-shuffle.ts';
import type { ResizeOptions } from '../engine/ops/resize.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { ResizeLayer } from './resize-layer.ts';

/**
 * ∂L/∂X of resize(x, options) for an input of shape inputShape (a new tensor; ResizeModule keeps a ResizeLayer and
 * its buffers instead). The forward blends at most two inputs per output along each axis, axis after axis; the
 * backward scatters each output gradient back with the same weights, axes in reverse order (resize-layer.ts).
 * @example
 * resizeBackward(tensor([1, 1, 4], [1, 1, 1, 1]), [1, 1, 2], { scale: 2, mode: 'bilinear' }).data // → [2, 2]
 */
export function resizeBackward(gradOutput: Tensor, inputShape: readonly number[], options: ResizeOptions): Tensor {
  return new ResizeLayer(inputShape, options).backward(gradOutput);
}

/** Pixel shuffle is a permutation, so its adjoint is its inverse: ∂L/∂X = pixelUnshuffle(∂L/∂Y). */
export function pixelShuffleBackward(gradOutput: Tensor, factor: number): Tensor {
  return pixelUnshuffle(gradOutput, factor);
}

export function pixelUnshuffleBackward(gradOutput: Tensor, factor: number): Tensor {
  return pixelShuffle(gradOutput, factor);
}

export type ActivationName = 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid'];

/** torch.nn.LeakyReLU's default negative slope. */
export const DEFAULT_LEAKY_SLOPE = 0.01;

/**
 * The activation of x, in `out` when given (x's shape; ActivationModule passes its own buffer), else a new tensor.
 * @example
 * activation(tensor([2], [-1, 2]), 'relu').data // → [0, 2]
 */
export function activation(x: Tensor, name: ActivationName, slope = DEFAULT_LEAKY_SLOPE, out?: Tensor): Tensor {
  checkActivation(name);
  if (out) checkShape('out', out.shape, x.shape);
  else out = tensor(x.shape);
  const a = x.data;
  const y = out.data;
  if (name === 'relu') for (let i = 0; i < a.length; i++) y[i] = Math.max(a[i]!, 0);
  else if (name === 'leakyRelu') for (let i = 0; i < a.length; i++) y[i] = a[i]! > 0 ? a[i]! : slope * a[i]!;
  else if (name === 'tanh') for (let i = 0; i < a.length; i++) y[i] = Math.tanh(a[i]!);
  else for (let i = 0; i < a.length; i++) y[i] = 1 / (1 + Math.exp(-a[i]!));
  return out;
}

/**
 * ∂L/∂X from the forward's input x and output y (tanh and sigmoid use y; relu's derivative at 0 is 0, as torch's), in
 * `out` when given (may be gradOutput itself: each element is read before it is written), else a new tensor.
 * @example
 * activationBackward(tensor([2], [5, 5]), { input: tensor([2], [-1, 2]), output: tensor([2], [0, 2]) }, 'relu').data // → [0, 5]
 */
export function activationBackward(
  gradOutput: Tensor, forward: { readonly input: Tensor; readonly output: Tensor }, name: ActivationName, slope = DEFAULT_LEAKY_SLOPE, out?: Tensor,
): Tensor {
  checkActivation(name);
  checkShape('gradOutput', gradOutput.shape, forward.input.shape);
  if (out) checkShape('out', out.shape, gradOutput.shape);
  else out = tensor(gradOutput.shape);
  const g = gradOutput.data;
  const x = forward.input.data;
  const y = forward.output.data;
  const d = out.data;
  if (name === 'relu') for (let i = 0; i < g.length; i++) d[i] = x[i]! > 0 ? g[i]! : 0;
  else if (name === 'leakyRelu') for (let i = 0; i < g.length; i++) d[i] = x[i]! > 0 ? g[i]! : slope * g[i]!;
  else if (name === 'tanh') for (let i = 0; i < g.length; i++) d[i] = g[i]! * (1 - y[i]! * y[i]!);
  else for (let i = 0; i < g.length; i++) d[i] = g[i]! * y[i]! * (1 - y[i]!);
  return out;
}

/** y = a + b (same shapes), in `out` when given (a training loop's own buffer), else a new tensor. Its backward hands ∂L/∂Y to both: see addBackward. */
export function add(a: Tensor, b: Tensor, out?: Tensor): Tensor {
  checkShape('b', b.shape, a.shape);
  if (out) checkShape('out', out.shape, a.shape);
  else out = tensor(a.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i]! + b.data[i]!;
  return out;
}

/**
 * Both inputs' gradients are ∂L/∂Y: the first is gradOutput itself, the second a copy (so a consumer that changes
 * one does not change the other), made in `copy` when given (gradOutput's shape), else a new tensor.
 */
export function addBackward(gradOutput: Tensor, copy?: Tensor): readonly [Tensor, Tensor] {
  if (copy) {
    checkShape('copy', copy.shape, gradOutput.shape);
    copy.data.set(gradOutput.data);
    return [gradOutput, copy];
  }
  return [gradOutput, tensor(gradOutput.shape, gradOutput.data.slice())];
}

/**
 * Concatenation along channels (dim 1) of NC… tensors with equal N and spatial sizes, in `out` when given, else a
 * new tensor.
 * @example
 * concatChannels([tensor([1, 1, 2], [1, 2]), tensor([1, 1, 2], [3, 4])]).shape // → [1, 2, 2]
 */
export function concatChannels(parts: readonly Tensor[], out?: Tensor): Tensor {
  const first = parts[0];
  if (!first) throw new TconvError({ code: 'invalid-value', parameter: 'parts', value: [], rule: 'must hold at least one tensor', hint: 'pass the tensors to join' });
  for (const [i, p] of parts.entries()) {
    const same = p.shape.length === first.shape.length && p.shape.every((d, j) => j === 1 || d === first.shape[j]);
    if (!same) {
      throw new TconvError({
        code: 'invalid-value', parameter: `parts[${i}].shape`, value: [...p.shape],
        rule: `must equal [${first.shape.join(', ')}] except in channels`, hint: 'concatenate tensors of the same batch and spatial size',
      });
    }
  }
  const channels = parts.reduce((s, p) => s + p.shape[1]!, 0);
  const shape = first.shape.map((d, j) => (j === 1 ? channels : d));
  if (out) checkShape('out', out.shape, shape);
  else out = tensor(shape);
  const batch = first.shape[0]!;
  const spatial = first.shape.slice(2).reduce((a, b) => a * b, 1);
  let offset = 0;
  for (let n = 0; n < batch; n++) {
    for (const p of parts) {
      const block = p.shape[1]! * spatial;
      copyRange(p.data, n * block, out.data, offset, block);
      offset += block;
    }
  }
  return out;
}

/**
 * Splits ∂L/∂Y of a channel concat back into the parts' gradients (channel counts in order), into `parts` when given
 * (one tensor per part, of its shape), else new tensors.
 */
export function concatChannelsBackward(gradOutput: Tensor, channels: readonly number[], into?: readonly Tensor[]): readonly Tensor[] {
  const total = channels.reduce((a, b) => a + b, 0);
  if (gradOutput.shape[1] !== total) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'channels', value: [...channels],
      rule: `sum to ${total}, but gradOutput has ${gradOutput.shape[1]} channels`, hint: 'pass the channel counts of the concatenated parts',
    });
  }
  const batch = gradOutput.shape[0]!;
  const spatial = gradOutput.shape.slice(2).reduce((a, b) => a * b, 1);
  const shapeOf = (c: number) => gradOutput.shape.map((d, j) => (j === 1 ? c : d));
  if (into) {
    if (into.length !== channels.length) {
      throw new TconvError({ code: 'invalid-value', parameter: 'into', value: `${into.length} tensors`, rule: `must hold one tensor per part (${channels.length})`, hint: 'pass one buffer per concatenated part' });
    }
    for (const [i, c] of channels.entries()) checkShape(`into[${i}]`, into[i]!.shape, shapeOf(c));
  }
  const parts = into ?? channels.map((c) => tensor(shapeOf(c)));
  let offset = 0;
  for (let n = 0; n < batch; n++) {
    for (const [i, c] of channels.entries()) {
      const block = c * spatial;
      copyRange(gradOutput.data, offset, parts[i]!.data, n * block, block);
      offset += block;
    }
  }
  return parts;
}

/** to[at … at + length) = from[start … start + length), element by element (a subarray view per block would be an object per block). */
function copyRange(from: Float32Array, start: number, to: Float32Array, at: number, length: number): void {
  for (let i = 0; i < length; i++) to[at + i] = from[start + i]!;
}

function checkActivation(name: string): void {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new TconvError({ code: 'invalid-value', parameter: 'activation', value: name, rule: `must be one of ${ACTIVATIONS.join(', ')}`, hint: 'choose an activation the engine runs' });
  }
}

function checkShape(parameter: string, shape: readonly number[], expected: readonly number[]): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new TconvError({
      code: 'invalid-value', parameter: `${parameter}.shape`, value: [...shape],
      rule: `must be [${expected.join(', ')}]`, hint: 'pass the gradient of the forward that was run',
    });
  }
}
