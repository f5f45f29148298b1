/**
 * ONNX's convention for ConvTranspose and Conv: `pads` (begin values of every axis, then end values),
 * `output_padding`, `output_shape` (one size per spatial axis), `auto_pad`. Translated to a canonical LayerSpec;
 * every refusal names the ONNX attribute. The conformance vectors are the arbiter (see design.md, "Facts"); where
 * onnxruntime 1.30 computes a node differently from the operator text, `onnxRuntimeOutcome` says what it does and
 * `onnxRuntimeDifference` says how it differs (docs/conventions.md).
 */
import { TconvError, formatValue } from '../errors.ts';
import { convOutputSize, fullTransposedSize, transposedOutputSize, sameConvTotalPadding, sameTransposedOutputSize, splitTotalPadding } from '../formulas.ts';
import { type LayerSpec, type Rank, checkInteger } from '../params.ts';
import { type Blame, cropsToOptions } from './canonical.ts';

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
  ConvTranspose: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'output_padding', 'output_shape', 'auto_pad'],
  Conv: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad'],
};

/** A node's attributes and shapes, read and checked once: what fromOnnx and onnxRuntimeOutcome share. */
interface ReadNode {
  readonly op: 'ConvTranspose' | 'Conv';
  readonly at: OnnxAttributes;
  readonly rank: number;
  readonly batch: number;
  readonly input: number[];
  readonly group: number;
  readonly kernel: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly autoPad: AutoPad;
  readonly pads: number[];
  readonly inChannels: number;
  readonly outChannels: number;
  /** ConvTranspose only (zeros for Conv). */
  readonly outputPadding: number[];
  /** ConvTranspose's output_shape (spatial), or null. */
  readonly target: number[] | null;
}

function readNode(args: OnnxNodeArgs): ReadNode {
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
  // The operator text: pads "cannot be used simultaneously with auto_pad"; ONNX shape inference (and so
  // onnxruntime) refuses the pair even when output_shape is given and would make pads irrelevant.
  if (at.pads !== undefined && autoPad !== 'NOTSET') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'pads', value: at.pads,
      rule: `cannot be used together with auto_pad ${autoPad} (ONNX refuses the pair, even with output_shape)`, hint: 'remove pads, or set auto_pad to NOTSET',
    });
  }
  const pads = at.pads === undefined ? new Array<number>(2 * rank).fill(0)
    : ints('pads', at.pads, 2 * rank, 0, 'nonNegative', `pads hold ${rank} begin values then ${rank} end values, each 0 or more`);
  const { inChannels, outChannels } = channelsOf(op, channels, group, args.weightShape);
  if (op === 'Conv') {
    return { op, at, rank, batch, input, group, kernel, stride, dilation, autoPad, pads, inChannels, outChannels, outputPadding: new Array<number>(rank).fill(0), target: null };
  }
  const outputPadding = ints('output_padding', at.output_padding, rank, 0, 'nonNegative', 'output_padding values are 0 or more');
  // Each value on its own (operator text: "less than the corresponding stride/dilation"; onnxruntime checks each
  // value against max(stride, dilation)): an end pad that would cancel it does not make it valid.
  outputPadding.forEach((value, a) => {
    const limit = Math.max(stride[a]!, dilation[a]!);
    if (value >= limit) {
      throw new TconvError({
        code: 'output-padding-too-large', parameter: rank === 1 ? 'output_padding' : `output_padding[${a}]`, value,
        rule: `must be less than max(strides, dilations) = ${limit}${rank === 1 ? '' : ` on axis ${a}`}, each value on its own (pads do not cancel it)`,
        hint: limit === 1 ? 'use output_padding 0' : `use output_padding below ${limit}, and pads for any further crop`,
      });
    }
  });
  const target = resolveOutputShape(at, rank);
  return { op, at, rank, batch, input, group, kernel, stride, dilation, autoPad, pads, inChannels, outChannels, outputPadding, target };
}

/**
 * ONNX node attributes and input shapes → canonical LayerSpec (plan it with planLayer).
 * @example
 * fromOnnx({ attributes: { strides: [3, 2], output_shape: [10, 8] }, inputShape: [1, 1, 3, 3], weightShape: [1, 2, 3, 3] })
 * // → { kind: 'convTranspose', input: [3, 3], kernel: [3, 3], stride: [3, 2], pads: { begin: [0, 0], end: [0, 0] }, outputPadding: [1, 1], outChannels: 2, … }
 */
