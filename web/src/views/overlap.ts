/**
 * The overlap heatmap with the receptive field of the output cell under the mouse (or keyboard focus), drawn on
 * the input grid beside it. Counts come from the library's overlap analysis; the page only colours them.
 */
import { overlapMap, type OverlapSummary } from '../../../src/analysis/overlap.ts';
import { receptiveFieldAt, type ReceptiveField } from '../../../src/analysis/receptive-field.ts';
import { overlapColor } from '../../../src/render/colors.ts';
import { card, el, svgEl as svg } from '../dom.ts';

const MAX_CELL = 14;
/** Largest grid drawn cell by cell; bigger outputs show their top-left corner (the pattern is periodic). */
export const MAX_GRID = 96;
/** Input window drawn around a receptive field. */
const RF_WINDOW = 32;

/** 2D grid shape of an overlap summary (1D layers draw one row). */
function gridShape(shape: readonly number[]): [number, number] {
  return shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
}

export interface OverlapView {
  readonly element: HTMLElement;
}

/**
 * @param focus the output cell [row, col] whose receptive field to show
 * @param onFocus called with the cell the user points at
 */
export function overlapCard(
  id: string, title: string, summary: OverlapSummary, rf: ReceptiveField | null, inputShape: readonly number[],
  focus: [number, number] | null, onFocus: (cell: [number, number]) => void,
): HTMLElement {
  const [fullRows, fullCols] = gridShape(summary.shape);
  const rows = Math.min(fullRows, MAX_GRID);
  const cols = Math.min(fullCols, MAX_GRID);
  // Only the drawn corner is materialised: a 40000×40000 output must not become a 12 GB array in the browser.
  const corner = summary.axes.map((axis, a) => ({ ...axis, counts: axis.counts.slice(0, a === summary.axes.length - 1 ? cols : rows) }));
  const values = overlapMap({ axes: summary.shape.length === 1 ? corner : corner.slice(0, 2) });
  const cell = Math.max(3, Math.min(MAX_CELL, Math.floor(560 / Math.max(rows, cols))));
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); }
  const heat = svg('svg', { width: cols * cell, height: rows * cell, viewBox: `0 0 ${cols * cell} ${rows * cell}`, role: 'img', 'aria-label': `${title}: ${rows}×${cols} overlap counts from ${min} to ${max}`, class: 'heatmap' });
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c]!;
      heat.append(svg('rect', { x: c * cell, y: r * cell, width: cell, height: cell, fill: overlapColor(v, min, max), 'data-r': r, 'data-c': c, 'data-count': v },
        `output (${r}, ${c}): ${v} contributions`));
    }
  }
  // Pointing only moves the highlight and redraws the receptive-field panel; the rest of the page stays put.
  const highlight = svg('rect', { width: cell, height: cell, fill: 'none', stroke: '#d0021b', 'stroke-width': 2, visibility: 'hidden', 'pointer-events': 'none', id: `${id}-focus` });
  heat.append(highlight);
  const fieldSlot = el('div', {});
  let current: [number, number] | null = null;
  const show = (cell2: [number, number]): void => {
    if (current && current[0] === cell2[0] && current[1] === cell2[1]) return;
    current = cell2;
    highlight.setAttribute('x', String(cell2[1] * cell));
    highlight.setAttribute('y', String(cell2[0] * cell));
    highlight.setAttribute('visibility', 'visible');
    fieldSlot.replaceChildren(rf ? receptiveFieldPanel(rf, inputShape, cell2) : el('span'));
    onFocus(cell2);
  };
  fieldSlot.append(el('p', { text: rf ? 'Point at an output cell to see its receptive field.' : '' }));
  if (focus && focus[0] < rows && focus[1] < cols) show(focus);
  const pick = (event: Event): void => {
    const target = event.target as Element;
    const r = target.getAttribute?.('data-r');
    const c = target.getAttribute?.('data-c');
    if (r !== null && c !== null && r !== undefined && c !== undefined) show([Number(r), Number(c)]);
  };
  heat.addEventListener('mouseover', pick);
  heat.addEventListener('click', pick);

  const cropped = rows < fullRows || cols < fullCols ? ` Showing the top-left ${rows}×${cols} of ${fullRows}×${fullCols}.` : '';
  const legend = el('p', { class: 'legend', text: `Contributions per output: light ${min} … dark ${max}. Interior levels: ${summary.values.join(', ')}.${cropped}` });

  // Keyboard: arrow keys move the inspected cell.
  const keyboard = el('div', { tabindex: 0, class: 'heatmap-wrap', 'aria-label': 'Overlap heatmap; arrow keys move the inspected output cell' }, heat);
  keyboard.addEventListener('keydown', (event) => {
    const [r, c] = current ?? [0, 0];
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    show([Math.min(rows - 1, Math.max(0, r + move[0])), Math.min(cols - 1, Math.max(0, c + move[1]))]);
  });
  return card(id, title, el('div', { class: 'grid2' }, keyboard, fieldSlot), legend);
}

function receptiveFieldPanel(rf: ReceptiveField, inputShape: readonly number[], focus: [number, number]): HTMLElement {
  const position = inputShape.length === 1 ? [focus[1]] : focus;
  let at: ReturnType<typeof receptiveFieldAt>;
  try {
    at = receptiveFieldAt(rf, position);
  } catch {
    return el('p', { text: 'Point at an output cell to see its receptive field.' });
  }
  const [rowInterval, colInterval] = inputShape.length === 1 ? [{ start: 0, end: 0 }, at.intervals[0]] : at.intervals;
  // A window of the input around the field (the whole input when it is small).
  const [inputRows, inputCols] = gridShape(inputShape);
  const windowOf = (size: number, interval: { start: number; end: number } | null | undefined): [number, number] => {
    if (size <= RF_WINDOW) return [0, size];
    const centre = interval ? Math.floor((interval.start + interval.end) / 2) : 0;
    const start = Math.max(0, Math.min(size - RF_WINDOW, centre - RF_WINDOW / 2));
    return [start, start + RF_WINDOW];
  };
  const [r0, r1] = windowOf(inputRows, rowInterval);
  const [c0, c1] = windowOf(inputCols, colInterval);
  const cell = Math.max(3, Math.min(MAX_CELL, Math.floor(360 / Math.max(r1 - r0, c1 - c0))));
  const grid = svg('svg', { width: (c1 - c0) * cell, height: (r1 - r0) * cell, viewBox: `0 0 ${(c1 - c0) * cell} ${(r1 - r0) * cell}`, role: 'img', 'aria-label': 'input grid with the receptive field highlighted', id: 'rf-grid' });
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const inside = rowInterval && colInterval && r >= rowInterval.start && r <= rowInterval.end && c >= colInterval.start && c <= colInterval.end;
      grid.append(svg('rect', { x: (c - c0) * cell, y: (r - r0) * cell, width: cell - 0.5, height: cell - 0.5, fill: inside ? '#d0021b' : '#e8e8e8', 'data-in': inside ? 1 : 0 }));
    }
  }
  const describe = (i: { start: number; end: number } | null | undefined): string => (i ? `${i.start}–${i.end} (${i.end - i.start + 1})` : 'none');
  const text = inputShape.length === 1
    ? `output ${focus[1]} reads inputs ${describe(at.intervals[0])}`
    : `output (${focus[0]}, ${focus[1]}) reads input rows ${describe(at.intervals[0])}, columns ${describe(at.intervals[1])}`;
  return el('div', {}, el('p', { id: 'rf-text', text }), grid);
}
