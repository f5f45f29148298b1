/** PNG encoding and decoding of rasters (Node only: pngjs). The web explorer draws rasters on a canvas instead. */
import pngjs from 'pngjs';
import type { Raster } from './raster.ts';

const { PNG } = pngjs;

/** Encodes a raster as a PNG file. */
export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data = Buffer.from(raster.rgba.buffer, raster.rgba.byteOffset, raster.rgba.byteLength);
  return PNG.sync.write(png);
}

/** Decodes a PNG file into a raster (for tests and for checking what was written). */
export function decodePng(file: Buffer): Raster {
  const png = PNG.sync.read(file);
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
