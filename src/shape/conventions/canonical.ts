/**
 * The one exit of every convention: per-axis crops (padBegin, padEnd) of the full transposed output become
 * canonical LayerOptions (`pads` + `outputPadding`), with errors that name the convention's own parameter.
 * A negative padEnd is extra cells at the end (PyTorch's outputPadding, < max(s, d)); a negative padBegin is extra
 * cells before the output (a negative `pads.begin`, bounded the same way; only tfjs's conv3dTranspose makes them).
 */
import { TconvError } from '../errors.ts';
import { transposedOutputSize } from '../formulas.ts';
import type { LayerOptions, Rank } from '../params.ts';

export interface CropAxes {
  readonly input: readonly number[];
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
}

/** Who to blame: the convention's parameter that produced the crops of an axis, and its value. */
export interface Blame {
  readonly parameter: string;
  readonly value: unknown;
  /** How to fix it, in the convention's words. */
  readonly hint: string;
}

/**
 * @example
 * cropsToOptions({ input: [3], kernel: [3], stride: [3], dilation: [1], padBegin: [0], padEnd: [-1] }, () => ({ parameter: 'output_shape', value: [10], hint: '' }))
 * // → { kernel: [3], stride: [3], dilation: [1], pads: { begin: [0], end: [0] }, outputPadding: [1] }
 */
export function cropsToOptions(axes: CropAxes, blame: (axis: number) => Blame): LayerOptions {
  const rank = axes.kernel.length;
  const end: number[] = [];
  const outputPadding: number[] = [];
  for (let a = 0; a < rank; a++) {
    const s = axes.stride[a]!;
    const d = axes.dilation[a]!;
    const b = axes.padBegin[a]!;
    const e = axes.padEnd[a]!;
    const where = rank === 1 ? '' : ` on axis ${a}`;
    if (-b >= Math.max(s, d)) {
      const { parameter, value, hint } = blame(a);
      throw new TconvError({
        code: 'output-shape-unreachable', parameter, value,
        rule: `would add ${-b} zero cell(s) before the start of the full output${where}, but at most max(stride, dilation) − 1 = ${Math.max(s, d) - 1} can be added`,
        hint,
      });
    }
    if (-e >= Math.max(s, d)) {
      const { parameter, value, hint } = blame(a);
      throw new TconvError({
        code: 'output-shape-unreachable', parameter, value,
        rule: `would add ${-e} zero cell(s) past the end of the full output${where}, but at most max(stride, dilation) − 1 = ${Math.max(s, d) - 1} can be added (the output_padding rule)`,
        hint,
      });
    }
    const args = { input: axes.input[a]!, kernel: axes.kernel[a]!, stride: s, dilation: d, padBegin: b, padEnd: e };
    const output = transposedOutputSize(args);
    if (output < 1) {
      const { parameter, value, hint } = blame(a);
      throw new TconvError({
        code: 'output-too-small', parameter, value,
        rule: `leaves an output size of ${output}${where} (input ${args.input}, kernel ${args.kernel}, stride ${s}, dilation ${d}), but every output size must be at least 1`,
        hint,
      });
    }
    end.push(Math.max(e, 0));
    outputPadding.push(Math.max(-e, 0));
  }
  return {
    kernel: [...axes.kernel], stride: [...axes.stride], dilation: [...axes.dilation],
    pads: { begin: [...axes.padBegin], end }, outputPadding,
  };
}

/**
 * The rank shared by a convention's per-axis parameters (their common tuple length), else `fallback`.
 * @example
 * rankOf([['kernel_size', [3, 3]], ['strides', 2]], 2) // → 2
 */
export function rankOf(entries: readonly (readonly [string, unknown])[], fallback: number): Rank {
  let rank: number | undefined;
  let from = '';
  for (const [name, value] of entries) {
    if (!Array.isArray(value)) continue;
    if (rank !== undefined && value.length !== rank) {
      throw new TconvError({
        code: 'invalid-rank', parameter: name, value,
        rule: `has ${value.length} values but ${from} has ${rank}`, hint: 'give one value per spatial axis, or a single number',
      });
    }
    rank = value.length;
    from = name;
  }
  const resolved = rank ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1 || resolved > 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: from || 'rank', value: resolved,
      rule: 'must be 1, 2 or 3 spatial axes', hint: 'tconv supports 1D, 2D and 3D layers',
    });
  }
  return resolved as Rank;
}
