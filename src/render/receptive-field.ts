/**
 * The receptive field of one output drawn on the input grid (src/analysis/receptive-field.ts): the stack inputs
 * that can affect the chosen output are filled, the hull of the set outlined; the output grid beside it marks the
 * chosen position. 1D draws one row; 3D the depth slices through the chosen output and the middle of its field.
 */
import { type ReceptiveField, receptiveFieldAt } from '../analysis/receptive-field.ts';
import { PALETTE, hexRgb } from './colors.ts';
import { type GridView, cellSize, checkSvgCells, gridView } from './grid.ts';
import { Raster } from './raster.ts';
import { svgDocument, tag, text, textWidth } from './svg.ts';

export interface ReceptiveFieldOptions {
  /** Cell size in pixels (default: each panel fits about 320 pixels). */
  readonly cell?: number;
  readonly caption?: string;
}

/** What both encodings draw. */
interface FieldModel {
  readonly input: GridView;
  readonly output: GridView;
  readonly chosen: readonly [number, number];
  /** inside(r, c): input cell (r, c) of the drawn slice can affect the chosen output. */
  readonly inside: (r: number, c: number) => boolean;
  readonly hull: { rows: [number, number]; cols: [number, number] } | null;
  /** Cell sizes of the input and output panels: each panel fits the same area, as both cover the same image. */
  readonly inCell: number;
  readonly outCell: number;
  readonly intervals: string;
  readonly sizes: readonly number[];
}

function fieldModel(rf: ReceptiveField, position: readonly number[], cell?: number): FieldModel {
  const rank = rf.stack.rank;
  if (position.length !== rank) {
    throw new RangeError(`the output position needs ${rank} coordinate${rank === 1 ? '' : 's'} (one per spatial axis), not ${position.length}`);
  }
  const at = receptiveFieldAt(rf, position); // checks the position is inside the output
  const sets = rf.axes.map((axis, a) => new Set(axis.sets[position[a]!]!));
  // 3D: the input slice through the middle of the field's depth interval.
  const depthInterval = rank === 3 ? at.intervals[0] : null;
  const input = gridView(rf.stack.inputSize, depthInterval ? Math.floor((depthInterval.start + depthInterval.end) / 2) : undefined);
  const output = gridView(rf.stack.outputSize, rank === 3 ? position[0] : undefined);
  const inside = (r: number, c: number): boolean => input.position(r, c).every((p, a) => sets[a]!.has(p));
  const rowInterval = rank === 1 ? { start: 0, end: 0 } : at.intervals[rank - 2];
  const colInterval = at.intervals[rank - 1];
  const hull = rowInterval && colInterval && (rank < 3 || depthInterval)
    ? { rows: [rowInterval.start, rowInterval.end] as [number, number], cols: [colInterval.start, colInterval.end] as [number, number] } : null;
  const chosen: [number, number] = rank === 1 ? [0, position[0]!] : [position[rank - 2]!, position[rank - 1]!];
  const inCell = cell ?? cellSize(input.rows, input.cols, 320, 2, 32);
  const outCell = cell ?? cellSize(output.rows, output.cols, 320, 2, 32);
  const intervals = at.intervals.map((i) => (i ? `${i.start}…${i.end}` : 'none')).join(' × ');
  return { input, output, chosen, inside, hull, inCell, outCell, intervals, sizes: rf.axes.map((axis, a) => axis.sets[position[a]!]!.length) };
}

/**
 * SVG: input grid (cells of class "in" inside the field, with data-r/data-c) and the output grid with the chosen cell.
 * @example
 * const rf = receptiveField({ input: 8, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
 * receptiveFieldSvg(rf, [5, 5]).match(/class="input in"/g).length // → 4 (inputs 2…3 × 2…3)
 */
