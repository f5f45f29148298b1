/**
 * Resize (opset 10+) and Upsample (opset 7–9): nearest and (n-)linear interpolation, done one axis at a time
 * (both modes are separable). Each output coordinate is mapped back to the input by the node's
 * coordinate_transformation_mode, as the ONNX operator defines it.
 */
import { resize } from '../../engine/index.ts';
import { invalidModel } from '../errors.ts';
import { floatsAttr, intAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import type { InferContext, OpDefinition, RunContext, Shape } from './types.ts';
import type { OnnxNode } from '../model.ts';
import { asFloat32, floatTensor, notSupported, required, sizeOf } from './util.ts';

const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'] as const;
type Transform = (typeof TRANSFORMS)[number];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
type NearestMode = (typeof NEAREST_MODES)[number];

export interface ResizeSettings {
  readonly mode: 'nearest' | 'linear';
  readonly transform: Transform;
  readonly nearestMode: NearestMode;
  /** Per-axis scale factors (output/input) used by the coordinate transform. */
  readonly scales: readonly number[];
  readonly outputShape: readonly number[];
}

/** Where the node's scales or sizes come from: input values (Resize, Upsample-9) or the attribute (Upsample-7). */
type ValueOf = (i: number) => OnnxTensor | undefined;

function settings(node: OnnxNode, opset: number, x: Shape, valueOf: ValueOf): ResizeSettings {
  const upsample = node.opType === 'Upsample';
  let mode = stringAttr(node, 'mode', 'nearest');
  if (upsample && mode === 'bilinear') mode = 'linear'; // Upsample-7 spelling
  if (mode !== 'nearest' && mode !== 'linear') notSupported(node, 'mode', mode, 'use mode nearest or linear (cubic is not implemented)');
  const transform = (upsample || opset < 11 ? 'asymmetric' : stringAttr(node, 'coordinate_transformation_mode', 'half_pixel')) as Transform;
  if (!TRANSFORMS.includes(transform)) notSupported(node, 'coordinate_transformation_mode', transform, `use one of ${TRANSFORMS.join(', ')}`);
  // Before opset 11 nearest rounds down (asymmetric + floor), as runtimes implement Upsample and Resize-10.
  const nearestMode = (upsample || opset < 11 ? 'floor' : stringAttr(node, 'nearest_mode', 'round_prefer_floor')) as NearestMode;
  if (!NEAREST_MODES.includes(nearestMode)) notSupported(node, 'nearest_mode', nearestMode, `use one of ${NEAREST_MODES.join(', ')}`);
  if (intAttr(node, 'antialias', 0) !== 0) notSupported(node, 'antialias', 1, 'export without antialiasing');
  if (intsOrUndefined(node, 'axes') !== undefined) notSupported(node, 'axes', node.attributes.get('axes'), 'give scales or sizes for every axis');
  const policy = stringAttr(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') notSupported(node, 'keep_aspect_ratio_policy', policy, 'use stretch (exact sizes)');

  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (upsample && opset < 9) {
    scales = [...(floatsAttr(node, 'scales') ?? [])];
  } else {
    // Resize-10 and Upsample-9: (X, scales); Resize-11+: (X, roi, scales, sizes).
    const scalesIndex = upsample || opset < 11 ? 1 : 2;
    const s = node.inputs[scalesIndex] ? valueOf(scalesIndex) : undefined;
    const z = !upsample && opset >= 11 && node.inputs[3] ? valueOf(3) : undefined;
    if (node.inputs[scalesIndex] && s === undefined) notSupported(node, 'scales', node.inputs[scalesIndex], 'tconv needs scales known before running (a constant or initializer)');
    if (!upsample && opset >= 11 && node.inputs[3] && z === undefined) notSupported(node, 'sizes', node.inputs[3], 'tconv needs sizes known before running (a constant or initializer)');
    if (s !== undefined && s.data.length > 0) scales = [...s.data];
    if (z !== undefined && z.data.length > 0) sizes = [...z.data];
  }
  if ((scales === undefined) === (sizes === undefined)) {
    throw invalidModel(`${node.name}.inputs`, [...node.inputs], `must give exactly one of scales and sizes (got ${scales ? 'both' : 'neither'})`);
  }
  const given = (scales ?? sizes)!;
  if (given.length !== x.length) {
    throw invalidModel(`${node.name}.${scales ? 'scales' : 'sizes'}`, given, `must hold one value per axis of the input (${x.length})`);
  }
  let outputShape: number[];
  if (sizes !== undefined) {
    sizes.forEach((v, a) => { if (!Number.isSafeInteger(v) || v < 1) throw invalidModel(`${node.name}.sizes[${a}]`, v, 'must be a positive integer'); });
    outputShape = sizes;
    scales = sizes.map((v, a) => v / x[a]!);
  } else {
    scales!.forEach((v, a) => { if (!(v > 0) || !Number.isFinite(v)) throw invalidModel(`${node.name}.scales[${a}]`, v, 'must be a positive number'); });
    // floor(input · scale), as the operator defines the output size.
    outputShape = x.map((d, a) => Math.floor(d * scales![a]!));
    outputShape.forEach((v, a) => { if (v < 1 || v > 2 ** 31 - 1) throw invalidModel(`${node.name}.scales[${a}]`, scales![a], `gives an output size of ${v} on axis ${a}`); });
  }
  if (sizeOf(outputShape) > 2 ** 31 - 1) throw invalidModel(`${node.name}.output`, outputShape, "is larger than tconv's tensor limit");
  return { mode: mode as 'nearest' | 'linear', transform, nearestMode, scales: scales!, outputShape };
}

function intsOrUndefined(node: OnnxNode, name: string): unknown {
  return node.attributes.get(name);
}

/** Input coordinate of output index `o` along an axis (ONNX coordinate_transformation_mode). */
export function sourceCoordinate(transform: Transform, o: number, scale: number, inLength: number, outLength: number): number {
  switch (transform) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outLength > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLength === 1 ? 0 : (o * (inLength - 1)) / (outLength - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const adjustment = outLength / (scale * inLength);
      const offset = (inLength / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
  }
}

function nearestIndex(mode: NearestMode, x: number, inLength: number): number {
  let i: number;
  switch (mode) {
    case 'round_prefer_floor': i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); break;
    case 'round_prefer_ceil': i = Math.round(x); break;
    case 'floor': i = Math.floor(x); break;
    case 'ceil': i = Math.ceil(x); break;
  }
  return Math.min(Math.max(i, 0), inLength - 1);
}

/** Resamples one axis: out[..., o, ...] = Σ weights · in[..., i, ...]. */
function resampleAxis(data: Float32Array, shape: number[], axis: number, outLength: number, s: ResizeSettings): Float32Array {
  const inLength = shape[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Float32Array(outer * outLength * inner);
  for (let o = 0; o < outLength; o++) {
    const x = sourceCoordinate(s.transform, o, s.scales[axis]!, inLength, outLength);
    let i0: number;
    let i1: number;
    let w1: number;
    if (s.mode === 'nearest') {
      i0 = i1 = nearestIndex(s.nearestMode, x, inLength);
      w1 = 0;
    } else {
      const clamped = Math.min(Math.max(x, 0), inLength - 1);
      i0 = Math.floor(clamped);
      i1 = Math.min(i0 + 1, inLength - 1);
      w1 = clamped - i0;
    }
    for (let p = 0; p < outer; p++) {
      const src0 = (p * inLength + i0) * inner;
      const src1 = (p * inLength + i1) * inner;
      const dst = (p * outLength + o) * inner;
      for (let q = 0; q < inner; q++) out[dst + q] = data[src0 + q]! * (1 - w1) + data[src1 + q]! * w1;
    }
  }
  return out;
}

function inferResize(ctx: InferContext) {
  const x = required(ctx.node, ctx.shapes, 0, 'an input');
  return [{ shape: settings(ctx.node, ctx.opset, x, (i) => ctx.constant(i)).outputShape, dataType: DataType.FLOAT }];
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

function runResize(ctx: RunContext) {
  const x = required(ctx.node, ctx.inputs, 0, 'an input');
  const s = settings(ctx.node, ctx.opset, x.shape, (i) => ctx.inputs[i]);
  const fast = engineMode(s, x.shape.length);
  if (fast) {
    const y = resize({ shape: x.shape, data: asFloat32(x) }, { scale: s.scales.slice(2), mode: fast });
    return [floatTensor(y.shape, y.data)];
  }
  let data = asFloat32(x);
  const shape = [...x.shape];
  for (let axis = 0; axis < shape.length; axis++) {
    if (s.outputShape[axis] === shape[axis] && s.scales[axis] === 1) continue;
    data = resampleAxis(data, shape, axis, s.outputShape[axis]!, s);
    shape[axis] = s.outputShape[axis]!;
  }
  return [floatTensor(shape, data)];
}

export const Resize: OpDefinition = { infer: inferResize, run: runResize };
export const Upsample: OpDefinition = { infer: inferResize, run: runResize };

/** The node's resize settings, for lint (scale factors and modes). */
export function resizeSettings(node: OnnxNode, opset: number, x: Shape, valueOf: ValueOf): ResizeSettings {
  return settings(node, opset, x, valueOf);
}
