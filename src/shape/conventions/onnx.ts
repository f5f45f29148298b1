/**
 * ONNX's convention for ConvTranspose and Conv: `pads` (begin values of every axis, then end values),
 * `output_padding`, `output_shape` (spatial, or N, C and spatial), `auto_pad`. Translated to a canonical LayerSpec;
 * every refusal names the ONNX attribute. The conformance vectors are the arbiter (see design.md, "Facts").
 */
import { TconvError } from '../errors.ts';
import { convOutputSize, fullTransposedSize, sameConvTotalPadding, sameTransposedOutputSize, splitTotalPadding } from '../formulas.ts';
import { type LayerSpec, type Rank, checkInteger } from '../params.ts';
import { cropsToOptions } from './canonical.ts';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
export const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

export interface OnnxAttributes {
  readonly kernel_shape?: readonly number[];
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
  readonly group?: number;
  readonly output_padding?: readonly number[];
  readonly output_shape?: readonly number[];
  /** Not an ONNX attribute: set by vector files whose output_shape carries N and C first. */
  readonly output_shape_includes_nc?: boolean;
  readonly auto_pad?: AutoPad | string;
}

export interface OnnxNodeArgs {
  readonly op?: 'ConvTranspose' | 'Conv';
  readonly attributes: OnnxAttributes;
  /** X's shape: N, C, spatial… */
  readonly inputShape: readonly number[];
  /** W's shape: ConvTranspose (C, M/group, k…), Conv (M, C/group, k…). Optional when kernel_shape is given. */
  readonly weightShape?: readonly number[];
}

const KNOWN: Record<'ConvTranspose' | 'Conv', readonly string[]> = {
  ConvTranspose: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'output_padding', 'output_shape', 'output_shape_includes_nc', 'auto_pad'],
  Conv: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad'],
};

/**
 * ONNX node attributes and input shapes → canonical LayerSpec (plan it with planLayer).
 * @example
 * fromOnnx({ attributes: { strides: [3, 2], output_shape: [10, 8] }, inputShape: [1, 1, 3, 3], weightShape: [1, 2, 3, 3] })
 * // → { kind: 'convTranspose', input: [3, 3], kernel: [3, 3], stride: [3, 2], pads: { begin: [0, 0], end: [0, 0] }, outputPadding: [1, 1], outChannels: 2, … }
 */
export function fromOnnx(args: OnnxNodeArgs): LayerSpec {
  const op = args.op ?? 'ConvTranspose';
  // A node without attributes is valid ONNX: every attribute has its default.
  const at: OnnxAttributes = args.attributes ?? {};
  for (const name of Object.keys(at)) {
    if (!KNOWN[op].includes(name)) {
      throw new TconvError({
        code: 'unsupported', parameter: name, value: (at as Record<string, unknown>)[name],
        rule: `is not an attribute of ONNX ${op}`, hint: `use only ${KNOWN[op].join(', ')}`,
      });
    }
  }
  const x = shapeOf('X', args.inputShape);
  const rank = x.length - 2;
  if (rank < 1 || rank > 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'X', value: args.inputShape,
      rule: `has rank ${x.length}, but ${op} needs N, C and 1 to 3 spatial axes`, hint: 'give X as N×C×spatial',
    });
  }
  const [batch, channels] = [x[0]!, x[1]!];
  const input = x.slice(2);
  const group = checkInteger('group', at.group ?? 1, 'positive', 'group is 1 for an ordinary layer');
  const kernel = resolveKernel(op, at, args.weightShape, rank);
  const stride = ints('strides', at.strides, rank, 1, 'positive', 'strides are 1 or more');
  const dilation = ints('dilations', at.dilations, rank, 1, 'positive', 'dilations are 1 or more (1 = none)');
  const autoPad = resolveAutoPad(at);
  if (at.pads !== undefined && autoPad !== 'NOTSET' && at.output_shape === undefined) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'pads', value: at.pads,
      rule: `cannot be used together with auto_pad ${autoPad}`, hint: 'remove pads, or set auto_pad to NOTSET',
    });
  }
  const pads = at.pads === undefined ? new Array<number>(2 * rank).fill(0)
    : ints('pads', at.pads, 2 * rank, 0, 'nonNegative', `pads hold ${rank} begin values then ${rank} end values, each 0 or more`);

  const { inChannels, outChannels } = channelsOf(op, channels, group, args.weightShape);
  const common = { input, batch, inChannels, outChannels, groups: group, rank: rank as Rank };
  if (op === 'Conv') return { kind: 'conv', ...common, ...convPads(autoPad, pads, input, kernel, stride, dilation, at) };

  const outputPadding = ints('output_padding', at.output_padding, rank, 0, 'nonNegative', 'output_padding values are 0 or more');
  const full = input.map((i, a) => fullTransposedSize(i, kernel[a]!, stride[a]!, dilation[a]!) + outputPadding[a]!);
  let padBegin: number[];
  let padEnd: number[];
  let blame: (a: number) => { parameter: string; value: unknown; hint: string };
  const target = resolveOutputShape(at, rank, batch, outChannels);
  if (target !== null || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // total = s(i − 1) + op + K − output; negative totals are extra cells, split the same way.
    const wanted = target ?? input.map((i, a) => sameTransposedOutputSize(i, stride[a]!));
    const split = full.map((f, a) => splitTotalPadding(f - wanted[a]!, autoPad === 'SAME_UPPER'));
    padBegin = split.map((p) => p.begin);
    padEnd = split.map((p, a) => p.end - outputPadding[a]!);
    blame = target !== null
      ? () => ({ parameter: 'output_shape', value: at.output_shape, hint: 'ask for an output_shape the layer can reach (tconv solve lists layers for a size)' })
      : () => ({ parameter: 'auto_pad', value: autoPad, hint: 'use auto_pad SAME_LOWER, or explicit pads and output_padding' });
  } else {
    // NOTSET or VALID: explicit pads (VALID: none); output_padding adds cells at the end.
    padBegin = pads.slice(0, rank);
    padEnd = pads.slice(rank).map((e, a) => e - outputPadding[a]!);
    blame = (a) => at.output_padding !== undefined && outputPadding[a]! > pads[rank + a]!
      ? { parameter: 'output_padding', value: at.output_padding, hint: 'use output_padding smaller than max(strides, dilations)' }
      : { parameter: 'pads', value: at.pads, hint: 'use smaller pads, or a larger kernel, stride or input' };
  }
  const options = cropsToOptions({ input, kernel, stride, dilation, padBegin, padEnd }, blame);
  return { kind: 'convTranspose', ...common, ...options };
}

