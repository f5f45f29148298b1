/**
 * Overlap: for every output position, how many (input, tap) pairs contribute to it — the output of the layer on an
 * all-ones input with all-ones weights, per channel. Its unevenness in the interior is the checkerboard.
 * For one layer it is read from the polyphase split; for a stack it is composed axis by axis through the per-axis
 * maps (every layer here is separable), and src/analysis/stack-run.ts checks the result against the engine.
 */
import { type LayerSpec } from '../shape/params.ts';
import { type Plan, geometryOf } from '../shape/plan.ts';
import { type AxisMap, applyAxisMap, axisMap, checkAnalysable } from './axis-map.ts';
import { type ResolvedStack, type StackSpec, describeLayer, resolvedStackOf } from './stack.ts';

export interface AxisOverlap {
  readonly size: number;
  /** Contributions per output position along this axis (all-ones input and weights, one channel). */
  readonly counts: readonly number[];
  /** interior[o]: output o is away from every border effect (no padding, crop or clamp touches it, in any layer). */
  readonly interior: readonly boolean[];
  readonly interiorMin: number;
  readonly interiorMax: number;
  /** Distinct interior values, largest first. */
  readonly values: readonly number[];
  /** Smallest period of the interior pattern (1 when even); null when the interior is too short to tell. */
  readonly period: number | null;
  readonly even: boolean;
  /** No output escapes the borders (a stack through a 2×2 bottleneck): the values summarise every output. */
  readonly bordersOnly: boolean;
}

export interface OverlapSummary {
  /** Output spatial shape. */
  readonly shape: readonly number[];
  readonly axes: readonly AxisOverlap[];
  readonly interiorMin: number;
  readonly interiorMax: number;
  /** max/min in the interior (Infinity when some interior outputs get nothing: holes). */
  readonly ratio: number;
  /** Distinct interior values of the full map, largest first (k7 s2 in 2D: [16, 12, 9]). */
  readonly values: readonly number[];
  readonly period: readonly (number | null)[];
  /** Axes along which the interior is uneven. */
  readonly unevenAxes: readonly number[];
  readonly even: boolean;
  /** Some interior outputs receive no contribution at all (gcd(d, s) > 1). */
  readonly holes: boolean;
}

export interface LayerOverlap extends OverlapSummary {
  readonly plan: Plan;
  /** Per axis, per phase (in output order): residue, taps, and the interior count of that phase. */
  readonly phases: readonly (readonly { residue: number; taps: readonly number[]; count: number }[])[];
}

export interface StackOverlapStep extends OverlapSummary {
  readonly index: number;
  readonly description: string;
}

export interface StackOverlap extends OverlapSummary {
  readonly stack: ResolvedStack;
  /** The summary after each layer: shows whether the pattern compounds. */
  readonly steps: readonly StackOverlapStep[];
  /** Product of the channel sums of the layers: the engine's all-ones output is this × the overlap map. */
  readonly channelFactor: number;
}

/**
 * The overlap of one transposed (or ordinary) conv layer.
 * @example
 * const o = layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
 * o.values // → [16, 12, 9]
 */
export function layerOverlap(layer: LayerSpec | Plan): LayerOverlap {
  const plan = geometryOf(layer);
  // Use the plan as it is (it may come from a convention, e.g. an ONNX crop PyTorch cannot write): no re-planning.
  const inputSize = plan.axes.map((a) => a.input);
  const outputSize = plan.axes.map((a) => a.output);
  const layerSpec = { kind: plan.kind, kernel: plan.axes.map((a) => a.kernel) };
  const stack: ResolvedStack = {
    rank: plan.rank, inputSize, inChannels: plan.inChannels, outputSize, outChannels: plan.outChannels,
    layers: [{ index: 0, layer: layerSpec, inputSize, outputSize, inChannels: plan.inChannels, outChannels: plan.outChannels, plan }],
  };
  const overlap = stackOverlap(stack);
  const phases = plan.phases.map((axis, a) => axis.phases.map((phase) => {
    const counts = overlap.axes[a]!;
    let count = phase.taps.length;
    for (let o = phase.firstOutput; o < counts.size; o += axis.stride) {
      if (counts.interior[o]) { count = counts.counts[o]!; break; }
    }
    return { residue: phase.residue, taps: phase.taps, count };
  }));
  const { stack: _s, steps: _t, channelFactor: _c, ...summary } = overlap;
  return { ...summary, plan, phases };
}

/**
 * The composed overlap of a stack, analytically, with the summary after every layer.
 * @example
 * const dcgan = { input: 4, layers: Array(4).fill({ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }) };
 * stackOverlap(dcgan).even // → true
 */
