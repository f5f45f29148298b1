/**
 * Alignment: where each output sample sits on the stack's input grid — the coordinate of output 0 (`start`) and the
 * distance between outputs (`jump`), in input pixels, pixel centres at integers. k4 s2 p1 puts outputs at −¼, ¼, ¾ …
 * (half-pixel centred); k3 s2 p1 op1 puts output 0 on input 0 (corner aligned). Single-layer formulas live in
 * src/shape/formulas.ts; through a stack, positions are followed phase by phase (phase-positions.ts), because a
 * strided layer after an upsampling one keeps only some phases: nearest ×2 then conv k1 s2 is the identity (start 0),
 * which chaining the per-layer formulas (start −1/4) misses.
 *
 * Two readings per output phase: `constantWeights` (every weight 1 — exactly the engine's centroids) and `nominal`
 * (every transposed layer of stride > 1 puts its outputs on its design.md grid). Where the transposed layers' weights
 * cannot move any output (`dependsOnWeights` false) the constant-weight positions are exact and are what `start`
 * reports; where they can, `start` is the nominal grid and both readings are given.
 */
import { type Alignment, convAlignment, gcd, transposedAlignment, upsampleAlignment } from '../shape/formulas.ts';
import type { Plan } from '../shape/plan.ts';
import { createRng } from '../tensor/rng.ts';
import { INPUT_POSITIONS, type PhasePositions, type WeightModel, gridStart, layerPositions, positionOf, samePositions } from './phase-positions.ts';
import { type Rational, ZERO, add, div, equal, ratio, sub, toNumber } from './rational.ts';
import { type ResolvedLayer, type ResolvedStack, type StackSpec, describeLayer, resolvedStackOf, upsampleFactor } from './stack.ts';

export type { Alignment } from '../shape/formulas.ts';

/** Outputs of one period of phases, in stack-input pixels. */
export interface PhaseAlignment {
  /** The grid through the phases: mean over live phases of centres[r] − r·jump (null if every output is a hole). */
  readonly start: number | null;
  /** The positions repeat (shifted by period·jump) every `period` outputs; 1 = a regular grid. */
  readonly period: number;
  /** centres[r]: where output r sits (r < period); output q·period + r at centres[r] + q·period·jump; null: a hole. */
  readonly centres: readonly (number | null)[];
}

/** One axis after a layer: `start` and `jump` as before, and what they mean. */
export interface AxisAlignment extends Alignment {
  /**
   * Some output's position moves with the weights of a transposed layer (stride > 1): a phase with several taps, or
   * phases of unequal gains mixed by a later layer. Then `start` is `nominal.start`, else `constantWeights.start`.
   */
  readonly dependsOnWeights: boolean;
  /** Every weight 1: the centroid of each output's dependence, exactly what the engine gives with all-ones weights. */
  readonly constantWeights: PhaseAlignment;
  /** Every transposed layer of stride > 1 puts output o at (o + padBegin − (K − 1)/2)/s of its input (design.md). */
  readonly nominal: PhaseAlignment;
}

export interface AlignmentStep {
  readonly index: number;
  readonly description: string;
  /** Per axis, after this layer. */
  readonly axes: readonly AxisAlignment[];
}

export interface StackAlignment {
  readonly stack: ResolvedStack;
  readonly steps: readonly AlignmentStep[];
  /** Per axis, after the last layer. */
  readonly axes: readonly AxisAlignment[];
}

/**
 * One layer's effect on a regular grid along one axis: design.md's per-layer formula (the period average of the
 * layer's outputs; through a stack, stackAlignment follows the phases instead).
 */
export function layerAlignment(previous: Alignment, layer: ResolvedLayer, axis: number): Alignment {
  if (layer.plan) {
    const a = layer.plan.axes[axis]!;
    return layer.plan.kind === 'convTranspose'
      ? transposedAlignment(previous, a.kernel, a.stride, a.dilation, a.padBegin)
      : convAlignment(previous, a.kernel, a.stride, a.dilation, a.padBegin);
  }
  if (layer.layer.kind === 'resize' || layer.layer.kind === 'pixelShuffle') return upsampleAlignment(previous, upsampleFactor(layer.layer));
  return previous;
}

/** Exact positions of one axis under each weight model (internal: checkSkip compares these). */
interface ExactAxis {
  readonly constantWeights: PhasePositions;
  readonly nominal: PhasePositions;
  /** The same stack with pseudo-random positive tap weights in the transposed layers of stride > 1. */
  readonly probes: readonly PhasePositions[];
  readonly dependsOnWeights: boolean;
}

const CONSTANT: WeightModel = { kind: 'constantWeights' };
const NOMINAL: WeightModel = { kind: 'nominal' };