function shapeOf(name: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TconvError({ code: 'invalid-value', parameter: name, value: shape, rule: 'must be a shape (an array of sizes)', hint: `give ${name}'s dimensions` });
  }
  return shape.map((v, i) => checkInteger(`${name}.shape[${i}]`, v, i === 0 ? 'nonNegative' : 'positive', 'dimensions are positive integers (batch may be 0)'));
}

/** An ONNX ints attribute: exactly `length` integers, each within `bound`; absent → `fallback` everywhere. */
function ints(name: string, value: readonly number[] | undefined, length: number, fallback: number, bound: 'positive' | 'nonNegative', hint: string): number[] {
  if (value === undefined) return new Array<number>(length).fill(fallback);
  if (!Array.isArray(value) || value.length !== length) {
    throw new TconvError({
      code: 'invalid-rank', parameter: name, value,
      rule: `must hold ${length} integers (${name === 'pads' ? 'begin and end values for ' : 'one per '}${name === 'pads' ? length / 2 : length} spatial axes)`,
      hint,
    });
  }
  return value.map((v, i) => checkInteger(`${name}[${i}]`, v, bound, hint));
}

function resolveAutoPad(at: OnnxAttributes): AutoPad {
  const value = at.auto_pad ?? 'NOTSET';
  if (!AUTO_PADS.includes(value as AutoPad)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'auto_pad', value,
      rule: `must be one of ${AUTO_PADS.join(', ')}`, hint: 'NOTSET uses pads; SAME_UPPER is TF/Keras "same"',
    });
  }
  return value as AutoPad;
}

function resolveKernel(op: string, at: OnnxAttributes, weightShape: readonly number[] | undefined, rank: number): number[] {
  const kernelAttr = at.kernel_shape === undefined ? undefined
    : ints('kernel_shape', at.kernel_shape, rank, 1, 'positive', 'kernel sizes are 1 or more');
  if (weightShape === undefined) {
    if (kernelAttr === undefined) {
      throw new TconvError({
        code: 'usage', parameter: 'kernel_shape', value: undefined,
        rule: `is needed when W's shape is not known`, hint: 'give kernel_shape or the weight shape',
      });
    }
    return kernelAttr;
  }
  const w = shapeOf('W', weightShape);
  if (w.length !== rank + 2) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'W', value: weightShape,
      rule: `has rank ${w.length}, but X has ${rank} spatial axes so W needs rank ${rank + 2}`,
      hint: op === 'Conv' ? 'W is (M, C/group, k…)' : 'W is (C, M/group, k…)',
    });
  }
  const kernel = w.slice(2);
  if (kernelAttr && kernelAttr.some((k, a) => k !== kernel[a])) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'kernel_shape', value: at.kernel_shape,
      rule: `does not match W's spatial shape ${JSON.stringify(kernel)}`, hint: 'make kernel_shape equal W.shape[2:] or leave it out',
    });
  }
  return kernel;
}

