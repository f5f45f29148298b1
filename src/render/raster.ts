/**
 * Raster pictures as plain RGBA pixels (no DOM, no encoder): PNG files through png.ts, canvases in the web explorer.
 */
import type { OverlapSummary } from '../analysis/overlap.ts';
import { overlapMap } from '../analysis/overlap.ts';
import { type Rgb, grey, overlapColor } from './color.ts';

export interface Raster {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  readonly rgba: Uint8Array;
}

/** Paints a grid of cells, `scale` pixels each, with a 1-pixel gap between cells when scale ≥ 6. */
export function cellRaster(rows: number, cols: number, scale: number, color: (row: number, col: number) => Rgb): Raster {
  const width = cols * scale;
  const height = rows * scale;
  const rgba = new Uint8Array(width * height * 4);
  const gap = scale >= 6 ? 1 : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.floor(y / scale);
      const c = Math.floor(x / scale);
      const edge = gap > 0 && (y % scale === scale - 1 || x % scale === scale - 1);
      const rgb: Rgb = edge ? [255, 255, 255] : color(r, c);
      const i = (y * width + x) * 4;
      rgba[i] = rgb[0];
      rgba[i + 1] = rgb[1];
      rgba[i + 2] = rgb[2];
      rgba[i + 3] = 255;
    }
  }
  return { width, height, rgba };
}

/** The 2D plane shown for a summary: 1D as one row, 3D its first depth slice. */
export function overlapPlane(summary: Pick<OverlapSummary, 'axes' | 'shape'>): { rows: number; cols: number; values: Float64Array } {
  const map = overlapMap(summary);
  const shape = summary.shape;
  const cols = shape[shape.length - 1]!;
  const rows = shape.length === 1 ? 1 : shape[shape.length - 2]!;
  return { rows, cols, values: map.subarray(0, rows * cols) };
}

/** Default cell size: pictures about `target` pixels wide, cells between 1 and 32 pixels. */
export function defaultScale(cols: number, rows: number, target = 512): number {
  return Math.max(1, Math.min(32, Math.floor(target / Math.max(cols, rows))));
}

/**
 * Overlap heatmap as pixels: darker = more contributions (0 → lightest, the map's maximum → darkest).
 * @example
 * overlapRaster(layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }), { scale: 8 }).width // → 504
 */
export function overlapRaster(summary: Pick<OverlapSummary, 'axes' | 'shape'>, options: { scale?: number } = {}): Raster {
  const { rows, cols, values } = overlapPlane(summary);
  const max = Math.max(...values);
  const scale = options.scale ?? defaultScale(cols, rows);
  return cellRaster(rows, cols, scale, (r, c) => overlapColor(max > 0 ? values[r * cols + c]! / max : 0));
}

/** Any plane of values in grey: min black, max white (an artifact image reads like a photo). */
export function greyRaster(values: ArrayLike<number>, rows: number, cols: number, options: { scale?: number } = {}): Raster {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows * cols; i++) { min = Math.min(min, values[i]!); max = Math.max(max, values[i]!); }
  const span = max - min;
  const scale = options.scale ?? defaultScale(cols, rows);
  return cellRaster(rows, cols, scale, (r, c) => grey(span > 0 ? (values[r * cols + c]! - min) / span : 0.5));
}

/** The RGB of the pixel at (x, y). */
export function pixelAt(raster: Raster, x: number, y: number): Rgb {
  const i = (y * raster.width + x) * 4;
  return [raster.rgba[i]!, raster.rgba[i + 1]!, raster.rgba[i + 2]!];
}
