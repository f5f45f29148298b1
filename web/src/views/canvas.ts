/**
 * Pictures on canvas: one pixel per cell, scaled up by CSS (a 96×96 heatmap is one image, not 9,216 DOM nodes).
 * Colours come from src/render/colors.ts, so a count has the same colour here as in `tconv render`.
 */
import { greyLevel, overlapRgb } from '../../../src/render/colors.ts';

/** Sets the canvas to rows×cols pixels and its CSS size to `cell` pixels per cell (shrinks to fit on phones). */
function sized(canvas: HTMLCanvasElement, rows: number, cols: number, cell: number): CanvasRenderingContext2D {
  canvas.width = cols;
  canvas.height = rows;
  canvas.style.width = `${cols * cell}px`;
  // A 1D layer is one row: drawn at least 24 px tall so it can be seen and pointed at.
  canvas.style.aspectRatio = `${cols * cell} / ${Math.max(rows * cell, rows === 1 ? 24 : 0)}`;
  return canvas.getContext('2d')!;
}

export function cellSizeFor(rows: number, cols: number, fit: number, max = 14): number {
  return Math.max(2, Math.min(max, Math.floor(fit / Math.max(rows, cols))));
}

/** Overlap counts, light (few) to dark (many) blue. */
export function drawHeat(canvas: HTMLCanvasElement, rows: number, cols: number, values: ArrayLike<number>, min: number, max: number, cell: number): void {
  const context = sized(canvas, rows, cols, cell);
  const pixels = context.createImageData(cols, rows);
  const cache = new Map<number, readonly number[]>();
  for (let i = 0; i < rows * cols; i++) {
    const v = values[i]!;
    let rgb = cache.get(v);
    if (!rgb) {
      rgb = overlapRgb(v, min, max);
      cache.set(v, rgb);
    }
    pixels.data[i * 4] = rgb[0]!;
    pixels.data[i * 4 + 1] = rgb[1]!;
    pixels.data[i * 4 + 2] = rgb[2]!;
    pixels.data[i * 4 + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
}

/** Grey levels scaled to the picture's own range (black = its minimum, white = its maximum). */
export function drawGrey(canvas: HTMLCanvasElement, shape: readonly number[], values: ArrayLike<number>, fit = 240): void {
  const [rows, cols] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows * cols; i++) { min = Math.min(min, values[i]!); max = Math.max(max, values[i]!); }
  // A range that is only rounding noise is a flat picture: draw it flat rather than amplify float error.
  if (max - min <= 1e-6 * Math.max(Math.abs(max), Math.abs(min), 1e-30)) max = min;
  const context = sized(canvas, rows, cols, Math.max(1, Math.floor(fit / Math.max(rows, cols))));
  const pixels = context.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const g = greyLevel(values[i]!, min, max);
    pixels.data[i * 4] = g;
    pixels.data[i * 4 + 1] = g;
    pixels.data[i * 4 + 2] = g;
    pixels.data[i * 4 + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
}

/** The cell [row, col] under a pointer event on a canvas drawn one pixel per cell (whatever its CSS size). */
export function cellAt(canvas: HTMLCanvasElement, event: MouseEvent): [number, number] | null {
  const box = canvas.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return null;
  const col = Math.floor(((event.clientX - box.left) / box.width) * canvas.width);
  const row = Math.floor(((event.clientY - box.top) / box.height) * canvas.height);
  return row >= 0 && col >= 0 && row < canvas.height && col < canvas.width ? [row, col] : null;
}
