/**
 * Beyond geometry: the evenness rule with dilation (holes when gcd(d, s) > 1), a checkerboard score from trained
 * weights (per-phase sub-kernel sums: the layer's response to a constant input), and the same pattern in the
 * gradients of a strided convolution (its backward pass is a transposed conv with the same numbers).
 */
import { gcd } from '../shape/formulas.ts';
import { isEvenByRule } from '../shape/phases.ts';
import type { LayerSpec } from '../shape/params.ts';
import { type Plan, geometryOf } from '../shape/plan.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { applyAxisMap, axisMap, checkAnalysable, transposeAxisMap } from './axis-map.ts';
import { extent } from '../tensor/extent.ts';
import { outerProduct } from './overlap.ts';
import { type ResolvedStack, type StackSpec, resolvedStackOf, resolveStack } from './stack.ts';

export type Verdict = 'even' | 'checkerboard' | 'holes';

export interface CheckerboardAxis {
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  /** Taps per phase, phases in output order. */
  readonly tapsPerPhase: readonly number[];
  readonly verdict: Verdict;
  /** design.md's rule: even iff s = 1, or k mod s = 0 and gcd(d, s) = 1. */
  readonly evenByRule: boolean;
  readonly gcdDilationStride: number;
}

export interface CheckerboardReport {
  readonly plan: Plan;
  readonly axes: readonly CheckerboardAxis[];
  readonly verdict: Verdict;
  /** One sentence per finding, for people. */
  readonly notes: readonly string[];
}

/**
 * Classifies a transposed layer from its phases: even, checkerboard (uneven tap counts), or holes (phases with
 * no taps at all — bias-only rows, worse than a checkerboard). Borders always get fewer taps; that is not counted.
 * @example
 * checkerboard({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, dilation: 2 }).verdict // → "holes"
 */
export function checkerboard(layer: LayerSpec | Plan): CheckerboardReport {
  const plan = geometryOf(layer);
  const notes: string[] = [];
  const axes = plan.axes.map((a, i): CheckerboardAxis => {
    const phases = plan.phases[i];
    const tapsPerPhase = phases ? phases.phases.map((p) => p.taps.length) : [a.kernel];
    const verdict: Verdict = phases === undefined ? 'even' : phases.holes > 0 ? 'holes' : phases.even ? 'even' : 'checkerboard';
    const g = gcd(a.dilation, a.stride);
    const where = plan.rank === 1 ? '' : `axis ${i}: `;
    if (verdict === 'holes') {
      // Two causes: taps that can only land on some residues (gcd(d, s) > 1), or fewer taps than phases (k < s).
      const cause = g > 1 ? `gcd(dilation ${a.dilation}, stride ${a.stride}) = ${g}` : `kernel ${a.kernel} is smaller than stride ${a.stride}`;
      notes.push(`${where}${phases!.holes} of ${a.stride} phases get no kernel tap at all (${cause}): those outputs are bias only, worse than a checkerboard`);
    } else if (verdict === 'checkerboard') {
      notes.push(`${where}phases get ${tapsPerPhase.join(', ')} taps (kernel ${a.kernel} is not a multiple of stride ${a.stride}): a checkerboard with period ${a.stride}`);
    }
    return { kernel: a.kernel, stride: a.stride, dilation: a.dilation, tapsPerPhase, verdict, evenByRule: isEvenByRule(a.kernel, a.stride, a.dilation), gcdDilationStride: g };
  });
  const verdict: Verdict = axes.some((a) => a.verdict === 'holes') ? 'holes' : axes.some((a) => a.verdict === 'checkerboard') ? 'checkerboard' : 'even';
  if (verdict === 'even') notes.push('every phase gets the same number of taps: no checkerboard from the geometry (borders still get fewer)');
  return { plan, axes, verdict, notes };
}