export function fromOnnx(args: OnnxNodeArgs): LayerSpec {
  const n = readNode(args);
  const { rank, input, kernel, stride, dilation } = n;
  const common = { input, batch: n.batch, inChannels: n.inChannels, outChannels: n.outChannels, groups: n.group, rank: rank as Rank };
  if (n.op === 'Conv') return { kind: 'conv', ...common, ...convPads(n.autoPad, n.pads, input, kernel, stride, dilation, n.at) };
  const { padBegin, padEnd, blame } = transposedCrops(n);
  const options = cropsToOptions({ input, kernel, stride, dilation, padBegin, padEnd }, blame);
  return { kind: 'convTranspose', ...common, ...options };
}

/** A ConvTranspose node's crops of the full output per axis, as the operator text gives them, and who to blame. */
function transposedCrops(n: ReadNode): { padBegin: number[]; padEnd: number[]; blame: (a: number) => Blame } {
  const { at, rank, input, kernel, stride, dilation, autoPad, pads, outputPadding, target } = n;
  const full = input.map((i, a) => fullTransposedSize(i, kernel[a]!, stride[a]!, dilation[a]!) + outputPadding[a]!);
  if (target !== null || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // total = s(i − 1) + op + K − output; negative totals are extra cells, split the same way.
    const wanted = target ?? input.map((i, a) => sameTransposedOutputSize(i, stride[a]!));
    const split = full.map((f, a) => splitTotalPadding(f - wanted[a]!, autoPad === 'SAME_UPPER'));
    return {
      padBegin: split.map((p) => p.begin),
      padEnd: split.map((p, a) => p.end - outputPadding[a]!),
      blame: target !== null
        ? () => ({ parameter: 'output_shape', value: at.output_shape, hint: 'ask for an output_shape the layer can reach (tconv solve lists layers for a size)' })
        : () => ({ parameter: 'auto_pad', value: autoPad, hint: 'use auto_pad SAME_LOWER, or explicit pads and output_padding' }),
    };
  }
  // NOTSET or VALID: explicit pads (VALID: none); output_padding adds cells at the end.
  return {
    padBegin: pads.slice(0, rank),
    padEnd: pads.slice(rank).map((e, a) => e - outputPadding[a]!),
    blame: () => ({ parameter: 'pads', value: at.pads, hint: 'use smaller pads, or a larger kernel, stride or input' }),
  };
}

/** What onnxruntime does with a ConvTranspose node: its spatial output sizes, or the reason it refuses the node. */
export type RuntimeOutcome =
  | { readonly accepted: true; readonly output: readonly number[] }
  | { readonly accepted: false; readonly axis: number; readonly reason: string };

/**
 * onnxruntime 1.30 (CPU) on a ConvTranspose node, as measured against onnxruntime-node (test/shape/runtimes.test.ts).
 * Nodes the ONNX convention refuses throw the same TconvError as fromOnnx (onnxruntime refuses them too). Otherwise,
 * per axis (K = d(k − 1) + 1, full = (i − 1)s + K + op):
 * - output_shape o: total t = full − o; t ≥ 0 is split as fromOnnx splits it, t < 0 adds −t cells at the end;
 * - SAME_*: t = max(0, full − i·s) (the operator text says i·s; onnxruntime gives min(i·s, full));
 * - VALID: no pads; NOTSET: pads;
 * then it runs a forward conv of the output to check it gives the input back: refused unless the cells past the
 * full output (op + max(0, −t)) are fewer than the stride — PyTorch and the operator text allow max(stride, dilation).
 * @example
 * onnxRuntimeOutcome({ attributes: { strides: [1], dilations: [2], output_padding: [1] }, inputShape: [1, 1, 3], weightShape: [1, 1, 3] })
 * // → { accepted: false, axis: 0, reason: 'output_padding 1 is not less than stride 1 (onnxruntime bounds it by the stride alone)' }
 */
