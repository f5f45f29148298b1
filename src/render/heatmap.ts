/**
 * The overlap heatmap: one cell per output position, coloured by how many (input, tap) pairs contribute to it
 * (src/analysis/overlap.ts), light for few and dark for many, with the interior (where no border effect reaches)
 * outlined. Works for a layer (layerOverlap) and a stack (stackOverlap); 1D is one row, 3D one depth slice.
 */
import { type OverlapSummary, overlapWindow } from '../analysis/overlap.ts';
import { PALETTE, hexRgb, overlapColor, overlapRgb } from './colors.ts';
import { type GridView, MAX_SVG_CELLS, cellSize, checkSvgCells, gridView } from './grid.ts';
import { Raster } from './raster.ts';
import { svgDocument, tag, text, textWidth, title } from './svg.ts';

export interface HeatmapOptions {
  /** Cell size in pixels (default: fit about 560 pixels, 3 … 14 per cell). */
  readonly cell?: number;
  /** Depth slice of a 3D map (default the middle one). */
  readonly slice?: number;
  /** Caption above the picture (SVG only). */
  readonly caption?: string;
  /** A <title> tooltip per cell (default: only up to 1024 cells, to keep large maps small). */
  readonly tooltips?: boolean;
}

/** Everything both heatmap encodings draw: the grid, its counts and the colour range. */
export interface HeatmapModel {
  /** The drawn grid: the whole map, or its top-left corner when the map is larger than the picture allows. */
  readonly view: GridView;
  /** Rows and columns of the whole map (of the slice, in 3D). */
  readonly full: { readonly rows: number; readonly cols: number };
  readonly counts: Float64Array;
  readonly min: number;
  readonly max: number;
  /** Interior box in grid cells (first/last row and column), or null when no output is interior. */
  readonly interior: { readonly rows: readonly [number, number]; readonly cols: readonly [number, number] } | null;
  readonly cell: number;
}

/**
 * The drawable model of an overlap summary: at most `maxSide` rows and columns, from the top-left corner (the pattern
 * is periodic, and only the drawn window is computed: a 200000×200000 map is never built).
 */
