/**
 * Keras / TensorFlow's convention for Conv{1,2,3}DTranspose: padding 'same' | 'valid', optional output_padding,
 * dilation_rate. Keras computes an output length (deconv_output_length), then TF's conv_backprop_input crops
 * ⌊total/2⌋ at the start, as its forward 'same' conv pads: so TF 'same' = ONNX SAME_UPPER (output i·s).
 */
import { TconvError } from '../errors.ts';
import {
  fullTransposedSize, kerasTransposedOutputSizeWithPadding, sameConvOutputSize, sameConvTotalPadding,
  sameTransposedOutputSize, validConvOutputSize, validTransposedOutputSize,
} from '../formulas.ts';
import { type LayerSpec, type PerAxis, type Rank, checkInteger, perAxis } from '../params.ts';
import { cropsToOptions, rankOf } from './canonical.ts';

export type KerasPadding = 'same' | 'valid';

export interface KerasTransposeLayer {
  /** Spatial input sizes (channels_last or first does not matter here). */
  readonly input: PerAxis;
  readonly kernelSize: PerAxis;
  readonly strides?: PerAxis;
  readonly padding?: KerasPadding;
  /** null/undefined: Keras's default (no output_padding). */
  readonly outputPadding?: PerAxis | null;
  readonly dilationRate?: PerAxis;
  /** Output channels (Keras `filters`). */
  readonly filters?: number;
  readonly inChannels?: number;
  readonly batch?: number;
  /** Rank when every size is a number (default 2). */
  readonly rank?: Rank;
}

/** The output length Keras asks TF for, per axis (keras deconv_output_length). */
export function kerasOutputLength(input: number, kernel: number, stride: number, dilation: number, padding: KerasPadding, outputPadding: number | null): number {
  if (outputPadding === null) {
    return padding === 'same' ? sameTransposedOutputSize(input, stride) : validTransposedOutputSize(input, kernel, stride, dilation);
  }
  return kerasTransposedOutputSizeWithPadding(input, kernel, stride, dilation, padding === 'same', outputPadding);
}

/**
 * One axis of a Keras transposed conv: the length Keras asks for, the forward conv size TF checks it against
 * (it must equal the input), and the crops of the full output that result.
 * @example
 * kerasAxisCrop(32, 3, 2, 1, 'same', null) // → { length: 64, forward: 32, begin: 0, end: 1 }
 */
export function kerasAxisCrop(input: number, kernel: number, stride: number, dilation: number, padding: KerasPadding, outputPadding: number | null) {
  const length = kerasOutputLength(input, kernel, stride, dilation, padding, outputPadding);
  // TF's conv_backprop_input pads the *forward* conv of `length`, and insists it gives back the input size.
  const forward = padding === 'same' ? sameConvOutputSize(length, stride) : validConvOutputSize(length, kernel, stride, dilation);
  const begin = padding === 'same' ? Math.floor(sameConvTotalPadding(length, kernel, stride, dilation) / 2) : 0;
  return { length, forward, begin, end: fullTransposedSize(input, kernel, stride, dilation) - begin - length };
}

/**
 * Keras Conv{N}DTranspose arguments → canonical LayerSpec.
 * @example
 * fromKeras({ input: [32, 32], kernelSize: 3, strides: 2, padding: 'same' }).pads
 * // → { begin: [0, 0], end: [1, 1] }   (output 64: the extra cell is cropped at the end, ONNX SAME_UPPER)
 */
export function fromKeras(layer: KerasTransposeLayer): LayerSpec {
  const rank = kerasRank(layer);
  const hint = 'see keras.layers.Conv2DTranspose';
  const input = perAxis('input', layer.input, rank, 1, 'positive', 'spatial sizes are 1 or more');
  const kernel = perAxis('kernel_size', layer.kernelSize, rank, 1, 'positive', hint);
  const stride = perAxis('strides', layer.strides, rank, 1, 'positive', hint);
  const dilation = perAxis('dilation_rate', layer.dilationRate, rank, 1, 'positive', hint);
  const padding = layer.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'padding', value: padding,
      rule: 'must be "same" or "valid"', hint: '"same" gives input × strides; "valid" adds max(K − s, 0)',
    });
  }
  if (dilation.some((d) => d > 1) && stride.some((s) => s > 1)) {
    throw new TconvError({
      code: 'unsupported', parameter: 'dilation_rate', value: layer.dilationRate,
      rule: 'cannot exceed 1 together with strides above 1 in Keras transposed convolutions',
      hint: 'use strides 1 with dilation, or dilation_rate 1',
    });
  }
  const op = layer.outputPadding === undefined || layer.outputPadding === null ? null
    : perAxis('output_padding', layer.outputPadding, rank, 0, 'nonNegative', hint);
  op?.forEach((value, a) => {
    if (value >= stride[a]!) {
      throw new TconvError({
        code: 'output-padding-too-large', parameter: typeof layer.outputPadding === 'number' ? 'output_padding' : `output_padding[${a}]`, value,
        rule: `must be smaller than strides (${stride[a]}) (Keras: "Strides must be greater than output padding")`,
        hint: stride[a] === 1 ? 'use output_padding 0 or leave it out' : `use output_padding below ${stride[a]}`,
      });
    }
  });

  const padBegin: number[] = [];
  const padEnd: number[] = [];
  for (let a = 0; a < rank; a++) {
    const [i, k, s, d] = [input[a]!, kernel[a]!, stride[a]!, dilation[a]!];
    const { length, forward, begin, end } = kerasAxisCrop(i, k, s, d, padding, op ? op[a]! : null);
    if (forward !== i) {
      throw new TconvError({
        code: 'output-size-unreachable', parameter: op ? 'output_padding' : 'kernel_size', value: op ? layer.outputPadding : layer.kernelSize,
        rule: `makes Keras ask TensorFlow for an output of ${length}${rank === 1 ? '' : ` on axis ${a}`}, whose forward '${padding}' conv has ${forward} positions, not the input's ${i}; TensorFlow refuses it`,
        hint: padding === 'same' ? 'leave output_padding out (output = input × strides)' : 'use a smaller output_padding, or padding "same"',
      });
    }
    padBegin.push(begin);
    padEnd.push(end);
  }
  const options = cropsToOptions({ input, kernel, stride, dilation, padBegin, padEnd }, () => ({
    parameter: op ? 'output_padding' : 'padding', value: op ? layer.outputPadding : padding,
    hint: 'this Keras layer has no canonical equivalent; choose other strides or kernel_size',
  }));
  const inChannels = checkInteger('inChannels', layer.inChannels ?? 1, 'positive', 'use 1 or more channels');
  const outChannels = checkInteger('filters', layer.filters ?? 1, 'positive', 'use 1 or more filters');
  const batch = checkInteger('batch', layer.batch ?? 1, 'nonNegative', 'use a batch of 0 or more');
  return { kind: 'convTranspose', input, batch, inChannels, outChannels, rank, ...options };
}

function kerasRank(layer: KerasTransposeLayer): Rank {
  return rankOf([
    ['input', layer.input], ['kernel_size', layer.kernelSize], ['strides', layer.strides],
    ['dilation_rate', layer.dilationRate], ['output_padding', layer.outputPadding],
  ], layer.rank ?? 2);
}
