/**
 * TensorFlow.js's convention: conv2dTranspose(x, filter, outputShape, strides, pad) (and conv3dTranspose), NHWC.
 * tfjs runs the gradient of a forward conv whose *input* is `outputShape`: the crop at the start is that conv's
 * top/left padding ('same': ⌊total/2⌋, 'valid': 0, a number p: p). tfjs does not check that the forward conv of
 * outputShape gives x's size (it silently reads the wrong cells); tconv refuses such shapes. With a numeric pad,
 * tfjs sizes every axis with the first axis's kernel and stride; tconv mirrors that check. conv3dTranspose's 'same'
 * padding is not clamped at 0 (conv2dTranspose's is): with kernel < stride it puts zero cells before the output,
 * a negative padBegin in canonical terms.
 */
import { TconvError, formatValue } from '../errors.ts';
import { fullTransposedSize, sameConvOutputSize, sameConvTotalPadding, tfjsExplicitPadConvOutputSize, tfjsSame3dPadBefore, validConvOutputSize } from '../formulas.ts';
import { type LayerSpec, type Rank, checkInteger } from '../params.ts';
import { cropsToOptions } from './canonical.ts';

/** 'same', 'valid', a number (both sides), or tfjs ExplicitPadding [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type TfjsPad = 'same' | 'valid' | number | readonly (readonly [number, number])[];

export interface TfjsTransposeArgs {
  /** x: [batch, h, w, inChannels] or [h, w, inChannels] (3D: depth first). */
  readonly xShape: readonly number[];
  /** filter: [h, w, outChannels, inChannels] (3D: [d, h, w, out, in]). */
  readonly filterShape: readonly number[];
  /** outputShape: [batch, h, w, outChannels] or [h, w, outChannels]. */
  readonly outputShape: readonly number[];
  readonly strides?: number | readonly number[];
  readonly pad: TfjsPad;
}

/**
 * tfjs conv2dTranspose / conv3dTranspose arguments → canonical LayerSpec.
 * @example
 * fromTfjs({ xShape: [1, 32, 32, 8], filterShape: [3, 3, 4, 8], outputShape: [1, 64, 64, 4], strides: 2, pad: 'same' }).pads
 * // → { begin: [0, 0], end: [1, 1] }
 */