/**
 * Whether the weights matter is decided by probing: a position that depends on the weights is a ratio of
 * polynomials in them, and two draws of large random weights land on a point where it happens to equal the
 * constant-weight value with probability below 2^−30 each (Schwartz–Zippel).
 */
const PROBES: readonly WeightModel[] = [1, 2].map((trial) => ({
  kind: 'tapWeights',
  weights: (layerIndex: number, axis: number, kernel: number) => {
    const rng = createRng(trial * 1_000_003 + layerIndex * 8191 + axis * 131);
    return Array.from({ length: kernel }, () => ratio(rng.int(1, 2 ** 30)));
  },
}));

function exactSteps(stack: ResolvedStack): ExactAxis[][] {
  let axes: ExactAxis[] = stack.inputSize.map(() => ({ constantWeights: INPUT_POSITIONS, nominal: INPUT_POSITIONS, probes: PROBES.map(() => INPUT_POSITIONS), dependsOnWeights: false }));
  let weighted = stack.inputSize.map(() => false);
  return stack.layers.map((layer) => {
    weighted = weighted.map((w, a) => w || (layer.plan?.kind === 'convTranspose' && layer.plan.axes[a]!.stride > 1));
    axes = axes.map((x, a) => {
      const constantWeights = layerPositions(x.constantWeights, layer, a, CONSTANT);
      // Without a strided transposed layer so far, no model differs from constant weights on this axis.
      if (!weighted[a]) return { constantWeights, nominal: constantWeights, probes: x.probes.map(() => constantWeights), dependsOnWeights: false };
      const probes = x.probes.map((p, i) => layerPositions(p, layer, a, PROBES[i]!));
      return {
        constantWeights, nominal: layerPositions(x.nominal, layer, a, NOMINAL), probes,
        dependsOnWeights: probes.some((p) => !samePositions(p, constantWeights)),
      };
    });
    return axes;
  });
}

function phaseAlignment(p: PhasePositions): PhaseAlignment {
  const start = gridStart(p);
  return { start: start === null ? null : toNumber(start), period: p.period, centres: p.centres.map((c) => (c === null ? null : toNumber(c))) };
}

/** The positions `start` reports: exact where the weights do not matter (and some output depends on the input). */
function reported(x: ExactAxis): PhasePositions {
  return x.dependsOnWeights || gridStart(x.constantWeights) === null ? x.nominal : x.constantWeights;
}

function axisAlignment(x: ExactAxis): AxisAlignment {
  const constantWeights = phaseAlignment(x.constantWeights);
  const nominal = phaseAlignment(x.nominal);
  // The nominal reading has no holes (interpolation and constant convs keep every gain positive), so its start exists.
  const start = phaseAlignment(reported(x)).start ?? nominal.start!;
  return { start, jump: toNumber(x.nominal.jump), dependsOnWeights: x.dependsOnWeights, constantWeights, nominal };
}

/**
 * Start and jump after every layer of a stack, and per phase where the outputs sit.
 * @example
 * stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).axes[0]!.start // → -0.25
 * stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'resize', mode: 'nearest', scale: 2 }, { kind: 'conv', kernel: 1, stride: 2 }] }).axes[0]!.start // → 0
 */
export function stackAlignment(spec: StackSpec | ResolvedStack): StackAlignment {
  const stack = resolvedStackOf(spec);
  const exact = exactSteps(stack);
  const steps = stack.layers.map((layer, l) => ({ index: layer.index, description: describeLayer(layer.layer), axes: exact[l]!.map(axisAlignment) }));
  return { stack, steps, axes: steps[steps.length - 1]?.axes ?? [] };
}

/**
 * One layer on the stack's input grid (what `tconv explain` reports for a transposed layer).
 * @example
 * const plan = planGeometry({ kind: 'convTranspose', input: 8, rank: 1, kernel: 4, stride: 2, padding: 1 });
 * planAlignment(plan)[0]!.constantWeights.centres // → [-0.5, 0.5]   (the nominal grid: start -0.25, jump 0.5)
 */
export function planAlignment(plan: Plan): AxisAlignment[] {
  const size = (shape: readonly number[]): number[] => shape.slice(2);
  const layer: ResolvedLayer = {
    index: 0, layer: { kind: plan.kind, kernel: plan.axes.map((a) => a.kernel) }, plan,
    inputSize: size(plan.inputShape), outputSize: size(plan.outputShape), inChannels: plan.inChannels, outChannels: plan.outChannels,
  };
  const stack: ResolvedStack = {
    rank: plan.rank, inputSize: layer.inputSize, inChannels: plan.inChannels, outputSize: layer.outputSize, outChannels: plan.outChannels, layers: [layer],
  };
  return exactSteps(stack)[0]!.map(axisAlignment);
}

