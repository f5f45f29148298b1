/**
 * Random transposed-conv configurations for tests, drawn from a seeded RNG so a failing case can be replayed.
 * Covers odd and prime sizes, k < s, k = s, k not divisible by s, dilation > 1, groups > 1, batch > 1,
 * output padding and asymmetric begin/end pads.
 */
import type { Rng } from '../../src/tensor/rng.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { TconvError } from '../../src/shape/errors.ts';

export interface RandomLayer {
  readonly rank: 1 | 2 | 3;
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly input: number[];
  readonly kernel: number[];
  readonly stride: number[];
  readonly dilation: number[];
  /** ONNX-style pads: cropped before / after, and outputPadding added after (padEnd = end − outputPadding). */
  readonly begin: number[];
  readonly end: number[];
  readonly outputPadding: number[];
}

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(0, values.length - 1)]!;

/** Small enough that 3D stays cheap; sizes lean to odd and prime values. */
const LIMITS = {
  1: { input: [1, 2, 3, 5, 7, 11, 13], kernel: 7, channels: 4 },
  2: { input: [1, 2, 3, 4, 5, 7], kernel: 5, channels: 3 },
  3: { input: [1, 2, 3, 5], kernel: 3, channels: 2 },
} as const;

/** Options for both the engine (`pads` + `outputPadding`) and planLayer. */
export function layerOptions(layer: RandomLayer) {
  return {
    kernel: layer.kernel, stride: layer.stride, dilation: layer.dilation, groups: layer.groups,
    pads: { begin: layer.begin, end: layer.end }, outputPadding: layer.outputPadding,
  };
}

/** The layer's plan; `bias: false` plans it without a bias (the engine then adds none). */
export function planOf(layer: RandomLayer, { bias = true }: { bias?: boolean } = {}): Plan {
  return planLayer({
    kind: 'convTranspose', input: layer.input, batch: layer.batch, inChannels: layer.inChannels,
    outChannels: layer.outChannels, ...layerOptions(layer), bias,
  });
}

/**
 * Draws configurations until one plans (too much cropping is redrawn).
 * `maxOutputPaddingBelowStride` keeps outputPadding < stride (the adjoint test needs that for conv to map back).
 */
export function randomLayer(rng: Rng, rank: 1 | 2 | 3, options: { outputPaddingBelowStride?: boolean; batch?: number } = {}): RandomLayer {
  const limits = LIMITS[rank];
  for (;;) {
    const groups = pick(rng, [1, 1, 2, 3]);
    const perGroupIn = rng.int(1, limits.channels);
    const perGroupOut = rng.int(1, limits.channels);
    const axes = Array.from({ length: rank }, () => {
      const stride = pick(rng, [1, 2, 2, 3, 4, 5]);
      const dilation = pick(rng, [1, 1, 1, 2, 3]);
      const kernel = rng.int(1, limits.kernel);
      const extent = dilation * (kernel - 1) + 1;
      const opLimit = options.outputPaddingBelowStride ? stride : Math.max(stride, dilation);
      const outputPadding = rng.next() < 0.4 ? rng.int(0, opLimit - 1) : 0;
      // Mostly within the kernel extent, sometimes beyond it (cropping input-fed cells entirely).
      const begin = rng.int(0, extent);
      const end = rng.next() < 0.5 ? begin : rng.int(0, extent);
      return { input: pick(rng, limits.input), kernel, stride, dilation, outputPadding, begin, end };
    });
    const layer: RandomLayer = {
      rank,
      batch: options.batch ?? pick(rng, [1, 1, 2, 3]),
      inChannels: perGroupIn * groups,
      outChannels: perGroupOut * groups,
      groups,
      input: axes.map((a) => a.input),
      kernel: axes.map((a) => a.kernel),
      stride: axes.map((a) => a.stride),
      dilation: axes.map((a) => a.dilation),
      begin: axes.map((a) => a.begin),
      end: axes.map((a) => a.end),
      outputPadding: axes.map((a) => a.outputPadding),
    };
    try {
      planOf(layer);
      return layer;
    } catch (error) {
      if (!(error instanceof TconvError && error.code === 'output-too-small')) throw error;
    }
  }
}

