/**
 * The overlap heatmap on a canvas, with a colour legend, axes, a read-out of the cell under the pointer (or the
 * keyboard's cell) and, for a single layer, that output's receptive field drawn on the input. Counts come from the
 * library's overlap analysis (in the worker); the page only colours them.
 */
import { receptiveFieldAt, type ReceptiveField } from '../../../src/analysis/receptive-field.ts';
import { overlapColor } from '../../../src/render/colors.ts';
import { el, svgEl as svg } from '../dom.ts';
import type { HeatmapData } from '../heatmap-data.ts';
import { cellAt, cellSizeFor, drawHeat } from './canvas.ts';

/** Input window drawn around a receptive field. */
const RF_WINDOW = 32;

export const contributions = (n: number): string => `${n} contribution${n === 1 ? '' : 's'}`;

/** A legend: the colour of each count from min to max (at most 8 swatches). */
function legend(min: number, max: number): HTMLElement {
  const steps = max > min ? Math.min(8, max - min + 1) : 1;
  const counts = Array.from({ length: steps }, (_, i) => (steps === 1 ? min : Math.round(min + ((max - min) * i) / (steps - 1))));
  return el('div', { class: 'legend-scale', 'aria-hidden': 'true' },
    el('span', { text: 'fewer' }),
    ...counts.map((n) => el('span', { class: 'swatch', style: `background:${overlapColor(n, min, max)}`, title: contributions(n) }, el('span', { text: String(n) }))),
    el('span', { text: 'more contributions' }));
}

/**
 * @param receptiveField the layer's receptive field (null for a stack: the panel then only reads out counts)
 * @param onFocus called with the cell the user inspects
 */
export function heatmapView(
  id: string, heat: HeatmapData, inputShape: readonly number[], receptiveField: (() => ReceptiveField | null) | null,
  focus: [number, number] | null, onFocus: (cell: [number, number]) => void,
): HTMLElement {
  const { rows, cols, values, min, max, fullShape } = heat;
  const oneD = fullShape.length === 1;
  const canvas = el('canvas', { id: `${id}-canvas`, class: 'heatmap', role: 'img', 'data-rows': rows, 'data-cols': cols, 'data-min': min, 'data-max': max,
    'aria-label': `overlap heatmap, ${rows}×${cols} outputs, ${min} to ${max} contributions each` });
  drawHeat(canvas, rows, cols, values, min, max, cellSizeFor(rows, cols, 420));
  const marker = el('div', { class: 'heat-marker', hidden: true });
  const readout = el('p', { id: `${id}-readout`, class: 'readout', text: `Point at an output (or focus the map and use the arrow keys) to read its count${receptiveField ? ' and see which inputs reach it' : ''}.` });
  const fieldSlot = el('div', { class: 'rf-slot' });
  let current: [number, number] | null = null;
  const show = (cell: [number, number]): void => {
    if (current && current[0] === cell[0] && current[1] === cell[1]) return;
    current = cell;
    const [r, c] = cell;
    const count = values[r * cols + c]!;
    marker.hidden = false;
    marker.style.left = `${(100 * c) / cols}%`;
    marker.style.top = `${(100 * r) / rows}%`;
    marker.style.width = `${100 / cols}%`;
    marker.style.height = `${100 / rows}%`;
    readout.textContent = oneD ? `Output ${c}: ${contributions(count)}.` : `Output (${r}, ${c}): ${contributions(count)}.`;
    readout.dataset.count = String(count);
    const rf = receptiveField?.();
    fieldSlot.replaceChildren(rf ? receptiveFieldPanel(rf, inputShape, cell) : '');
    onFocus(cell);
  };
  canvas.addEventListener('mousemove', (event) => { const cell = cellAt(canvas, event); if (cell) show(cell); });
  canvas.addEventListener('click', (event) => { const cell = cellAt(canvas, event); if (cell) show(cell); });
  const frame = el('div', { class: 'heat-frame' }, canvas, marker);
  const wrap = el('div', { tabindex: 0, class: 'heatmap-wrap', role: 'group', 'aria-label': 'Overlap heatmap; arrow keys move the inspected output', 'aria-describedby': `${id}-readout` },
    el('div', { class: 'axis-label', text: oneD ? `output position 0 … ${cols - 1} →` : `columns 0 … ${cols - 1} →` }),
    el('div', { class: 'heat-row' }, oneD ? null : el('div', { class: 'axis-label vertical', text: `rows 0 … ${rows - 1} →` }), frame));
  wrap.addEventListener('keydown', (event) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const [r, c] = current ?? [0, 0];
    show([Math.min(rows - 1, Math.max(0, r + move[0])), Math.min(cols - 1, Math.max(0, c + move[1]))]);
  });
  if (focus && focus[0] < rows && focus[1] < cols) show(focus);
  const [fullRows, fullCols] = oneD ? [1, fullShape[0]!] : fullShape;
  const cropped = rows < fullRows! || cols < fullCols! ? ` Showing the top-left ${oneD ? cols : `${rows}×${cols}`} of ${fullShape.join('×')}: the pattern repeats.` : '';
  const note = el('p', { class: 'legend', text: `Interior outputs receive ${heat.levels.length > 1 ? `${heat.levels.slice(0, -1).join(', ')} or ${heat.levels.at(-1)}` : heat.levels[0]} contributions; the edges fewer, where the padding crops the kernel.${cropped}` });
  return el('div', { class: 'heatmap-view' }, el('div', { class: 'heat-grid' }, wrap, el('div', {}, readout, fieldSlot)), legend(min, max), note);
}

