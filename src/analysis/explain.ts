/**
 * The single-layer report behind `tconv explain` and the web explorer: "how does kernel size affect this
 * transposed convolution?" answered from the layer's plan — output size with its formula filled in, the phases and
 * their taps, the checkerboard verdict and strength, each output's receptive field, and the nearest artifact-free
 * layers giving the same (or the intended) size. Pure: no I/O, no rendering; faces only format the report.
 */
import { extent } from '../tensor/extent.ts';
import { type PhaseAlignment, planAlignment } from './alignment.ts';
import { fullTransposedSize, gcd, transposedAlignment } from '../shape/formulas.ts';
import type { AxisPhases } from '../shape/phases.ts';
import { TconvError, isTconvError } from '../shape/errors.ts';
import { type LayerSpec, type PerAxis, checkInteger } from '../shape/params.ts';
import { type AxisPlan, type Plan, checkLayerObject, planGeometry } from '../shape/plan.ts';
import { type SolveOptions, solve } from '../shape/inverse.ts';

/** One axis of the output-size explanation. */
export interface AxisFormula {
  /** The formula in symbols, PyTorch's form when the axis has one, else the begin/end-crop form. */
  readonly formula: string;
  /** The same with this layer's numbers, ending in "= output". */
  readonly filled: string;
  /** (i − 1)·s + d·(k − 1) + 1: the output before anything is cropped. */
  readonly fullSize: number;
  readonly output: number;
}

/** One phase of one axis: the outputs o ≡ outputResidue (mod stride) and the kernel taps that feed them. */
export interface PhaseReport {
  readonly outputResidue: number;
  readonly taps: readonly number[];
  readonly outputCount: number;
  /** Interior receptive field along this axis: inputs j + firstInput … j + lastInput feed the phase's output j. */
  readonly receptiveField: number;
}

export interface AxisReceptiveField {
  /** Interior receptive-field size (input positions) of each phase, in phase order. */
  readonly sizes: readonly number[];
  readonly min: number;
  readonly max: number;
  /** Input units between neighbouring outputs: 1/stride. */
  readonly jump: number;
  /** Input coordinate on which output 0 is centred: (padBegin − (K − 1)/2)/stride (the nominal grid). */
  readonly start: number;
  /** The weights of a phase with several taps, or of phases with unequal taps, decide where outputs really sit. */
  readonly dependsOnWeights: boolean;
  /** Where outputs sit with constant weights: each phase at the centre of its taps (alignment.ts). */
  readonly constantWeights: PhaseAlignment;
}

/** A layer that maps the same input size to a given output size (from `solve`). */
export interface Alternative {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly output: number;
  readonly phaseTaps: readonly number[];
}

/** Artifact-free layers reaching `outputShape` from the same input, per axis (nearest to the layer first). */
export interface AlternativeSet {
  /** 'same size' as the layer, the requested 'target', or 'input·stride' (the default target). */
  readonly purpose: 'same size' | 'target' | 'input·stride';
  readonly outputShape: readonly number[];
  readonly perAxis: readonly (readonly Alternative[])[];
}

/** What the layer's output would be with a nearby kernel size, all else equal. */
export interface KernelSweepEntry {
  readonly kernel: readonly number[];
  readonly outputShape: readonly number[];
  readonly phases: readonly (readonly number[])[];
  readonly checkerboard: boolean;
}

