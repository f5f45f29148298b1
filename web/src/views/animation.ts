/**
 * The layer animated in 2D, in the style of Dumoulin & Visin, with a scrub bar and two views:
 * - scatter: each input cell in turn stamps the (dilated) kernel into the full output; cells the padding crops are
 *   ghosted, the kept output is outlined;
 * - direct: the same layer as a stride-1 convolution with the flipped kernel over the zero-inserted, padded input,
 *   one output at a time.
 * Pointing at an input shows its footprint; pointing at an output lists the taps and inputs that reach it. All the
 * geometry comes from src/render/animation.ts (animationAxes, scatterFootprint, directWindow), the same as
 * `tconv render animation`; the layer is shown on an input of at most 4×4 (8 in 1D), as there.
 */
import type { ExplainReport } from '../../../src/analysis/explain.ts';
import { overlapColor } from '../../../src/render/colors.ts';
import { type AnimationAxis, animationAxes, animationPlan, directWindow, scatterFootprint } from '../../../src/render/animation.ts';
import { fullTransposedSize } from '../../../src/shape/formulas.ts';
import { card, el } from '../dom.ts';

const STEP_MS = 700;
/** Largest full output per axis animated (on the small input): wider layers would only draw cells too small to see. */
const MAX_FULL = 120;
const COLORS = { current: '#f5a623', done: '#b8c2cc', pending: '#dbe9f6', input: '#9cc3e6', zero: '#ffffff', pad: '#ececec', line: '#4a5563', text: '#1b1f24' };

export const ANIMATION_TITLE = 'How the output is built, step by step';

let timer: ReturnType<typeof setInterval> | undefined;

/** Along one axis: the (input, tap) pairs whose footprint lands on full-output position f. */
function reachers(axis: AnimationAxis, f: number): { input: number; tap: number }[] {
  const found: { input: number; tap: number }[] = [];
  for (let i = 0; i < axis.input; i++) scatterFootprint(axis, i).forEach((p, tap) => { if (p === f) found.push({ input: i, tap }); });
  return found;
}

type Cell = [number, number];
type Hit = { block: 'in' | 'out'; cell: Cell } | null;

function skipped(full: readonly number[], input: readonly number[]): HTMLElement {
  return card('animation-card', ANIMATION_TITLE,
    el('p', { id: 'animation-skipped', class: 'note', text: `The animation draws layers whose full output on a ${input.join('×')} input is at most ${MAX_FULL} cells per axis; this one is ${full.join('×')}. Try a smaller kernel, stride or dilation.` }));
}

