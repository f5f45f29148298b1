/**
 * Inverse planning: every single-layer transposed convolution (kernel, stride, padding, outputPadding, dilation,
 * within bounds) that maps size `from` to size `to`, ranked checkerboard-free first, then cheapest.
 * Per axis: (i − 1)·s − 2p + d(k − 1) + op + 1 = to, so for each (s, d, k, op) the padding is fixed and must be a
 * non-negative integer within bounds. Evenness comes from the polyphase split, the same one the kernels use.
 */
import { TconvError, budgetOption, workLimit } from './errors.ts';
import { pytorchTransposedOutputSize, totalPaddingFor } from './formulas.ts';
import { type PerAxis, checkInteger } from './params.ts';

export interface SolveOptions {
  /** Input size: a number, or one per spatial axis. */
  readonly from: PerAxis;
  /** Wanted output size: a number, or one per spatial axis. */
  readonly to: PerAxis;
  /** Spatial axes when from and to are numbers (default 1; results are the same layer on every axis). */
  readonly rank?: number;
  readonly maxKernel?: number;
  readonly maxStride?: number;
  readonly maxPadding?: number;
  readonly maxDilation?: number;
  /** Allow outputPadding > 0 (default true). */
  readonly allowOutputPadding?: boolean;
  /** Constraints: only this kernel / stride / dilation / padding (per axis or one for all). */
  readonly kernel?: PerAxis;
  readonly stride?: PerAxis;
  readonly dilation?: PerAxis;
  readonly padding?: PerAxis;
  /** Only checkerboard-free solutions. */
  readonly evenOnly?: boolean;
  /** Keep at most this many solutions (default: all on one axis, 100 when axes differ). */
  readonly limit?: number;
  /**
   * Work budget of the search in steps (default DEFAULT_MAX_SOLVE_STEPS): each candidate (stride, dilation, kernel,
   * outputPadding) costs one step per kernel tap and per phase it lists. Refused up front when the bounds pass it.
   */
  readonly maxCandidates?: number;
}

export interface Solution {
  /** Per spatial axis. */
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly outputPadding: readonly number[];
  readonly dilation: readonly number[];
  readonly output: readonly number[];
  /** Every phase of every axis gets the same number of taps: no checkerboard. */
  readonly even: boolean;
  /** Phases that get no taps at all (bias-only outputs), summed over axes. */
  readonly holes: number;
  /** Per axis, tap count of each phase (by output index mod stride). */
  readonly phaseTaps: readonly (readonly number[])[];
  /** Multiply-adds per input element and channel pair: ∏ k. */
  readonly cost: number;
}

interface AxisSolution {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly output: number;
  readonly even: boolean;
  readonly holes: number;
  readonly phaseTaps: readonly number[];
}

export const SOLVE_DEFAULTS = { maxKernel: 8, maxStride: 8, maxPadding: 8, maxDilation: 2 } as const;
/** Default search budget of solve, in candidate steps: well under a second. */
export const DEFAULT_MAX_SOLVE_STEPS = 20_000_000;

/**
 * @example
 * solve({ from: 32, to: 64, maxDilation: 1 })[0]
 * // → { kernel: [2], stride: [2], padding: [0], outputPadding: [0], dilation: [1], output: [64], even: true, holes: 0, phaseTaps: [[1, 1]], cost: 2 }
 */