export interface ExplainReport {
  readonly rank: number;
  readonly plan: Plan;
  /** Spatial sizes. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly formulas: readonly AxisFormula[];
  /** Per axis, the tap count of each phase, in output order (phase j holds the outputs o ≡ j mod stride). */
  readonly phases: readonly (readonly number[])[];
  readonly phaseDetails: readonly (readonly PhaseReport[])[];
  /** The phases get unequal numbers of taps (or none at all), so interior outputs differ: a checkerboard. */
  readonly checkerboard: boolean;
  /** Distinct interior overlap counts (products of per-axis tap counts), largest first, e.g. [16, 12, 9];
   *  equal to layerOverlap's interior values whenever the output has an interior. */
  readonly overlapLevels: readonly number[];
  /** max / min interior overlap; 1 when even, Infinity when some outputs get no taps (bias only). */
  readonly overlapRatio: number;
  /** Axes whose phases differ, with the reason in words. */
  readonly reasons: readonly string[];
  readonly receptiveField: readonly AxisReceptiveField[];
  readonly alternatives: readonly AlternativeSet[];
  readonly kernelSweep: readonly KernelSweepEntry[];
}

export interface ExplainOptions {
  /** The output size the user intends (spatial, or one number for every axis); default input·stride. */
  readonly target?: PerAxis;
  /** How many alternatives to list per axis (default 3). */
  readonly alternatives?: number;
  /** Kernel sizes k − sweep … k + sweep to compare (default 2; 0 for none). */
  readonly sweep?: number;
}

/**
 * Explains one transposed-convolution layer.
 * @example
 * const report = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
 * report.outputShape    // → [63, 63]
 * report.phases         // → [[3, 4], [3, 4]]  (even outputs get taps 1,3,5; odd outputs 0,2,4,6)
 * report.overlapLevels  // → [16, 12, 9]
 */
export function explainLayer(spec: LayerSpec, options: ExplainOptions = {}): ExplainReport {
  checkLayerObject(spec);
  const plan = planGeometry({ ...spec, kind: 'convTranspose' });
  const taps = plan.phases.map((axis) => livePhases(axis).map((p) => p.taps.length));
  // The layer's interior overlap: every product of one phase's tap count per axis (layerOverlap measures the same on
  // the actual output, but a tiny input has no interior and would hide the layer's pattern).
  const overlapLevels = distinctProducts(taps);
  const min = overlapLevels[overlapLevels.length - 1]!;
  return {
    rank: plan.rank,
    plan,
    inputShape: plan.axes.map((axis) => axis.input),
    outputShape: plan.axes.map((axis) => axis.output),
    formulas: plan.axes.map(axisFormula),
    phases: plan.phases.map((axis) => axis.phases.map((p) => p.taps.length)),
    phaseDetails: plan.phases.map((axis) => axis.phases.map(phaseReport)),
    checkerboard: overlapLevels.length > 1 || min === 0,
    overlapLevels,
    overlapRatio: min === 0 ? Infinity : overlapLevels[0]! / min,
    reasons: unevenReasons(plan),
    receptiveField: receptiveFields(plan),
    alternatives: alternatives(plan, options),
    kernelSweep: kernelSweep(spec, plan, options.sweep ?? 2),
  };
}

/** Every product of one count per axis, distinct, largest first: per-axis {4, 3} in 2D → [16, 12, 9]. */
function distinctProducts(perAxis: readonly (readonly number[])[]): number[] {
  let products = [1];
  for (const counts of perAxis) products = [...new Set(products.flatMap((p) => counts.map((c) => p * c)))];
  return products.sort((a, b) => b - a);
}

/** Phases that actually hold outputs (an output shorter than the stride leaves some empty). */
function livePhases(axis: AxisPhases) {
  return axis.phases.filter((p) => p.outputCount > 0);
}

function axisFormula(axis: AxisPlan): AxisFormula {
  const { input: i, kernel: k, stride: s, dilation: d, padBegin, padEnd, output } = axis;
  const fullSize = fullTransposedSize(i, k, s, d);
  if (axis.padding !== null && axis.outputPadding !== null) {
    return {
      formula: 'out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1',
      filled: `(${i} − 1)·${s} − 2·${axis.padding} + ${d}·(${k} − 1) + ${axis.outputPadding} + 1 = ${output}`,
      fullSize, output,
    };
  }
  return {
    formula: 'out = (in − 1)·stride + dilation·(kernel − 1) + 1 − padBegin − padEnd',
    filled: `(${i} − 1)·${s} + ${d}·(${k} − 1) + 1 − ${padBegin} − ${signed(padEnd)} = ${output}`,
    fullSize, output,
  };
}

