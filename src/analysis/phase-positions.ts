/**
 * Where a stack's outputs really sit, phase by phase. Chaining one (start, jump) per layer averages each layer over
 * its period, and a later strided layer that keeps only some phases does not see that average: nearest ×2 puts
 * outputs 0 and 1 both on input 0, so conv k1 s2 after it is the identity (start 0), not start −1/4. Here a signal's
 * positions are followed exactly along one axis of an unbounded input (the interior; borders are cropped or padded):
 * a period P of output samples, the mean spacing `jump`, and for each phase r < P the centre of output r's
 * dependence and its gain (the output's total weight, which decides how a later layer mixes it with its neighbours).
 * Output qP + r sits at centres[r] + q·P·jump.
 *
 * A centre is the weighted mean position of the inputs an output depends on (its centroid: what the engine gives
 * for input values equal to their positions, divided by its all-ones output). Layers are read under one of three
 * weight models: every weight 1 ('constantWeights', exactly what the engine computes with all-ones weights); each
 * transposed layer of stride > 1 replaced by linear interpolation at its nominal coordinates ('nominal': output o at
 * (o + padBegin − (K − 1)/2)/s of its input, design.md's formula, what a bilinear-initialised layer does); or given
 * positive tap weights for the transposed layers ('tapWeights', used to find out whether they matter). Convolutions
 * take constant weights in every model (the usual convention that a kernel's centre is its middle); resize and pixel
 * shuffle have no weights (pixel shuffle reads one input per output, like nearest).
 */
import { TconvError } from '../shape/errors.ts';
import { gcd } from '../shape/formulas.ts';
import { ONE, type Rational, ZERO, add, div, equal, floorOf, isZero, mul, ratio, sub } from './rational.ts';
import type { ResolvedLayer } from './stack.ts';

export interface PhasePositions {
  /** Samples per period: the positions repeat, shifted by period·jump, every `period` outputs. */
  readonly period: number;
  /** Mean distance between neighbouring outputs, in stack-input pixels. */
  readonly jump: Rational;
  /** centres[r]: where output r sits (r < period); null when it depends on nothing (a hole: bias only). */
  readonly centres: readonly (Rational | null)[];
  /** gains[r]: output r's total weight, relative to the first live phase; 0 for a hole. */
  readonly gains: readonly Rational[];
}

/** How the weights of transposed layers with stride > 1 are read (see the module comment). */
export type WeightModel =
  | { readonly kind: 'constantWeights' }
  | { readonly kind: 'nominal' }
  /** weights(layerIndex, axis)[k]: the weight of tap k along this axis. */
  | { readonly kind: 'tapWeights'; readonly weights: (layerIndex: number, axis: number, kernel: number) => readonly Rational[] };

/** Most phases one axis may carry: the period grows with every upsampling that no later stride cancels. */
export const MAX_PERIOD = 1 << 18;

/** The stack's input: sample n at n, unit gains. */
export const INPUT_POSITIONS: PhasePositions = { period: 1, jump: ONE, centres: [ZERO], gains: [ONE] };

interface Source {
  readonly input: number;
  readonly weight: Rational;
}

/**
 * Positions after one layer along one axis.
 * @example
 * const [nearest, pick] = resolveStack({ input: 8, rank: 1, layers: [{ kind: 'resize', mode: 'nearest', scale: 2 }, { kind: 'conv', kernel: 1, stride: 2 }] }).layers;
 * const model = { kind: 'constantWeights' } as const;
 * layerPositions(layerPositions(INPUT_POSITIONS, nearest!, 0, model), pick!, 0, model).centres // → [{ num: 0n, den: 1n }]
 */
export function layerPositions(previous: PhasePositions, layer: ResolvedLayer, axis: number, model: WeightModel): PhasePositions {
  const { period, jump } = outputGrid(previous, layer, axis);
  if (period > MAX_PERIOD) {
    throw new TconvError({
      code: 'invalid-value', parameter: `layers[${layer.index}]`, value: period,
      rule: `gives axis ${axis} a period of ${period} output phases to follow, over the limit of ${MAX_PERIOD}`,
      hint: 'analyse fewer upsampling layers at a time: the alignment of a shorter stack repeats',
    });
  }
  const sources = sourcesOf(layer, axis, model);
  const centres: (Rational | null)[] = [];
  const gains: Rational[] = [];
  for (let o = 0; o < period; o++) {
    let gain = ZERO;
    let moment = ZERO;
    for (const { input, weight } of sources(o)) {
      const at = positionOf(previous, input);
      if (at.centre === null) continue;
      const g = mul(weight, at.gain);
      gain = add(gain, g);
      moment = add(moment, mul(g, at.centre));
    }
    gains.push(gain);
    centres.push(isZero(gain) ? null : div(moment, gain));
  }
  return reduce({ period, jump, centres, gains: normalise(gains) });
}

/** Position and gain of sample n (any integer) of a signal. */
export function positionOf(p: PhasePositions, n: number): { centre: Rational | null; gain: Rational } {
  const q = Math.floor(n / p.period);
  const r = n - q * p.period;
  const centre = p.centres[r]!;
  return { centre: centre === null ? null : add(centre, mul(ratio(q * p.period), p.jump)), gain: p.gains[r]! };
}

/**
 * The grid through the phases: the mean over live phases of centres[r] − r·jump (for one layer on a regular input,
 * design.md's start); null when every output is a hole.
 */
