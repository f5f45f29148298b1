/**
 * A stack of layers (a decoder, an encoder, a whole generator) resolved once: every layer's input and output sizes,
 * channels, and for conv / transposed conv its Plan. Every other analysis walks this record.
 */
import { TconvError, budgetOption, workLimit } from '../shape/errors.ts';
import { type LayerOptions, type PerAxis, type Rank, inferRank, perAxis, checkInteger } from '../shape/params.ts';
import { type Plan, planGeometry } from '../shape/plan.ts';
import { upsampleOutputSize } from '../shape/formulas.ts';

/** A conv or transposed conv layer in a stack (PyTorch meanings); channels default to the previous layer's. */
export interface ConvStackLayer extends LayerOptions {
  readonly kind: 'convTranspose' | 'conv';
  readonly outChannels?: number;
}

/** Upsampling by an integer factor per axis, as torch.nn.Upsample (align_corners = false). */
export interface ResizeStackLayer {
  readonly kind: 'resize';
  readonly mode: 'nearest' | 'bilinear';
  readonly scale: number;
}

/** torch.nn.PixelShuffle generalised to any rank: C·r^rank channels become C channels, each axis ×r. */
export interface PixelShuffleStackLayer {
  readonly kind: 'pixelShuffle';
  readonly factor: number;
}

export type StackLayer = ConvStackLayer | ResizeStackLayer | PixelShuffleStackLayer;

export interface StackSpec {
  /** Spatial input size (a number, or one per axis). */
  readonly input: PerAxis;
  readonly rank?: Rank;
  /** Channels of the stack's input (default 1). */
  readonly channels?: number;
  readonly layers: readonly StackLayer[];
  /**
   * Layer budget of the analysis (default DEFAULT_MAX_STACK_LAYERS): receptive fields map every output back through
   * every earlier layer, so the work grows with the square of the length. Longer stacks are refused up front.
   */
  readonly maxLayers?: number;
}

/** Default layer budget of a stack's analysis. */
export const DEFAULT_MAX_STACK_LAYERS = 256;

export interface ResolvedLayer {
  readonly index: number;
  readonly layer: StackLayer;
  readonly inputSize: readonly number[];
  readonly outputSize: readonly number[];
  readonly inChannels: number;
  readonly outChannels: number;
  /** Plan of a conv / transposed conv layer (batch 1); null for resize and pixel shuffle. */
  readonly plan: Plan | null;
}

export interface ResolvedStack {
  readonly rank: Rank;
  readonly inputSize: readonly number[];
  readonly inChannels: number;
  readonly outputSize: readonly number[];
  readonly outChannels: number;
  readonly layers: readonly ResolvedLayer[];
}

/** Upsampling factor of a resize or pixel-shuffle layer. */
export function upsampleFactor(layer: ResizeStackLayer | PixelShuffleStackLayer): number {
  return layer.kind === 'resize' ? layer.scale : layer.factor;
}

/**
 * What the stack analyses take: a resolved stack as it is, or a spec resolved here.
 * @example
 * resolvedStackOf({ input: 4, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).outputSize // → [8, 8]
 */
export function resolvedStackOf(spec: StackSpec | ResolvedStack): ResolvedStack {
  return spec !== null && typeof spec === 'object' && 'outputSize' in spec ? spec : resolveStack(spec as StackSpec);
}

/**
 * Resolves every layer of a stack, checking each one (TconvError names the layer).
 * @example
 * resolveStack({ input: 4, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).outputSize // → [8, 8]
 */
