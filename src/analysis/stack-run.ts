/**
 * Running a stack with the engine: the brute-force side of every analysis. On an all-ones input with all-ones weights
 * the output is the composed overlap (times the channel sums), which must equal the analytic map of overlap.ts;
 * with random weights on a constant input it is the "artifact image" (Odena, Dumoulin & Olah, Distill 2016).
 */
import { extent } from '../tensor/extent.ts';
import { conv, convTranspose, pixelShuffle, resize } from '../engine/index.ts';
import type { BackendChoice } from '../engine/backend.ts';
import { randomTensor } from '../tensor/random.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { TconvError } from '../shape/errors.ts';
import { overlapMap, stackOverlap } from './overlap.ts';
import { icnrWeight } from './subpixel.ts';
import { type ResolvedLayer, type ResolvedStack, type StackSpec, resolvedStackOf } from './stack.ts';

export interface RunStackOptions {
  /** Engine backend (default 'reference': exact and free of worker start-up). */
  readonly backend?: BackendChoice;
}

/** All-ones weights for every conv / transposed layer (null for layers without weights). */
export function constantWeights(stack: ResolvedStack, value = 1): (Tensor | null)[] {
  return stack.layers.map((l) => (l.plan ? tensor(l.plan.weightShape, new Float32Array(l.plan.weightShape.reduce((a, b) => a * b, 1)).fill(value)) : null));
}

/**
 * Random weights, one seed per layer derived from `seed`: 'signed' is uniform in ±1/√fan-in (PyTorch's default
 * init); 'positive' is uniform in [0, 2/fan-in) (a random blur, mean 1/fan-in: the geometry shows through).
 */
export function randomWeights(stack: ResolvedStack, seed: number, sign: 'signed' | 'positive' = 'signed'): (Tensor | null)[] {
  return stack.layers.map((l, i) => {
    if (!l.plan) return null;
    const [, perGroup, ...kernel] = l.plan.weightShape as [number, number, ...number[]];
    // Transposed layers: PyTorch's fan-in is weight.shape[1]·∏k; conv: shape[1]·∏k too.
    const fanIn = perGroup * kernel.reduce((a, b) => a * b, 1);
    const range = sign === 'signed' ? { low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) } : { low: 0, high: 2 / fanIn };
    return randomTensor(l.plan.weightShape, seed * 7919 + i + 1, range);
  });
}

/**
 * Runs the stack on `input` (N, C, spatial…) and returns every layer's output.
 * @example
 * const stack = resolveStack({ input: 4, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2 }] });
 * runStack(stack, constantInput(stack), constantWeights(stack)).at(-1)!.data // → [1, 1, 2, 1, 2, 1, 2, 1, 1]
 */
export function runStack(stack: ResolvedStack, input: Tensor, weights: readonly (Tensor | null)[], options: RunStackOptions = {}): Tensor[] {
  const backend = options.backend ?? 'reference';
  const outputs: Tensor[] = [];
  let x = input;
  stack.layers.forEach((layer, i) => {
    x = runLayer(layer, x, weights[i] ?? null, backend);
    outputs.push(x);
  });
  return outputs;
}

function runLayer(layer: ResolvedLayer, x: Tensor, weight: Tensor | null, backend: BackendChoice): Tensor {
  const spec = layer.layer;
  if (spec.kind === 'resize') return resize(x, { scale: spec.scale, mode: spec.mode });
  if (spec.kind === 'pixelShuffle') return pixelShuffle(x, spec.factor);
  const plan = layer.plan!;
  const options = {
    backend, stride: plan.axes.map((a) => a.stride), dilation: plan.axes.map((a) => a.dilation), groups: plan.groups,
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(0, a.padEnd)) },
    ...(spec.kind === 'convTranspose' ? { outputPadding: plan.axes.map((a) => Math.max(0, -a.padEnd)) } : {}),
  };
  if (!weight) throw new RangeError(`layer ${layer.index} (${spec.kind}) needs a weight`);
  return spec.kind === 'convTranspose' ? convTranspose(x, weight, null, options) : conv(x, weight, null, options);
}

/** A constant input of the stack's shape (batch 1). */
export function constantInput(stack: ResolvedStack, value = 1): Tensor {
  const shape = [1, stack.inChannels, ...stack.inputSize];
  return tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
}

export interface OverlapCheck {
  /** The engine's overlap map (channel 0 of the all-ones run, divided by the channel sums), row-major. */
  readonly engine: Float64Array;
  /** The analytic map from the polyphase split and the per-axis maps. */
  readonly analytic: Float64Array;
  readonly maxAbsError: number;
  readonly agree: boolean;
}

/**
 * Brute force against analysis: runs the stack on ones with ones and compares with stackOverlap.
 * @example
 * checkOverlap({ input: 8, layers: [{ kind: 'convTranspose', kernel: 7, stride: 2, padding: 3 }] }).agree // → true
 */
export function checkOverlap(spec: StackSpec | ResolvedStack, options: RunStackOptions = {}): OverlapCheck {
  const stack = resolvedStackOf(spec);
  const analysis = stackOverlap(stack);
  // The engine first: it refuses, by name, tensors over its memory limit before the full map below is built.
  const out = runStack(stack, constantInput(stack), constantWeights(stack), options).at(-1)!;
  const analytic = overlapMap(analysis);
  const engine = new Float64Array(analytic.length);
  for (let i = 0; i < engine.length; i++) engine[i] = out.data[i]! / analysis.channelFactor;
  let maxAbsError = 0;
  for (let i = 0; i < engine.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(engine[i]! - analytic[i]!));
  const scale = Math.max(1, extent(analytic).max);
  return { engine, analytic, maxAbsError, agree: maxAbsError <= 1e-5 * scale };
}

