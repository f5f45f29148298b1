/**
 * One axis of one layer as a sparse matrix: for every output position, the input positions it reads and the weight
 * it gives each when all kernel weights are 1. Every layer type tconv analyses is separable along its axes (a full
 * kernel box, a per-axis resize), so overlap counts, receptive fields and interiors of a whole stack follow from
 * these small per-axis maps. Conv and transposed layers are read from the plan's gather phases (src/shape/phases.ts),
 * the one place that knows which taps feed which output — the same table the wasm and native kernels run.
 */
import { TconvError } from '../shape/errors.ts';
import type { ResolvedLayer, ResolvedStack } from './stack.ts';

/**
 * Most (output, input) entries one axis map may hold (about 300 MB of JavaScript objects). The analyses walk every
 * output position, so an input of 10^8 would otherwise run for minutes and then exhaust the heap.
 */
export const MAX_AXIS_ENTRIES = 1 << 22;

export interface AxisEntry {
  readonly input: number;
  readonly weight: number;
}

export interface AxisMap {
  readonly inputSize: number;
  readonly outputSize: number;
  /** entries[o]: the inputs read by output o. */
  readonly entries: readonly (readonly AxisEntry[])[];
  /** clipped[o]: some term of output o fell outside the input (padding, a crop, a clamped resize): a border output. */
  readonly clipped: readonly boolean[];
}

/**
 * The map of axis `axis` of a resolved layer.
 * @example
 * const stack = resolveStack({ input: 4, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
 * axisMap(stack.layers[0]!, 0).entries.map((e) => e.length) // → [1, 2, 1, 2, 1, 2, 1]
 */
export function axisMap(layer: ResolvedLayer, axis: number): AxisMap {
  const inputSize = layer.inputSize[axis]!;
  const outputSize = layer.outputSize[axis]!;
  checkAxisSize(layer, axis);
  const entries: AxisEntry[][] = Array.from({ length: outputSize }, () => []);
  const clipped = new Array<boolean>(outputSize).fill(false);
  const add = (o: number, i: number, weight: number): void => {
    if (i < 0 || i >= inputSize) clipped[o] = true;
    else entries[o]!.push({ input: i, weight });
  };
  const { layer: spec, plan } = layer;
  if (plan) {
    // Conv or transposed conv: the gather phases the kernels compute by (src/shape/phases.ts).
    for (const phase of plan.gather[axis]!) {
      for (let j = 0; j < phase.outputCount; j++) {
        const o = phase.firstOutput + phase.outputStep * j;
        for (const offset of phase.inputOffsets) add(o, phase.inputStep * j + offset, 1);
      }
    }
  } else if (spec.kind === 'resize' && spec.mode === 'bilinear') {
    // PyTorch align_corners = false: source = max(0, (o + ½)/r − ½), blend floor and floor + 1 (clamped at the end).
    const r = spec.scale;
    for (let o = 0; o < outputSize; o++) {
      const raw = (o + 0.5) / r - 0.5;
      const source = Math.max(0, raw);
      const i0 = Math.min(Math.floor(source), inputSize - 1);
      const i1 = Math.min(i0 + 1, inputSize - 1);
      const lambda = source - i0;
      if (raw < 0 || source > inputSize - 1) clipped[o] = true;
      if (i1 === i0) entries[o]!.push({ input: i0, weight: 1 });
      else {
        if (1 - lambda > 0) entries[o]!.push({ input: i0, weight: 1 - lambda });
        if (lambda > 0) entries[o]!.push({ input: i1, weight: lambda });
      }
    }
  } else {
    // Nearest resize and pixel shuffle: output o takes input ⌊o/r⌋ (pixel shuffle from one of r^rank channels).
    const r = spec.kind === 'resize' ? spec.scale : spec.kind === 'pixelShuffle' ? spec.factor : 1;
    for (let o = 0; o < outputSize; o++) entries[o]!.push({ input: Math.floor(o / r), weight: 1 });
  }
  return { inputSize, outputSize, entries, clipped };
}

/**
 * Refuses, before anything the size of an axis is allocated, a stack whose per-position analysis (overlap, receptive
 * field, gradient pattern) would exceed MAX_AXIS_ENTRIES on some axis of some layer.
 */
export function checkAnalysable(stack: ResolvedStack): void {
  for (const layer of stack.layers) layer.inputSize.forEach((_, axis) => {
    checkAxisSize(layer, axis, stack.inputSize[axis]!);
  });
}

/** `stackInput`: the size the caller gave (the error names it; a deep layer's own input is an intermediate size). */
function checkAxisSize(layer: ResolvedLayer, axis: number, stackInput = layer.inputSize[axis]!): void {
  const inputSize = layer.inputSize[axis]!;
  const outputSize = layer.outputSize[axis]!;
  const { layer: described, plan: planned } = layer;
  const perOutput = planned ? planned.axes[axis]!.kernel : described.kind === 'resize' && described.mode === 'bilinear' ? 2 : 1;
  // Transposed: every input meets each tap once; conv, resize, shuffle: every output meets its taps.
  const pairs = planned && described.kind === 'convTranspose' ? inputSize * perOutput : outputSize * perOutput;
  const needed = Math.max(pairs, inputSize, outputSize);
  if (needed > MAX_AXIS_ENTRIES) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'input', value: stackInput,
      rule: `makes axis ${axis} of layer ${layer.index + 1} too long to analyse position by position (${inputSize} → ${outputSize} positions, ~${pairs} (output, input) pairs; the limit is ${MAX_AXIS_ENTRIES})`,
      hint: 'analyse a smaller input (or fewer layers): the interior pattern repeats, so a small input shows the same overlap',
    });
  }
}

/**
 * How much a constant input (all ones) and all-ones weights are multiplied by the channel sums of a layer:
 * a conv or transposed conv sums Cin/groups channels; resize and pixel shuffle sum none.
 */
export function channelFactor(layer: ResolvedLayer): number {
  return layer.plan ? layer.plan.inChannels / layer.plan.groups : 1;
}

/** Applies a map to a vector: out[o] = Σ weight·v[input]. */
export function applyAxisMap(map: AxisMap, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(map.outputSize);
  map.entries.forEach((list, o) => {
    let sum = 0;
    for (const { input, weight } of list) sum += weight * values[input]!;
    out[o] = sum;
  });
  return out;
}

/** The transpose of a map: for each input, the outputs that read it (the pattern of a backward pass). */
export function transposeAxisMap(map: AxisMap): AxisMap {
  const entries: AxisEntry[][] = Array.from({ length: map.inputSize }, () => []);
  map.entries.forEach((list, o) => {
    for (const { input, weight } of list) entries[input]!.push({ input: o, weight });
  });
  return { inputSize: map.outputSize, outputSize: map.inputSize, entries, clipped: new Array<boolean>(map.inputSize).fill(false) };
}