export function stackOverlap(spec: StackSpec | ResolvedStack): StackOverlap {
  const stack = resolvedStackOf(spec);
  checkAnalysable(stack);
  const rank = stack.rank;
  let counts: Float64Array[] = stack.inputSize.map((n) => new Float64Array(n).fill(1));
  let interior = stack.inputSize.map((n) => new Array<boolean>(n).fill(true));
  let channelFactor = 1;
  const steps: StackOverlapStep[] = [];
  for (const layer of stack.layers) {
    const maps: AxisMap[] = [];
    for (let a = 0; a < rank; a++) maps.push(axisMap(layer, a));
    counts = maps.map((m, a) => applyAxisMap(m, counts[a]!));
    interior = maps.map((m, a) => m.entries.map((list, o) => !m.clipped[o] && list.every((e) => interior[a]![e.input])));
    if (layer.plan) channelFactor *= layer.plan.inChannels / layer.plan.groups;
    steps.push({ ...summarise(counts, interior), index: layer.index, description: describeLayer(layer.layer) });
  }
  return { ...summarise(counts, interior), stack, steps, channelFactor };
}

/**
 * A window of the overlap map without building the rest: per axis, the first `size` positions from `start`
 * (row-major, first axis slowest). Large outputs are drawn this way, since the full map of a 200000×200000 output
 * would need 320 GB.
 * @example
 * overlapWindow(layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }), [[0, 2], [0, 3]])
 * // → Float64Array [4, 6, 6, 6, 9, 9]  (the top-left 2×3 outputs)
 */
export function overlapWindow(summary: Pick<OverlapSummary, 'axes'>, window: readonly (readonly [start: number, size: number])[]): Float64Array {
  return outerProduct(summary.axes.map((a, i) => a.counts.slice(window[i]![0], window[i]![0] + window[i]![1])));
}

/** The full overlap map of a summary's axes, row-major over the output's spatial shape. */
export function overlapMap(summary: Pick<OverlapSummary, 'axes'>): Float64Array {
  return outerProduct(summary.axes.map((a) => a.counts));
}

/** Row-major outer product of per-axis vectors (the first axis varies slowest). */
export function outerProduct(vectors: readonly ArrayLike<number>[]): Float64Array {
  let out: Float64Array = Float64Array.of(1);
  for (const v of vectors) {
    const next = new Float64Array(out.length * v.length);
    for (let i = 0; i < out.length; i++) for (let j = 0; j < v.length; j++) next[i * v.length + j] = out[i]! * v[j]!;
    out = next;
  }
  return out;
}

function summarise(counts: readonly Float64Array[], interior: readonly boolean[][]): OverlapSummary {
  const axes = counts.map((c, a) => summariseAxis(c, interior[a]!));
  // Every layer is separable, so the interior of the full map is the product of the axes' interiors.
  let values: number[] = [1];
  for (const axis of axes) values = distinct(values.flatMap((v) => axis.values.map((w) => v * w)));
  const interiorMax = axes.reduce((p, a) => p * a.interiorMax, 1);
  const interiorMin = axes.reduce((p, a) => p * a.interiorMin, 1);
  const ratio = interiorMin > 0 ? interiorMax / interiorMin : Infinity;
  const unevenAxes = axes.flatMap((a, i) => (a.even ? [] : [i]));
  return {
    shape: counts.map((c) => c.length), axes, interiorMin, interiorMax, ratio, values,
    period: axes.map((a) => a.period), unevenAxes, even: unevenAxes.length === 0, holes: interiorMin === 0,
  };
}

function summariseAxis(counts: Float64Array, interior: boolean[]): AxisOverlap {
  let inside: Float64Array = counts.filter((_, o) => interior[o]);
  // A stack so small that no output escapes the borders: summarise all outputs rather than nothing.
  const fallback = inside.length === 0;
  if (fallback) inside = counts;
  const mask = fallback ? interior.map(() => true) : interior;
  const values = distinct([...inside]);
  const interiorMax = values[0] ?? 0;
  const interiorMin = values[values.length - 1] ?? 0;
  return {
    size: counts.length, counts: [...counts], interior: mask, interiorMin, interiorMax, values,
    period: periodOf(counts, mask), even: values.length <= 1, bordersOnly: fallback,
  };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function distinct(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => b - a);
  return sorted.filter((v, i) => i === 0 || !close(v, sorted[i - 1]!));
}

/** Smallest p with counts[o] = counts[o + p] wherever both are interior, seen at least twice; null if none. */
function periodOf(counts: Float64Array, interior: readonly boolean[]): number | null {
  const idx = interior.flatMap((inside, o) => (inside ? [o] : []));
  const span = idx.length === 0 ? 0 : idx[idx.length - 1]! - idx[0]! + 1;
  for (let p = 1; 2 * p <= span; p++) {
    let ok = true;
    for (const o of idx) {
      if (o + p < counts.length && interior[o + p] && !close(counts[o]!, counts[o + p]!)) { ok = false; break; }
    }
    if (ok) return p;
  }
  return span === 1 ? 1 : null;
}