export function onnxRuntimeOutcome(args: OnnxNodeArgs): RuntimeOutcome {
  const n = readNode({ ...args, op: 'ConvTranspose' });
  const output: number[] = [];
  for (let a = 0; a < n.rank; a++) {
    const [i, s, op] = [n.input[a]!, n.stride[a]!, n.outputPadding[a]!];
    const full = fullTransposedSize(i, n.kernel[a]!, s, n.dilation[a]!) + op;
    let out: number;
    let extra = op;
    if (n.target !== null) {
      out = n.target[a]!;
      extra = op + Math.max(0, out - full);
    } else if (n.autoPad === 'SAME_UPPER' || n.autoPad === 'SAME_LOWER') {
      out = full - Math.max(0, full - sameTransposedOutputSize(i, s));
    } else if (n.autoPad === 'VALID') {
      out = full;
    } else {
      out = full - n.pads[a]! - n.pads[n.rank + a]!;
    }
    if (out < 1) return { accepted: false, axis: a, reason: `the output size would be ${out}` };
    if (extra >= s) {
      return {
        accepted: false, axis: a,
        reason: n.target !== null && extra > op
          ? `output_shape ${out} asks for ${extra} cell(s) past (i − 1)·s + K = ${full - op}, but onnxruntime allows at most stride − 1 = ${s - 1}`
          : `output_padding ${op} is not less than stride ${s} (onnxruntime bounds it by the stride alone)`,
      };
    }
    output.push(out);
  }
  return { accepted: true, output };
}

/**
 * Where onnxruntime 1.30 and tconv (which follows the operator text) disagree on a node tconv accepts: one sentence,
 * or null when they agree. `tconv lint` prints it as a warning.
 * @example
 * onnxRuntimeDifference({ attributes: { strides: [3], auto_pad: 'SAME_UPPER' }, inputShape: [1, 1, 3], weightShape: [1, 1, 1] })
 * // → 'onnxruntime 1.30 outputs 7, not 9: with auto_pad SAME_UPPER and kernel + output_padding < stride it gives min(i·s, (i − 1)·s + K + op) where the operator text gives i·s'
 */
export function onnxRuntimeDifference(args: OnnxNodeArgs): string | null {
  if ((args.op ?? 'ConvTranspose') !== 'ConvTranspose') return null;
  fromOnnx(args); // the node must be one tconv accepts (throws its refusal otherwise)
  const n = readNode(args);
  const { padBegin, padEnd } = transposedCrops(n);
  const sizes = n.input.map((i, a) => transposedOutputSize({
    input: i, kernel: n.kernel[a]!, stride: n.stride[a]!, dilation: n.dilation[a]!, padBegin: padBegin[a]!, padEnd: padEnd[a]!,
  }));
  const theirs = onnxRuntimeOutcome(args);
  const where = (a: number) => (n.rank === 1 ? '' : ` on axis ${a}`);
  if (!theirs.accepted) return `onnxruntime 1.30 refuses this node: ${theirs.reason}${where(theirs.axis)}`;
  const differ = sizes.map((v, a) => (v === theirs.output[a] ? -1 : a)).filter((a) => a >= 0);
  if (differ.length === 0) return null;
  const fmt = (v: readonly number[]) => differ.map((a) => v[a]).join('×');
  return `onnxruntime 1.30 outputs ${fmt(theirs.output)}, not ${fmt(sizes)}${differ.length === 1 ? where(differ[0]!) : ''}: with auto_pad ${n.autoPad} and kernel + output_padding < stride it gives min(i·s, (i − 1)·s + K + op) where the operator text gives i·s`;
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
  if (kernelAttr?.some((k, a) => k !== kernel[a])) {
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

function resolveOutputShape(at: OnnxAttributes, rank: number): number[] | null {
  if (at.output_shape === undefined) return null;
  const value = at.output_shape;
  // ONNX wants one size per spatial axis; shape inference (and so onnxruntime) refuses N and C in front.
  if (Array.isArray(value) && value.length === rank + 2) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'output_shape', value,
      rule: `has ${rank + 2} values, but ONNX output_shape holds one size per spatial axis (${rank}), without N and C`,
      hint: `give only the spatial sizes: ${formatValue(value.slice(2))}`,
    });
  }
  return ints('output_shape', value, rank, 1, 'positive', `give ${rank} spatial size(s)`);
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
