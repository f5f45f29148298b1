/**
 * Writing a layer stack as an ONNX model that other runtimes execute: conv / transposed conv (canonical parameters
 * translated to ONNX pads + output_padding), batch norm (inference), activations, resize (as torch.nn.Upsample) and
 * pixel shuffle (DepthToSpace CRD, as torch.nn.PixelShuffle). Layers come from a JSON description or are the
 * engine's layer objects (ConvTranspose2d, Conv2d, …) with their weights.
 */
import { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Conv1d, Conv2d, Conv3d } from '../engine/index.ts';
import { TconvError } from '../shape/errors.ts';
import { type LayerOptions, type Rank, checkInteger } from '../shape/params.ts';
import { type Plan, planLayer } from '../shape/plan.ts';
import { pytorchDefaultInit } from '../tensor/init.ts';
import { createRng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type OnnxModel, readModel } from './model.ts';
import { AttributeType, ModelProto, type RawAttribute, type RawNode, type RawTensor } from './schema.ts';
import { floatTensorProto, int64TensorProto } from './tensor-proto.ts';

/** A conv or transposed-conv layer to export: the layer options in PyTorch's meanings (shape/params.ts), plus these. */
export interface ConvExportLayer extends LayerOptions {
  readonly kind: 'convTranspose' | 'conv';
  /** Default: the incoming channels. */
  readonly outChannels?: number;
  /** Add a bias (default true). */
  readonly bias?: boolean;
  /** Seed of PyTorch-style default initial weights (default: the stack's seed + layer index). */
  readonly seed?: number;
  /** Explicit weights instead of seeded ones: transposed (Cin, Cout/g, k…), conv (Cout, Cin/g, k…). */
  readonly weight?: { readonly shape: readonly number[]; readonly data: ArrayLike<number> };
  readonly biasValues?: ArrayLike<number>;
}

export interface BatchNormExportLayer {
  readonly kind: 'batchNorm';
  readonly epsilon?: number;
  /** Per channel; defaults: scale 1, bias 0, mean 0, variance 1, unless `seed` draws random statistics. */
  readonly scale?: ArrayLike<number>;
  readonly bias?: ArrayLike<number>;
  readonly mean?: ArrayLike<number>;
  readonly variance?: ArrayLike<number>;
  readonly seed?: number;
}

export type ExportLayer =
  | ConvExportLayer
  | BatchNormExportLayer
  | { readonly kind: 'relu' | 'tanh' | 'sigmoid' }
  | { readonly kind: 'leakyRelu'; readonly alpha?: number }
  | { readonly kind: 'resize'; readonly mode: 'nearest' | 'bilinear'; readonly scale: number }
  | { readonly kind: 'pixelShuffle'; readonly factor: number };

type EngineLayer = ConvTranspose1d | ConvTranspose2d | ConvTranspose3d | Conv1d | Conv2d | Conv3d;

export interface ExportSpec {
  /** Input shape N, C, spatial… (N is the batch of the test data; the graph's batch axis is symbolic). */
  readonly input: readonly number[];
  readonly layers: readonly (ExportLayer | EngineLayer)[];
  /** Base seed for layers without their own (default 1). */
  readonly seed?: number;
  readonly name?: string;
  /** Keep the batch axis fixed instead of symbolic ("batch"). */
  readonly fixedBatch?: boolean;
}

export interface ExportResult {
  readonly bytes: Uint8Array;
  /** The same model as tconv reads it back. */
  readonly model: OnnxModel;
  readonly outputShape: readonly number[];
  readonly parameters: number;
  readonly nodes: number;
}

const OPSET = 13;
const IR_VERSION = 7;

function bad(parameter: string, value: unknown, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'invalid-value', parameter, value, rule, hint });
}

const ints = (name: string, values: readonly number[]): RawAttribute => ({ name, type: AttributeType.INTS, ints: [...values] });
const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });
const float = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.FLOAT, f: value });
const string = (name: string, value: string): RawAttribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });

/**
 * Builds the ONNX bytes of a stack.
 * @example
 * const { bytes, outputShape } = exportStack({ input: [1, 16, 4, 4], layers: [
 *   { kind: 'convTranspose', outChannels: 8, kernel: 4, stride: 2, padding: 1 }, { kind: 'relu' }] });
 * outputShape // → [1, 8, 8, 8]
 */
export function exportStack(spec: ExportSpec): ExportResult {
  if (!Array.isArray(spec.input) || spec.input.length < 3 || spec.input.length > 5) {
    throw bad('input', spec.input, 'must be a shape N, C and 1 to 3 spatial sizes', 'write e.g. "input": [1, 16, 4, 4]');
  }
  const input = spec.input.map((d, i) => checkInteger(`input[${i}]`, d, i === 0 ? 'nonNegative' : 'positive', 'sizes are positive integers'));
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw bad('layers', spec.layers, 'must list at least one layer', 'give the stack one or more layers');
  const rank = (input.length - 2) as Rank;
  const baseSeed = spec.seed ?? 1;
  const nodes: RawNode[] = [];
  const initializers: RawTensor[] = [];
  let shape = input;
  let value = 'input';
  let parameters = 0;
  const constant = (name: string, dims: readonly number[], data: Float32Array): string => {
    initializers.push(floatTensorProto(name, dims, data));
    parameters += data.length;
    return name;
  };
  spec.layers.forEach((raw, index) => {
    const where = `layers[${index}]`;
    const layer = fromEngineLayer(raw, rank, where);
    const out = `${layerName(layer.kind)}${index}`;
    const push = (opType: string, inputs: string[], attribute: RawAttribute[] = []): void => {
      nodes.push({ name: `${out}/${opType}`, op_type: opType, input: inputs, output: [out], attribute });
    };
    try {
      switch (layer.kind) {
        case 'convTranspose':
        case 'conv': {
          const plan = convPlan(layer, shape, rank);
          const { weight, bias } = convParameters(layer, plan, baseSeed + index);
          const inputs = [value, constant(`${out}.weight`, weight.shape, weight.data)];
          if (bias) inputs.push(constant(`${out}.bias`, bias.shape, bias.data));
          const axes = plan.axes;
          const attributes = [
            ints('kernel_shape', axes.map((a) => a.kernel)), ints('strides', axes.map((a) => a.stride)),
            ints('dilations', axes.map((a) => a.dilation)), int('group', plan.groups),
            ints('pads', [...axes.map((a) => a.padBegin), ...axes.map((a) => Math.max(a.padEnd, 0))]),
          ];
          // A negative end crop is extra cells: ONNX's output_padding.
          if (layer.kind === 'convTranspose') attributes.push(ints('output_padding', axes.map((a) => Math.max(-a.padEnd, 0))));
          push(layer.kind === 'convTranspose' ? 'ConvTranspose' : 'Conv', inputs, attributes);
          shape = [...plan.outputShape];
          break;
        }
        case 'batchNorm': {
          const c = shape[1]!;
          const stats = batchNormStats(layer, c, where);
          push('BatchNormalization', [value, constant(`${out}.scale`, [c], stats.scale), constant(`${out}.bias`, [c], stats.bias),
            constant(`${out}.mean`, [c], stats.mean), constant(`${out}.var`, [c], stats.variance)], [float('epsilon', layer.epsilon ?? 1e-5)]);
          break;
        }
        case 'relu': push('Relu', [value]); break;
        case 'tanh': push('Tanh', [value]); break;
        case 'sigmoid': push('Sigmoid', [value]); break;
        case 'leakyRelu': push('LeakyRelu', [value], [float('alpha', layer.alpha ?? 0.01)]); break;
        case 'resize': {
          const scale = checkInteger(`${where}.scale`, layer.scale, 'positive', 'use a whole factor such as 2');
          if (layer.mode !== 'nearest' && layer.mode !== 'bilinear') throw bad(`${where}.mode`, layer.mode, 'must be "nearest" or "bilinear"', 'choose a resize mode');
          const scales = constant(`${out}.scales`, [shape.length], Float32Array.from(shape.map((_, a) => (a < 2 ? 1 : scale))));
          parameters -= shape.length; // not a learned parameter
          // As torch.nn.Upsample exports: nearest = asymmetric + floor; bilinear (align_corners=False) = half_pixel.
          push('Resize', [value, '', scales], layer.mode === 'nearest'
            ? [string('mode', 'nearest'), string('coordinate_transformation_mode', 'asymmetric'), string('nearest_mode', 'floor')]
            : [string('mode', 'linear'), string('coordinate_transformation_mode', 'half_pixel')]);
          shape = shape.map((d, a) => (a < 2 ? d : d * scale));
          break;
        }
        case 'pixelShuffle': {
          const factor = checkInteger(`${where}.factor`, layer.factor, 'positive', 'use a whole factor such as 2');
          if (rank !== 2) throw new TconvError({ code: 'unsupported', parameter: `${where}.kind`, value: 'pixelShuffle', rule: `is exported as ONNX DepthToSpace, which is 2D only (this stack is ${rank}D)`, hint: 'use resize + conv in 1D/3D stacks' });
          if (shape[1]! % (factor * factor) !== 0) throw bad(`${where}.factor`, factor, `needs channels divisible by ${factor * factor}, but the layer receives ${shape[1]}`, `give the previous layer a multiple of ${factor * factor} channels`);
          push('DepthToSpace', [value], [int('blocksize', factor), string('mode', 'CRD')]);
          shape = [shape[0]!, shape[1]! / (factor * factor), ...shape.slice(2).map((d) => d * factor)];
          break;
        }
        default:
          throw bad(`${where}.kind`, (layer as { kind: unknown }).kind, 'must be convTranspose, conv, batchNorm, relu, leakyRelu, tanh, sigmoid, resize or pixelShuffle', 'choose a layer type');
      }
    } catch (error) {
      if (error instanceof TconvError && !error.parameter.startsWith('layers[')) throw new TconvError({ ...error.toJSON(), parameter: `${where}.${error.parameter}` });
      throw error;
    }
    value = out;
  });
  nodes[nodes.length - 1]!.output = ['output'];
  const batch = (n: number) => (spec.fixedBatch ? { dim_value: n } : { dim_param: 'batch' });
  const valueInfo = (name: string, dims: readonly number[]) => ({
    name, type: { tensor_type: { elem_type: 1, shape: { dim: [batch(dims[0]!), ...dims.slice(1).map((d) => ({ dim_value: d }))] } } },
  });
  const message = ModelProto.fromObject({
    ir_version: IR_VERSION, producer_name: 'tconv', producer_version: '0.1.0',
    opset_import: [{ domain: '', version: OPSET }],
    graph: { name: spec.name ?? 'tconv_stack', node: nodes, initializer: initializers, input: [valueInfo('input', input)], output: [valueInfo('output', shape)] },
  });
  const bytes = ModelProto.encode(message).finish();
  return { bytes, model: readModel(bytes), outputShape: shape, parameters, nodes: nodes.length };
}