export function solve(options: SolveOptions): Solution[] {
  const { from, to } = resolveSizes(options);
  const bound = (name: keyof typeof SOLVE_DEFAULTS, min: number) => {
    const value = checkInteger(name, options[name] ?? SOLVE_DEFAULTS[name], min === 0 ? 'nonNegative' : 'positive', `use a ${name} of ${min} or more`);
    return value;
  };
  const maxKernel = bound('maxKernel', 1);
  const maxStride = bound('maxStride', 1);
  const maxPadding = bound('maxPadding', 0);
  const maxDilation = bound('maxDilation', 1);
  const budget = budgetOption('maxCandidates', options.maxCandidates, DEFAULT_MAX_SOLVE_STEPS);
  const rank = from.length;
  const constraint = (name: 'kernel' | 'stride' | 'dilation' | 'padding') => {
    const value = options[name];
    if (value === undefined) return new Array<number | undefined>(rank).fill(undefined);
    const values = typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value];
    if (values.length !== rank) {
      throw new TconvError({
        code: 'invalid-rank', parameter: name, value, rule: `has ${values.length} values but from/to have ${rank} axes`,
        hint: 'give one value per axis, or a single number',
      });
    }
    return values.map((v, a) => checkInteger(typeof value === 'number' ? name : `${name}[${a}]`, v, name === 'padding' ? 'nonNegative' : 'positive', `use a ${name} of ${name === 'padding' ? 0 : 1} or more`));
  };
  const fixed = { kernel: constraint('kernel'), stride: constraint('stride'), dilation: constraint('dilation'), padding: constraint('padding') };
  const allowOp = options.allowOutputPadding ?? true;
  if (typeof allowOp !== 'boolean') {
    throw new TconvError({ code: 'invalid-value', parameter: 'allowOutputPadding', value: allowOp, rule: 'must be true or false', hint: 'leave it out to allow outputPadding' });
  }

  // The whole search is priced before it starts: one step per tap and per phase of every candidate, every axis.
  let steps = 0;
  const priced = new Set<string>();
  for (let a = 0; a < rank; a++) {
    const key = [fixed.kernel[a], fixed.stride[a], fixed.dilation[a]].join(',');
    if (priced.has(key)) continue;
    priced.add(key);
    steps += searchSteps({ maxKernel, maxStride, maxDilation, allowOp, kernel: fixed.kernel[a], stride: fixed.stride[a], dilation: fixed.dilation[a] }, budget - steps);
  }
  if (steps > budget) {
    throw workLimit({ what: 'solve', needed: steps, unit: 'candidate steps', limit: budget, option: 'maxCandidates', flag: '--max-candidates', fix: 'lower --max-kernel, --max-stride or --max-dilation' });
  }

  const perAxis: AxisSolution[][] = [];
  const cache = new Map<string, AxisSolution[]>();
  for (let a = 0; a < rank; a++) {
    const key = [from[a], to[a], fixed.kernel[a], fixed.stride[a], fixed.dilation[a], fixed.padding[a]].join(',');
    let list = cache.get(key);
    if (!list) {
      list = solveAxis(from[a]!, to[a]!, {
        maxKernel, maxStride, maxPadding, maxDilation, allowOp,
        kernel: fixed.kernel[a], stride: fixed.stride[a], dilation: fixed.dilation[a], padding: fixed.padding[a],
      }).filter((x) => !options.evenOnly || x.even);
      cache.set(key, list);
    }
    perAxis.push(list);
  }
  const limit = options.limit === undefined ? undefined : checkInteger('limit', options.limit, 'positive', 'use a limit of 1 or more');
  const isotropic = perAxis.every((list) => list === perAxis[0]);
  const solutions = isotropic
    ? perAxis[0]!.map((x) => combine(new Array<AxisSolution>(rank).fill(x)))
    : product(perAxis, limit ?? 100);
  solutions.sort(compareSolutions);
  return limit === undefined ? solutions : solutions.slice(0, limit);
}

function resolveSizes(options: SolveOptions): { from: number[]; to: number[] } {
  const lengths = [options.from, options.to].filter(Array.isArray).map((v) => (v as readonly number[]).length);
  const rank = lengths[0] ?? checkInteger('rank', options.rank ?? 1, 'positive', 'use rank 1, 2 or 3');
  if (rank < 1 || rank > 3 || lengths.some((n) => n !== rank)) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'to', value: options.to,
      rule: `and from (${JSON.stringify(options.from)}) must have the same number of axes, 1 to 3`,
      hint: 'give one size per spatial axis for both, or single numbers',
    });
  }
  const expand = (name: 'from' | 'to') => {
    const value = options[name];
    if (!Array.isArray(value)) return new Array<number>(rank).fill(checkInteger(name, value, 'positive', 'sizes are 1 or more'));
    return value.map((v, a) => checkInteger(`${name}[${a}]`, v, 'positive', 'sizes are 1 or more'));
  };
  return { from: expand('from'), to: expand('to') };
}

interface AxisBounds {
  readonly maxKernel: number;
  readonly maxStride: number;
  readonly maxPadding: number;
  readonly maxDilation: number;
  readonly allowOp: boolean;
  readonly kernel: number | undefined;
  readonly stride: number | undefined;
  readonly dilation: number | undefined;
  readonly padding: number | undefined;
}

/**
 * Steps of one axis's search: Σ over (s, d, k, op) of (k + s), the cost of listing a candidate's taps per phase.
 * Stops counting past `budget` (the caller refuses then), so huge bounds cost no more than the budget to price.
 */