/** One path's end: its size and, per axis, its alignment. */
export interface SkipEnd {
  readonly size: readonly number[];
  readonly axes: readonly AxisAlignment[];
}

/** How the two ends compare on one reading. */
export interface SkipComparison {
  /** Same jump, same size and every output at the same place, on every axis. */
  readonly aligned: boolean;
  /** Per axis: position(b) − position(a) in the common input's pixels; the mean over phaseOffsets when they differ. */
  readonly offset: readonly number[];
  /** Per axis, the offset of outputs 0 … L − 1 (L = lcm of the periods; null where either output is a hole); [] when the jumps differ. */
  readonly phaseOffsets: readonly (readonly (number | null)[])[];
  /** Per axis: every output is shifted by the same amount. */
  readonly uniform: readonly boolean[];
}

export interface SkipCheck {
  /** Both paths end on the same grid: same start, same jump and same size on every axis. */
  readonly aligned: boolean;
  readonly a: SkipEnd;
  readonly b: SkipEnd;
  /** Per axis: start(b) − start(a) in the common input's pixels, and in output pixels of path a. */
  readonly offset: readonly number[];
  readonly offsetInOutputPixels: readonly number[];
  /** Per axis, per output phase (see SkipComparison). */
  readonly phaseOffsets: readonly (readonly (number | null)[])[];
  /** Per axis: every output is shifted by the same amount. */
  readonly uniform: readonly boolean[];
  readonly sameJump: boolean;
  readonly sameSize: boolean;
  /**
   * What was compared: 'exact' positions when neither path's positions depend on weights; else 'nominal' (each path
   * as its `start` reports it: the nominal grid where its transposed layers' weights matter, exact elsewhere).
   */
  readonly compared: 'exact' | 'nominal';
  /** When `compared` is 'nominal': the same check with every weight 1 (the engine's all-ones centroids); else null. */
  readonly constantWeights: SkipComparison | null;
  /** One sentence for people. */
  readonly verdict: string;
}

/**
 * Checks that two paths from one tensor meet on the same grid, as at a U-Net skip connection (the encoder side is
 * often the identity: `layers: []` is accepted for `b` and means "the tensor itself").
 * @example
 * const down = { kind: 'conv', kernel: 3, stride: 2, padding: 1 } as const;
 * checkSkip({ input: 16, rank: 1, layers: [down, { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] },
 *           { input: 16, rank: 1, layers: [] }).offset // → [0.5]
 */
export function checkSkip(a: StackSpec, b: StackSpec): SkipCheck {
  const ends = [a, b].map((spec) => {
    if (spec.layers.length === 0) {
      const rank = a.rank ?? b.rank;
      const size = typeof spec.input === 'number' ? new Array<number>(rankOf(a, b, rank)).fill(spec.input) : [...spec.input];
      const exact: ExactAxis = { constantWeights: INPUT_POSITIONS, nominal: INPUT_POSITIONS, probes: [], dependsOnWeights: false };
      return { size, exact: size.map(() => exact) };
    }
    const stack = resolvedStackOf(spec);
    return { size: [...stack.outputSize], exact: exactSteps(stack).at(-1)! };
  }) as [{ size: number[]; exact: ExactAxis[] }, { size: number[]; exact: ExactAxis[] }];
  const [ea, eb] = ends;
  const sameSize = ea.size.length === eb.size.length && ea.size.every((n, i) => n === eb.size[i]);
  const weightsMatter = [...ea.exact, ...eb.exact].some((x) => x.dependsOnWeights);
  const compare = (pick: (x: ExactAxis) => PhasePositions): SkipComparison & { sameJump: boolean } => {
    const axes = ea.exact.map((x, i) => compareAxis(pick(x), eb.exact[i] ? pick(eb.exact[i]!) : INPUT_POSITIONS));
    const sameJump = axes.every((x) => x.sameJump) && ea.exact.length === eb.exact.length;
    return {
      aligned: sameJump && sameSize && axes.every((x) => x.uniform && x.offset === 0),
      offset: axes.map((x) => x.offset), phaseOffsets: axes.map((x) => x.phaseOffsets), uniform: axes.map((x) => x.uniform), sameJump,
    };
  };
  const main = compare(reported);
  const constant = weightsMatter ? compare((x) => x.constantWeights) : null;
  const jumps = ea.exact.map((x) => toNumber(x.nominal.jump));
  const offsetInOutputPixels = main.offset.map((o, i) => o / jumps[i]!);
  const verdict = skipVerdict({ main, constant, offsetInOutputPixels, jumps, jumpsB: eb.exact.map((x) => toNumber(x.nominal.jump)), sizes: [ea.size, eb.size], sameSize });
  return {
    aligned: main.aligned, a: { size: ea.size, axes: ea.exact.map(axisAlignment) }, b: { size: eb.size, axes: eb.exact.map(axisAlignment) },
    offset: main.offset, offsetInOutputPixels, phaseOffsets: main.phaseOffsets, uniform: main.uniform, sameJump: main.sameJump, sameSize,
    compared: weightsMatter ? 'nominal' : 'exact',
    constantWeights: constant ? { aligned: constant.aligned, offset: constant.offset, phaseOffsets: constant.phaseOffsets, uniform: constant.uniform } : null,
    verdict,
  };
}

