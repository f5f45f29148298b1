/**
 * Pictures of training runs: line charts of per-step curves (one panel per quantity, one line per series) and a grid
 * of grey images (rows of outputs side by side). Pure: data in, SVG text or a Raster out.
 */
import { greyLevel } from './colors.ts';
import { Raster } from './raster.ts';
import { svgDocument, tag, text, title } from './svg.ts';

export interface CurveSeries {
  readonly name: string;
  readonly values: readonly number[];
}

export interface CurvePanel {
  readonly label: string;
  /** Logarithmic y axis over at most three decades below the largest value; smaller values (and 0) sit on the bottom edge. */
  readonly logScale?: boolean;
  readonly series: readonly CurveSeries[];
}

/** Distinct, colour-blind-friendly line colours (Okabe–Ito), in series order. */
const LINE_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];

/**
 * Panels side by side, x = step, shared legend below.
 * @example
 * curvesSvg({ title: 'loss', panels: [{ label: 'MSE', logScale: true, series: [{ name: 'a', values: [1, 0.5, 0.2] }] }] })
 */
export function curvesSvg(args: { readonly title: string; readonly xLabel?: string; readonly panels: readonly CurvePanel[] }): string {
  const panelWidth = 360;
  const panelHeight = 220;
  const margin = { left: 58, right: 16, top: 54, bottom: 40 };
  const names = [...new Set(args.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const width = args.panels.length * (panelWidth + margin.left + margin.right);
  // Up to three legend entries a row, narrower columns when one panel leaves less room (every entry inside the picture).
  const legendColumns = Math.max(1, Math.min(3, Math.floor((width - 12) / 140)));
  const legendColumn = Math.min(220, (width - 12) / legendColumns);
  const legendHeight = 20 * Math.ceil(names.length / legendColumns) + 10;
  const height = margin.top + panelHeight + margin.bottom + legendHeight;
  const body: string[] = [text(12, 22, args.title, { 'font-size': 15, 'font-family': 'sans-serif', 'font-weight': 'bold' })];
  args.panels.forEach((panel, index) => {
    const x0 = index * (panelWidth + margin.left + margin.right) + margin.left;
    const y0 = margin.top;
    const usable = panel.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && (!panel.logScale || v > 0)).map((v) => (panel.logScale ? Math.log10(v) : v)));
    let lo = usable.length ? Math.min(...usable) : 0;
    let hi = usable.length ? Math.max(...usable) : 1;
    if (panel.logScale) lo = Math.max(lo, hi - 3);
    else lo = Math.min(lo, 0);
    const floor = lo;
    const transform = (v: number) => (panel.logScale ? Math.max(v > 0 ? Math.log10(v) : floor, floor) : v);
    if (hi - lo < 1e-12) hi = lo + 1;
    const steps = Math.max(1, ...panel.series.map((s) => s.values.length - 1));
    const px = (i: number) => x0 + (i / steps) * panelWidth;
    const py = (v: number) => y0 + panelHeight - ((transform(v) - lo) / (hi - lo)) * panelHeight;
    body.push(tag('rect', { x: x0, y: y0, width: panelWidth, height: panelHeight, fill: 'none', stroke: '#999999' }));
    body.push(text(x0, y0 - 8, panel.label + (panel.logScale ? ' (log scale)' : ''), { 'font-size': 12, 'font-family': 'sans-serif' }));
    for (const t of [0, 0.5, 1]) {
      const value = lo + t * (hi - lo);
      const shown = panel.logScale ? 10 ** value : value;
      const y = y0 + panelHeight - t * panelHeight;
      body.push(text(x0 - 6, y + 4, shown.toPrecision(2), { 'font-size': 10, 'font-family': 'sans-serif', 'text-anchor': 'end' }));
    }
    body.push(text(x0, y0 + panelHeight + 16, '0', { 'font-size': 10, 'font-family': 'sans-serif' }));
    body.push(text(x0 + panelWidth, y0 + panelHeight + 16, String(steps), { 'font-size': 10, 'font-family': 'sans-serif', 'text-anchor': 'end' }));
    body.push(text(x0 + panelWidth / 2, y0 + panelHeight + 30, args.xLabel ?? 'step', { 'font-size': 11, 'font-family': 'sans-serif', 'text-anchor': 'middle' }));
    for (const s of panel.series) {
      const points = s.values.map((v, i) => (Number.isFinite(v) ? `${px(i).toFixed(1)},${py(v).toFixed(1)}` : null)).filter((p) => p !== null);
      const colour = LINE_COLOURS[names.indexOf(s.name) % LINE_COLOURS.length]!;
      body.push(tag('polyline', { points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.5, class: 'curve', 'data-series': s.name }, title(s.name)));
    }
  });
  names.forEach((name, i) => {
    const x = 12 + (i % legendColumns) * legendColumn;
    const y = margin.top + panelHeight + margin.bottom + 14 + 20 * Math.floor(i / legendColumns);
    body.push(tag('rect', { x, y: y - 9, width: 18, height: 4, fill: LINE_COLOURS[i % LINE_COLOURS.length] }));
    body.push(text(x + 24, y - 3, name, { 'font-size': 12, 'font-family': 'sans-serif' }));
  });
  return svgDocument(width, height, args.title, body);
}

/**
 * Rows of grey images (each row: `count` images of size × size, row-major in `data`, values on [low, high]), each
 * pixel drawn as a scale × scale square, gap pixels between images and rows.
 * @example
 * imageGridRaster({ rows: [targets.data, output.data], count: 8, size: 32, scale: 3 })
 */
export function imageGridRaster(args: {
  readonly rows: readonly Float32Array[];
  readonly count: number;
  readonly size: number;
  readonly scale?: number;
  readonly gap?: number;
  readonly low?: number;
  readonly high?: number;
}): Raster {
  const { rows, count, size, scale = 3, gap = 4, low = 0, high = 1 } = args;
  const cell = size * scale;
  const raster = new Raster(gap + count * (cell + gap), gap + rows.length * (cell + gap), [255, 255, 255]);
  rows.forEach((data, r) => {
    for (let n = 0; n < count; n++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const g = greyLevel(data[(n * size + y) * size + x]!, low, high);
          raster.fillRect(gap + n * (cell + gap) + x * scale, gap + r * (cell + gap) + y * scale, scale, scale, [g, g, g]);
        }
      }
    }
  });
  return raster;
}
