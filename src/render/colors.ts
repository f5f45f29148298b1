/**
 * The colour scales of tconv's pictures, shared by the SVG and PNG renderers and the web explorer so that a count
 * has the same colour everywhere. Overlap: light blue for few contributions, dark blue for many.
 */

/** An sRGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

const HUE = 215;
const SATURATION = 70;

/** Lightness (percent) of an overlap count: 92 at the minimum, 30 at the maximum; 61 when all counts are equal. */
export function overlapLightness(value: number, min: number, max: number): number {
  const t = max > min ? (value - min) / (max - min) : 0.5;
  return Math.round(92 - t * 62);
}

/**
 * CSS colour of an overlap count on the scale min … max.
 * @example
 * overlapColor(9, 9, 16)  // → 'hsl(215, 70%, 92%)'
 * overlapColor(16, 9, 16) // → 'hsl(215, 70%, 30%)'
 */
export function overlapColor(value: number, min: number, max: number): string {
  return `hsl(${HUE}, ${SATURATION}%, ${overlapLightness(value, min, max)}%)`;
}

/**
 * The same colour as overlapColor, as RGB for raster images.
 * @example
 * overlapRgb(16, 9, 16) // → [23, 68, 130]
 */
export function overlapRgb(value: number, min: number, max: number): Rgb {
  return hslToRgb(HUE, SATURATION / 100, overlapLightness(value, min, max) / 100);
}

/** Grey level 0 (black) … 255 (white) of a value on min … max; mid-grey when the range is empty. */
export function greyLevel(value: number, min: number, max: number): number {
  if (!(max > min)) return 128;
  return Math.round((255 * Math.min(max, Math.max(min, value)) - 255 * min) / (max - min));
}

/** CSS form of an RGB colour: '#rrggbb'. */
export function rgbHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Parses '#rrggbb' (the only form the renderers' fixed colours use). */
export function hexRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** CSS Color 4 HSL → sRGB, rounded to bytes (h in degrees, s and l in 0…1). */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Fixed colours of the diagrams (hex so PNGs can use them too). */
export const PALETTE = {
  /** Empty grid cell, kernel index without a tap, input outside a receptive field. */
  empty: '#eeeeee',
  /** Grid lines and outlines. */
  line: '#999999',
  /** A kernel tap that feeds a phase, the input cell scattering now. */
  tap: '#f5a623',
  /** A receptive field, the output being inspected. */
  field: '#d0021b',
  /** Cells cropped away by padding. */
  cropped: '#c8c8c8',
  text: '#222222',
  background: '#ffffff',
} as const;
