/**
 * Resize (opsets 10–19) and Upsample (opsets 7–9): nearest, (n-)linear and cubic interpolation, one axis at a time
 * (every mode is separable). Each output coordinate is mapped back to the input by the node's
 * coordinate_transformation_mode exactly as the ONNX reference (the arbiter of the operator's test suite) does it,
 * including its use of the unrounded output length `input · scale` in align_corners and tf_crop_and_resize.
 * Per axis, an output element is a weighted sum of input elements (taps): the weights come from the filter
 * (nearest: one tap; linear: the triangle; cubic: Keys' kernel with cubic_coeff_a), stretched by 1/scale when
 * antialiasing a downscale, renormalised without the taps outside the input when exclude_outside is set; indices past
 * the ends repeat the edge element.
 */
import { resize } from '../../engine/index.ts';
import type { ElementwiseKernels } from '../../engine/elementwise.ts';
import { elementwiseKernels } from '../../engine/select.ts';
import { invalidModel } from '../errors.ts';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { InferContext, OpDefinition, RunContext, Shape } from './types.ts';
import type { OnnxNode } from '../model.ts';
import { asFloat32, floatOutput, floatTensor, knownValue, normalizeAxis, notSupported, required, sizeOf } from './util.ts';
import { floatResult } from './dtype.ts';
import { sameShape } from '../../tensor/tensor.ts';

const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric', 'tf_crop_and_resize'] as const;
type Transform = (typeof TRANSFORMS)[number];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
type NearestMode = (typeof NEAREST_MODES)[number];
const MODES = ['nearest', 'linear', 'cubic'] as const;
type Mode = (typeof MODES)[number];

export interface ResizeSettings {
  readonly mode: Mode;
  readonly transform: Transform;
  readonly nearestMode: NearestMode;
  /** Keys' cubic kernel parameter A (default −0.75). */
  readonly cubicCoeffA: number;
  readonly excludeOutside: boolean;
  /** tf_crop_and_resize: the value of outputs whose source lies outside the input. */
  readonly extrapolationValue: number;
  readonly antialias: boolean;
  /** Per-axis scale factors (output/input) used by the coordinate transform. */
  readonly scales: readonly number[];
  /** tf_crop_and_resize: the region of interest per axis, [start, end] in normalised input coordinates. */
  readonly roi: readonly (readonly [number, number])[];
  readonly outputShape: readonly number[];
}

/** Where the node's scales or sizes come from: input values (Resize, Upsample-9) or the attribute (Upsample-7). */
type ValueOf = (i: number) => OnnxTensor | undefined;

function oneOf<T extends string>(node: OnnxNode, name: string, value: string, allowed: readonly T[], hint: string): T {
  if (!(allowed as readonly string[]).includes(value)) notSupported(node, name, value, hint);
  return value as T;
}

