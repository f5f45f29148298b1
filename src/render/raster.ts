/**
 * A small RGBA raster for the PNG pictures: filled rectangles only, which is all a grid picture needs. Pure (no
 * Node APIs), so a browser could put `data` straight into an ImageData; src/render/png.ts encodes it as PNG.
 */
import type { Rgb } from './colors.ts';

/** 64 Mpixel (256 MiB of RGBA): far beyond any useful picture, well below what would exhaust memory. */
export const MAX_PIXELS = 2 ** 26;

export class Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, 4 bytes per pixel. */
  readonly data: Uint8ClampedArray;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`a raster needs a positive integer size, not ${width}×${height}`);
    }
    if (width * height > MAX_PIXELS) {
      throw new RangeError(`a ${width}×${height} picture is more than ${MAX_PIXELS} pixels; use smaller cells (--cell 1) or a smaller input`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8ClampedArray(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Fills the rectangle [x, x + w) × [y, y + h), clipped to the raster. */
  fillRect(x: number, y: number, w: number, h: number, [r, g, b]: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        const i = (py * this.width + px) * 4;
        this.data[i] = r;
        this.data[i + 1] = g;
        this.data[i + 2] = b;
        this.data[i + 3] = 255;
      }
    }
  }

  /** A 1-pixel dashed rectangle outline (2 on, 2 off) around [x, x + w) × [y, y + h). */
  dashedOutline(x: number, y: number, w: number, h: number, colour: Rgb): void {
    const [x1, y1] = [x + w - 1, y + h - 1];
    for (let px = x; px <= x1; px += 4) { this.fillRect(px, y, 2, 1, colour); this.fillRect(px, y1, 2, 1, colour); }
    for (let py = y; py <= y1; py += 4) { this.fillRect(x, py, 1, 2, colour); this.fillRect(x1, py, 1, 2, colour); }
  }

  /** The RGB colour of one pixel. */
  pixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }
}

/** Perceived brightness 0 … 255 of a colour (Rec. 601 luma): what "darker" means in the tests and the legends. */
export function luma([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