export function animationCard(report: ExplainReport): HTMLElement {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  const maxInput = report.rank === 1 ? 8 : 4;
  // Priced before planning: planning a kernel-65536, stride-65536 layer alone takes a fifth of a second.
  const small = report.plan.axes.map((a) => fullTransposedSize(Math.min(a.input, maxInput), a.kernel, a.stride, a.dilation));
  if (small.some((n) => n > MAX_FULL)) return skipped(small, report.plan.axes.map((a) => Math.min(a.input, maxInput)));
  const plan = animationPlan(report.plan, maxInput);
  const axes = animationAxes(plan);
  if (axes.some((a) => a.full > MAX_FULL || a.directLength > MAX_FULL)) return skipped(axes.map((a) => a.full), plan.axes.map((a) => a.input));
  const oneD = plan.rank === 1;
  const unit: AnimationAxis = { input: 1, full: 1, keptBegin: 0, keptEnd: 1, taps: [0], stride: 1, dilation: 1, directBefore: 0, directLength: 1 };
  const rowAxis = oneD ? unit : axes[0]!;
  const colAxis = axes[plan.rank - 1]!;
  const inputs: Cell[] = [];
  for (let r = 0; r < rowAxis.input; r++) for (let c = 0; c < colAxis.input; c++) inputs.push([r, c]);
  const kept = (a: AnimationAxis): number => a.keptEnd - a.keptBegin;
  const outputs: Cell[] = [];
  for (let r = 0; r < kept(rowAxis); r++) for (let c = 0; c < kept(colAxis); c++) outputs.push([r, c]);
  // Direct view: the padded, zero-inserted input, plus ghosts of input cells a negative padding crops.
  const directSpan = (a: AnimationAxis): [number, number] => [Math.min(0, a.directBefore), Math.max(a.directLength, a.directBefore + (a.input - 1) * a.stride + 1)];
  const fullCount = (r: number, c: number): number => reachers(rowAxis, r).length * reachers(colAxis, c).length;
  let maxCount = 1;
  for (let r = 0; r < rowAxis.full; r++) for (let c = 0; c < colAxis.full; c++) maxCount = Math.max(maxCount, fullCount(r, c));

  let view: 'scatter' | 'direct' = 'scatter';
  let step = 0;
  let hover: Hit = null;
  const total = (): number => (view === 'scatter' ? inputs.length : outputs.length);

  const canvas = el('canvas', { id: 'animation-canvas', role: 'img', 'aria-describedby': 'animation-status' });
  const status = el('p', { id: 'animation-status', 'aria-live': 'polite' });
  const scrub = el('input', { type: 'range', id: 'animation-scrub', min: 0, max: inputs.length, value: 0, step: 1 });
  const stepLabel = el('label', { for: 'animation-scrub', text: 'Step' });

  // Layout in cells: [label row] then the left block, a gap, the right block.
  let cell = 16;
  const top = 2; // rows of cells for labels
  const leftCols = (): number => (view === 'scatter' ? colAxis.input : directSpan(colAxis)[1] - directSpan(colAxis)[0]);
  const leftRows = (): number => (view === 'scatter' ? rowAxis.input : oneD ? 1 : directSpan(rowAxis)[1] - directSpan(rowAxis)[0]);
  const rightCols = (): number => (view === 'scatter' ? colAxis.full : kept(colAxis));
  const rightRows = (): number => (view === 'scatter' ? rowAxis.full : kept(rowAxis));
  const gap = 2;
  const rightX = (): number => (leftCols() + gap) * cell + 2;

  function sizeCanvas(): CanvasRenderingContext2D {
    const cols = leftCols() + gap + rightCols();
    const rows = top + Math.max(leftRows(), rightRows()) + 1;
    cell = Math.max(5, Math.min(24, Math.floor(640 / cols)));
    const ratio = window.devicePixelRatio || 1;
    const width = cols * cell + 4;
    const height = rows * cell + 4;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.aspectRatio = `${width} / ${height}`;
    const context = canvas.getContext('2d')!;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    context.font = `${Math.max(9, Math.min(12, cell - 4))}px system-ui, sans-serif`;
    context.textBaseline = 'middle';
    return context;
  }

  function box(context: CanvasRenderingContext2D, x: number, y: number, fill: string, stroke = COLORS.line): void {
    context.fillStyle = fill;
    context.fillRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    context.strokeStyle = stroke;
    context.lineWidth = 0.5;
    context.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
  }
  function outline(context: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, colour: string, width = 2, dash: number[] = []): void {
    context.strokeStyle = colour;
    context.lineWidth = width;
    context.setLineDash(dash);
    context.strokeRect(x, y, w, h);
    context.setLineDash([]);
  }
  function ghost(context: CanvasRenderingContext2D, x: number, y: number): void {
    context.fillStyle = 'rgba(120, 120, 120, 0.55)';
    context.fillRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    context.strokeStyle = 'rgba(255, 255, 255, 0.8)';
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(x + 1, y + cell - 1);
    context.lineTo(x + cell - 1, y + 1);
    context.stroke();
  }
  function label(context: CanvasRenderingContext2D, x: number, y: number, text: string): void {
    context.fillStyle = COLORS.text;
    context.fillText(text, x, y);
  }
  /** Column numbers along the top of a block (every one, or every fifth when cells are small). */
  function ticks(context: CanvasRenderingContext2D, x0: number, cols: number, first: number): void {
    const every = cell >= 14 ? 1 : 5;
    context.textAlign = 'center';
    for (let c = 0; c < cols; c++) if ((c + first) % every === 0) label(context, x0 + c * cell + cell / 2, (top - 0.5) * cell, String(c + first));
    context.textAlign = 'left';
  }

  function drawScatter(context: CanvasRenderingContext2D): string {
    const counts = new Map<string, number>();
    for (let s = 0; s < step; s++) {
      const [r, c] = inputs[s]!;
      for (const fr of scatterFootprint(rowAxis, r)) for (const fc of scatterFootprint(colAxis, c)) counts.set(`${fr},${fc}`, (counts.get(`${fr},${fc}`) ?? 0) + 1);
    }
    const y0 = top * cell;
    label(context, 0, cell / 2, oneD ? 'input' : `input ${rowAxis.input}×${colAxis.input}`);
    label(context, rightX(), cell / 2, `full output ${oneD ? colAxis.full : `${rowAxis.full}×${colAxis.full}`}, kept ${plan.axes.map((a) => a.output).join('×')}`);
    ticks(context, 0, colAxis.input, 0);
    ticks(context, rightX(), colAxis.full, 0);
    inputs.forEach(([r, c], s) => { box(context, c * cell, y0 + r * cell, s === step - 1 ? COLORS.current : s < step ? COLORS.done : COLORS.pending); });
    let filled = 0;
    for (let r = 0; r < rowAxis.full; r++) {
      for (let c = 0; c < colAxis.full; c++) {
        const n = counts.get(`${r},${c}`) ?? 0;
        if (n) filled++;
        const x = rightX() + c * cell;
        const y = y0 + r * cell;
        box(context, x, y, n ? overlapColor(n, 0, maxCount) : '#fff');
        const inside = r >= rowAxis.keptBegin && r < rowAxis.keptEnd && c >= colAxis.keptBegin && c < colAxis.keptEnd;
        if (!inside) ghost(context, x, y);
        else if (n && cell >= 14) { context.textAlign = 'center'; label(context, x + cell / 2, y + cell / 2, String(n)); context.textAlign = 'left'; }
      }
    }
    outline(context, rightX() + colAxis.keptBegin * cell, y0 + rowAxis.keptBegin * cell, kept(colAxis) * cell, kept(rowAxis) * cell, COLORS.text, 1.5, [5, 3]);
    canvas.dataset.filled = String(filled);
    // The stamp of the current input, or of the input pointed at.
    const stamp = hover?.block === 'in' ? hover.cell : step > 0 ? inputs[step - 1]! : null;
    if (stamp) {
      outline(context, stamp[1] * cell, y0 + stamp[0] * cell, cell, cell, COLORS.current, 3);
      for (const fr of scatterFootprint(rowAxis, stamp[0])) for (const fc of scatterFootprint(colAxis, stamp[1])) outline(context, rightX() + fc * cell + 1, y0 + fr * cell + 1, cell - 2, cell - 2, COLORS.current, 2);
    }
    if (hover?.block === 'out') {
      const [fr, fc] = hover.cell;
      outline(context, rightX() + fc * cell, y0 + fr * cell, cell, cell, '#c0001a', 3);
      const pairs = reachers(rowAxis, fr).flatMap((a) => reachers(colAxis, fc).map((b) => ({ a, b })));
      for (const { a, b } of pairs) outline(context, b.input * cell + 1, y0 + a.input * cell + 1, cell - 2, cell - 2, '#c0001a', 2);
      const inside = fr >= rowAxis.keptBegin && fr < rowAxis.keptEnd && fc >= colAxis.keptBegin && fc < colAxis.keptEnd;
      const where = oneD ? `Full output ${fc}` : `Full output (${fr}, ${fc})`;
      const list = pairs.map(({ a, b }) => (oneD ? `input ${b.input} × tap ${b.tap}` : `input (${a.input}, ${b.input}) × tap (${a.tap}, ${b.tap})`));
      return `${where}${inside ? '' : ' (cropped by padding)'} receives ${pairs.length} contribution${pairs.length === 1 ? '' : 's'}${list.length ? `: ${list.join(', ')}` : ''}.`;
    }
    if (hover?.block === 'in') {
      const [r, c] = hover.cell;
      return `Input ${oneD ? c : `(${r}, ${c})`} stamps the kernel on full outputs ${oneD ? scatterFootprint(colAxis, c).join(', ') : `rows ${scatterFootprint(rowAxis, r).join(', ')} × columns ${scatterFootprint(colAxis, c).join(', ')}`}.`;
    }
    if (step === 0) return `Scatter: each of the ${inputs.length} inputs in turn multiplies the kernel and adds it to the output, ${colAxis.stride} cell${colAxis.stride === 1 ? '' : 's'} further along per input (the stride). Press Play, or drag the step bar.`;
    const [r, c] = inputs[step - 1]!;
    return `Step ${step} of ${inputs.length}: input ${oneD ? c : `(${r}, ${c})`} stamps the kernel; overlapping stamps add up (darker = more).`;
  }

  function drawDirect(context: CanvasRenderingContext2D): string {
    const [cs, ce] = directSpan(colAxis);
    const [rs, re] = oneD ? [0, 1] : directSpan(rowAxis);
    const y0 = top * cell;
    label(context, 0, cell / 2, 'zero-inserted, padded input');
    label(context, rightX(), cell / 2, `output ${plan.axes.map((a) => a.output).join('×')}`);
    ticks(context, rightX(), kept(colAxis), 0);
    const kind = (a: AnimationAxis, p: number): 'input' | 'zero' | 'pad' | 'cropped' => {
      const inserted = p - a.directBefore;
      const onGrid = inserted >= 0 && inserted <= (a.input - 1) * a.stride;
      if (p < 0 || p >= a.directLength) return onGrid && inserted % a.stride === 0 ? 'cropped' : 'pad';
      if (!onGrid) return 'pad';
      return inserted % a.stride === 0 ? 'input' : 'zero';
    };
    for (let p = rs; p < re; p++) {
      for (let q = cs; q < ce; q++) {
        const kr = oneD ? 'input' : kind(rowAxis, p);
        const kc = kind(colAxis, q);
        const x = (q - cs) * cell;
        const y = y0 + (p - rs) * cell;
        const kinds = [kr, kc];
        if (kinds.includes('cropped')) { box(context, x, y, COLORS.input); ghost(context, x, y); } else if (kinds.includes('pad')) box(context, x, y, COLORS.pad);
        else if (kinds.includes('zero')) { box(context, x, y, COLORS.zero); context.fillStyle = '#999'; context.fillRect(x + cell / 2 - 1, y + cell / 2 - 1, 2, 2); } else box(context, x, y, COLORS.input);
      }
    }
    const target = hover?.block === 'out' ? hover.cell : step > 0 ? outputs[step - 1]! : null;
    let filled = 0;
    outputs.forEach(([r, c], s) => {
      const n = (oneD ? 1 : directWindow(rowAxis, r).filter((w) => w.input !== null).length) * directWindow(colAxis, c).filter((w) => w.input !== null).length;
      const done = s < step;
      if (done) filled++;
      box(context, rightX() + c * cell, y0 + r * cell, done ? overlapColor(n, 0, maxCount) : '#fff');
      if (done && cell >= 14) { context.textAlign = 'center'; label(context, rightX() + c * cell + cell / 2, y0 + r * cell + cell / 2, String(n)); context.textAlign = 'left'; }
    });
    canvas.dataset.filled = String(filled);
    if (!target) return `Direct convolution: the same layer as an ordinary stride-1 convolution with the kernel flipped, over the input with ${colAxis.stride - 1} zero${colAxis.stride === 2 ? '' : 's'} inserted between cells and padded by dilation·(kernel − 1) − padding = ${colAxis.directBefore} at the start${colAxis.directBefore < 0 ? ' (negative: cells cropped, ghosted)' : ''}. Press Play, or drag the step bar.`;
    const [r, c] = target;
    const rows = oneD ? [{ position: 0, tap: 0, input: 0 as number | null }] : directWindow(rowAxis, r);
    const cols = directWindow(colAxis, c);
    outline(context, (cols[0]!.position - cs) * cell, y0 + ((rows[0]!.position) - rs) * cell, (cols.at(-1)!.position - cols[0]!.position + 1) * cell, (rows.at(-1)!.position - rows[0]!.position + 1) * cell, COLORS.current, 1.5, [4, 2]);
    const reads: string[] = [];
    for (const a of rows) {
      for (const b of cols) {
        outline(context, (b.position - cs) * cell + 1, y0 + (a.position - rs) * cell + 1, cell - 2, cell - 2, a.input !== null && b.input !== null ? '#c0001a' : COLORS.current, a.input !== null && b.input !== null ? 2.5 : 1);
        if (a.input !== null && b.input !== null) reads.push(oneD ? `input ${b.input} × tap ${b.tap}` : `input (${a.input}, ${b.input}) × tap (${a.tap}, ${b.tap})`);
      }
    }
    outline(context, rightX() + c * cell, y0 + r * cell, cell, cell, '#c0001a', 3);
    return `${oneD ? `Output ${c}` : `Output (${r}, ${c})`}: the flipped kernel covers ${rows.length * cols.length} cells, ${reads.length} of them inputs (the rest inserted zeros or padding): ${reads.join(', ') || 'none'}.`;
  }

  function draw(): void {
    const context = sizeCanvas();
    status.textContent = view === 'scatter' ? drawScatter(context) : drawDirect(context);
    canvas.dataset.step = String(step);
    // Where the blocks are (CSS pixels), for the tests that point at cells.
    canvas.dataset.cell = String(cell);
    canvas.dataset.rightX = String(rightX());
    canvas.dataset.top = String(top * cell);
    canvas.dataset.view = view;
    canvas.setAttribute('aria-label', `${view === 'scatter' ? 'scatter' : 'direct convolution'} view, step ${step} of ${total()}`);
    scrub.max = String(total());
    scrub.value = String(step);
  }

  const hit = (event: MouseEvent): Hit => {
    const box = canvas.getBoundingClientRect();
    const scale = box.width / (parseFloat(canvas.style.width) || box.width);
    const x = (event.clientX - box.left) / scale;
    const y = (event.clientY - box.top) / scale - top * cell;
    const row = Math.floor(y / cell);
    if (row < 0) return null;
    if (view === 'scatter') {
      const col = Math.floor(x / cell);
      if (col >= 0 && col < colAxis.input && row < rowAxis.input) return { block: 'in', cell: [row, col] };
      const oc = Math.floor((x - rightX()) / cell);
      if (oc >= 0 && oc < colAxis.full && row < rowAxis.full) return { block: 'out', cell: [row, oc] };
      return null;
    }
    const oc = Math.floor((x - rightX()) / cell);
    return oc >= 0 && oc < kept(colAxis) && row < kept(rowAxis) ? { block: 'out', cell: [row, oc] } : null;
  };
  canvas.addEventListener('mousemove', (event) => { hover = hit(event); draw(); });
  canvas.addEventListener('mouseleave', () => { hover = null; draw(); });

  const play = el('button', { type: 'button', id: 'animation-play', text: 'Play' });
  const next = el('button', { type: 'button', id: 'animation-step', text: 'Step' });
  const stop = (): void => { if (timer !== undefined) clearInterval(timer); timer = undefined; play.textContent = 'Play'; };
  play.addEventListener('click', () => {
    if (timer !== undefined) { stop(); return; }
    if (step >= total()) step = 0;
    play.textContent = 'Pause';
    timer = setInterval(() => {
      if (!canvas.isConnected) { stop(); return; }
      step += 1;
      draw();
      if (step >= total()) stop();
    }, STEP_MS);
  });
  next.addEventListener('click', () => { stop(); step = Math.min(total(), step + 1); draw(); });
  scrub.addEventListener('input', () => { stop(); step = Number(scrub.value); draw(); });
  const views = (['scatter', 'direct'] as const).map((v) => {
    const radio = el('input', { type: 'radio', name: 'animation-view', id: `animation-view-${v}`, value: v, checked: v === view });
    radio.addEventListener('change', () => { stop(); view = v; step = 0; hover = null; draw(); });
    return el('label', { class: 'radio' }, radio, v === 'scatter' ? 'Scatter: each input stamps the kernel' : 'Direct: convolution over the zero-inserted input');
  });
  draw();
  const shownOn = plan === report.plan ? '' : ` Shown on a ${plan.axes.map((a) => a.input).join('×')} input; the pattern is the same on any size.`;
  return card('animation-card', ANIMATION_TITLE,
    el('fieldset', { class: 'views' }, el('legend', { text: 'View' }), ...views),
    el('div', { class: 'animation-controls' }, play, next, stepLabel, scrub),
    el('div', { class: 'table-scroll' }, canvas),
    el('p', { class: 'legend', text: 'Darker blue: more contributions. Grey, struck through: cells the padding crops. Dashed outline: the kept output. Orange: the current input’s stamp (scatter) or the kernel window (direct). Red: what reaches the cell you point at. Small dots: inserted zeros; light grey: padding.' }),
    status,
    el('p', { class: 'note', text: `Both views give the same numbers.${shownOn} Point at a cell to see what reaches it.` }));
}