function settings(node: OnnxNode, opset: number, x: Shape, valueAt: ValueOf): ResizeSettings {
  const upsample = node.opType === 'Upsample';
  const legacy = upsample || opset < 11; // Upsample and Resize-10: (X, scales), asymmetric, nearest rounds down
  let modeName = stringAttr(node, 'mode', 'nearest');
  if (upsample && modeName === 'bilinear') modeName = 'linear'; // Upsample-7 spelling
  const mode = oneOf(node, 'mode', modeName, legacy ? ['nearest', 'linear'] : MODES, `use mode ${legacy ? 'nearest or linear' : 'nearest, linear or cubic'}`);
  const transform = legacy ? 'asymmetric'
    : oneOf(node, 'coordinate_transformation_mode', stringAttr(node, 'coordinate_transformation_mode', 'half_pixel'), TRANSFORMS.filter((t) => t !== 'half_pixel_symmetric' || opset >= 19), `use one of ${TRANSFORMS.join(', ')} (half_pixel_symmetric from opset 19)`);
  const nearestMode = legacy ? 'floor'
    : oneOf(node, 'nearest_mode', stringAttr(node, 'nearest_mode', 'round_prefer_floor'), NEAREST_MODES, `use one of ${NEAREST_MODES.join(', ')}`);
  const antialias = opset >= 18 && intAttr(node, 'antialias', 0) !== 0;
  const excludeOutside = !legacy && intAttr(node, 'exclude_outside', 0) !== 0;
  const policy = opset >= 18 ? stringAttr(node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
  oneOf(node, 'keep_aspect_ratio_policy', policy, ['stretch', 'not_larger', 'not_smaller'], 'use stretch, not_larger or not_smaller');
  const rank = x.length;
  const axesAttr = opset >= 18 ? intsAttr(node, 'axes') : undefined;
  const axes = (axesAttr ?? x.map((_, a) => a)).map((a) => normalizeAxis(node, a, rank, 'axes'));
  if (new Set(axes).size !== axes.length) throw invalidModel(`${node.name}.axes`, [...(axesAttr ?? [])], 'repeats an axis');

  let given: { kind: 'scales' | 'sizes'; values: number[] } | undefined;
  let roiValues: number[] | undefined;
  if (upsample && opset < 9) {
    given = { kind: 'scales', values: [...(intsOrFloats(node, 'scales') ?? [])] };
  } else if (legacy) {
    const s = knownValue(node, valueAt, 1, 'scales');
    if (s !== undefined) given = { kind: 'scales', values: [...s.data] };
  } else {
    // Resize-11+: (X, roi, scales, sizes); an empty tensor stands for an omitted input.
    const s = knownValue(node, valueAt, 2, 'scales');
    const z = knownValue(node, valueAt, 3, 'sizes');
    const hasScales = s !== undefined && s.data.length > 0;
    const hasSizes = z !== undefined && z.data.length > 0;
    if (hasScales && hasSizes) throw invalidModel(`${node.name}.inputs`, [...node.inputs], 'must give only one of scales and sizes (got both)');
    if (hasScales) given = { kind: 'scales', values: [...s.data] };
    if (hasSizes) given = { kind: 'sizes', values: [...z.data] };
    if (transform === 'tf_crop_and_resize') {
      const r = knownValue(node, valueAt, 1, 'roi');
      if (r !== undefined && r.data.length > 0) roiValues = [...r.data];
    }
  }
  if (given === undefined) throw invalidModel(`${node.name}.inputs`, [...node.inputs], 'must give one of scales and sizes (got neither)');
  if (given.values.length !== axes.length) {
    throw invalidModel(`${node.name}.${given.kind}`, given.values, `must hold one value per ${axesAttr ? 'axis named in axes' : 'axis of the input'} (${axes.length})`);
  }
  if (policy !== 'stretch' && given.kind === 'scales') notSupported(node, 'keep_aspect_ratio_policy', policy, 'the policy applies to sizes only: give sizes, or use stretch');

  const scales = x.map(() => 1);
  const outputShape = [...x];
  if (given.kind === 'sizes') {
    given.values.forEach((v, k) => { if (!Number.isSafeInteger(v) || v < 1) throw invalidModel(`${node.name}.sizes[${k}]`, v, 'must be a positive integer'); });
    if (policy === 'stretch') {
      axes.forEach((a, k) => { outputShape[a] = given.values[k]!; scales[a] = given.values[k]! / x[a]!; });
    } else {
      // One scale for every named axis: the largest that fits (not_larger) or the smallest that covers (not_smaller).
      const ratios = axes.map((a, k) => given.values[k]! / x[a]!);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        const size = scale * x[a]!;
        // The operator rounds half away from zero; an exact half is where runtimes disagree.
        if (Math.abs(size - Math.floor(size) - 0.5) < 1e-9) notSupported(node, 'keep_aspect_ratio_policy', policy, `the size on axis ${a} is exactly ${size}, where rounding conventions differ; choose sizes that keep the aspect ratio`);
        outputShape[a] = Math.max(1, Math.round(size));
        scales[a] = scale;
      });
    }
  } else {
    given.values.forEach((v, k) => { if (!(v > 0) || !Number.isFinite(v)) throw invalidModel(`${node.name}.scales[${k}]`, v, 'must be a positive number'); });
    axes.forEach((a, k) => {
      scales[a] = given.values[k]!;
      // floor(input · scale), as the operator defines the output size.
      outputShape[a] = Math.floor(x[a]! * given.values[k]!);
      if (outputShape[a]! < 1 || outputShape[a]! > 2 ** 31 - 1) throw invalidModel(`${node.name}.scales[${k}]`, given.values[k], `gives an output size of ${outputShape[a]} on axis ${a}`);
    });
    // These transforms divide by the output length: the ONNX reference takes input · scale unrounded, onnxruntime
    // the rounded output size. They differ (by up to a cell) when input · scale is not whole: refused there.
    if (transform === 'align_corners' || transform === 'pytorch_half_pixel') {
      axes.forEach((a) => {
        const length = x[a]! * scales[a]!;
        if (Math.abs(length - Math.round(length)) > 1e-6 * length) {
          notSupported(node, 'scales', given.values, `${transform} with input · scale = ${x[a]} · ${scales[a]} = ${length} (not whole) on axis ${a} computes different values in the ONNX reference (unrounded length) and onnxruntime (output size): give sizes instead of scales`);
        }
      });
    }
    if (transform === 'tf_crop_and_resize') {
      notSupported(node, 'scales', given.values, 'with tf_crop_and_resize the spec sizes the output by the roi and runtimes do not: give sizes instead of scales');
    }
    if (legacy && mode === 'nearest' && given.values.some((v) => v < 1)) {
      notSupported(node, 'scales', given.values, 'nearest downscaling before opset 11 rounds differently in runtimes (onnxruntime rounds up, the operator text down): use Resize-11+ with an explicit nearest_mode');
    }
  }
  if (transform === 'pytorch_half_pixel' && mode === 'cubic' && axes.some((a) => outputShape[a] === 1 && x[a] !== 1)) {
    notSupported(node, 'coordinate_transformation_mode', transform, 'an output of length 1 samples at −0.5 in the ONNX reference and at 0 in onnxruntime, which cubic weights tell apart: use half_pixel');
  }
  const roi = x.map((): [number, number] => [0, 1]);
  if (transform === 'tf_crop_and_resize') {
    if (roiValues === undefined) throw invalidModel(`${node.name}.roi`, node.inputs[1] ?? '', 'must be given for tf_crop_and_resize');
    if (roiValues.length !== 2 * axes.length) throw invalidModel(`${node.name}.roi`, roiValues, `must hold ${2 * axes.length} values (starts then ends)`);
    axes.forEach((a, k) => { roi[a] = [roiValues![k]!, roiValues![axes.length + k]!]; });
  }
  if (sizeOf(outputShape) > 2 ** 31 - 1) throw invalidModel(`${node.name}.output`, outputShape, "is larger than tconv's tensor limit");
  return {
    mode, transform, nearestMode, antialias, excludeOutside, scales, roi, outputShape,
    cubicCoeffA: floatAttr(node, 'cubic_coeff_a', -0.75),
    extrapolationValue: floatAttr(node, 'extrapolation_value', 0),
  };
}