function layerName(kind: string): string {
  return kind;
}

/** Engine layer objects become JSON-style layers with their current weights. */
function fromEngineLayer(layer: ExportLayer | EngineLayer, rank: Rank, where: string): ExportLayer {
  const transposed = layer instanceof ConvTranspose1d || layer instanceof ConvTranspose2d || layer instanceof ConvTranspose3d;
  const ordinary = layer instanceof Conv1d || layer instanceof Conv2d || layer instanceof Conv3d;
  if (!transposed && !ordinary) {
    if (typeof layer !== 'object' || layer === null || typeof (layer as { kind?: unknown }).kind !== 'string') {
      throw bad(where, layer, 'must be a layer object with a "kind"', 'write e.g. { "kind": "convTranspose", "kernel": 4, "stride": 2, "padding": 1 }');
    }
    return layer as ExportLayer;
  }
  if (layer.kernelSize.length !== rank) throw bad(where, `${layer.constructor.name}`, `is a ${layer.kernelSize.length}D layer in a ${rank}D stack`, 'use layer classes of the input\'s rank');
  return {
    kind: transposed ? 'convTranspose' : 'conv', outChannels: layer.outChannels, kernel: [...layer.kernelSize],
    stride: [...layer.stride], padding: [...layer.padding], dilation: [...layer.dilation], groups: layer.groups,
    ...(transposed ? { outputPadding: [...(layer as ConvTranspose2d).outputPadding] } : {}),
    weight: layer.weight, bias: layer.bias !== null, ...(layer.bias ? { biasValues: layer.bias.data } : {}),
  };
}

