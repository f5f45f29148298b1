/**
 * PNG encoding of the rasters (pngjs, Node only: it needs Node's zlib). Kept apart from the SVG renderers so the web
 * explorer can import those; exported from `tconv/node`, not from `tconv/render`.
 */
import { PNG } from 'pngjs';
import { Raster } from './raster.ts';

/**
 * Encodes a raster as a PNG file.
 * @example
 * new TextDecoder().decode(encodePng(new Raster(2, 2)).subarray(1, 4)) // → 'PNG'
 */
export function encodePng(raster: Raster): Uint8Array {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data.set(raster.data);
  return PNG.sync.write(png);
}

/** Decodes a PNG file into a raster (for tests and for checking a written file). */
export function decodePng(file: Uint8Array): Raster {
  const png = PNG.sync.read(Buffer.from(file.buffer, file.byteOffset, file.byteLength));
  const raster = new Raster(png.width, png.height);
  raster.data.set(png.data);
  return raster;
}
