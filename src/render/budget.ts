/**
 * The work budget of a picture, in cells: what drawing it computes or draws, priced from the layer's or stack's
 * sizes before anything is computed (a tap diagram of kernel 65536 and stride 65536 is 2³² cells; an artifact image
 * of a 2048² input runs the stack on 16M outputs). Pictures past the budget are refused with the number and the
 * option that raises it.
 */
import type { ResolvedStack } from '../analysis/stack.ts';
import { budgetOption, workLimit } from '../shape/errors.ts';

/** Default cell budget of one picture: a few seconds at most. */
export const DEFAULT_MAX_CELLS = 50_000_000;

/** The pictures tconv draws, as the CLI names them. */
export type PictureKind = 'heatmap' | 'taps' | 'rf' | 'animation' | 'artifact';

/** Per spatial axis of a single transposed layer. */
export interface AxisSizes {
  readonly input: number;
  readonly kernel: number;
  readonly stride: number;
}

/**
 * Cells a picture costs. Taps: every (phase, kernel index) of every axis; animation: the kernel footprint written
 * once per animated input cell (at most 5 per axis); artifact: every output element of every layer times the taps
 * that feed it (the stack really runs, channels included). Heatmap and receptive field cost nothing here: their
 * maps are built per axis under the analysis's own limit (4M (output, input) pairs per axis and layer, refused by
 * name) and drawn as a corner of at most 2048² cells.
 * @example
 * pictureCells('taps', { axes: [{ input: 32, kernel: 7, stride: 2 }, { input: 32, kernel: 7, stride: 2 }] }) // → 28
 */
export function pictureCells(kind: PictureKind, subject: { readonly axes?: readonly AxisSizes[]; readonly stack?: ResolvedStack }): number {
  const axes = subject.axes ?? [];
  const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);
  switch (kind) {
    case 'taps':
      return axes.reduce((sum, a) => sum + a.stride * a.kernel, 0);
    case 'animation':
      return product(axes.map((a) => Math.min(a.input, 5) * a.kernel));
    default: {
      const stack = subject.stack;
      if (!stack) return 0;
      let cells = 0;
      for (const layer of stack.layers) {
        if (kind !== 'artifact') continue;
        const positions = product(layer.outputSize);
        // A conv or transposed conv reads inChannels/groups × ∏kernel values per output element; resizes a few.
        const plan = layer.plan;
        const taps = plan ? (plan.inChannels / plan.groups) * product(plan.axes.map((a) => a.kernel)) : 4;
        cells += positions * layer.outChannels * taps;
      }
      return cells;
    }
  }
}

/**
 * Refuses a picture whose cells pass the budget.
 * @example
 * checkPictureBudget('taps', 2 ** 33) // throws: taps picture ("8.59e+9 cells") needs more than the budget of 5.00e+7 cells; raise it with --max-cells …
 */
export function checkPictureBudget(kind: PictureKind, cells: number, maxCells?: number): void {
  const limit = budgetOption('maxCells', maxCells, DEFAULT_MAX_CELLS);
  if (cells > limit) {
    throw workLimit({ what: `${kind} picture`, needed: cells, unit: 'cells', limit, option: 'maxCells', flag: '--max-cells', fix: 'draw a smaller input, kernel or stack' });
  }
}
