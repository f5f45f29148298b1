/**
 * PyTorch's convention: symmetric `padding`, `output_padding`, and `forward(x, output_size=…)`, which picks the
 * output_padding that reaches a requested size. Translated here to the canonical LayerOptions and nowhere else.
 */
import { TconvError, formatValue } from '../errors.ts';
import { pytorchOutputSizeRange } from '../formulas.ts';
import { type LayerOptions, type Rank, checkInteger, perAxis } from '../params.ts';
import { rankOf } from './canonical.ts';

export interface PytorchOutputPaddingArgs {
  /** Spatial input sizes (N and C, or C, in front are ignored). */
  readonly input: readonly number[];
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  /** Spatial output sizes, or N, C and spatial sizes (as torch accepts). */
  readonly outputSize: readonly number[];
}

/**
 * The output_padding PyTorch derives from `output_size` (torch.nn.ConvTransposeNd._output_padding).
 * Valid sizes per axis run from (i − 1)s − 2p + d(k − 1) + 1 to that + s − 1; outside, PyTorch raises
 * "requested an output size of …, but valid sizes range from … to …", and so do we.
 * @example
 * pytorchOutputPadding({ input: [32, 32], kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], outputSize: [64, 64] })
 * // → [1, 1]
 */
export function pytorchOutputPadding(args: PytorchOutputPaddingArgs): number[] {
  const rank = args.kernel.length;
  for (const name of ['stride', 'padding', 'dilation'] as const) {
    if (args[name].length !== rank) {
      throw new TconvError({
        code: 'invalid-rank', parameter: name, value: args[name],
        rule: `has ${args[name].length} values but kernel has ${rank}`, hint: 'give one value per spatial axis',
      });
    }
  }
  if (args.input.length < rank || args.input.length > rank + 2) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'input', value: args.input,
      rule: `has ${args.input.length} sizes but a ${rank}D layer needs ${rank} spatial sizes (optionally after N and C)`,
      hint: `give ${rank} spatial sizes`,
    });
  }
  const input = args.input.slice(args.input.length - rank);
  const given = args.outputSize;
  if (given.length !== rank && given.length !== rank + 2) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'outputSize', value: given,
      rule: `has ${given.length} elements, but a ${rank}D transposed convolution needs ${rank} or ${rank + 2} (N, C and spatial sizes)`,
      hint: `give the ${rank} spatial output sizes`,
    });
  }
  const outputSize = given.slice(given.length - rank).map((v, a) =>
    checkInteger(given.length === 1 ? 'outputSize' : `outputSize[${given.length - rank + a}]`, v, 'positive', 'output sizes are positive integers'));
  const ranges = input.map((i, a) => pytorchOutputSizeRange(i, args.kernel[a]!, args.stride[a]!, args.padding[a]!, args.dilation[a]!));
  if (outputSize.some((size, a) => size < ranges[a]!.min || size > ranges[a]!.max)) {
    const mins = ranges.map((r) => r.min);
    const maxs = ranges.map((r) => r.max);
    throw new TconvError({
      code: 'output-size-unreachable', parameter: 'outputSize', value: outputSize,
      rule: `requested an output size of ${formatValue(outputSize)}, but valid sizes range from ${formatValue(mins)} to ${formatValue(maxs)} (for an input of ${formatValue(input)}, kernel ${formatValue([...args.kernel])}, stride ${formatValue([...args.stride])}, padding ${formatValue([...args.padding])}, dilation ${formatValue([...args.dilation])})`,
      hint: 'ask for a size in that range, or change stride or padding (tconv solve finds a layer for any size)',
    });
  }
  return outputSize.map((size, a) => size - ranges[a]!.min);
}

/** A layer as written in PyTorch: nn.ConvTranspose{1,2,3}d arguments plus forward's optional output_size. */
export interface PytorchLayer extends Omit<LayerOptions, 'pads'> {  // PyTorch has no asymmetric pads
  /** forward(x, output_size): replaces outputPadding (needs `input`). */
  readonly outputSize?: readonly number[];
  /** Spatial input sizes; needed only with outputSize. */
  readonly input?: readonly number[];
}

/**
 * PyTorch arguments → canonical LayerOptions (PyTorch's meanings are the canonical ones; only output_size needs work).
 * @example
 * fromPytorch({ kernel: 3, stride: 2, padding: 1, input: [32], outputSize: [64] }) // → { kernel: [3], stride: [2], padding: [1], outputPadding: [1], dilation: [1], groups: 1 }
 */
export function fromPytorch(layer: PytorchLayer): LayerOptions {
  const rank = pytorchRank(layer);
  const hint = 'see torch.nn.ConvTranspose2d';
  const kernel = perAxis('kernel', layer.kernel, rank, 1, 'positive', hint);
  const stride = perAxis('stride', layer.stride, rank, 1, 'positive', hint);
  const padding = perAxis('padding', layer.padding, rank, 0, 'nonNegative', hint);
  const dilation = perAxis('dilation', layer.dilation, rank, 1, 'positive', hint);
  const groups = checkInteger('groups', layer.groups ?? 1, 'positive', hint);
  let outputPadding: number[];
  if (layer.outputSize !== undefined) {
    if (layer.input === undefined) {
      throw new TconvError({
        code: 'usage', parameter: 'outputSize', value: layer.outputSize,
        rule: 'needs the input size to pick outputPadding', hint: 'give input (the spatial input sizes) too',
      });
    }
    outputPadding = pytorchOutputPadding({ input: layer.input, kernel, stride, padding, dilation, outputSize: layer.outputSize });
  } else {
    outputPadding = perAxis('outputPadding', layer.outputPadding, rank, 0, 'nonNegative', hint);
  }
  return { kernel, stride, padding, outputPadding, dilation, groups };
}

function pytorchRank(layer: PytorchLayer): Rank {
  const n = layer.input?.length ?? 2;
  return rankOf([
    ['kernel', layer.kernel], ['stride', layer.stride], ['padding', layer.padding],
    ['outputPadding', layer.outputPadding], ['dilation', layer.dilation],
  ], n >= 1 && n <= 3 ? n : 2);
}
