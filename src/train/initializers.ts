/**
 * Initializers for trainable weights: PyTorch's default (kaiming-uniform a = √5), normal (DCGAN's N(0, 0.02)) and ICNR
 * (Aitken et al., 2017), which reuses the analysis module's icnrWeight so there is one definition of it.
 */
import { icnrWeight } from '../analysis/subpixel.ts';
import { pytorchDefaultInit } from '../tensor/init.ts';
import { randomTensor } from '../tensor/random.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';

export type InitializerName = 'pytorch' | 'normal' | 'icnr';

export interface InitArgs {
  readonly kind: 'convTranspose' | 'conv';
  readonly weightShape: readonly number[];
  readonly outChannels: number;
  readonly bias: boolean;
  readonly seed: number;
  /** icnr: the stride (transposed) or pixel-shuffle factor (a conv followed by pixelShuffle). */
  readonly stride?: number;
  /** normal: the standard deviation (default 0.02). */
  readonly std?: number;
}

/**
 * Weight and bias for a layer. ICNR keeps PyTorch's default bias bound and zeroes nothing else: every phase (or
 * sub-pixel channel group) starts with the same sub-kernel, so the first output is a nearest-upsampled image.
 * @example
 * initialize('icnr', { kind: 'conv', weightShape: [16, 4, 3, 3], outChannels: 16, bias: true, seed: 1, stride: 2 })
 */
export function initialize(name: InitializerName, args: InitArgs): { weight: Tensor; bias: Tensor | null } {
  const base = pytorchDefaultInit({ weightShape: args.weightShape, outChannels: args.outChannels, bias: args.bias, seed: args.seed });
  if (name === 'pytorch') return base;
  if (name === 'normal') {
    return { weight: randomTensor(args.weightShape, args.seed, { distribution: 'normal', std: args.std ?? 0.02 }), bias: args.bias ? tensor([args.outChannels]) : null };
  }
  const weight = icnrWeight({ kind: args.kind === 'conv' ? 'pixelShuffle' : 'convTranspose', shape: args.weightShape, stride: args.stride ?? 2, seed: args.seed });
  // A pixel-shuffle conv's bias is per sub-pixel channel: equal within each group, so the shuffled bias is flat too.
  let bias = base.bias;
  if (bias && args.kind === 'conv') {
    const group = (args.stride ?? 2) ** (args.weightShape.length - 2);
    bias = tensor(bias.shape, bias.data.map((_, c) => bias!.data[c - (c % group)]!));
  }
  return { weight, bias };
}
