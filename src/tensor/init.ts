/**
 * PyTorch's default initialisation of convolution layers (torch.nn.modules.conv._ConvNd.reset_parameters):
 * weight ~ kaiming_uniform(a = √5), i.e. U(−b, b) with b = gain·√3/√fan_in, gain = √(2/(1 + a²)) = √(1/3),
 * so b = 1/√fan_in; bias ~ U(−1/√fan_in, 1/√fan_in).
 * fan_in is weight.size(1)·∏kernel for both layer kinds, because torch computes it from the weight tensor:
 * conv (Cout, Cin/g, k…) → (Cin/g)·∏k; transposed (Cin, Cout/g, k…) → (Cout/g)·∏k.
 */
import { createRng } from './rng.ts';
import { type Tensor, sizeOf, tensor } from './tensor.ts';

/** fan_in as torch computes it: weight.size(1) × receptive field size. */
export function fanIn(weightShape: readonly number[]): number {
  return (weightShape[1] ?? 1) * sizeOf(weightShape.slice(2));
}

/** Bound b of U(−b, b) for both weight and bias under PyTorch's default init: 1/√fan_in (0 when fan_in is 0). */
export function pytorchInitBound(weightShape: readonly number[]): number {
  const fan = fanIn(weightShape);
  return fan > 0 ? 1 / Math.sqrt(fan) : 0;
}

export interface InitializedParameters {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
}

/**
 * Weight and bias drawn as PyTorch draws them (same distributions; not the same numbers as torch's generator).
 * @example
 * const { weight, bias } = pytorchDefaultInit({ weightShape: [16, 8, 4, 4], outChannels: 8, bias: true, seed: 1 });
 * // every |w| and |b| ≤ 1/√(8·4·4) = 0.0884
 */
export function pytorchDefaultInit(args: {
  readonly weightShape: readonly number[];
  readonly outChannels: number;
  readonly bias: boolean;
  readonly seed: number;
}): InitializedParameters {
  const bound = pytorchInitBound(args.weightShape);
  const rng = createRng(args.seed);
  const weight = new Float32Array(sizeOf(args.weightShape));
  for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-bound, bound);
  let bias: Tensor | null = null;
  if (args.bias) {
    const values = new Float32Array(args.outChannels);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-bound, bound);
    bias = tensor([args.outChannels], values);
  }
  return { weight: tensor(args.weightShape, weight), bias };
}
