/**
 * The one exit of every convention: per-axis crops (padBegin, padEnd) of the full transposed output become
 * canonical LayerOptions (`pads` + `outputPadding`), with errors that name the convention's own parameter.
 * A negative padEnd is extra cells at the end (PyTorch's outputPadding, < max(s, d)); a negative padBegin has no
 * canonical form and is refused.
 */
import { TconvError } from '../errors.ts';
import { transposedOutputSize } from '../formulas.ts';
import type { LayerOptions } from '../params.ts';

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
    if (b < 0) {
      const { parameter, value, hint } = blame(a);
      throw new TconvError({
        code: 'unsupported', parameter, value,
        rule: `would add ${-b} zero cell(s) before the start of the full output${where}, which no canonical layer (PyTorch padding/output_padding) can express`,
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
