/**
 * Pixel shuffle or unshuffle for one input shape, with its buffers: a permutation, so the forward is a gather
 * y[j] = x[source[j]] and the backward (its adjoint and inverse) the matching scatter ∂X[source[j]] = ∂Y[j]. The
 * source table is taken once from the engine's own pixelShuffle/pixelUnshuffle applied to the element indices, so
 * the index arithmetic lives in one place; the engine's functions make their result per call, which a training step
 * must not.
 */
import { pixelShuffle, pixelUnshuffle } from '../engine/ops/pixel-shuffle.ts';
import { TconvError } from '../shape/errors.ts';
import { type Tensor, sameShape, sizeOf, tensor } from '../tensor/tensor.ts';

/** Indices are split into two parts below 2^12 and 2^24, each exact in float32, so tensors up to 2^36 elements map exactly. */
const LOW = 4096;

export class ShuffleLayer {
  readonly outputShape: readonly number[];
  private readonly source: Uint32Array;
  private readonly output: Tensor;
  private readonly gradInput: Tensor;

  /**
   * @example
   * const layer = new ShuffleLayer([1, 4, 1, 1], 2, 'shuffle');
   * layer.forward(tensor([1, 4, 1, 1], [1, 2, 3, 4])).shape // → [1, 1, 2, 2]
   */
  constructor(readonly inputShape: readonly number[], readonly factor: number, readonly direction: 'shuffle' | 'unshuffle') {
    const size = sizeOf(inputShape);
    const move = direction === 'shuffle' ? pixelShuffle : pixelUnshuffle;
    // The engine checks the factor and shape here, before this layer keeps anything.
    const low = move(tensor(inputShape, Float32Array.from({ length: size }, (_, i) => i % LOW)), factor);
    const high = move(tensor(inputShape, Float32Array.from({ length: size }, (_, i) => Math.floor(i / LOW))), factor);
    this.outputShape = low.shape;
    this.source = new Uint32Array(size);
    for (let j = 0; j < size; j++) this.source[j] = high.data[j]! * LOW + low.data[j]!;
    this.output = tensor(this.outputShape);
    this.gradInput = tensor(inputShape);
  }

  /** The shuffled x, in this layer's buffer (overwritten by the next forward). */
  forward(x: Tensor): Tensor {
    check('input', x.shape, this.inputShape);
    const { source } = this;
    const from = x.data;
    const to = this.output.data;
    for (let j = 0; j < to.length; j++) to[j] = from[source[j]!]!;
    return this.output;
  }

  /** ∂L/∂X (the inverse permutation of ∂L/∂Y), in this layer's buffer (overwritten by the next backward). */
  backward(gradOutput: Tensor): Tensor {
    check('gradOutput', gradOutput.shape, this.outputShape);
    const { source } = this;
    const from = gradOutput.data;
    const to = this.gradInput.data;
    for (let j = 0; j < from.length; j++) to[source[j]!] = from[j]!;
    return this.gradInput;
  }
}

function check(parameter: string, shape: readonly number[], expected: readonly number[]): void {
  if (!sameShape(shape, expected)) {
    throw new TconvError({
      code: 'invalid-value', parameter: `${parameter}.shape`, value: [...shape],
      rule: `must be [${expected.join(', ')}]`, hint: parameter === 'input' ? 'make a ShuffleLayer for the new shape' : 'pass the gradient of the forward that was run',
    });
  }
}