function channelsOf(op: 'ConvTranspose' | 'Conv', channels: number, group: number, weightShape: readonly number[] | undefined) {
  if (channels % group !== 0) {
    throw new TconvError({
      code: 'groups-mismatch', parameter: 'group', value: group,
      rule: `must divide X's ${channels} channels`, hint: `use a group count that divides ${channels}`,
    });
  }
  if (weightShape === undefined) return { inChannels: channels, outChannels: channels };
  const w = weightShape;
  if (op === 'ConvTranspose') {
    if (w[0] !== channels) {
      throw new TconvError({
        code: 'weight-shape', parameter: 'W', value: [...w],
        rule: `has ${w[0]} input channels (W.shape[0]) but X has ${channels}`, hint: `ConvTranspose's W is (C, M/group, k…); give W.shape[0] = ${channels}`,
      });
    }
    return { inChannels: channels, outChannels: w[1]! * group };
  }
  if (w[1]! * group !== channels) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'W', value: [...w],
      rule: `takes ${w[1]! * group} input channels (W.shape[1] × group) but X has ${channels}`, hint: `Conv's W is (M, C/group, k…); give W.shape[1] = ${channels / group}`,
    });
  }
  if (w[0]! % group !== 0) {
    throw new TconvError({
      code: 'groups-mismatch', parameter: 'group', value: group,
      rule: `must divide W's ${w[0]} output channels`, hint: 'use a group count that divides both channel counts',
    });
  }
  return { inChannels: channels, outChannels: w[0]! };
}

function resolveOutputShape(at: OnnxAttributes, rank: number, batch: number, outChannels: number): number[] | null {
  if (at.output_shape === undefined) return null;
  const value = at.output_shape;
  const withNc = at.output_shape_includes_nc ?? (Array.isArray(value) && value.length === rank + 2);
  const length = withNc ? rank + 2 : rank;
  const sizes = ints('output_shape', value, length, 1, 'positive', withNc ? `give N, C and ${rank} spatial sizes` : `give ${rank} spatial sizes (or set output_shape_includes_nc and give N, C first)`);
  if (withNc && (sizes[0] !== batch || sizes[1] !== outChannels)) {
    throw new TconvError({
      code: 'output-shape-unreachable', parameter: 'output_shape', value,
      rule: `asks for N=${sizes[0]}, C=${sizes[1]}, but the node produces N=${batch}, C=${outChannels}`,
      hint: 'make N and C match X and W, or give only the spatial sizes',
    });
  }
  return sizes.slice(length - rank);
}

/** Ordinary conv: SAME_* pad to ⌈i/s⌉ outputs (UPPER: extra at the end), VALID: none, NOTSET: pads. */
function convPads(autoPad: AutoPad, pads: number[], input: number[], kernel: number[], stride: number[], dilation: number[], at: OnnxAttributes) {
  const rank = input.length;
  let begin = pads.slice(0, rank);
  let end = pads.slice(rank);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const split = input.map((i, a) => splitTotalPadding(sameConvTotalPadding(i, kernel[a]!, stride[a]!, dilation[a]!), autoPad === 'SAME_UPPER'));
    begin = split.map((p) => p.begin);
    end = split.map((p) => p.end);
  } else if (autoPad === 'VALID') {
    begin = begin.map(() => 0);
    end = end.map(() => 0);
  }
  input.forEach((i, a) => {
    const out = convOutputSize({ input: i, kernel: kernel[a]!, stride: stride[a]!, dilation: dilation[a]!, padBegin: begin[a]!, padEnd: end[a]! });
    if (out < 1) {
      throw new TconvError({
        code: 'output-too-small', parameter: at.pads ? 'pads' : 'kernel_shape', value: at.pads ?? kernel,
        rule: `leaves an output size of ${out}${rank === 1 ? '' : ` on axis ${a}`} (input ${i}, kernel ${kernel[a]}, stride ${stride[a]}, dilation ${dilation[a]})`,
        hint: 'use more pads, a smaller kernel or dilation, or a larger input',
      });
    }
  });
  return { kernel, stride, dilation, pads: { begin, end } };
}
