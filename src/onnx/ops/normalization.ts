/**
 * BatchNormalization in inference form: y = scale·(x − mean)/√(var + ε) + B, per channel (axis 1); and
 * InstanceNormalization (CycleGAN/pix2pix generators): the same with mean and variance of each sample's channel.
 */
import { elementwiseKernels } from '../../engine/select.ts';
import { type OnnxNode, floatAttr, intAttr } from '../model.ts';
import { invalidModel } from '../errors.ts';
import { DataType } from '../schema.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import { floatResult } from './dtype.ts';
import type { OpDefinition } from './types.ts';
import { asFloat32, broadcastShapes, broadcastStrides, floatOutput, floatTensor, normalizeAxis, notSupported, required, sizeOf } from './util.ts';

const NEEDS = 'X, scale, B, mean and var';

/** Training mode (opset 14+): batch statistics, and the running statistics as the extra outputs. */
function isTraining(node: OnnxNode, opset: number): boolean {
  const training = intAttr(node, 'training_mode', 0) !== 0;
  if (training && opset < 14) notSupported(node, 'training_mode', 1, 'use opset 14 or later, or export the model in eval mode (model.eval())');
  if (!training && node.outputs.slice(1).some((o) => o !== '')) {
    notSupported(node, 'training_mode', 1, 'export the model in eval mode (model.eval()) so BatchNormalization uses running statistics');
  }
  return training;
}

export const BatchNormalization: OpDefinition = {
  infer: (ctx) => {
    const { node } = ctx;
    const training = isTraining(node, ctx.opset);
    if (intAttr(node, 'spatial', 1) !== 1) notSupported(node, 'spatial', 0, 'use spatial = 1 (per-channel statistics)');
    const x = required(node, ctx.shapes, 0, NEEDS);
    if (x.length < 2) throw invalidModel(`${node.name}.X`, [...x], 'must have a channel axis (rank 2 or more)');
    for (let i = 1; i <= 4; i++) {
      const s = required(node, ctx.shapes, i, NEEDS);
      if (sizeOf(s) !== x[1]) throw invalidModel(`${node.name}.input[${i}]`, [...s], `must hold one value per channel (${x[1]})`);
    }
    const type = ctx.types[0] ?? DataType.FLOAT;
    return training ? [{ shape: x, dataType: type }, { shape: [x[1]!], dataType: type }, { shape: [x[1]!], dataType: type }] : [{ shape: x, dataType: type }];
  },
  run: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.inputs, 0, NEEDS);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => asFloat32(required(node, ctx.inputs, i, NEEDS))) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const epsilon = floatAttr(node, 'epsilon', 1e-5);
    const channels = x.shape[1]!;
    const inner = sizeOf(x.shape.slice(2));
    const src = asFloat32(x);
    const training = isTraining(node, ctx.opset);
    // Training normalises by the batch's statistics (biased variance) and blends them into the running ones.
    const useMean = Float64Array.from(mean);
    const useVar = Float64Array.from(variance);
    const runningMean = new Float32Array(channels);
    const runningVar = new Float32Array(channels);
    if (training) {
      const momentum = floatAttr(node, 'momentum', 0.9);
      const count = src.length / channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let start = c * inner; start < src.length; start += channels * inner) for (let i = start; i < start + inner; i++) sum += src[i]!;
        const m = sum / count;
        let sq = 0;
        for (let start = c * inner; start < src.length; start += channels * inner) for (let i = start; i < start + inner; i++) sq += (src[i]! - m) ** 2;
        useMean[c] = m;
        useVar[c] = sq / count;
        runningMean[c] = mean[c]! * momentum + m * (1 - momentum);
        runningVar[c] = variance[c]! * momentum + useVar[c]! * (1 - momentum);
      }
    }
    // In place over X when it dies here (each element is read before it is written); float32 only (floatResult rounds others).
    const out = x.dataType === DataType.FLOAT ? floatOutput(ctx, src.length, [0]) : new Float32Array(src.length);
    for (let c = 0; c < channels; c++) {
      // Folded per channel once: y = a·x + b.
      const a = scale[c]! / Math.sqrt(useVar[c]! + epsilon);
      const b = bias[c]! - a * useMean[c]!;
      for (let start = c * inner; start < src.length; start += channels * inner) {
        for (let i = start; i < start + inner; i++) out[i] = a * src[i]! + b;
      }
    }
    const y = floatResult(x.dataType, x.shape, out);
    return training ? [y, floatResult(x.dataType, [channels], runningMean), floatResult(x.dataType, [channels], runningVar)] : [y];
  },
};