export interface WeightScore {
  /** sums[c][phase]: Σ over input channels and the phase's taps of the weight — the interior response to x = 1. */
  readonly sums: readonly (readonly number[])[];
  /** Per output channel: (max − min) / max |sum| over phases; 0 = the weights compensate the geometry. */
  readonly channelScores: readonly number[];
  /** The worst channel's score. */
  readonly score: number;
  /** Phases are listed in row-major order of their per-axis output residues. */
  readonly phaseCount: number;
}

/**
 * Checkerboard score of actual (e.g. trained) weights of a transposed layer: a constant input makes phase φ of output
 * channel c equal to the sum of W[·, c, taps of φ]. Equal sums mean no checkerboard on flat regions, however uneven the
 * tap counts; unequal sums mean a visible pattern. Groups: each output channel sums its group's input channels.
 * @example
 * const w = tensor([1, 1, 3], [1, 1, 1]);       // k3 s2: phases get 1 and 2 taps of weight 1
 * weightCheckerboardScore(w, { kind: 'convTranspose', input: 8, kernel: 3, stride: 2, padding: 1, rank: 1 }).score // → 0.5
 */
export function weightCheckerboardScore(weight: Tensor, layer: LayerSpec | Plan): WeightScore {
  const plan = geometryOf(layer);
  const [cin, coutPerGroup, ...kernel] = plan.weightShape as [number, number, ...number[]];
  if (weight.shape.length !== plan.weightShape.length || weight.shape.some((n, i) => n !== plan.weightShape[i])) {
    throw new RangeError(`weight shape [${weight.shape.join(', ')}] does not match the layer's [${plan.weightShape.join(', ')}]`);
  }
  const phaseLists = plan.phases.map((axis) => axis.phases.map((p) => p.taps));
  const phaseCount = phaseLists.reduce((n, l) => n * l.length, 1);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const cout = coutPerGroup * plan.groups;
  const inPerGroup = cin / plan.groups;
  const sums: number[][] = [];
  for (let c = 0; c < cout; c++) {
    const g = Math.floor(c / coutPerGroup);
    const co = c % coutPerGroup;
    const row: number[] = [];
    for (let phase = 0; phase < phaseCount; phase++) {
      // Decompose the phase index into per-axis phases (row-major), then walk the product of their taps.
      const perAxis: number[] = [];
      let rest = phase;
      for (let a = phaseLists.length - 1; a >= 0; a--) { perAxis[a] = rest % phaseLists[a]!.length; rest = Math.floor(rest / phaseLists[a]!.length); }
      const taps = perAxis.map((p, a) => phaseLists[a]![p]!);
      let sum = 0;
      for (let ci = g * inPerGroup; ci < (g + 1) * inPerGroup; ci++) {
        const base = (ci * coutPerGroup + co) * kernelSize;
        forEachIndex(taps, kernel, (offset) => { sum += weight.data[base + offset]!; });
      }
      row.push(sum);
    }
    sums.push(row);
  }
  const channelScores = sums.map((row) => {
    const { min, max } = extent(row);
    const top = Math.max(Math.abs(min), Math.abs(max));
    return top === 0 ? 0 : (max - min) / top;
  });
  return { sums, channelScores, score: Math.max(0, extent(channelScores).max), phaseCount };
}

/** Calls fn with the flat kernel offset of every combination of per-axis tap indices. */
function forEachIndex(taps: readonly (readonly number[])[], kernel: readonly number[], fn: (offset: number) => void): void {
  const walk = (axis: number, offset: number): void => {
    if (axis === taps.length) { fn(offset); return; }
    for (const k of taps[axis]!) walk(axis + 1, offset * kernel[axis]! + k);
  };
  walk(0, 0);
}

export interface GradientOverlap {
  /** Spatial shape of the conv's input (where the gradient lands). */
  readonly shape: readonly number[];
  /** Per axis: how many (output, tap) pairs send gradient to each input position. */
  readonly axes: readonly (readonly number[])[];
  /** The full map, row-major. */
  readonly map: Float64Array;
  readonly interiorMax: number;
  readonly interiorMin: number;
  readonly even: boolean;
}