function intsOrFloats(node: OnnxNode, name: string): readonly number[] | undefined {
  return intsAttr(node, name);
}

/**
 * Input coordinate of output index `o` along an axis (ONNX coordinate_transformation_mode); NaN when the output lies
 * outside the tf_crop_and_resize region (it takes the extrapolation value).
 * @example
 * sourceCoordinate({ transform: 'half_pixel', o: 0, scale: 2, inLength: 4, outLength: 8 }) // → -0.25
 */
export function sourceCoordinate(a: { transform: Transform; o: number; scale: number; inLength: number; outLength: number; roi?: readonly [number, number] }): number {
  const { o, scale, inLength } = a;
  // The reference's unrounded output length; it differs from outLength when input · scale is not whole.
  const length = scale * inLength;
  switch (a.transform) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return length === 1 ? -0.5 : (o + 0.5) / scale - 0.5;
    case 'align_corners': return length === 1 ? 0 : (o * (inLength - 1)) / (length - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const adjustment = a.outLength / length;
      const offset = (inLength / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    case 'tf_crop_and_resize': {
      const [start, end] = a.roi ?? [0, 1];
      const x = length === 1
        ? ((end - start) * (inLength - 1)) / 2 + start * (inLength - 1)
        : (o * (end - start) * (inLength - 1)) / (length - 1) + start * (inLength - 1);
      return x < 0 || x > inLength - 1 ? Number.NaN : x;
    }
  }
}

/** Keys' cubic convolution kernel with parameter A. */
function cubicKernel(d: number, A: number): number {
  const t = Math.abs(d);
  if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
  if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  return 0;
}

interface Taps {
  /** Per output index: the input indices (clamped to the axis) and their weights; empty = extrapolation value. */
  readonly index: Int32Array[];
  readonly weight: Float64Array[];
}

/** The taps of one axis. */
function axisTaps(s: ResizeSettings, axis: number, inLength: number, outLength: number): Taps {
  const index: Int32Array[] = [];
  const weight: Float64Array[] = [];
  const scale = s.scales[axis]!;
  for (let o = 0; o < outLength; o++) {
    const x = sourceCoordinate({ transform: s.transform, o, scale, inLength, outLength, roi: s.roi[axis] });
    if (Number.isNaN(x)) {
      index.push(new Int32Array(0));
      weight.push(new Float64Array(0));
      continue;
    }
    // The reference takes the neighbours left of x first: ratio in (0, 1], base = the index just below x.
    const ratio = Number.isInteger(x) ? 1 : x - Math.floor(x);
    const base = x - ratio;
    if (s.mode === 'nearest') {
      let pick: number;
      switch (s.nearestMode) {
        case 'round_prefer_floor': pick = ratio <= 0.5 ? base : base + 1; break;
        case 'round_prefer_ceil': pick = ratio < 0.5 ? base : base + 1; break;
        case 'floor': pick = ratio === 1 ? base + 1 : base; break;
        case 'ceil': pick = base + 1; break;
      }
      index.push(Int32Array.of(Math.min(Math.max(pick, 0), inLength - 1)));
      weight.push(Float64Array.of(1));
      continue;
    }
    const radius = s.mode === 'linear' ? 1 : 2;
    const filter = s.mode === 'linear' ? (d: number) => Math.max(0, 1 - Math.abs(d)) : (d: number) => cubicKernel(d, s.cubicCoeffA);
    // Antialiasing widens the filter by 1/scale when shrinking (scale < 1).
    const stretch = s.antialias ? Math.min(scale, 1) : 1;
    const start = Math.floor(-radius / stretch) + 1;
    const count = 2 - 2 * start;
    const idx = new Int32Array(count);
    const w = new Float64Array(count);
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const i = base + start + k;
      let weightOf = filter(stretch * (i - x));
      if (s.excludeOutside && (i < 0 || i >= inLength)) weightOf = 0;
      w[k] = weightOf;
      sum += weightOf;
      idx[k] = Math.min(Math.max(i, 0), inLength - 1);
    }
    if (s.antialias || s.excludeOutside) for (let k = 0; k < count; k++) w[k]! /= sum;
    index.push(idx);
    weight.push(w);
  }
  return { index, weight };
}