function searchSteps(b: Pick<AxisBounds, 'maxKernel' | 'maxStride' | 'maxDilation' | 'allowOp' | 'kernel' | 'stride' | 'dilation'>, budget: number): number {
  const kernels = b.kernel === undefined ? { count: b.maxKernel, sum: (b.maxKernel * (b.maxKernel + 1)) / 2 } : { count: 1, sum: b.kernel };
  const strides = b.stride === undefined ? b.maxStride : 1;
  const dilations = b.dilation === undefined ? b.maxDilation : 1;
  if (strides * dilations > budget) return strides * dilations; // at least one step per (stride, dilation) pair
  let steps = 0;
  for (let i = 1; i <= strides; i++) {
    const stride = b.stride ?? i;
    for (let j = 1; j <= dilations; j++) {
      const dilation = b.dilation ?? j;
      const ops = b.allowOp ? Math.max(stride, dilation) : 1;
      steps += ops * (kernels.sum + kernels.count * stride);
      if (steps > budget) return steps;
    }
  }
  return steps;
}

/** Taps per phase (by output index mod stride) in O(kernel + stride): the counts polyphase() lists one by one. */
function phaseTapCounts(kernel: number, stride: number, dilation: number, padBegin: number): number[] {
  const byResidue = new Array<number>(stride).fill(0);
  for (let k = 0; k < kernel; k++) byResidue[(k * dilation) % stride]!++;
  return Array.from({ length: stride }, (_, rho) => byResidue[(((rho + padBegin) % stride) + stride) % stride]!);
}

/** All (k, s, p, op, d) with (i − 1)s − 2p + d(k − 1) + op + 1 = to, 0 ≤ op < max(s, d). */
function solveAxis(input: number, to: number, b: AxisBounds): AxisSolution[] {
  const out: AxisSolution[] = [];
  const range = (fixed: number | undefined, max: number) => (fixed === undefined ? Array.from({ length: max }, (_, i) => i + 1) : [fixed]);
  for (const stride of range(b.stride, b.maxStride)) {
    for (const dilation of range(b.dilation, b.maxDilation)) {
      for (const kernel of range(b.kernel, b.maxKernel)) {
        if (kernel === 1 && dilation > 1) continue; // dilation of a 1-tap kernel changes nothing: list it once
        const maxOp = b.allowOp ? Math.max(stride, dilation) - 1 : 0;
        for (let outputPadding = 0; outputPadding <= maxOp; outputPadding++) {
          // 2p = (i − 1)s + K + op − to
          const twice = totalPaddingFor(input, kernel, stride, dilation, to, outputPadding);
          if (twice < 0 || twice % 2 !== 0) continue;
          const padding = twice / 2;
          if (padding > (b.padding ?? b.maxPadding) || (b.padding !== undefined && padding !== b.padding)) continue;
          const output = pytorchTransposedOutputSize(input, kernel, stride, padding, dilation, outputPadding);
          const phaseTaps = phaseTapCounts(kernel, stride, dilation, padding);
          let min = Infinity;
          let max = 0;
          let holes = 0;
          for (const taps of phaseTaps) {
            min = Math.min(min, taps);
            max = Math.max(max, taps);
            if (taps === 0) holes++;
          }
          out.push({ kernel, stride, padding, outputPadding, dilation, output, even: min === max, holes, phaseTaps });
        }
      }
    }
  }
  return out;
}

function combine(axes: readonly AxisSolution[]): Solution {
  const pick = <K extends keyof AxisSolution>(key: K) => axes.map((x) => x[key]);
  return {
    kernel: pick('kernel'), stride: pick('stride'), padding: pick('padding'), outputPadding: pick('outputPadding'),
    dilation: pick('dilation'), output: pick('output'), even: axes.every((x) => x.even),
    holes: axes.reduce((sum, x) => sum + x.holes, 0), phaseTaps: pick('phaseTaps'),
    cost: axes.reduce((c, x) => c * x.kernel, 1),
  };
}

/** Cartesian product of per-axis lists, best-first per axis, stopping at `limit` per growth step. */
function product(lists: readonly AxisSolution[][], limit: number): Solution[] {
  let partial: AxisSolution[][] = [[]];
  for (const list of lists) {
    const sorted = [...list].sort((x, y) => compareSolutions(combine([x]), combine([y])));
    const next: AxisSolution[][] = [];
    for (const head of partial) for (const x of sorted) next.push([...head, x]);
    next.sort((x, y) => compareSolutions(combine(x), combine(y)));
    partial = next.slice(0, limit);
  }
  return partial.filter((x) => x.length === lists.length).map(combine);
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Even first, then fewer holes, cheaper kernels, no dilation, less padding, no outputPadding, smaller stride. */
export function compareSolutions(x: Solution, y: Solution): number {
  return Number(!x.even) - Number(!y.even)
    || x.holes - y.holes
    || x.cost - y.cost
    || sum(x.dilation) - sum(y.dilation)
    || sum(x.padding) - sum(y.padding)
    || sum(x.outputPadding) - sum(y.outputPadding)
    || sum(x.stride) - sum(y.stride);
}