function convPlan(layer: ConvExportLayer, shape: readonly number[], rank: Rank): Plan {
  return planLayer({
    kind: layer.kind, input: shape.slice(2), batch: shape[0], inChannels: shape[1], outChannels: layer.outChannels ?? shape[1],
    kernel: layer.kernel, stride: layer.stride, padding: layer.padding, outputPadding: layer.outputPadding,
    dilation: layer.dilation, groups: layer.groups, pads: layer.pads, bias: layer.bias ?? true, rank,
  });
}

function convParameters(layer: ConvExportLayer, plan: Plan, seed: number): { weight: Tensor; bias: Tensor | null } {
  const hasBias = layer.bias ?? true;
  const init = pytorchDefaultInit({ weightShape: plan.weightShape, outChannels: plan.outChannels, bias: hasBias, seed: layer.seed ?? seed });
  let weight = init.weight;
  if (layer.weight !== undefined) {
    const w = layer.weight;
    const same = w.shape.length === plan.weightShape.length && w.shape.every((d, i) => d === plan.weightShape[i]);
    if (!same) throw new TconvError({ code: 'weight-shape', parameter: 'weight.shape', value: [...w.shape], rule: `must be [${plan.weightShape.join(', ')}] for this layer`, hint: plan.kind === 'convTranspose' ? 'transposed weights are (Cin, Cout/groups, k…)' : 'conv weights are (Cout, Cin/groups, k…)' });
    if (w.data.length !== weight.data.length) throw bad('weight.data', `${w.data.length} values`, `does not fill shape [${w.shape.join(', ')}]`, 'give one value per element');
    weight = { shape: plan.weightShape, data: Float32Array.from(w.data) };
  }
  let bias = init.bias;
  if (hasBias && layer.biasValues !== undefined) {
    if (layer.biasValues.length !== plan.outChannels) throw bad('biasValues', `${layer.biasValues.length} values`, `must hold one value per output channel (${plan.outChannels})`, 'give one bias per output channel');
    bias = { shape: [plan.outChannels], data: Float32Array.from(layer.biasValues) };
  }
  return { weight, bias };
}

function batchNormStats(layer: BatchNormExportLayer, channels: number, where: string) {
  const rng = layer.seed === undefined ? null : createRng(layer.seed);
  const pick = (name: 'scale' | 'bias' | 'mean' | 'variance', fallback: number, draw: () => number): Float32Array => {
    const given = layer[name];
    if (given !== undefined) {
      if (given.length !== channels) throw bad(`${where}.${name}`, `${given.length} values`, `must hold one value per channel (${channels})`, 'give one value per channel');
      return Float32Array.from(given);
    }
    return Float32Array.from({ length: channels }, () => (rng ? draw() : fallback));
  };
  const stats = {
    scale: pick('scale', 1, () => rng!.uniform(0.5, 1.5)),
    bias: pick('bias', 0, () => rng!.normal(0, 0.1)),
    mean: pick('mean', 0, () => rng!.normal(0, 0.1)),
    variance: pick('variance', 1, () => rng!.uniform(0.5, 1.5)),
  };
  stats.variance.forEach((v, c) => { if (!(v >= 0)) throw bad(`${where}.variance[${c}]`, v, 'must be 0 or more', 'variances are never negative'); });
  return stats;
}

/** The int64 helper is re-exported for callers building their own graphs. */
export { int64TensorProto };