/**
 * The gradient pattern of a strided convolution: the input gradient of an all-ones output gradient counts, for each
 * input position, the (output, tap) pairs that read it — the overlap of the transposed conv with the same numbers.
 * @example
 * gradientOverlap({ kind: 'conv', input: 16, kernel: 3, stride: 2, padding: 1, rank: 1 }).axes[0]!.slice(1, 5) // → [2, 1, 2, 1]
 */
export function gradientOverlap(layer: LayerSpec): GradientOverlap {
  geometryOf(layer);  // a missing layer is refused by name before its fields are read
  const stack = resolveStack({
    input: layer.input, ...(layer.rank ? { rank: layer.rank } : {}),
    layers: [{ kind: 'conv', kernel: layer.kernel, ...pick(layer) }],
  });
  checkAnalysable(stack);
  const resolved = stack.layers[0]!;
  const axes = stack.inputSize.map((_, a) => {
    const grad = transposeAxisMap(axisMap(resolved, a));
    return [...applyAxisMap(grad, new Float64Array(grad.inputSize).fill(1))];
  });
  // Interior: inputs read by a full set of outputs, i.e. away from the first and last K positions.
  const inside = axes.map((counts, a) => {
    const K = resolved.plan!.axes[a]!.effectiveKernel;
    const mid = counts.slice(K, counts.length - K);
    return mid.length ? mid : counts;
  });
  const interiorMax = inside.reduce((p, c) => p * extent(c).max, 1);
  const interiorMin = inside.reduce((p, c) => p * extent(c).min, 1);
  return { shape: stack.inputSize, axes, map: outerProduct(axes), interiorMax, interiorMin, even: interiorMax === interiorMin };
}

function pick(layer: LayerSpec) {
  const { stride, padding, dilation, pads, groups } = layer;
  return { ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}), ...(dilation !== undefined ? { dilation } : {}), ...(pads ? { pads } : {}), ...(groups ? { groups } : {}) };
}

/** The gradient pattern of a stack has the same fields; its interior is away from the largest receptive-field reach per axis. */
export type StackGradientOverlap = GradientOverlap;

/**
 * The gradient pattern of a whole stack (an encoder or a discriminator): the backward pass runs every layer's map
 * transposed, last layer first, so strided convs leave the same uneven pattern on the input gradient that transposed
 * convs leave on their outputs (Odena, Dumoulin & Olah, 2016). With all-ones weights this equals, per input position,
 * the change of Σ output when that input grows by 1 — what test/analysis checks with the engine.
 * @example
 * stackGradientOverlap({ input: 32, rank: 1, layers: [{ kind: 'conv', kernel: 3, stride: 2, padding: 1 }] }).even // → false
 */
export function stackGradientOverlap(spec: StackSpec | ResolvedStack): StackGradientOverlap {
  const stack = resolvedStackOf(spec);
  checkAnalysable(stack);
  const axes = stack.inputSize.map((_, a) => {
    let grad: Float64Array = new Float64Array(stack.outputSize[a]!).fill(1);
    for (let l = stack.layers.length - 1; l >= 0; l--) grad = applyAxisMap(transposeAxisMap(axisMap(stack.layers[l]!, a)), grad);
    return [...grad];
  });
  // Interior: drop a margin of the receptive-field reach (sum of effective kernels and factors) at each end.
  const inside = axes.map((counts, a) => {
    const margin = stack.layers.reduce((m, l) => m + (l.plan ? l.plan.axes[a]!.effectiveKernel : 2), 0);
    const mid = counts.slice(margin, counts.length - margin);
    return mid.length ? mid : counts;
  });
  const interiorMax = inside.reduce((p, c) => p * extent(c).max, 1);
  const interiorMin = inside.reduce((p, c) => p * extent(c).min, 1);
  return { shape: stack.inputSize, axes, map: outerProduct(axes), interiorMax, interiorMin, even: Math.abs(interiorMax - interiorMin) <= 1e-9 * interiorMax };
}
