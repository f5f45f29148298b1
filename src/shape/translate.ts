/**
 * Translation between conventions: given a transposed-conv layer in one framework, how to write the same layer in
 * PyTorch, ONNX, Keras/TF and TensorFlow.js, weight layout included. Everything goes through the canonical plan
 * (crop padBegin/padEnd of the full output per axis); when a framework cannot express those crops, the nearest
 * layer whose output contains the wanted one is given, with the crop to apply after it.
 */
import { TconvError, formatValue } from './errors.ts';
import type { LayerSpec } from './params.ts';
import { type Plan, planLayer } from './plan.ts';
import { sameTransposedOutputSize, splitTotalPadding } from './formulas.ts';
import { type PytorchLayer, fromPytorch } from './conventions/pytorch.ts';
import { type OnnxAttributes, type OnnxNodeArgs, fromOnnx } from './conventions/onnx.ts';
import { type KerasPadding, type KerasTransposeLayer, fromKeras, kerasAxisCrop } from './conventions/keras.ts';
import { type TfjsPad, type TfjsTransposeArgs, fromTfjs } from './conventions/tfjs.ts';

export type Convention = 'pytorch' | 'onnx' | 'keras' | 'tfjs';
export const CONVENTIONS: readonly Convention[] = ['pytorch', 'onnx', 'keras', 'tfjs'];

/** A layer as written in one convention (or already canonical). */
export type SourceLayer =
  | { readonly convention: 'canonical'; readonly spec: LayerSpec }
  | { readonly convention: 'pytorch'; readonly layer: PytorchLayer & PytorchShapes }
  | { readonly convention: 'onnx'; readonly node: OnnxNodeArgs }
  | { readonly convention: 'keras'; readonly layer: KerasTransposeLayer }
  | { readonly convention: 'tfjs'; readonly args: TfjsTransposeArgs };

export interface PytorchShapes {
  /** Spatial input sizes. */
  readonly input: readonly number[];
  readonly inChannels?: number;
  readonly outChannels?: number;
  readonly batch?: number;
}

/** PyTorch parameters: nn.ConvTranspose{N}d arguments, plus the shapes they apply to. */
export type PytorchParameters = PytorchShapes & {
  readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[];
  readonly outputPadding: readonly number[]; readonly dilation: readonly number[]; readonly groups: number;
};

export interface Crop {
  /** Cells to drop from the start / end of each spatial axis of that framework's output. */
  readonly begin: readonly number[];
  readonly end: readonly number[];
}

export interface TargetForm<P> {
  readonly convention: Convention;
  /** The framework writes this layer exactly, with no extra operation (its weight may be rewritten once: permuted, or given zero taps). */
  readonly expressible: boolean;
  /** Arguments for that framework (also accepted by tconv's from<Convention>); null when it has no such layer. */
  readonly parameters: P | null;
  /** Crop to apply to that framework's output when it is not expressible exactly. */
  readonly crop: Crop | null;
  /** That framework's weight layout and shape, and how to get it from PyTorch's (Cin, Cout/groups, k…). */
  readonly weightLayout: string;
  readonly weightShape: readonly number[];
  readonly weightFromPytorch: string;
  /** One line of code (plus the crop, if any). */
  readonly code: string;
  readonly note: string;
}

export interface Translation {
  readonly plan: Plan;
  readonly pytorch: TargetForm<PytorchParameters>;
  readonly onnx: TargetForm<OnnxNodeArgs>;
  readonly keras: TargetForm<KerasTransposeLayer>;
  readonly tfjs: TargetForm<TfjsTransposeArgs>;
}

/**
 * A source layer in any convention → canonical LayerSpec.
 * @example
 * specFrom({ convention: 'keras', layer: { input: [32, 32], kernelSize: 3, strides: 2, padding: 'same' } }).pads
 * // → { begin: [0, 0], end: [1, 1] }
 */
/** Where each convention's layer description sits in a SourceLayer. */
const SOURCE_FIELD: Record<SourceLayer['convention'], string> = { canonical: 'spec', pytorch: 'layer', onnx: 'node', keras: 'layer', tfjs: 'args' };

