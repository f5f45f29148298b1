/** The part of an overlap map the page draws: its top-left corner, with the summary's numbers (page and worker). */
import { type OverlapSummary, overlapWindow } from '../../src/analysis/overlap.ts';

/** Largest heatmap side drawn cell by cell; bigger outputs show their top-left corner (the pattern is periodic). */
export const MAX_GRID = 96;

export interface HeatmapData {
  readonly fullShape: number[];
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
  readonly min: number;
  readonly max: number;
  /** Distinct interior levels, largest first. */
  readonly levels: number[];
  readonly even: boolean;
  readonly ratio: number;
}

export function heatmapOf(summary: OverlapSummary): HeatmapData {
  const fullShape = [...summary.shape];
  const [fullRows, fullCols] = fullShape.length === 1 ? [1, fullShape[0]!] : [fullShape[0]!, fullShape[1]!];
  const rows = Math.min(fullRows, MAX_GRID);
  const cols = Math.min(fullCols, MAX_GRID);
  // Only the drawn corner is materialised: a 40000×40000 output must not become a 12 GB array.
  const window: [number, number][] = fullShape.length === 1 ? [[0, cols]] : [[0, rows], [0, cols]];
  const values = overlapWindow({ axes: summary.axes.slice(0, window.length) }, window);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); }
  return { fullShape, rows, cols, values, min, max, levels: [...summary.values], even: summary.even, ratio: summary.ratio };
}