export function fromTfjs(args: TfjsTransposeArgs): LayerSpec {
  const filter = dims('filter', args.filterShape);
  const rank = filter.length - 2;
  if (rank !== 2 && rank !== 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'filter', value: args.filterShape,
      rule: `has rank ${filter.length}, but conv2dTranspose needs rank 4 ([h, w, out, in]) and conv3dTranspose rank 5`,
      hint: 'give the filter as [h, w, outChannels, inChannels]',
    });
  }
  const x = dims('x', args.xShape);
  const out = dims('outputShape', args.outputShape);
  if (x.length !== rank + 1 && x.length !== rank + 2) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'x', value: args.xShape,
      rule: `has rank ${x.length}, but a ${rank}D filter needs rank ${rank + 2} (batch, spatial, channels) or ${rank + 1}`,
      hint: 'give x as NHWC',
    });
  }
  if (out.length !== x.length) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'outputShape', value: args.outputShape,
      rule: `has length ${out.length} but x has rank ${x.length} (tfjs: "Length of inShape and rank of dy must match")`,
      hint: 'give outputShape with the same layout as x',
    });
  }
  const batched = x.length === rank + 2;
  const input = x.slice(batched ? 1 : 0, x.length - 1);
  const output = out.slice(batched ? 1 : 0, out.length - 1);
  const kernel = filter.slice(0, rank);
  const [outChannels, inChannels] = [filter[rank]!, filter[rank + 1]!];
  if (x[x.length - 1] !== inChannels) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'filter', value: args.filterShape,
      rule: `has ${inChannels} input channels (last dimension) but x has ${x[x.length - 1]}`,
      hint: `tfjs filters are [h, w, outChannels, inChannels]; make the last dimension ${x[x.length - 1]}`,
    });
  }
  if (out[out.length - 1] !== outChannels) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'outputShape', value: args.outputShape,
      rule: `has ${out[out.length - 1]} channels but the filter produces ${outChannels}`,
      hint: `make outputShape's last dimension ${outChannels}`,
    });
  }
  if (batched && out[0] !== x[0]) {
    throw new TconvError({
      code: 'output-shape-unreachable', parameter: 'outputShape', value: args.outputShape,
      rule: `has batch ${out[0]} but x has batch ${x[0]}`, hint: 'use the same batch',
    });
  }
  if (args.strides !== undefined && typeof args.strides !== 'number' && !Array.isArray(args.strides)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'strides', value: args.strides as unknown,
      rule: `must be a number or a list of ${rank} numbers`, hint: 'strides are 1 or more, e.g. 2 or [2, 2]',
    });
  }
  const strideList = typeof args.strides === 'number' || args.strides === undefined
    ? new Array<number>(rank).fill(args.strides ?? 1) : [...args.strides];
  if (strideList.length !== rank) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'strides', value: args.strides,
      rule: `has ${strideList.length} values but the filter has ${rank} spatial axes`, hint: 'give one stride per axis or one number',
    });
  }
  const stride = strideList.map((s, a) => checkInteger(typeof args.strides === 'number' ? 'strides' : `strides[${a}]`, s, 'positive', 'strides are 1 or more'));
  if (rank === 3 && args.pad !== 'same' && args.pad !== 'valid') {
    throw new TconvError({
      code: 'unsupported', parameter: 'pad', value: args.pad,
      rule: 'must be "same" or "valid" for conv3dTranspose', hint: 'use "same" or "valid", then slice the result',
    });
  }
  const pads = resolvePad(args.pad, rank);

  const padBegin: number[] = [];
  const padEnd: number[] = [];
  for (let a = 0; a < rank; a++) {
    const [h, k, s, size] = [input[a]!, kernel[a]!, stride[a]!, output[a]!];
    let forward: number;
    let begin: number;
    if (pads === 'same') {
      forward = sameConvOutputSize(size, s);
      // conv2dTranspose clamps the total padding at 0; conv3dTranspose does not, and its negative pad puts zero cells
      // before the output (the output shifts by a cell or more): a negative padBegin.
      begin = rank === 2 ? Math.floor(sameConvTotalPadding(size, k, s, 1) / 2) : tfjsSame3dPadBefore(size, k, s, 1);
    } else if (pads === 'valid') {
      forward = validConvOutputSize(size, k, s, 1);
      begin = 0;
    } else {
      // tfjs sizes every axis of a numeric pad with the first axis's kernel and stride (conv_util's
      // computeOutputShape2D); explicit pads use each axis's own.
      forward = typeof args.pad === 'number'
        ? tfjsExplicitPadConvOutputSize(size, kernel[0]!, stride[0]!, pads[a]![0], pads[a]![1])
        : tfjsExplicitPadConvOutputSize(size, k, s, pads[a]![0], pads[a]![1]);
      begin = pads[a]![0];
    }
    if (forward !== h) {
      throw new TconvError({
        code: 'output-shape-unreachable', parameter: 'outputShape', value: args.outputShape,
        rule: `has ${size} on axis ${a}, but a forward conv of that size (kernel ${typeof args.pad === 'number' ? kernel[0] : k}, stride ${typeof args.pad === 'number' ? stride[0] : s}, pad ${formatValue(args.pad)}) has ${forward} positions, not x's ${h}${typeof args.pad === 'number' && a > 0 ? ' (tfjs sizes every axis of a numeric pad with the first axis\'s kernel and stride)' : ''}`,
        hint: pads === 'same' ? `use ${h * s} (input × stride) or another size in ${(h - 1) * s + 1}…${h * s}` : 'pick the size whose forward conv gives x\'s size',
      });
    }
    padBegin.push(begin);
    padEnd.push(fullTransposedSize(h, k, s, 1) - begin - size);
  }
  const options = cropsToOptions({ input, kernel, stride, dilation: new Array<number>(rank).fill(1), padBegin, padEnd }, () => ({
    parameter: 'outputShape', value: args.outputShape, hint: 'choose an outputShape the layer can reach',
  }));
  return { kind: 'convTranspose', input, batch: batched ? x[0]! : 1, inChannels, outChannels, rank: rank as Rank, ...options };
}

function dims(name: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TconvError({ code: 'invalid-value', parameter: name, value: shape, rule: 'must be a shape (an array of sizes)', hint: `give ${name}'s dimensions` });
  }
  return shape.map((v, i) => checkInteger(`${name}[${i}]`, v, 'positive', 'dimensions are positive integers'));
}

function resolvePad(pad: TfjsPad, rank: number): 'same' | 'valid' | [number, number][] {
  if (pad === 'same' || pad === 'valid') return pad;
  if (typeof pad === 'number') {
    const p = checkInteger('pad', pad, 'nonNegative', 'use "same", "valid" or a padding of 0 or more');
    return Array.from({ length: rank }, () => [p, p]);
  }
  if (Array.isArray(pad) && pad.length === rank + 2) {
    return pad.slice(1, rank + 1).map((pair, a) => [
      checkInteger(`pad[${a + 1}][0]`, pair[0], 'nonNegative', 'explicit pads are 0 or more'),
      checkInteger(`pad[${a + 1}][1]`, pair[1], 'nonNegative', 'explicit pads are 0 or more'),
    ]);
  }
  throw new TconvError({
    code: 'invalid-value', parameter: 'pad', value: pad,
    rule: `must be "same", "valid", a number, or explicit padding with ${rank + 2} [before, after] pairs (NHWC)`,
    hint: 'use "same" for output = input × stride',
  });
}
