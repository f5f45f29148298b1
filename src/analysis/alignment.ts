/**
 * Alignment: where each output sample sits on the stack's input grid — the coordinate of output 0 (`start`) and the
 * distance between outputs (`jump`), in input pixels, pixel centres at integers. k4 s2 p1 puts outputs at −¼, ¼, ¾ …
 * (half-pixel centred); k3 s2 p1 op1 puts output 0 on input 0 (corner aligned). Formulas live in src/shape/formulas.ts.
 */
import { type Alignment, convAlignment, transposedAlignment, upsampleAlignment } from '../shape/formulas.ts';
import { type ResolvedLayer, type ResolvedStack, type StackSpec, describeLayer, resolvedStackOf, upsampleFactor } from './stack.ts';

export type { Alignment } from '../shape/formulas.ts';

export interface AlignmentStep {
  readonly index: number;
  readonly description: string;
  /** Per axis, after this layer. */
  readonly axes: readonly Alignment[];
}

export interface StackAlignment {
  readonly stack: ResolvedStack;
  readonly steps: readonly AlignmentStep[];
  /** Per axis, after the last layer. */
  readonly axes: readonly Alignment[];
}

/** One layer's effect on the alignment of one axis. */
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

/**
 * Start and jump after every layer of a stack.
 * @example
 * stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).axes
 * // → [{ start: -0.25, jump: 0.5 }]
 */
export function stackAlignment(spec: StackSpec | ResolvedStack): StackAlignment {
  const stack = resolvedStackOf(spec);
  let axes: Alignment[] = stack.inputSize.map(() => ({ start: 0, jump: 1 }));
  const steps: AlignmentStep[] = [];
  for (const layer of stack.layers) {
    axes = axes.map((previous, a) => layerAlignment(previous, layer, a));
    steps.push({ index: layer.index, description: describeLayer(layer.layer), axes });
  }
  return { stack, steps, axes };
}

export interface SkipCheck {
  /** Both paths end on the same grid: same start, same jump and same size on every axis. */
  readonly aligned: boolean;
  readonly a: { readonly size: readonly number[]; readonly axes: readonly Alignment[] };
  readonly b: { readonly size: readonly number[]; readonly axes: readonly Alignment[] };
  /** Per axis: start(b) − start(a) in the common input's pixels, and in output pixels of path a. */
  readonly offset: readonly number[];
  readonly offsetInOutputPixels: readonly number[];
  readonly sameJump: boolean;
  readonly sameSize: boolean;
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
      return { size, axes: size.map(() => ({ start: 0, jump: 1 })) };
    }
    const s = stackAlignment(spec);
    return { size: [...s.stack.outputSize], axes: s.axes };
  }) as [{ size: number[]; axes: Alignment[] }, { size: number[]; axes: Alignment[] }];
  const [ea, eb] = ends;
  const offset = ea.axes.map((x, i) => (eb.axes[i]?.start ?? 0) - x.start);
  const offsetInOutputPixels = offset.map((o, i) => o / ea.axes[i]!.jump);
  const sameJump = ea.axes.every((x, i) => Math.abs(x.jump - (eb.axes[i]?.jump ?? NaN)) < 1e-12);
  const sameSize = ea.size.length === eb.size.length && ea.size.every((n, i) => n === eb.size[i]);
  const aligned = sameJump && sameSize && offset.every((o) => Math.abs(o) < 1e-12);
  const verdict = aligned
    ? 'aligned: both paths put every sample at the same place on the input grid'
    : !sameJump
      ? `misaligned: the paths sample at different spacings (${ea.axes.map((x) => x.jump).join('×')} vs ${eb.axes.map((x) => x.jump).join('×')} input pixels)`
      : `${offset.every((o) => Math.abs(o) < 1e-12) ? 'aligned grids' : `misaligned by ${offsetInOutputPixels.map(formatFraction).join(', ')} output pixel(s) per axis`}${sameSize ? '' : `; sizes differ (${ea.size.join('×')} vs ${eb.size.join('×')})`}`;
  return { aligned, a: ea, b: eb, offset, offsetInOutputPixels, sameJump, sameSize, verdict };
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