export function resolveStack(spec: StackSpec): ResolvedStack {
  if (spec === null || typeof spec !== 'object') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'stack', value: spec as unknown,
      rule: 'must be an object with an input size and a list of layers', hint: "give e.g. { input: 4, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }",
    });
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'layers', value: spec.layers,
      rule: 'must list at least one layer', hint: 'give the stack one or more layers, e.g. [{ kind: "convTranspose", kernel: 4, stride: 2, padding: 1 }]',
    });
  }
  const maxLayers = budgetOption('maxLayers', spec.maxLayers, DEFAULT_MAX_STACK_LAYERS);
  if (spec.layers.length > maxLayers) {
    throw workLimit({ what: 'stack', needed: spec.layers.length, unit: 'layers', limit: maxLayers, option: 'maxLayers', flag: '--max-layers', fix: 'analyse fewer layers' });
  }
  // Only the tuple lengths matter for the rank; the kernel placeholder satisfies the type.
  const rank = inferRank({ input: spec.input, kernel: 1, ...(spec.rank ? { rank: spec.rank } : {}) });
  let size = perAxis('input', spec.input, rank, 1, 'positive', 'spatial sizes must be 1 or more');
  let channels = checkInteger('channels', spec.channels ?? 1, 'positive', 'use 1 or more channels');
  const inputSize = size;
  const inChannels = channels;
  const layers: ResolvedLayer[] = [];
  spec.layers.forEach((layer, index) => {
    const where = `layers[${index}]`;
    if (layer === null || typeof layer !== 'object') {
      throw new TconvError({
        code: 'invalid-value', parameter: where, value: layer as unknown,
        rule: 'must be a layer object', hint: "give e.g. { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }",
      });
    }
    try {
      if (layer.kind === 'conv' || layer.kind === 'convTranspose') {
        const { outChannels, ...options } = layer;
        const plan = planGeometry({ ...options, kind: layer.kind, input: size, rank, inChannels: channels, outChannels: outChannels ?? channels, bias: false });
        layers.push({ index, layer, inputSize: size, outputSize: plan.axes.map((a) => a.output), inChannels: channels, outChannels: plan.outChannels, plan });
      } else if (layer.kind === 'resize' || layer.kind === 'pixelShuffle') {
        const factor = checkInteger(layer.kind === 'resize' ? 'scale' : 'factor', upsampleFactor(layer), 'positive', 'use a whole upsampling factor such as 2');
        if (layer.kind === 'resize' && layer.mode !== 'nearest' && layer.mode !== 'bilinear') {
          throw new TconvError({ code: 'invalid-value', parameter: 'mode', value: layer.mode, rule: 'must be "nearest" or "bilinear"', hint: 'choose a resize mode' });
        }
        let outChannels = channels;
        if (layer.kind === 'pixelShuffle') {
          const group = factor ** rank;
          if (channels % group !== 0) {
            throw new TconvError({
              code: 'groups-mismatch', parameter: 'factor', value: factor,
              rule: `needs channels divisible by factor^${rank} = ${group}, but the layer receives ${channels} channels`,
              hint: `give the previous layer ${group * Math.max(1, Math.round(channels / group))} output channels`,
            });
          }
          outChannels = channels / group;
        }
        layers.push({ index, layer, inputSize: size, outputSize: size.map((s) => upsampleOutputSize(s, factor)), inChannels: channels, outChannels, plan: null });
      } else {
        throw new TconvError({
          code: 'invalid-value', parameter: 'kind', value: (layer as { kind: unknown }).kind,
          rule: 'must be "convTranspose", "conv", "resize" or "pixelShuffle"', hint: 'choose a layer type',
        });
      }
    } catch (error) {
      if (error instanceof TconvError) throw new TconvError({ ...error.toJSON(), parameter: `${where}.${error.parameter}` });
      throw error;
    }
    const last = layers[layers.length - 1]!;
    size = [...last.outputSize];
    channels = last.outChannels;
  });
  return { rank, inputSize, inChannels, outputSize: size, outChannels: channels, layers };
}

/** A one-line description of a layer: "convT k4 s2 p1", "conv k3 s1 p1", "nearest ×2", "pixel shuffle ×2". */
export function describeLayer(layer: StackLayer): string {
  if (layer.kind === 'resize') return `${layer.mode} ×${layer.scale}`;
  if (layer.kind === 'pixelShuffle') return `pixel shuffle ×${layer.factor}`;
  const name = layer.kind === 'convTranspose' ? 'convT' : 'conv';
  const parts = [`k${fmt(layer.kernel)}`, `s${fmt(layer.stride ?? 1)}`];
  if (layer.pads) parts.push(`pads ${fmt(layer.pads.begin)}/${fmt(layer.pads.end)}`);
  else if (layer.padding !== undefined) parts.push(`p${fmt(layer.padding)}`);
  if (layer.outputPadding !== undefined && fmt(layer.outputPadding) !== '0') parts.push(`op${fmt(layer.outputPadding)}`);
  if (layer.dilation !== undefined && fmt(layer.dilation) !== '1') parts.push(`d${fmt(layer.dilation)}`);
  if (layer.groups !== undefined && layer.groups !== 1) parts.push(`g${layer.groups}`);
  return `${name} ${parts.join(' ')}`;
}

function fmt(value: PerAxis): string {
  if (typeof value === 'number') return String(value);
  return value.every((v) => v === value[0]) ? String(value[0]) : `(${value.join(',')})`;
}