/** Resamples one axis: out[..., o, ...] = Σ weights · in[..., i, ...] (float64 sums). */
function resampleAxis(data: Float32Array, shape: number[], axis: number, outLength: number, s: ResizeSettings): Float32Array {
  const inLength = shape[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Float32Array(outer * outLength * inner);
  const taps = axisTaps(s, axis, inLength, outLength);
  for (let o = 0; o < outLength; o++) {
    const idx = taps.index[o]!;
    const w = taps.weight[o]!;
    for (let p = 0; p < outer; p++) {
      const dst = (p * outLength + o) * inner;
      if (idx.length === 0) {
        out.fill(s.extrapolationValue, dst, dst + inner);
        continue;
      }
      for (let q = 0; q < inner; q++) {
        let sum = 0;
        for (let k = 0; k < idx.length; k++) sum += w[k]! * data[(p * inLength + idx[k]!) * inner + q]!;
        out[dst + q] = sum;
      }
    }
  }
  return out;
}

function inferResize(ctx: InferContext) {
  const x = required(ctx.node, ctx.shapes, 0, 'an input');
  return [{ shape: settings(ctx.node, ctx.opset, x, (i) => ctx.constant(i)).outputShape, dataType: ctx.types[0] ?? DataType.FLOAT }];
}

/** torch.nn.Upsample's cases (the engine's resize): whole spatial factors, nearest-floor or half-pixel linear. */
function engineMode(s: ResizeSettings, rank: number): 'nearest' | 'bilinear' | null {
  if (rank < 3 || rank > 5 || s.scales[0] !== 1 || s.scales[1] !== 1) return null;
  if (!s.scales.slice(2).every((f) => Number.isInteger(f) && f >= 1)) return null;
  if (s.mode === 'nearest' && s.transform === 'asymmetric' && s.nearestMode === 'floor') return 'nearest';
  // pytorch_half_pixel differs from half_pixel only for outputs of length 1, which whole factors ≥ 1 never give
  // from inputs ≥ 1 unless the factor is 1 (an identity either way).
  if (s.mode === 'linear' && (s.transform === 'half_pixel' || s.transform === 'pytorch_half_pixel')) return 'bilinear';
  return null;
}

/**
 * Nearest upsampling by whole factors (N, C, spatial…): out[…, o, …] = in[…, ⌊o/f⌋, …], each axis widened by
 * repeating its elements (last axis) or its already written blocks (outer axes).
 */
function repeatNearest(src: Float32Array, shape: Shape, factors: readonly number[], out: Float32Array, kernels: ElementwiseKernels): void {
  const spatial = shape.slice(2);
  const rank = spatial.length;
  // Elements of one block below each axis, in the input and in the output.
  const inBlock = spatial.map((_, a) => sizeOf(spatial.slice(a + 1)));
  const outBlock = spatial.map((_, a) => sizeOf(spatial.slice(a + 1).map((d, b) => d * factors[a + 1 + b]!)));
  const expand = (axis: number, from: number, to: number): void => {
    const length = spatial[axis]!;
    const f = factors[axis]!;
    if (axis === rank - 1) {
      if (f === 2) {
        for (let i = from, o = to; i < from + length; i++, o += 2) {
          const v = src[i]!;
          out[o] = v;
          out[o + 1] = v;
        }
        return;
      }
      for (let i = 0, o = to; i < length; i++) {
        const v = src[from + i]!;
        for (let k = 0; k < f; k++) out[o++] = v;
      }
      return;
    }
    const block = outBlock[axis]!;
    for (let i = 0; i < length; i++) {
      const first = to + i * f * block;
      expand(axis + 1, from + i * inBlock[axis]!, first);
      for (let k = 1; k < f; k++) out.copyWithin(first + k * block, first, first + block);
    }
  };
  const planes = shape[0]! * shape[1]!;
  const inPlane = sizeOf(spatial);
  const outPlane = inPlane * sizeOf(factors);
  if (rank === 2 && factors[0] === 2 && factors[1] === 2) {
    // ×2 in 2D (the usual upsampling): the backend's row kernel (each value stored four times, in one pass).
    kernels.upsample2x(src, spatial[1]!, out);
    return;
  }
  for (let p = 0; p < planes; p++) expand(0, p * inPlane, p * outPlane);
}

/**
 * The settings of a node's last run, reused while its input shape and the values of its roi/scales/sizes inputs (a
 * few numbers, compared by value: a fed tensor may be changed in place between runs) are unchanged, so a session's
 * runs do not re-read the node's attributes.
 */
const lastSettings = new WeakMap<OnnxNode, { readonly opset: number; readonly shape: Shape; readonly given: readonly (readonly number[] | undefined)[]; readonly settings: ResizeSettings }>();

function runSettings(ctx: RunContext, shape: Shape): ResizeSettings {
  const known = lastSettings.get(ctx.node);
  const sameValues = (t: OnnxTensor | undefined, v: readonly number[] | undefined): boolean =>
    t === undefined ? v === undefined : v !== undefined && t.data.length === v.length && v.every((n, i) => Object.is(n, t.data[i]));
  if (known && known.opset === ctx.opset && sameShape(known.shape, shape) && ctx.inputs.length === known.given.length + 1
    && known.given.every((v, i) => sameValues(ctx.inputs[i + 1], v))) {
    return known.settings;
  }
  const made = settings(ctx.node, ctx.opset, shape, (i) => ctx.inputs[i]);
  lastSettings.set(ctx.node, { opset: ctx.opset, shape: [...shape], given: ctx.inputs.slice(1).map((t) => (t ? [...t.data] : undefined)), settings: made });
  return made;
}

function runResize(ctx: RunContext) {
  const x = required(ctx.node, ctx.inputs, 0, 'an input');
  const s = runSettings(ctx, x.shape);
  const fast = engineMode(s, x.shape.length);
  if (fast === 'nearest' && x.dataType === DataType.FLOAT) {
    // Whole-factor nearest is a copy: rows widened once, then repeated by block copies, into a recycled buffer.
    const factors = s.scales.slice(2);
    const shape = x.shape.map((d, axis) => (axis < 2 ? d : d * factors[axis - 2]!));
    const out = floatOutput(ctx, sizeOf(shape), []);
    repeatNearest(asFloat32(x), x.shape, factors, out, elementwiseKernels(ctx.options.backend));
    return [floatTensor(shape, out)];
  }
  if (fast) {
    const y = resize({ shape: x.shape, data: asFloat32(x) }, { scale: s.scales.slice(2), mode: fast });
    return [floatResult(x.dataType, y.shape, y.data)];
  }
  let data = asFloat32(x);
  const shape = [...x.shape];
  for (let axis = 0; axis < shape.length; axis++) {
    // An axis kept at its size with scale 1 maps every output to its own input (for every transform but a crop).
    const crop = s.transform === 'tf_crop_and_resize' && (s.roi[axis]![0] !== 0 || s.roi[axis]![1] !== 1);
    if (s.outputShape[axis] === shape[axis] && s.scales[axis] === 1 && !crop) continue;
    data = resampleAxis(data, shape, axis, s.outputShape[axis]!, s);
    shape[axis] = s.outputShape[axis]!;
  }
  return [floatResult(x.dataType, shape, data)];
}

export const Resize: OpDefinition = { infer: inferResize, run: runResize };
export const Upsample: OpDefinition = { infer: inferResize, run: runResize };

/** The node's resize settings, for lint (scale factors and modes). */
export function resizeSettings(node: OnnxNode, opset: number, x: Shape, valueAt: ValueOf): ResizeSettings {
  return settings(node, opset, x, valueAt);
}
