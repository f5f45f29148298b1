/**
 * Canonical layer parameters: a number or a per-axis tuple, as PyTorch accepts, resolved once to per-axis arrays.
 * Validation of single values lives here; rules that relate several values live in plan.ts.
 */
import { TconvError } from './errors.ts';

export type PerAxis = number | readonly number[];
export type Rank = 1 | 2 | 3;
export type LayerKind = 'convTranspose' | 'conv';

/**
 * Asymmetric padding, as ONNX `pads` (begin values, end values); replaces `padding` when given. For a transposed
 * conv a negative begin value adds that many zero (bias-only) cells before the output, fewer than max(stride,
 * dilation) — as tfjs's conv3dTranspose 'same' does with kernel < stride; `outputPadding` adds them at the end.
 */
export interface Pads {
  readonly begin: readonly number[];
  readonly end: readonly number[];
}

/** A layer's hyper-parameters in PyTorch's meanings (see design.md, glossary). */
export interface LayerOptions {
  readonly kernel: PerAxis;
  readonly stride?: PerAxis;
  readonly padding?: PerAxis;
  readonly outputPadding?: PerAxis;
  readonly dilation?: PerAxis;
  readonly groups?: number;
  /** Asymmetric crop (transposed) or pad (conv) per axis; exclusive with `padding`. */
  readonly pads?: Pads;
}

/** Everything needed to plan one layer. Spatial `input` sizes; channels default to 1, batch to 1. */
export interface LayerSpec extends LayerOptions {
  readonly kind: LayerKind;
  readonly input: PerAxis;
  readonly batch?: number;
  readonly inChannels?: number;
  readonly outChannels?: number;
  readonly bias?: boolean;
  /** Rank to use when every size is a scalar (default 2). */
  readonly rank?: Rank;
  /** Refuse plans whose tensors would take more bytes than this (default 4 GiB). */
  readonly memoryLimitBytes?: number;
}

const FIELDS = ['input', 'kernel', 'stride', 'padding', 'outputPadding', 'dilation'] as const;

/** The rank implied by the tuples in a spec: the common tuple length, else `rank`, else 2. */
export function inferRank(spec: Pick<LayerSpec, (typeof FIELDS)[number] | 'rank' | 'pads'>): Rank {
  let rank: number | undefined;
  let from = '';
  const consider = (name: string, value: unknown): void => {
    if (!Array.isArray(value)) return;
    if (rank !== undefined && value.length !== rank) {
      throw new TconvError({
        code: 'invalid-rank', parameter: name, value,
        rule: `has ${value.length} values but ${from} has ${rank}`,
        hint: `give every per-axis parameter the same number of values (one per spatial axis), or a single number`,
      });
    }
    rank = value.length;
    from = name;
  };
  for (const field of FIELDS) consider(field, spec[field]);
  if (spec.pads) {
    consider('pads.begin', spec.pads.begin);
    consider('pads.end', spec.pads.end);
  }
  const resolved = rank ?? spec.rank ?? 2;
  if (resolved < 1 || resolved > 3 || !Number.isInteger(resolved)) {
    throw new TconvError({
      code: 'invalid-rank', parameter: from || 'rank', value: resolved,
      rule: 'must be 1, 2 or 3 spatial axes', hint: 'tconv supports 1D, 2D and 3D layers',
    });
  }
  return resolved as Rank;
}

export type Bound = 'positive' | 'nonNegative' | 'any';

const BOUND_RULES: Record<Bound, { test: (v: number) => boolean; rule: string }> = {
  positive: { test: (v) => v >= 1, rule: 'must be a positive integer' },
  nonNegative: { test: (v) => v >= 0, rule: 'must be a non-negative integer' },
  any: { test: () => true, rule: 'must be an integer' },
};

/** Checks one integer value against a bound, naming the parameter in the error. */
export function checkInteger(parameter: string, value: unknown, bound: Bound, hint: string): number {
  const { test, rule } = BOUND_RULES[bound];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || !test(value)) {
    throw new TconvError({ code: 'invalid-value', parameter, value, rule, hint });
  }
  return value;
}

/**
 * Largest value of any size or per-axis parameter: the wasm and native kernels index with 32-bit integers, so a
 * padding or dilation of 2^32 + 1 would wrap to 1 there. Refused everywhere, the reference included, so every
 * backend gives the same answer (plan.ts also bounds each axis's whole extent).
 */
export const MAX_INDEX = 2 ** 31 - 1;

/** Refuses a value past MAX_INDEX by name (after checkInteger has checked it is an integer). */
export function checkIndexRange(parameter: string, value: number): number {
  if (Math.abs(value) > MAX_INDEX) {
    throw new TconvError({
      code: 'invalid-value', parameter, value,
      rule: `must be at most ${MAX_INDEX} (2^31 − 1: the wasm and native kernels index with 32-bit integers)`,
      hint: `use a ${parameter.replace(/\[\d+\]$/, '')} of ${MAX_INDEX} or less`,
    });
  }
  return value;
}

/** Expands a number or tuple to `rank` values, each checked against `bound` and the index range. */
export function perAxis(
  parameter: string, value: PerAxis | undefined, rank: Rank, fallback: number, bound: Bound, hint: string,
): number[] {
  const raw = value === undefined ? fallback : value;
  // JavaScript callers can pass anything (null, a string, an object): name it instead of failing inside the spread.
  if (typeof raw !== 'number' && !Array.isArray(raw)) {
    throw new TconvError({
      code: 'invalid-value', parameter, value: raw as unknown,
      rule: `must be a number or a list of ${rank} numbers (one per spatial axis)`, hint,
    });
  }
  const values = typeof raw === 'number' ? new Array<number>(rank).fill(raw) : [...raw];
  return values.map((v, axis) => {
    const name = typeof raw === 'number' ? parameter : `${parameter}[${axis}]`;
    return checkIndexRange(name, checkInteger(name, v, bound, hint));
  });
}
