/**
 * PNG encoding of the rasters (pngjs, Node only). Kept apart from the SVG renderers so the web explorer can import
 * those without pulling in Node's zlib.
 */
import { PNG } from 'pngjs';
import { Raster } from './raster.ts';

/**
 * Encodes a raster as a PNG file.
 * @example
 * encodePng(new Raster(2, 2)).subarray(1, 4).toString() // → 'PNG'
 */
export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data.set(raster.data);
  return PNG.sync.write(png);
}

/** Decodes a PNG file into a raster (for tests and for checking a written file). */
export function decodePng(file: Buffer): Raster {
  const png = PNG.sync.read(file);
  const raster = new Raster(png.width, png.height);
  raster.data.set(png.data);
  return raster;
}
