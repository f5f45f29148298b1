/**
 * Losses: a value and ∂loss/∂prediction, mean over every element (torch's reduction='mean'). The gradient is written
 * into `gradient` when given (the prediction's shape; a training loop passes the same buffer every step), else into a
 * new tensor.
 */
import { TconvError } from '../shape/errors.ts';
import { type Tensor, sameShape, tensor } from '../tensor/tensor.ts';

export interface LossResult {
  readonly value: number;
  /** ∂loss/∂prediction, the prediction's shape. */
  readonly gradient: Tensor;
}

/**
 * Mean squared error: mean((p − t)²), gradient 2(p − t)/n.
 * @example
 * mseLoss(tensor([2], [1, 3]), tensor([2], [1, 1])).value // → 2
 */
export function mseLoss(prediction: Tensor, target: Tensor, gradient?: Tensor): LossResult {
  return meanLoss(prediction, target, gradient, squared, twice);
}

/**
 * Mean absolute error: mean|p − t|, gradient sign(p − t)/n (0 where they are equal, as torch).
 * @example
 * l1Loss(tensor([2], [1, 3]), tensor([2], [1, 1])).value // → 1
 */
export function l1Loss(prediction: Tensor, target: Tensor, gradient?: Tensor): LossResult {
  return meanLoss(prediction, target, gradient, Math.abs, Math.sign);
}

const squared = (d: number) => d * d;
const twice = (d: number) => 2 * d;

/** mean(term(p − t)) and its gradient slope(p − t)/n, in one pass over the elements. */
function meanLoss(prediction: Tensor, target: Tensor, into: Tensor | undefined, term: (d: number) => number, slope: (d: number) => number): LossResult {
  check('target', prediction, target);
  if (into) check('gradient', prediction, into);
  const n = prediction.data.length;
  const gradient = into ?? tensor(prediction.shape);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = prediction.data[i]! - target.data[i]!;
    sum += term(d);
    gradient.data[i] = slope(d) / n;
  }
  return { value: n > 0 ? sum / n : 0, gradient };
}

function check(parameter: string, prediction: Tensor, other: Tensor): void {
  if (!sameShape(prediction.shape, other.shape)) {
    throw new TconvError({
      code: 'invalid-value', parameter: `${parameter}.shape`, value: [...other.shape],
      rule: `must equal the prediction's shape [${prediction.shape.join(', ')}]`, hint: 'compare tensors of the same shape',
    });
  }
}