/** A fresh seed per run unless TCONV_SEED replays one; print it with every failure. */
export function runSeed(): number {
  const fixed = process.env.TCONV_SEED;
  return fixed !== undefined ? Number(fixed) : Math.floor(Math.random() * 2 ** 32);
}

/**
 * A random ordinary convolution: strided, dilated, asymmetric pads (never wider than the input), groups, bias or
 * none, batch 1–3; the input is at least one dilated kernel wide.
 */
export function randomConvSpec(rng: Rng, rank: 1 | 2 | 3): LayerSpec {
  const groups = pick(rng, [1, 1, 2, 3]);
  const axes = Array.from({ length: rank }, () => ({
    input: rng.int(1, rank === 3 ? 6 : 12), kernel: rng.int(1, rank === 3 ? 3 : 5),
    stride: rng.int(1, 3), dilation: rng.int(1, 2), padBegin: rng.int(0, 2), padEnd: rng.int(0, 2),
  }));
  return {
    kind: 'conv', input: axes.map((a) => a.input + a.dilation * (a.kernel - 1)), kernel: axes.map((a) => a.kernel),
    stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation),
    pads: { begin: axes.map((a) => a.padBegin), end: axes.map((a) => a.padEnd) },
    groups, inChannels: groups * rng.int(1, 4), outChannels: groups * rng.int(1, 5), batch: rng.int(1, 3),
    bias: rng.next() < 0.5,
  };
}

/**
 * A depthwise conv (groups = channels, one in and one out per group) strided along W by 2–4, as ∂X of a depthwise
 * transposed conv is: dilation, asymmetric pads, W rows from 1 to past 64 outputs (the native row kernel's widest
 * blocks) and 1 to 5 channels, 1D/2D/3D.
 */
export function randomDepthwiseConvSpec(rng: Rng, rank: 1 | 2 | 3): LayerSpec {
  const channels = rng.int(1, 5);
  const axes = Array.from({ length: rank }, (_, k) => {
    const last = k === rank - 1;
    return {
      input: last ? rng.int(1, rank === 1 ? 300 : 150) : rng.int(1, rank === 3 ? 5 : 9), kernel: rng.int(1, 5),
      stride: last ? rng.int(2, 4) : rng.int(1, 3), dilation: rng.int(1, 2), padBegin: rng.int(0, 3), padEnd: rng.int(0, 3),
    };
  });
  return {
    kind: 'conv', input: axes.map((a) => a.input + a.dilation * (a.kernel - 1)), kernel: axes.map((a) => a.kernel),
    stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation),
    pads: { begin: axes.map((a) => a.padBegin), end: axes.map((a) => a.padEnd) },
    groups: channels, inChannels: channels, outChannels: channels, batch: rng.int(1, 2), bias: rng.next() < 0.5,
  };
}

/**
 * A conv strided along W by 2–4, as ∂X of a strided transposed conv is, big enough for the native phase-split
 * layouts' edges: W rows from 1 to past two 16-lane vectors, reductions (Cin/g × taps) past one direct tap chunk,
 * output channels past a row block; dilation, asymmetric pads, groups, batch 1–2, 1D/2D/3D.
 */
export function randomStridedConvSpec(rng: Rng, rank: 1 | 2 | 3): LayerSpec {
  const groups = pick(rng, [1, 1, 2]);
  const axes = Array.from({ length: rank }, (_, k) => {
    const last = k === rank - 1;
    return {
      input: last ? rng.int(1, 80) : rng.int(1, rank === 3 ? 4 : 7), kernel: rng.int(1, rank === 3 ? 3 : 4),
      stride: last ? rng.int(2, 4) : rng.int(1, 2), dilation: rng.int(1, 2), padBegin: rng.int(0, 2), padEnd: rng.int(0, 2),
    };
  });
  return {
    kind: 'conv', input: axes.map((a) => a.input + a.dilation * (a.kernel - 1)), kernel: axes.map((a) => a.kernel),
    stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation),
    pads: { begin: axes.map((a) => a.padBegin), end: axes.map((a) => a.padEnd) },
    groups, inChannels: groups * rng.int(1, 48), outChannels: groups * rng.int(1, 14), batch: rng.int(1, 2), bias: rng.next() < 0.5,
  };
}