export function heatmapModel(summary: OverlapSummary, options: HeatmapOptions = {}, maxSide = 512): HeatmapModel {
  const whole = gridView(summary.shape, options.slice);
  const rank = summary.shape.length;
  const rowsShown = Math.min(whole.rows, maxSide);
  const colsShown = Math.min(whole.cols, maxSide);
  const counts = overlapWindow(summary, summary.shape.map((_, a) =>
    a === rank - 1 ? [0, colsShown] as const : a === rank - 2 ? [0, rowsShown] as const : [whole.slice ?? 0, 1] as const));
  const view: GridView = { rows: rowsShown, cols: colsShown, slice: whole.slice, index: (r, c) => r * colsShown + c, position: whole.position };
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < view.rows; r++) {
    for (let c = 0; c < view.cols; c++) {
      const v = counts[view.index(r, c)]!;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  // The interior's extent within the drawn window.
  const span = (mask: readonly boolean[] | undefined, shown: number): [number, number] | null => {
    if (!mask) return [0, 0];
    const visible = mask.slice(0, shown);
    const first = visible.indexOf(true);
    return first < 0 ? null : [first, visible.lastIndexOf(true)];
  };
  const axes = summary.axes;
  const rows = rank === 1 ? [0, 0] as [number, number] : span(axes[rank - 2]?.interior, rowsShown);
  const cols = span(axes[rank - 1]?.interior, colsShown);
  const cell = options.cell ?? cellSize(view.rows, view.cols, 560);
  return { view, full: { rows: whole.rows, cols: whole.cols }, counts, min, max, interior: rows && cols ? { rows, cols } : null, cell };
}

/**
 * SVG heatmap: one <rect> per output cell with data-r, data-c and data-count, a legend, the interior outlined.
 * @example
 * const svg = overlapHeatmapSvg(layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }));
 * (svg.match(/data-count=/g) ?? []).length // → 3969  (63 × 63)
 */
export function overlapHeatmapSvg(summary: OverlapSummary, options: HeatmapOptions = {}): string {
  const model = heatmapModel(summary, options, Math.floor(Math.sqrt(MAX_SVG_CELLS)));
  const { view, counts, min, max, cell } = model;
  checkSvgCells(view.rows * view.cols, 'overlap map');
  const top = options.caption ? 22 : 4;
  const left = 4;
  const body: string[] = [];
  if (options.caption) body.push(text(left, 15, options.caption, { 'font-weight': 'bold' }));
  const sliceNote = view.slice === null ? '' : ` (depth slice ${view.slice})`;
  const cells: string[] = [];
  const tooltips = options.tooltips ?? view.rows * view.cols <= 1024;
  for (let r = 0; r < view.rows; r++) {
    for (let c = 0; c < view.cols; c++) {
      const v = counts[view.index(r, c)]!;
      const where = view.position(r, c).join(', ');
      const tip = tooltips ? [title(`output (${where}): ${v} contribution${v === 1 ? '' : 's'}`)] : [];
      cells.push(tag('rect', { x: left + c * cell, y: top + r * cell, width: cell, height: cell, fill: overlapColor(v, min, max), 'data-r': r, 'data-c': c, 'data-count': v }, ...tip));
    }
  }
  body.push(tag('g', { class: 'cells' }, cells.join('')));  // joined: spreading 512² strings overflows the call stack
  if (model.interior) {
    const { rows, cols } = model.interior;
    body.push(tag('rect', {
      class: 'interior', x: left + cols[0] * cell, y: top + rows[0] * cell, width: (cols[1] - cols[0] + 1) * cell, height: (rows[1] - rows[0] + 1) * cell,
      fill: 'none', stroke: PALETTE.field, 'stroke-width': 1, 'stroke-dasharray': '4 3', 'pointer-events': 'none',
    }));
  }
  const gridBottom = top + view.rows * cell;
  const shownOf = view.rows < model.full.rows || view.cols < model.full.cols ? ` (top-left ${view.rows}×${view.cols} of ${model.full.rows}×${model.full.cols})` : '';
  const key = legend(left, gridBottom + 8, summary, min, max, shownOf);
  body.push(...key.parts);
  const width = Math.max(left * 2 + view.cols * cell, left * 2 + key.width, options.caption ? textWidth(options.caption) + 2 * left : 0);
  const label = `Overlap heatmap${sliceNote}: ${summary.shape.join('×')} outputs${shownOf}, ${min} to ${max} contributions; interior levels ${summary.values.join(', ')}`;
  return svgDocument(width, gridBottom + 44, label, body);
}

/** Swatches of the interior levels (at most 8, spread from lightest to darkest) and a line of text. */
function legend(x: number, y: number, summary: OverlapSummary, min: number, max: number, shownOf = ''): { parts: string[]; width: number } {
  const parts: string[] = [];
  const levels = [...summary.values].sort((a, b) => a - b);
  const shown = levels.length <= 8 ? levels : Array.from({ length: 8 }, (_, i) => levels[Math.round((i * (levels.length - 1)) / 7)]!);
  shown.forEach((v, i) => {
    parts.push(tag('rect', { class: 'legend', x: x + i * 40, y, width: 14, height: 14, fill: overlapColor(v, min, max), stroke: PALETTE.line, 'stroke-width': 0.5 }));
    parts.push(text(x + i * 40 + 17, y + 11, round(v), { 'font-size': 10 }));
  });
  const verdict = summary.holes ? 'holes (bias-only outputs)' : summary.even ? 'even' : `uneven, max/min ${round(summary.ratio)}`;
  const interior = levels.length <= 6 ? levels.reverse().map(round).join(':') : `${round(levels[levels.length - 1]!)} … ${round(levels[0]!)} (${levels.length} levels)`;
  const line = `contributions per output${shownOf}: ${round(min)} (light) … ${round(max)} (dark); interior (dashed) ${interior}, ${verdict}`;
  parts.push(text(x, y + 30, line, { 'font-size': 11 }));
  return { parts, width: Math.max(shown.length * 40, textWidth(line, 11)) };
}

const round = (v: number): string => String(Math.round(v * 100) / 100);

/** Most rows or columns of cells a PNG heatmap draws (larger maps: their top-left corner). */
const MAX_RASTER_SIDE = 2048;

/**
 * PNG-ready raster of the heatmap: each cell a square of `cell` pixels (default 8, fewer for maps over 64 wide), no text.
 * @example
 * const r = overlapHeatmapRaster(layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }));
 * [r.width, r.height] // → [504, 504]
 */
export function overlapHeatmapRaster(summary: OverlapSummary, options: HeatmapOptions = {}): Raster {
  const shown = gridView(summary.shape, options.slice);
  const side = Math.min(Math.max(shown.rows, shown.cols), MAX_RASTER_SIDE);
  const model = heatmapModel(summary, { ...options, cell: options.cell ?? cellSize(side, side, 512, 1, 8) }, MAX_RASTER_SIDE);
  const { view, counts, min, max, cell } = model;
  const raster = new Raster(view.cols * cell, view.rows * cell);
  for (let r = 0; r < view.rows; r++) {
    for (let c = 0; c < view.cols; c++) raster.fillRect(c * cell, r * cell, cell, cell, overlapRgb(counts[view.index(r, c)]!, min, max));
  }
  // The interior outline, one pixel wide, when the cells are big enough to spare it.
  if (model.interior && cell >= 4) {
    const { rows, cols } = model.interior;
    raster.dashedOutline(cols[0] * cell, rows[0] * cell, (cols[1] - cols[0] + 1) * cell, (rows[1] - rows[0] + 1) * cell, hexRgb(PALETTE.field));
  }
  return raster;
}