export const InstanceNormalization: OpDefinition = {
  infer: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.shapes, 0, 'input, scale and B');
    if (x.length < 3) throw invalidModel(`${node.name}.input`, [...x], 'must be N, C and spatial axes (rank 3 or more)');
    for (let i = 1; i <= 2; i++) {
      const s = required(node, ctx.shapes, i, 'input, scale and B');
      if (sizeOf(s) !== x[1]) throw invalidModel(`${node.name}.input[${i}]`, [...s], `must hold one value per channel (${x[1]})`);
    }
    return [{ shape: x, dataType: DataType.FLOAT }];
  },
  run: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.inputs, 0, 'input, scale and B');
    const scale = asFloat32(required(node, ctx.inputs, 1, 'input, scale and B'));
    const bias = asFloat32(required(node, ctx.inputs, 2, 'input, scale and B'));
    const epsilon = floatAttr(node, 'epsilon', 1e-5);
    const channels = x.shape[1]!;
    const inner = sizeOf(x.shape.slice(2));
    const src = asFloat32(x);
    // In place over X when it dies here: a plane's statistics are taken before the plane is written. Group
    // normalisation with one channel per group, on the run's backend's kernels.
    const out = x.dataType === DataType.FLOAT ? floatOutput(ctx, src.length, [0]) : new Float32Array(src.length);
    if (inner > 0) {
      const args = { blocks: src.length / inner, blockSize: inner, channels, inner, epsilon, scale, shift: bias };
      elementwiseKernels(ctx.options.backend).groupNorm(src, args, null, out);
    }
    return [floatTensor(x.shape, out)];
  },
};

/**
 * LayerNormalization (opset 17): each block of the trailing axes from `axis` on is normalised by its mean and
 * (biased) variance, then scaled and shifted (Scale and B broadcast over the block). Statistics in float64; the
 * optional Mean and InvStdDev outputs have the block axes kept as 1.
 */
export const LayerNormalization: OpDefinition = {
  infer: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.shapes, 0, 'X and Scale');
    const { axis } = layerNormLayout(node, x);
    if (intAttr(node, 'stash_type', 1) !== 1) notSupported(node, 'stash_type', intAttr(node, 'stash_type', 1), 'use stash_type 1 (float32 statistics)');
    for (const i of [1, 2]) {
      const s = ctx.shapes[i];
      if (s !== undefined) broadcastShapes(node, x.slice(axis), s);
    }
    const stats = [...x.slice(0, axis), ...x.slice(axis).map(() => 1)];
    return [{ shape: x, dataType: ctx.types[0] ?? DataType.FLOAT }, { shape: stats, dataType: DataType.FLOAT }, { shape: stats, dataType: DataType.FLOAT }];
  },
  run: (ctx) => {
    const { node } = ctx;
    const x = required(node, ctx.inputs, 0, 'X and Scale');
    const scale = required(node, ctx.inputs, 1, 'X and Scale');
    const bias = ctx.inputs[2];
    const { axis } = layerNormLayout(node, x.shape);
    const block = x.shape.slice(axis);
    const size = sizeOf(block);
    const groups = sizeOf(x.shape.slice(0, axis));
    const epsilon = floatAttr(node, 'epsilon', 1e-5);
    // Scale and B laid out over one block (broadcast strides, then an odometer over the block).
    const spread = (t: OnnxTensor) => {
      const strides = broadcastStrides(t.shape, block);
      const values = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        let rest = i;
        let offset = 0;
        for (let a = block.length - 1; a >= 0; a--) { offset += (rest % block[a]!) * strides[a]!; rest = Math.floor(rest / block[a]!); }
        values[i] = t.data[offset]!;
      }
      return values;
    };
    const s = spread(scale);
    const b = bias ? spread(bias) : new Float64Array(size);
    const out = new Float32Array(x.data.length);
    const means = new Float32Array(groups);
    const inverse = new Float32Array(groups);
    for (let g = 0; g < groups; g++) {
      const start = g * size;
      let mean = 0;
      for (let i = 0; i < size; i++) mean += x.data[start + i]!;
      mean /= size;
      let variance = 0;
      for (let i = 0; i < size; i++) variance += (x.data[start + i]! - mean) ** 2;
      variance /= size;
      const inv = 1 / Math.sqrt(variance + epsilon);
      means[g] = mean;
      inverse[g] = inv;
      for (let i = 0; i < size; i++) out[start + i] = (x.data[start + i]! - mean) * inv * s[i]! + b[i]!;
    }
    const stats = [...x.shape.slice(0, axis), ...block.map(() => 1)];
    return [floatResult(x.dataType, x.shape, out), floatTensor(stats, means), floatTensor(stats, inverse)];
  },
};

function layerNormLayout(node: OnnxNode, x: readonly number[]): { axis: number } {
  return { axis: normalizeAxis(node, intAttr(node, 'axis', -1), x.length) };
}