export function specFrom(source: SourceLayer): LayerSpec {
  // JavaScript callers: a missing or misnamed description would otherwise fail deep inside as a TypeError.
  if (source === null || typeof source !== 'object') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'source', value: source,
      rule: 'must be an object naming the convention and describing the layer', hint: "pass e.g. { convention: 'pytorch', layer: { … } }",
    });
  }
  const field = SOURCE_FIELD[source.convention];
  const described = field === undefined ? undefined : (source as unknown as Record<string, unknown>)[field];
  if (field !== undefined && (described === null || typeof described !== 'object')) {
    throw new TconvError({
      code: 'invalid-value', parameter: field, value: described,
      rule: `must be an object describing the ${source.convention} layer`,
      hint: `pass { convention: '${source.convention}', ${field}: { … } }`,
    });
  }
  switch (source.convention) {
    case 'canonical': return source.spec;
    case 'pytorch': {
      const { input, inChannels, outChannels, batch } = source.layer;
      if (!Array.isArray(input)) {
        throw new TconvError({
          code: 'invalid-value', parameter: 'input', value: input as unknown,
          rule: 'must be the list of spatial input sizes', hint: 'give e.g. input: [32, 32] for a 2D layer',
        });
      }
      return { kind: 'convTranspose', input: [...input], inChannels, outChannels, batch, ...fromPytorch(source.layer) };
    }
    case 'onnx': return fromOnnx(source.node);
    case 'keras': return fromKeras(source.layer);
    case 'tfjs': return fromTfjs(source.args);
    default:
      throw new TconvError({
        code: 'invalid-value', parameter: 'convention', value: (source as { convention: unknown }).convention,
        rule: `must be one of canonical, ${CONVENTIONS.join(', ')}`, hint: 'name the framework the layer is written in',
      });
  }
}

/**
 * How to write one transposed-conv layer in every convention.
 * @example
 * const t = translate({ convention: 'keras', layer: { input: [32, 32], kernelSize: 3, strides: 2, padding: 'same', filters: 4, inChannels: 8 } });
 * t.pytorch.expressible // → false: PyTorch needs padding 0, output_padding 0, then t.pytorch.crop = { begin: [0, 0], end: [1, 1] }
 * t.onnx.parameters?.attributes.pads // → [0, 0, 1, 1]
 */
export function translate(source: SourceLayer): Translation {
  const plan = planLayer(specFrom(source));
  if (plan.kind !== 'convTranspose') {
    throw new TconvError({
      code: 'unsupported', parameter: 'kind', value: plan.kind,
      rule: 'cannot be translated: translation covers transposed convolutions', hint: 'give a convTranspose layer',
    });
  }
  return { plan, pytorch: toPytorch(plan), onnx: toOnnx(plan), keras: toKeras(plan), tfjs: toTfjs(plan) };
}

const axesOf = (plan: Plan) => plan.axes;
const tuple = (values: readonly number[]) => `(${values.join(', ')}${values.length === 1 ? ',' : ''})`;
const noCrop = (crop: Crop) => crop.begin.every((b) => b === 0) && crop.end.every((e) => e === 0);

/** Python slicing of spatial axes, for NCHW (channelsFirst) or NHWC. */
function cropCode(crop: Crop, channelsFirst: boolean): string {
  const spatial = crop.begin.map((b, a) => `${b || ''}:${crop.end[a] ? -crop.end[a]! : ''}`);
  return `y = y[${(channelsFirst ? [':', ':', ...spatial] : [':', ...spatial, ':']).join(', ')}]`;
}

const pytorchWeight = (plan: Plan) => ({ layout: '(Cin, Cout/groups, k…)', shape: plan.weightShape });
/** (Cin, Cout/g, k…) → (k…, Cout, Cin): spatial axes first, then the two channel axes swapped. */
function channelsLastWeight(plan: Plan): { shape: number[]; perm: string } {
  const k = plan.weightShape.slice(2);
  const perm = [...k.map((_, a) => a + 2), 1, 0];
  return { shape: [...k, plan.outChannels, plan.inChannels], perm: `W.permute(${perm.join(', ')})  # no flip` };
}

