/** Random tensors from a seed: test inputs, benchmark data, initial weights. */
import { createRng } from './rng.ts';
import { type Tensor, sizeOf, tensor } from './tensor.ts';

export type RandomOptions =
  | { readonly distribution?: 'uniform'; readonly low?: number; readonly high?: number }
  | { readonly distribution: 'normal'; readonly mean?: number; readonly std?: number };

/**
 * A tensor of the given shape filled from `createRng(seed)`; uniform in [−1, 1) unless told otherwise.
 * @example
 * randomTensor([1, 2, 3, 3], 7).data.length // → 18
 * randomTensor([4], 7, { distribution: 'normal', std: 0.02 })
 */
export function randomTensor(shape: readonly number[], seed: number, options: RandomOptions = {}): Tensor {
  const rng = createRng(seed);
  const data = new Float32Array(sizeOf(shape));
  if (options.distribution === 'normal') {
    const { mean = 0, std = 1 } = options;
    for (let i = 0; i < data.length; i++) data[i] = rng.normal(mean, std);
  } else {
    const { low = -1, high = 1 } = options;
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(low, high);
  }
  return tensor(shape, data);
}