export interface ArtifactImage {
  /** Spatial shape of the output. */
  readonly shape: readonly number[];
  /** Channel 0 of the stack's output on a constant (or smooth) input with random weights, row-major. */
  readonly values: Float32Array;
  /** Interior-only spread: (max − min)/mean|·| over the interior; 0 for a perfectly flat image (constant input). */
  readonly interiorSpread: number;
  /**
   * Interior roughness: mean |second difference| along every axis / mean |value|. A checkerboard is rough; a smooth
   * input through an even stack is not, so this also reads a smooth-input run.
   */
  readonly roughness: number;
}

export interface ArtifactOptions extends RunStackOptions {
  readonly seed?: number;
  /** 'constant' (default) or 'smooth': one slow cosine bump over the whole input, as a stand-in for an image. */
  readonly input?: 'constant' | 'smooth';
  /**
   * 'positive' (default): random blurs, where the geometry shows; 'signed': PyTorch's init, where weights add their own
   * pattern; 'constant': all-ones, so the image is the overlap pattern itself; 'icnr': ICNR initialisation of every
   * transposed layer (every phase the same sub-kernel; needs kernel a multiple of the stride) and positive random
   * weights elsewhere — what "even" promises once the weights are random.
   */
  readonly weights?: 'positive' | 'signed' | 'constant' | 'icnr';
}

/**
 * The "artifact image": a stack run on a constant input with random weights. Uneven stacks print a strong
 * checkerboard; even stacks only the faint one of random per-phase weight sums (fainter with more channels).
 * @example
 * const layers = (kernel: number) => Array(3).fill({ kind: 'convTranspose', kernel, stride: 2, padding: 1, outputPadding: kernel % 2 });
 * artifactImage({ input: 8, channels: 16, layers: layers(4) }).interiorSpread // → about 0.16
 * artifactImage({ input: 8, channels: 16, layers: layers(3) }).interiorSpread // → about 2.1
 */
export function artifactImage(spec: StackSpec | ResolvedStack, options: ArtifactOptions = {}): ArtifactImage {
  const stack = resolvedStackOf(spec);
  const weights = artifactWeights(stack, options.seed ?? 1, options.weights ?? 'positive');
  const input = options.input === 'smooth' ? smoothInput(stack) : constantInput(stack);
  const out = runStack(stack, input, weights, options).at(-1)!;
  const plane = stack.outputSize.reduce((a, b) => a * b, 1);
  const values = out.data.slice(0, plane);
  const interior = stackOverlap(stack).axes.map((a) => a.interior);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  forEachPosition(stack.outputSize, (flat, position) => {
    if (!position.every((p, a) => interior[a]![p])) return;
    const v = values[flat]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += Math.abs(v);
    n++;
  });
  const mean = n ? sum / n : 0;
  const shape = stack.outputSize;
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, q) => p * q, 1));
  let rough = 0;
  let terms = 0;
  forEachPosition(shape, (flat, position) => {
    if (!position.every((p, a) => interior[a]![p])) return;
    position.forEach((p, a) => {
      if (!interior[a]![p - 1] || !interior[a]![p + 1]) return;
      rough += Math.abs(values[flat - strides[a]!]! - 2 * values[flat]! + values[flat + strides[a]!]!);
      terms++;
    });
  });
  return {
    shape, values, interiorSpread: n && mean > 0 ? (max - min) / mean : 0,
    roughness: terms && mean > 0 ? rough / terms / mean : 0,
  };
}

function artifactWeights(stack: ResolvedStack, seed: number, kind: NonNullable<ArtifactOptions['weights']>): (Tensor | null)[] {
  if (kind === 'constant') return constantWeights(stack);
  if (kind !== 'icnr') return randomWeights(stack, seed, kind);
  const random = randomWeights(stack, seed, 'positive');
  return stack.layers.map((layer, i) => {
    const plan = layer.plan;
    if (!plan || layer.layer.kind !== 'convTranspose') return random[i]!;
    const stride = plan.axes[0]!.stride;
    if (plan.axes.some((a) => a.stride !== stride)) {
      throw new TconvError({ code: 'unsupported', parameter: `layers[${i}].stride`, value: plan.axes.map((a) => a.stride), rule: 'differs between axes, and ICNR gives every phase one sub-kernel for a single stride', hint: 'use the same stride on every axis' });
    }
    return icnrWeight({ kind: 'convTranspose', shape: plan.weightShape, stride, seed: seed * 7919 + i + 1 });
  });
}

/** A smooth input: 1 + ½·∏ sin(π(x + ½)/size) over the axes — one slow bump, no high frequencies. */
export function smoothInput(stack: ResolvedStack): Tensor {
  const shape = [1, stack.inChannels, ...stack.inputSize];
  const t = tensor(shape);
  const plane = stack.inputSize.reduce((a, b) => a * b, 1);
  forEachPosition(stack.inputSize, (flat, position) => {
    const v = 1 + 0.5 * position.reduce((p, x, a) => p * Math.sin((Math.PI * (x + 0.5)) / stack.inputSize[a]!), 1);
    for (let c = 0; c < stack.inChannels; c++) t.data[c * plane + flat] = v;
  });
  return t;
}

/** Calls fn(flatIndex, position) for every position of a row-major shape. */
export function forEachPosition(shape: readonly number[], fn: (flat: number, position: readonly number[]) => void): void {
  const total = shape.reduce((a, b) => a * b, 1);
  const position = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    for (let a = shape.length - 1; a >= 0; a--) { position[a] = rest % shape[a]!; rest = Math.floor(rest / shape[a]!); }
    fn(flat, position);
  }
}