interface AxisComparison {
  readonly sameJump: boolean;
  readonly offset: number;
  readonly phaseOffsets: readonly (number | null)[];
  readonly uniform: boolean;
}

/** Offsets of b's outputs from a's over one common period (exact), or of the grids when the jumps differ. */
function compareAxis(a: PhasePositions, b: PhasePositions): AxisComparison {
  const startA = gridStart(a);
  const startB = gridStart(b);
  const gridOffset = startA === null || startB === null ? 0 : toNumber(sub(startB, startA));
  if (!equal(a.jump, b.jump)) return { sameJump: false, offset: gridOffset, phaseOffsets: [], uniform: false };
  const common = (a.period * b.period) / gcd(a.period, b.period);
  const offsets: (Rational | null)[] = [];
  for (let n = 0; n < common; n++) {
    const x = positionOf(a, n).centre;
    const y = positionOf(b, n).centre;
    offsets.push(x === null || y === null ? null : sub(y, x));
  }
  const live = offsets.filter((o): o is Rational => o !== null);
  const holesMatch = offsets.every((o, n) => o !== null || (positionOf(a, n).centre === null && positionOf(b, n).centre === null));
  const uniform = holesMatch && live.every((o) => equal(o, live[0]!));
  const mean = live.length === 0 ? 0 : toNumber(div(live.reduce(add, ZERO), ratio(live.length)));
  return { sameJump: true, offset: uniform && live.length > 0 ? toNumber(live[0]!) : mean, phaseOffsets: offsets.map((o) => (o === null ? null : toNumber(o))), uniform };
}

function skipVerdict(args: {
  main: SkipComparison & { sameJump: boolean }; constant: (SkipComparison & { sameJump: boolean }) | null; offsetInOutputPixels: readonly number[];
  jumps: readonly number[]; jumpsB: readonly number[]; sizes: readonly (readonly number[])[]; sameSize: boolean;
}): string {
  const { main, constant, offsetInOutputPixels, jumps } = args;
  const sizes = args.sameSize ? '' : `; sizes differ (${args.sizes[0]!.join('×')} vs ${args.sizes[1]!.join('×')})`;
  if (!main.sameJump) return `misaligned: the paths sample at different spacings (${jumps.join('×')} vs ${args.jumpsB.join('×')} input pixels)${sizes}`;
  const inPixels = (offsets: readonly (number | null)[], a: number): string => offsets.map((o) => (o === null ? '–' : formatFraction(o / jumps[a]!))).join(', ');
  const describe = (c: SkipComparison): string => (c.uniform.every((u) => u)
    ? (c.offset.every((o) => o === 0) ? 'aligned' : `misaligned by ${c.offset.map((o, a) => formatFraction(o / jumps[a]!)).join(', ')} output pixel(s) per axis`)
    : `misaligned phase by phase: off by ${c.phaseOffsets.map((o, a) => (c.uniform[a] ? formatFraction(offsetInOutputPixels[a]!) : `${inPixels(o, a)} output pixel(s) for outputs 0–${o.length - 1} of each period`)).join('; ')}`);
  const text = main.aligned ? 'aligned: both paths put every sample at the same place on the input grid'
    : main.uniform.every((u) => u) && main.offset.every((o) => o === 0) ? 'aligned grids' : describe(main);
  const weights = constant ? ` (transposed layers on their nominal grid; their weights decide where outputs really sit: with constant weights, ${describe(constant)})` : '';
  return `${text}${weights}${sizes}`;
}

function rankOf(a: StackSpec, b: StackSpec, rank: number | undefined): number {
  for (const spec of [a, b]) if (typeof spec.input !== 'number') return spec.input.length;
  return rank ?? 2;
}

/**
 * A number as a short fraction when it is one (−0.25 → "−1/4"), else with 4 decimals.
 * @example
 * formatFraction(-0.25) // → "-1/4"
 */
export function formatFraction(value: number): string {
  if (Number.isInteger(value)) return String(value);
  for (let den = 2; den <= 64; den++) {
    const num = Math.round(value * den);
    if (Math.abs(num / den - value) < 1e-9) return `${num}/${den}`;
  }
  return value.toFixed(4);
}