/** Cells a layer adds before its output (a negative padBegin, from tfjs's conv3dTranspose 'same'), per axis. */
const cellsBefore = (plan: Plan) => axesOf(plan).map((x) => Math.max(-x.padBegin, 0));
const addsBefore = (plan: Plan) => cellsBefore(plan).some((c) => c > 0);
const beforeNote = (plan: Plan, framework: string) => `${framework} cannot add cells before the output; this layer adds ${formatValue(cellsBefore(plan))} bias-only cell(s) there (as tfjs's conv3dTranspose 'same' does with kernel < stride): compute it with pads.begin 0 and pad the start of the result with the bias`;

function toPytorch(plan: Plan): TargetForm<PytorchParameters> {
  const axes = axesOf(plan);
  if (addsBefore(plan)) {
    const weight = pytorchWeight(plan);
    return {
      convention: 'pytorch', expressible: false, parameters: null, crop: null, weightLayout: weight.layout, weightShape: weight.shape,
      weightFromPytorch: 'W', code: '', note: beforeNote(plan, 'PyTorch'),
    };
  }
  // Canonical (b, e) is PyTorch's (p, op) when b ≥ 0 and 0 ≤ b − e < max(s, d). Otherwise take the largest
  // PyTorch crop inside (b, e) and crop the rest: p ≤ b, p − op ≤ e.
  const padding: number[] = [];
  const outputPadding: number[] = [];
  const begin: number[] = [];
  const end: number[] = [];
  for (const x of axes) {
    const limit = Math.max(x.stride, x.dilation);
    let p: number;
    let op: number;
    if (x.padding !== null && x.outputPadding !== null) [p, op] = [x.padding, x.outputPadding];
    else if (x.padEnd >= 0) [p, op] = [Math.min(x.padBegin, x.padEnd), 0];
    else {
      p = Math.max(0, Math.min(x.padBegin, limit - 1 + x.padEnd));
      op = p - x.padEnd;
    }
    padding.push(p);
    outputPadding.push(op);
    begin.push(x.padBegin - p);
    end.push(x.padEnd - (p - op));
  }
  const crop = { begin, end };
  const exact = noCrop(crop);
  const parameters: PytorchParameters = {
    input: axes.map((x) => x.input), inChannels: plan.inChannels, outChannels: plan.outChannels, batch: plan.batch,
    kernel: axes.map((x) => x.kernel), stride: axes.map((x) => x.stride), padding, outputPadding,
    dilation: axes.map((x) => x.dilation), groups: plan.groups,
  };
  const code = `nn.ConvTranspose${plan.rank}d(${plan.inChannels}, ${plan.outChannels}, kernel_size=${tuple(parameters.kernel)}, stride=${tuple(parameters.stride)}, padding=${tuple(padding)}, output_padding=${tuple(outputPadding)}, dilation=${tuple(parameters.dilation)}, groups=${plan.groups})`;
  const weight = pytorchWeight(plan);
  return {
    convention: 'pytorch', expressible: exact, parameters, crop: exact ? null : crop,
    weightLayout: weight.layout, weightShape: weight.shape, weightFromPytorch: 'W',
    code: exact ? code : `${code}; ${cropCode(crop, true)}`,
    note: exact ? 'exact' : `PyTorch crops the same amount at both ends (padding) and can only add cells at the end (output_padding < max(stride, dilation)); this layer crops ${formatValue(axes.map((x) => x.padBegin))} at the start and ${formatValue(axes.map((x) => x.padEnd))} at the end, so crop ${formatValue(begin)} / ${formatValue(end)} more after it${axes.some((x) => x.padEnd - x.padBegin === 1) ? ` (PyTorch's idiom padding ⌈(K−s)/2⌉ + output_padding 1 gives the same size but is shifted one cell: it is ONNX SAME_LOWER)` : ''}`,
  };
}

function toOnnx(plan: Plan): TargetForm<OnnxNodeArgs> {
  const axes = axesOf(plan);
  // Extra cells past the full output are output_padding, which onnxruntime 1.30 bounds by the stride alone (the
  // operator text and PyTorch allow max(stride, dilation) − 1). More extra cells than that (only when d > s) come
  // from one zero tap appended to W: the full output grows by d, and pads crop d − extra at the end. Exact.
  // Cells before the output (a negative padBegin) likewise come from zero taps prepended to W: ⌈cells / d⌉ of them
  // move the full output d cells each, and pads crop the surplus at the start.
  const grow = axes.map((x) => (-x.padEnd >= x.stride ? 1 : 0));
  const growBefore = axes.map((x) => Math.ceil(Math.max(-x.padBegin, 0) / x.dilation));
  const kernel = axes.map((x, a) => x.kernel + growBefore[a]! + grow[a]!);
  const attributes: OnnxAttributes = {
    kernel_shape: kernel, strides: axes.map((x) => x.stride), dilations: axes.map((x) => x.dilation),
    group: plan.groups,
    pads: [...axes.map((x, a) => x.padBegin + growBefore[a]! * x.dilation), ...axes.map((x, a) => (grow[a] ? x.dilation + x.padEnd : Math.max(x.padEnd, 0)))],
    output_padding: axes.map((x, a) => (grow[a] ? 0 : Math.max(-x.padEnd, 0))),
  };
  const grown = grow.some((g) => g > 0) || growBefore.some((g) => g > 0);
  // Say when auto_pad would give the same crops (output i·s, split UPPER or LOWER) in onnxruntime too: not when the
  // total padding is negative (onnxruntime then clamps it at 0 and gives a smaller output than the text's i·s).
  const same = (upper: boolean) => !grown && axes.every((x) => {
    if (x.output !== sameTransposedOutputSize(x.input, x.stride) || x.padBegin + x.padEnd < 0) return false;
    const split = splitTotalPadding(x.padBegin + x.padEnd, upper);
    return split.begin === x.padBegin && split.end === x.padEnd;
  });
  const autoPad = same(true) ? 'SAME_UPPER' : same(false) ? 'SAME_LOWER' : null;
  const weightShape = [...plan.weightShape.slice(0, 2), ...kernel];
  const node: OnnxNodeArgs = { op: 'ConvTranspose', attributes, inputShape: [...plan.inputShape], weightShape };
  // torch.nn.functional.pad lists the last axis first: (before, after) pairs.
  const weightPad = axes.map((_, a) => [growBefore[a]!, grow[a]!]).reverse().flat();
  const grownAxes = axes.map((_, a) => (grow[a]! + growBefore[a]! > 0 ? a : -1)).filter((a) => a >= 0);
  const taps = (a: number) => [growBefore[a] ? `${growBefore[a]} before` : '', grow[a] ? 'one after' : ''].filter(Boolean).join(' and ');
  return {
    convention: 'onnx', expressible: true, parameters: node, crop: null,
    weightLayout: '(C, M/group, k…), as PyTorch', weightShape,
    weightFromPytorch: grown ? `F.pad(W, (${weightPad.join(', ')}))  # zero taps: ${grownAxes.map((a) => `axis ${a} ${taps(a)}`).join(', ')}` : 'W',
    code: `ConvTranspose(${Object.entries(attributes).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')})`,
    note: grown
      ? `exact, with zero taps added to W (${grownAxes.map((a) => `axis ${a}: ${taps(a)}`).join('; ')}): ${[
        grow.some((g) => g > 0) ? `the extra cells past the full output would need output_padding ≥ stride, which onnxruntime 1.30 refuses` : '',
        growBefore.some((g) => g > 0) ? 'ONNX pads cannot add cells before the output' : '',
      ].filter(Boolean).join('; ')}`
      : autoPad
        ? `exact; equivalently auto_pad=${autoPad} (ONNX Runtime swapped SAME_UPPER and SAME_LOWER before 1.13: prefer explicit pads)`
        : 'exact, with explicit pads (begin values, then end values)',
  };
}

function toKeras(plan: Plan): TargetForm<KerasTransposeLayer> {
  const axes = axesOf(plan);
  const weight = channelsLastWeight(plan);
  const common = { weightLayout: '(k…, Cout, Cin) (kernel of Conv{N}DTranspose)', weightShape: weight.shape, weightFromPytorch: weight.perm };
  const refuse = (note: string): TargetForm<KerasTransposeLayer> => ({ convention: 'keras', expressible: false, parameters: null, crop: null, ...common, code: '', note });
  if (plan.groups !== 1) return refuse('Keras transposed convolutions have no groups: split the channels into groups layers and concatenate');
  if (axes.some((x) => x.dilation > 1) && axes.some((x) => x.stride > 1)) return refuse('Keras refuses dilation_rate > 1 together with strides > 1');
  if (addsBefore(plan)) return refuse(beforeNote(plan, 'Keras'));

  // Try padding 'same'/'valid', with output_padding None or a value per axis; keep the candidate that contains the
  // wanted output with the least to crop (0 = exact).
  let best: { padding: KerasPadding; op: number[] | null; crop: Crop; total: number } | null = null;
  for (const padding of ['same', 'valid'] as const) {
    const opChoices: (number[] | null)[] = [null, ...cartesian(axes.map((x) => Array.from({ length: x.stride }, (_, v) => v)))];
    for (const op of opChoices) {
      const begin: number[] = [];
      const end: number[] = [];
      let ok = true;
      axes.forEach((x, a) => {
        const c = kerasAxisCrop(x.input, x.kernel, x.stride, x.dilation, padding, op ? op[a]! : null);
        if (c.forward !== x.input || c.begin > x.padBegin || c.end > x.padEnd) ok = false;
        begin.push(x.padBegin - c.begin);
        end.push(x.padEnd - c.end);
      });
      if (!ok) continue;
      const total = [...begin, ...end].reduce((s, v) => s + v, 0) + (op ? 0.5 : 0); // prefer no output_padding
      if (!best || total < best.total) best = { padding, op, crop: { begin, end }, total };
    }
  }
  if (!best) return refuse('no Keras padding/output_padding gives an output containing this one');
  const exact = noCrop(best.crop);
  const parameters: KerasTransposeLayer = {
    input: axes.map((x) => x.input), kernelSize: axes.map((x) => x.kernel), strides: axes.map((x) => x.stride),
    padding: best.padding, outputPadding: best.op, dilationRate: axes.map((x) => x.dilation),
    filters: plan.outChannels, inChannels: plan.inChannels, batch: plan.batch,
  };
  const code = `keras.layers.Conv${plan.rank}DTranspose(${plan.outChannels}, ${tuple(parameters.kernelSize as number[])}, strides=${tuple(parameters.strides as number[])}, padding="${best.padding}"${best.op ? `, output_padding=${tuple(best.op)}` : ''}${axes.some((x) => x.dilation > 1) ? `, dilation_rate=${tuple(parameters.dilationRate as number[])}` : ''})`;
  return {
    convention: 'keras', expressible: exact, parameters, crop: exact ? null : best.crop, ...common,
    code: exact ? code : `${code}; ${cropCode(best.crop, false)}`,
    note: exact ? `exact (channels_last: x is N, spatial…, C)${best.padding === 'same' && !best.op ? '; TF "same" = ONNX SAME_UPPER' : ''}`
      : `Keras can only crop what padding "${best.padding}" crops; crop ${formatValue(best.crop.begin)} at the start and ${formatValue(best.crop.end)} at the end after it`,
  };
}

function toTfjs(plan: Plan): TargetForm<TfjsTransposeArgs> {
  const axes = axesOf(plan);
  const weight = channelsLastWeight(plan);
  const common = { weightLayout: 'filter [k…, outChannels, inChannels]', weightShape: weight.shape, weightFromPytorch: weight.perm };
  const refuse = (note: string): TargetForm<TfjsTransposeArgs> => ({ convention: 'tfjs', expressible: false, parameters: null, crop: null, ...common, code: '', note });
  if (plan.rank === 1) return refuse('tfjs has no conv1dTranspose: use conv2dTranspose with a height of 1 (kernel 1, stride 1)');
  if (plan.groups !== 1) return refuse('tfjs transposed convolutions have no groups: split the channels and concatenate');
  if (axes.some((x) => x.dilation > 1)) return refuse('tfjs transposed convolutions have no dilation');
  const xShape = [plan.batch, ...axes.map((x) => x.input), plan.inChannels];
  const strides = axes.map((x) => x.stride);
  const pads: TfjsPad[] = ['same', 'valid'];
  if (plan.rank === 2) {
    pads.push(...new Set(axes.map((x) => x.padBegin)));
    pads.push([[0, 0], ...axes.map((x) => [x.padBegin, Math.max(x.padEnd, 0)] as [number, number]), [0, 0]]);
  }
  // The first pad whose tfjs crops equal the plan's, at the plan's own output size.
  const outputShape = [plan.batch, ...axes.map((x) => x.output), plan.outChannels];
  for (const pad of pads) {
    const args: TfjsTransposeArgs = { xShape, filterShape: weight.shape, outputShape, strides, pad };
    if (!sameCrops(() => fromTfjs(args), plan)) continue;
    const fn = plan.rank === 2 ? 'conv2dTranspose' : 'conv3dTranspose';
    return {
      convention: 'tfjs', expressible: true, parameters: args, crop: null, ...common,
      code: `tf.${fn}(x, filter, ${formatValue(outputShape)}, ${formatValue(strides)}, ${typeof pad === 'string' ? `'${pad}'` : formatValue(pad)})`,
      note: 'exact (x and the result are NHWC)',
    };
  }
  if (addsBefore(plan)) return refuse(beforeNote(plan, plan.rank === 2 ? 'tfjs conv2dTranspose' : "tfjs conv3dTranspose (other than 'same' at this size)"));
  // 3D with crops that 'same'/'valid' cannot give: take 'valid' (crops nothing) at the full size, then crop.
  const full = axes.map((x) => x.output + x.padBegin + Math.max(x.padEnd, 0));
  const args: TfjsTransposeArgs = { xShape, filterShape: weight.shape, outputShape: [plan.batch, ...full, plan.outChannels], strides, pad: 'valid' };
  const crop = { begin: axes.map((x) => x.padBegin), end: axes.map((x) => Math.max(x.padEnd, 0)) };
  return {
    convention: 'tfjs', expressible: false, parameters: args, crop, ...common,
    code: `tf.conv3dTranspose(x, filter, ${formatValue(args.outputShape)}, ${formatValue(strides)}, 'valid'); then tf.slice(y, ${formatValue([0, ...crop.begin, 0])}, ${formatValue([-1, ...axes.map((x) => x.output), -1])})`,
    note: 'conv3dTranspose takes only "same" or "valid": run it uncropped, then slice',
  };
}

function sameCrops(make: () => LayerSpec, plan: Plan): boolean {
  try {
    const other = planLayer(make());
    return other.axes.every((x, a) => x.padBegin === plan.axes[a]!.padBegin && x.padEnd === plan.axes[a]!.padEnd);
  } catch {
    return false; // this pad cannot reach the size: try the next one
  }
}

function cartesian(lists: readonly number[][]): number[][] {
  return lists.reduce<number[][]>((acc, list) => acc.flatMap((head) => list.map((v) => [...head, v])), [[]]);
}

/** Same layer? Equal per-axis crops, sizes and channels. Used by tests and by callers checking a translation. */
export function samePlan(a: Plan, b: Plan): boolean {
  const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.inputShape, b.inputShape) && same(a.outputShape, b.outputShape) && same(a.weightShape, b.weightShape)
    && a.axes.every((x, i) => {
      const y = b.axes[i]!;
      return x.kernel === y.kernel && x.stride === y.stride && x.dilation === y.dilation && x.padBegin === y.padBegin && x.padEnd === y.padEnd;
    });
}