const signed = (n: number): string => (n < 0 ? `(${n})` : String(n));

function phaseReport(phase: AxisPhases['phases'][number]): PhaseReport {
  return {
    outputResidue: phase.outputResidue, taps: phase.taps, outputCount: phase.outputCount,
    receptiveField: span(phase.inputOffsets),
  };
}

/** Size of the input interval covered by a phase's taps (= tap count when dilation is 1). */
function span(offsets: readonly number[]): number {
  const { min, max } = extent(offsets);
  return offsets.length === 0 ? 0 : max - min + 1;
}

function receptiveFields(plan: Plan): AxisReceptiveField[] {
  const alignment = planAlignment(plan);
  return plan.axes.map((axis, a) => {
    const sizes = livePhases(plan.phases[a]!).map((p) => span(p.inputOffsets));
    const { start, jump } = transposedAlignment({ start: 0, jump: 1 }, axis.kernel, axis.stride, axis.dilation, axis.padBegin);
    const { dependsOnWeights, constantWeights } = alignment[a]!;
    return { sizes, ...extent(sizes), jump, start, dependsOnWeights, constantWeights };
  });
}

function unevenReason(axis: AxisPlan, live: ReturnType<typeof livePhases>): string | null {
  const counts = live.map((p) => p.taps.length);
  const distinct = [...new Set(counts)].sort((a, b) => b - a);
  if (distinct.length <= 1 && !counts.includes(0)) return null;
  const split = `phases get ${distinct.join(' and ')} taps`;
  if (counts.includes(0)) {
    const g = gcd(axis.dilation, axis.stride);
    const cause = g > 1 ? `dilation ${axis.dilation} and stride ${axis.stride} share the factor ${g}` : `kernel ${axis.kernel} is smaller than stride ${axis.stride}`;
    return `${cause}, so some phases get no taps at all (bias-only outputs); ${split}`;
  }
  if (axis.kernel % axis.stride !== 0) return `kernel ${axis.kernel} is not divisible by stride ${axis.stride}, so ${split}`;
  return split;
}

/** The reasons of every uneven axis, said once when the axes agree. */
function unevenReasons(plan: Plan): string[] {
  const reasons = plan.axes.map((axis, a) => unevenReason(axis, livePhases(plan.phases[a]!)));
  const uneven = reasons.flatMap((reason, a) => (reason === null ? [] : [{ reason, a }]));
  if (uneven.length === 0) return [];
  if (plan.rank === 1) return [uneven[0]!.reason];
  if (uneven.length === plan.rank && uneven.every((x) => x.reason === uneven[0]!.reason)) return [`${uneven[0]!.reason} on every axis`];
  return uneven.map((x) => `axis ${x.a}: ${x.reason}`);
}

/** The intended size: the option, else input·stride (what a stride-s upsampler usually aims at). */
function targetShape(plan: Plan, target: PerAxis | undefined): number[] {
  if (target === undefined) return plan.axes.map((axis) => axis.input * axis.stride);
  const sizes = typeof target === 'number' ? plan.axes.map(() => target) : [...target];
  if (sizes.length !== plan.axes.length) {
    throw new TconvError({ code: 'invalid-rank', parameter: 'target', value: target, rule: `has ${sizes.length} sizes but the layer has ${plan.axes.length} spatial axes`, hint: 'give one size, or one per axis' });
  }
  return sizes.map((size, a) => checkInteger(typeof target === 'number' ? 'target' : `target[${a}]`, size, 'positive', 'give the output size you intend, 1 or more'));
}