export function gridStart(p: PhasePositions): Rational | null {
  let sum = ZERO;
  let live = 0;
  p.centres.forEach((c, r) => {
    if (c === null) return;
    sum = add(sum, sub(c, mul(ratio(r), p.jump)));
    live++;
  });
  return live === 0 ? null : div(sum, ratio(live));
}

/** Both signals put every output at the same place (holes at the same outputs); periods may differ. */
export function samePositions(a: PhasePositions, b: PhasePositions): boolean {
  if (!equal(a.jump, b.jump)) return false;
  const common = (a.period * b.period) / gcd(a.period, b.period);
  for (let n = 0; n < common; n++) {
    const x = positionOf(a, n).centre;
    const y = positionOf(b, n).centre;
    if (x === null || y === null ? x !== y : !equal(x, y)) return false;
  }
  return true;
}

function outputGrid(previous: PhasePositions, layer: ResolvedLayer, axis: number): { period: number; jump: Rational } {
  const { layer: spec, plan } = layer;
  if (plan) {
    const s = plan.axes[axis]!.stride;
    // conv: output o + P' reads inputs shifted by P'·s, a whole number of input periods when P' = P/gcd(P, s).
    if (spec.kind === 'conv') return { period: previous.period / gcd(previous.period, s), jump: mul(previous.jump, ratio(s)) };
    return { period: previous.period * s, jump: div(previous.jump, ratio(s)) };
  }
  const r = spec.kind === 'resize' ? spec.scale : spec.kind === 'pixelShuffle' ? spec.factor : 1;
  return { period: previous.period * r, jump: div(previous.jump, ratio(r)) };
}

/** For output o (any integer) of the layer on an unbounded axis: the inputs it reads and their weights. */
function sourcesOf(layer: ResolvedLayer, axis: number, model: WeightModel): (o: number) => Source[] {
  const { layer: spec, plan } = layer;
  if (plan && spec.kind === 'conv') {
    // The conv's one gather phase (src/shape/phases.ts): output o reads inputStep·o + inputOffsets[t].
    const [phase] = plan.gather[axis]!;
    return (o) => phase!.inputOffsets.map((offset) => ({ input: phase!.inputStep * o + offset, weight: ONE }));
  }
  if (plan) {
    const a = plan.axes[axis]!;
    const s = a.stride;
    if (s > 1 && model.kind === 'nominal') {
      // Output o at input coordinate u = (o + padBegin − d(k − 1)/2)/s, read by linear interpolation.
      return (o) => linear(ratio(2 * (o + a.padBegin) - a.dilation * (a.kernel - 1), 2 * s));
    }
    const weights = s > 1 && model.kind === 'tapWeights' ? model.weights(layer.index, axis, a.kernel) : null;
    // The polyphase split (src/shape/phases.ts): output o = firstOutput + s·j of phase o mod s reads j + inputOffsets[t].
    const phases = plan.phases[axis]!.phases;
    return (o) => {
      const rho = ((o % s) + s) % s;
      const phase = phases[rho]!;
      const j = (o - phase.firstOutput) / s;
      return phase.taps.map((k, t) => ({ input: j + phase.inputOffsets[t]!, weight: weights ? weights[k]! : ONE }));
    };
  }
  if (spec.kind === 'resize' && spec.mode === 'bilinear') {
    // PyTorch align_corners = false: source coordinate (o + ½)/r − ½ = (2o + 1 − r)/(2r), unclamped in the interior.
    return (o) => linear(ratio(2 * o + 1 - spec.scale, 2 * spec.scale));
  }
  // Nearest resize and pixel shuffle: output o reads input ⌊o/r⌋.
  const r = spec.kind === 'resize' ? spec.scale : spec.kind === 'pixelShuffle' ? spec.factor : 1;
  return (o) => [{ input: Math.floor(o / r), weight: ONE }];
}

/** Linear interpolation at coordinate u: ⌊u⌋ with 1 − λ and ⌊u⌋ + 1 with λ (λ = u − ⌊u⌋; zero weights left out). */
function linear(u: Rational): Source[] {
  const i0 = floorOf(u);
  const lambda = sub(u, ratio(i0));
  if (isZero(lambda)) return [{ input: i0, weight: ONE }];
  return [{ input: i0, weight: sub(ONE, lambda) }, { input: i0 + 1, weight: lambda }];
}

/** Gains relative to the first live phase, so numbers stay small through deep stacks (centres do not change). */
function normalise(gains: readonly Rational[]): Rational[] {
  const first = gains.find((g) => !isZero(g));
  return first ? gains.map((g) => div(g, first)) : [...gains];
}

/** The same positions with the smallest period that describes them. */
function reduce(p: PhasePositions): PhasePositions {
  for (let d = 1; d < p.period; d++) {
    if (p.period % d !== 0) continue;
    const shift = mul(ratio(d), p.jump);
    let repeats = true;
    for (let r = 0; r + d < p.period && repeats; r++) {
      const x = p.centres[r]!;
      const y = p.centres[r + d]!;
      repeats = equal(p.gains[r]!, p.gains[r + d]!) && (x === null || y === null ? x === y : equal(add(x, shift), y));
    }
    if (repeats) return { period: d, jump: p.jump, centres: p.centres.slice(0, d), gains: p.gains.slice(0, d) };
  }
  return p;
}
