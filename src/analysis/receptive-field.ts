/**
 * Receptive fields through mixed stacks (conv, transposed conv, resize, pixel shuffle), after Araujo, Norris & Sim
 * (Distill, 2019), extended to transposed layers: for every output position, the exact set of input positions that
 * can affect it, per axis (layers are separable, so the set in 2D/3D is the product of the axes' sets), and per
 * layer the size, jump and offset. Transposed layers make the size depend on the output's phase (k3 s2: 2 or 1 inputs).
 */
import { convInputInterval, transposedInputInterval, upsampleInputInterval } from '../shape/formulas.ts';
import { stackAlignment } from './alignment.ts';
import { axisMap, checkAnalysable } from './axis-map.ts';
import { extent } from '../tensor/extent.ts';
import { type ResolvedLayer, type ResolvedStack, type StackSpec, describeLayer, resolvedStackOf, upsampleFactor } from './stack.ts';

export interface Interval {
  readonly start: number;
  readonly end: number;
}

export interface ReceptiveFieldAxis {
  /** sets[o]: the stack inputs (this axis) that can affect output o, ascending; empty for a bias-only output. */
  readonly sets: readonly (readonly number[])[];
  /** Hull of each set; null for an empty set. */
  readonly intervals: readonly (Interval | null)[];
  /** Smallest and largest set size (in input pixels along this axis) over all outputs. */
  readonly minSize: number;
  readonly maxSize: number;
}

export interface ReceptiveFieldStep {
  readonly index: number;
  readonly description: string;
  /** Per axis, in stack-input pixels. */
  readonly axes: readonly {
    /** Distance between neighbouring outputs. */
    readonly jump: number;
    /** Input coordinate of output 0's centre on the alignment grid (stackAlignment's start: exact unless weights matter). */
    readonly start: number;
    /** Largest receptive field over this layer's interior outputs (Araujo's r). */
    readonly size: number;
    /** Smallest receptive field over the interior outputs (a transposed layer's lighter phase; 0 with holes). */
    readonly minSize: number;
    /** Left edge of output 0's receptive field before clipping to the input (Araujo's −P). */
    readonly offset: number;
  }[];
}

export interface ReceptiveField {
  readonly stack: ResolvedStack;
  /** After the last layer. */
  readonly axes: readonly ReceptiveFieldAxis[];
  readonly steps: readonly ReceptiveFieldStep[];
}

/**
 * Exact receptive fields of every output of a stack.
 * @example
 * const rf = receptiveField({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
 * rf.axes[0]!.sets.slice(0, 3) // → [[0], [0, 1], [1]]
 */
export function receptiveField(spec: StackSpec | ResolvedStack): ReceptiveField {
  const stack = resolvedStackOf(spec);
  checkAnalysable(stack);
  let sets: number[][][] = stack.inputSize.map((n) => Array.from({ length: n }, (_, i) => [i]));
  const alignment = stackAlignment(stack);
  // Interior outputs (no border effect in any layer so far): the per-layer sizes are taken over these.
  let interior = stack.inputSize.map((n) => new Array<boolean>(n).fill(true));
  const steps: ReceptiveFieldStep[] = [];
  stack.layers.forEach((layer, l) => {
    interior = interior.map((previous, a) => {
      const map = axisMap(layer, a);
      return map.entries.map((list, o) => !map.clipped[o] && list.every((e) => previous[e.input]));
    });
    sets = sets.map((previous, a) => composeSets(previous, layer, a, stack.inputSize[a]!));
    const align = alignment.steps[l]!.axes;
    steps.push({
      index: layer.index, description: describeLayer(layer.layer),
      axes: sets.map((s, a) => {
        const inside = s.filter((_, o) => interior[a]![o]);
        const sizes = extent((inside.length ? inside : s).map((set) => set.length));
        return {
          jump: align[a]!.jump, start: align[a]!.start,
          size: Math.max(0, sizes.max), minSize: sizes.min,
          offset: unclippedInterval(stack, l, a, 0).start + 0, // + 0 turns −0 into 0
        };
      }),
    });
  });
  const axes = sets.map((s) => {
    const sizes = extent(s.map((set) => set.length));
    return {
      sets: s,
      intervals: s.map((set) => (set.length ? { start: set[0]!, end: set[set.length - 1]! } : null)),
      minSize: sizes.min, maxSize: sizes.max,
    };
  });
  return { stack, axes, steps };
}

/**
 * The receptive field of one output position: an input interval per axis (null on an axis where it is empty),
 * and whether each interval is fully covered (dilation can leave gaps).
 */
export function receptiveFieldAt(rf: ReceptiveField, position: readonly number[]): { intervals: (Interval | null)[]; contiguous: boolean[] } {
  const intervals = rf.axes.map((axis, a) => {
    const o = position[a] ?? 0;
    if (o < 0 || o >= axis.sets.length) throw new RangeError(`position[${a}] (${o}) is outside the output (size ${axis.sets.length})`);
    return axis.intervals[o]!;
  });
  const contiguous = rf.axes.map((axis, a) => {
    const set = axis.sets[position[a] ?? 0]!;
    return set.length === 0 || set[set.length - 1]! - set[0]! + 1 === set.length;
  });
  return { intervals, contiguous };
}

function composeSets(previous: number[][], layer: ResolvedLayer, axis: number, inputSize: number): number[][] {
  const map = axisMap(layer, axis);
  const mark = new Uint8Array(inputSize);
  return map.entries.map((list) => {
    const out: number[] = [];
    for (const { input } of list) for (const i of previous[input]!) if (!mark[i]) { mark[i] = 1; out.push(i); }
    for (const i of out) mark[i] = 0;
    return out.sort((x, y) => x - y);
  });
}

/**
 * The design.md interval formulas, applied backwards from output `o` of layer `last` to the stack input without
 * clipping: where the receptive field would reach on an unbounded input.
 */
export function unclippedInterval(stack: ResolvedStack, last: number, axis: number, o: number): Interval {
  let interval: Interval = { start: o, end: o };
  for (let l = last; l >= 0; l--) {
    const layer = stack.layers[l]!;
    if (layer.plan) {
      const a = layer.plan.axes[axis]!;
      interval = layer.plan.kind === 'convTranspose'
        ? transposedInputInterval(interval.start, interval.end, a)
        : convInputInterval(interval.start, interval.end, a);
    } else if (layer.layer.kind === 'resize' || layer.layer.kind === 'pixelShuffle') {
      const mode = layer.layer.kind === 'resize' ? layer.layer.mode : 'nearest';
      interval = upsampleInputInterval(interval.start, interval.end, upsampleFactor(layer.layer), mode);
    }
  }
  return interval;
}