export function receptiveFieldSvg(rf: ReceptiveField, position: readonly number[], options: ReceptiveFieldOptions = {}): string {
  const m = fieldModel(rf, position, options.cell);
  checkSvgCells(m.input.rows * m.input.cols + m.output.rows * m.output.cols, 'receptive-field picture');
  const { inCell, outCell } = m;
  const left = 8;
  const top = 58;
  const gap = 32;
  const ox = left + m.input.cols * inCell + gap;
  const body: string[] = [];
  const caption = options.caption ?? `Receptive field of output (${position.join(', ')})`;
  const detail = `reads inputs ${m.intervals} (${m.sizes.join('×')} = ${m.sizes.reduce((p, s) => p * s, 1)} positions)`;
  body.push(text(left, 16, caption, { 'font-weight': 'bold' }), text(left, 33, detail, { 'font-size': 11 }));
  const slice = (v: GridView): string => (v.slice === null ? '' : `, depth ${v.slice}`);
  body.push(text(left, top - 8, `input ${rf.stack.inputSize.join('×')}${slice(m.input)}`, { 'font-size': 11 }));
  body.push(text(ox, top - 8, `output ${rf.stack.outputSize.join('×')}${slice(m.output)}`, { 'font-size': 11 }));
  const cells: string[] = [];
  for (let r = 0; r < m.input.rows; r++) {
    for (let c = 0; c < m.input.cols; c++) {
      const inside = m.inside(r, c);
      cells.push(tag('rect', { class: inside ? 'input in' : 'input', 'data-r': r, 'data-c': c, x: left + c * inCell, y: top + r * inCell, width: inCell - 1, height: inCell - 1, fill: inside ? PALETTE.field : PALETTE.empty }));
    }
  }
  body.push(tag('g', { class: 'input-grid' }, cells.join('')));
  if (m.hull) {
    body.push(tag('rect', {
      class: 'hull', x: left + m.hull.cols[0] * inCell - 1.5, y: top + m.hull.rows[0] * inCell - 1.5,
      width: (m.hull.cols[1] - m.hull.cols[0] + 1) * inCell + 2, height: (m.hull.rows[1] - m.hull.rows[0] + 1) * inCell + 2,
      fill: 'none', stroke: PALETTE.text, 'stroke-width': 1, 'stroke-dasharray': '3 2',
    }));
  }
  const outs: string[] = [];
  for (let r = 0; r < m.output.rows; r++) {
    for (let c = 0; c < m.output.cols; c++) {
      const chosen = r === m.chosen[0] && c === m.chosen[1];
      outs.push(tag('rect', { class: chosen ? 'output chosen' : 'output', x: ox + c * outCell, y: top + r * outCell, width: outCell - 1, height: outCell - 1, fill: chosen ? PALETTE.field : PALETTE.empty }));
    }
  }
  body.push(tag('g', { class: 'output-grid' }, outs.join('')));
  const width = Math.max(ox + m.output.cols * outCell + left, textWidth(caption) + 2 * left, textWidth(detail, 11) + 2 * left);
  return svgDocument(width, top + Math.max(m.input.rows * inCell, m.output.rows * outCell) + 8, `${caption}: ${detail}`, body);
}

/**
 * PNG-ready raster: the input grid (field in red; each panel about 320 pixels unless `cell` is given) and, `gap` pixels to its right, the output grid (chosen cell red).
 * @example
 * const rf = receptiveField({ input: 8, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
 * receptiveFieldRaster(rf, [5, 5], { cell: 10 }).width // → 8·10 + 20 + 15·10 = 250
 */
export function receptiveFieldRaster(rf: ReceptiveField, position: readonly number[], options: { cell?: number; gap?: number } = {}): Raster {
  const m = fieldModel(rf, position, options.cell);
  const { inCell, outCell } = m;
  const gap = options.gap ?? 20;
  const ox = m.input.cols * inCell + gap;
  const raster = new Raster(ox + m.output.cols * outCell, Math.max(m.input.rows * inCell, m.output.rows * outCell));
  const [red, grey] = [hexRgb(PALETTE.field), hexRgb(PALETTE.empty)];
  // Leave a 1-pixel white seam between cells once they are big enough to show it.
  const inner = (cell: number): number => (cell >= 4 ? cell - 1 : cell);
  for (let r = 0; r < m.input.rows; r++) {
    for (let c = 0; c < m.input.cols; c++) raster.fillRect(c * inCell, r * inCell, inner(inCell), inner(inCell), m.inside(r, c) ? red : grey);
  }
  for (let r = 0; r < m.output.rows; r++) {
    for (let c = 0; c < m.output.cols; c++) raster.fillRect(ox + c * outCell, r * outCell, inner(outCell), inner(outCell), r === m.chosen[0] && c === m.chosen[1] ? red : grey);
  }
  return raster;
}
