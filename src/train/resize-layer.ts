/**
 * Resize (nearest, linear along every axis) for one input shape, with its buffers: the per-axis source tables, the
 * forward's per-axis results and the backward's are made once, and every forward and backward writes into them. The
 * engine's resize() makes its result, intermediates and tables per call, which a training step must not; the forward
 * here computes the same values (the engine's own axis tables and loop, axisResize and resizeAxisInto, into kept buffers:
 * test/train/training-buffers.test.ts compares them bit for bit).
 *
 * The backward is the forward's adjoint: axis by axis in reverse order, each output gradient scattered back to the
 * (at most two) inputs it was blended from, with the same weights, summed in float64 and rounded to float32 after
 * each axis.
 */
import { TconvError } from '../shape/errors.ts';
import { DEFAULT_MEMORY_LIMIT_BYTES, checkMemory } from '../shape/plan.ts';
import { type AxisResize, type ResizeOptions, axisResize, resizeAxisInto, resizeSettings } from '../engine/ops/resize.ts';
import { type Tensor, sameShape, sizeOf, tensor } from '../tensor/tensor.ts';

export class ResizeLayer {
  readonly outputShape: readonly number[];
  /** The axes with a factor above 1, in forward order. */
  private readonly steps: readonly AxisResize[];
  /** The forward's result after each step (the last is the output); made at the first forward (resizeBackward runs none). */
  private results: readonly Tensor[] | null = null;
  private readonly shapes: readonly (readonly number[])[];
  /** The backward's result of each step (index i: ∂L/∂ of step i's input; index 0 is ∂L/∂X). */
  private readonly gradients: readonly Tensor[];
  /** Float64 sums of the largest backward result. */
  private readonly sums: Float64Array;
  private readonly nearest: boolean;

  /**
   * @example
   * const layer = new ResizeLayer([1, 1, 2], { scale: 2, mode: 'bilinear' });
   * layer.forward(tensor([1, 1, 2], [1, 3])).data // → [1, 1.5, 2.5, 3], the same array every call
   */
  constructor(readonly inputShape: readonly number[], options: ResizeOptions) {
    const { mode, scale } = resizeSettings(inputShape, options);
    const rank = scale.length;
    this.nearest = mode === 'nearest';
    this.outputShape = Object.freeze(inputShape.map((n, i) => (i < 2 ? n : n * scale[i - 2]!)));
    const shapes: number[][] = [];
    let shape = [...inputShape];
    for (let a = 0; a < rank; a++) {
      if (scale[a] === 1) continue;
      shape = shape.map((n, i) => (i === 2 + a ? n * scale[a]! : n));
      shapes.push(shape);
    }
    // The limit covers the input, the output gradient the backward reads and every buffer here: the forward's results
    // (the output among them), the backward's (∂X among them) and the float64 sums.
    const results = shapes.map(sizeOf);
    const gradients = [sizeOf(inputShape), ...results].slice(0, shapes.length);
    const elements = [sizeOf(inputShape), sizeOf(this.outputShape), ...results, ...gradients];
    const bytes = 4 * elements.reduce((s, n) => s + n, 0) + 8 * Math.max(0, ...gradients);
    checkMemory(elements, bytes, options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES, this.outputShape);

    const steps: AxisResize[] = [];
    let before = inputShape;
    for (let a = 0; a < rank; a++) {
      if (scale[a] === 1) continue;
      steps.push(axisResize(before, 2 + a, scale[a]!, mode));
      before = shapes[steps.length - 1]!;
    }
    this.steps = steps;
    this.shapes = shapes;
    this.gradients = [inputShape, ...shapes].slice(0, steps.length).map((s) => tensor(s));
    this.sums = new Float64Array(Math.max(0, ...gradients));
  }

  /** The resized x, in this layer's buffer (overwritten by the next forward); x itself when every factor is 1. */
  forward(x: Tensor): Tensor {
    check('input', x.shape, this.inputShape);
    const nearest = this.nearest;
    this.results ??= this.shapes.map((s) => tensor(s));
    const results = this.results;
    let src = x.data;
    for (let i = 0; i < this.steps.length; i++) {
      const dst = results[i]!.data;
      resizeAxisInto(this.steps[i]!, src, dst, nearest);
      src = dst;
    }
    return results.at(-1) ?? x;
  }

  /** ∂L/∂X for ∂L/∂Y = gradOutput, in this layer's buffer (overwritten by the next backward); gradOutput itself when every factor is 1. */
  backward(gradOutput: Tensor): Tensor {
    check('gradOutput', gradOutput.shape, this.outputShape);
    let src = gradOutput.data;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const { size, outSize, outer, inner, first, second, lambdas } = this.steps[i]!;
      const result = this.gradients[i]!.data;
      const sums = this.sums;
      sums.fill(0, 0, result.length);
      for (let o = 0; o < outSize; o++) {
        const i0 = first[o]!;
        const i1 = second[o]!;
        const lambda = lambdas[o]!;
        for (let b = 0; b < outer; b++) {
          const from = (b * outSize + o) * inner;
          const to0 = (b * size + i0) * inner;
          const to1 = (b * size + i1) * inner;
          for (let c = 0; c < inner; c++) {
            const g = src[from + c]!;
            sums[to0 + c]! += (1 - lambda) * g;
            sums[to1 + c]! += lambda * g;
          }
        }
      }
      for (let k = 0; k < result.length; k++) result[k] = sums[k]!;
      src = result;
    }
    return this.gradients[0] ?? gradOutput;
  }
}

function check(parameter: string, shape: readonly number[], expected: readonly number[]): void {
  if (!sameShape(shape, expected)) {
    throw new TconvError({
      code: 'invalid-value', parameter: `${parameter}.shape`, value: [...shape],
      rule: `must be [${expected.join(', ')}]`, hint: parameter === 'input' ? 'make a ResizeLayer for the new shape' : 'pass the gradient of the forward that was run',
    });
  }
}