function receptiveFieldPanel(rf: ReceptiveField, inputShape: readonly number[], focus: [number, number]): HTMLElement {
  const position = inputShape.length === 1 ? [focus[1]] : focus;
  let at: ReturnType<typeof receptiveFieldAt>;
  try {
    at = receptiveFieldAt(rf, position);
  } catch {
    return el('p', { text: 'No receptive field for this output.' });
  }
  const [rowInterval, colInterval] = inputShape.length === 1 ? [{ start: 0, end: 0 }, at.intervals[0]] : at.intervals;
  const [inputRows, inputCols] = inputShape.length === 1 ? [1, inputShape[0]!] : [inputShape[0]!, inputShape[1]!];
  const windowOf = (size: number, interval: { start: number; end: number } | null | undefined): [number, number] => {
    if (size <= RF_WINDOW) return [0, size];
    const centre = interval ? Math.floor((interval.start + interval.end) / 2) : 0;
    const start = Math.max(0, Math.min(size - RF_WINDOW, centre - RF_WINDOW / 2));
    return [start, start + RF_WINDOW];
  };
  const [r0, r1] = windowOf(inputRows, rowInterval);
  const [c0, c1] = windowOf(inputCols, colInterval);
  const cell = Math.max(3, Math.min(12, Math.floor(240 / Math.max(r1 - r0, c1 - c0))));
  const grid = svg('svg', { width: (c1 - c0) * cell, height: (r1 - r0) * cell, viewBox: `0 0 ${(c1 - c0) * cell} ${(r1 - r0) * cell}`, role: 'img', 'aria-label': 'the input, with the inputs that reach this output in red', id: 'rf-grid' });
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const inside = rowInterval && colInterval && r >= rowInterval.start && r <= rowInterval.end && c >= colInterval.start && c <= colInterval.end;
      grid.append(svg('rect', { x: (c - c0) * cell, y: (r - r0) * cell, width: cell - 0.5, height: cell - 0.5, fill: inside ? '#c0001a' : '#e4e4e4', 'data-in': inside ? 1 : 0 }));
    }
  }
  const describe = (i: { start: number; end: number } | null | undefined): string => (i ? `${i.start}–${i.end} (${i.end - i.start + 1})` : 'none');
  const text = inputShape.length === 1
    ? `output ${focus[1]} reads inputs ${describe(at.intervals[0])}`
    : `output (${focus[0]}, ${focus[1]}) reads input rows ${describe(at.intervals[0])}, columns ${describe(at.intervals[1])}`;
  return el('div', {}, el('p', { id: 'rf-text', text }), grid);
}