function alternatives(plan: Plan, options: ExplainOptions): AlternativeSet[] {
  const outputShape = plan.axes.map((axis) => axis.output);
  const target = targetShape(plan, options.target);
  const sets: AlternativeSet[] = [];
  const sameAsOutput = target.every((size, a) => size === outputShape[a]);
  const purpose = options.target === undefined ? 'input·stride' : 'target';
  if (!sameAsOutput) sets.push({ purpose, outputShape: target, perAxis: plan.axes.map((axis, a) => nearestEven(axis, target[a]!, options)) });
  sets.push({ purpose: 'same size', outputShape, perAxis: plan.axes.map((axis) => nearestEven(axis, axis.output, options)) });
  return sets;
}

/** Artifact-free solutions for in → out on one axis, nearest to the layer's own stride, dilation and kernel. */
function nearestEven(axis: AxisPlan, output: number, options: ExplainOptions): Alternative[] {
  const count = options.alternatives ?? 3;
  if (output < 1 || count <= 0) return [];
  const query = { from: axis.input, to: output, evenOnly: true, maxStride: Math.max(axis.stride, 4) };
  // Small kernels, plus kernels within 3 of the layer's own: a bounded search however large the kernel is; each
  // without dilation and with the layer's own (not every dilation up to it: a dilation of 10^6 is one candidate).
  const searches: Partial<SolveOptions>[] = [{ maxKernel: 8, maxPadding: 8 }];
  for (let k = Math.max(9, axis.kernel - 3); k <= axis.kernel + 3; k++) searches.push({ kernel: k, maxKernel: k, maxPadding: k });
  const dilations: Partial<SolveOptions>[] = axis.dilation === 1 ? [{ maxDilation: 1 }] : [{ maxDilation: 1 }, { dilation: axis.dilation, maxDilation: axis.dilation }];
  const found = new Map<string, Alternative>();
  for (const search of searches.flatMap((s) => dilations.map((d) => ({ ...s, ...d })))) {
    let solutions: ReturnType<typeof solve>;
    try {
      solutions = solve({ ...query, ...search });
    } catch (error) {
      // Alternatives are advice: a search past solve's budget (a huge dilation or kernel) is left out, not an error.
      if (isTconvError(error) && error.code === 'work-limit') continue;
      throw error;
    }
    for (const x of solutions) {
      const alternative: Alternative = {
        kernel: x.kernel[0]!, stride: x.stride[0]!, padding: x.padding[0]!, outputPadding: x.outputPadding[0]!,
        dilation: x.dilation[0]!, output: x.output[0]!, phaseTaps: x.phaseTaps[0]!,
      };
      found.set(JSON.stringify(alternative), alternative);
    }
  }
  const distance = (x: Alternative): number =>
    (x.stride === axis.stride ? 0 : 100) + (x.dilation === axis.dilation ? 0 : 50) + Math.abs(x.kernel - axis.kernel);
  return [...found.values()]
    .sort((x, y) => distance(x) - distance(y) || x.kernel - y.kernel || x.padding - y.padding)
    .slice(0, count)
    .sort((x, y) => x.stride - y.stride || x.kernel - y.kernel);
}

/** Output size and evenness for kernels k − sweep … k + sweep, read from each one's plan (its phases). */
function kernelSweep(spec: LayerSpec, plan: Plan, sweep: number): KernelSweepEntry[] {
  const entries: KernelSweepEntry[] = [];
  for (let delta = -sweep; delta <= sweep; delta++) {
    const kernel = plan.axes.map((axis) => axis.kernel + delta);
    if (kernel.some((k) => k < 1)) continue;
    try {
      const other = planGeometry({ ...spec, kind: 'convTranspose', kernel });
      const phases = other.phases.map((axis) => livePhases(axis).map((p) => p.taps.length));
      entries.push({ kernel, outputShape: other.axes.map((axis) => axis.output), phases, checkerboard: distinctProducts(phases).length > 1 });
    } catch {
      // A kernel too small for the padding leaves no output; the sweep simply skips it.
    }
  }
  return entries;
}
