/**
 * The "artifact image" (src/analysis/stack-run.ts artifactImage: a stack run on a constant input with random
 * weights) in grey, normalised to its own range: black = smallest output, white = largest. An uneven stack prints a
 * fine regular texture (the checkerboard); an even one a nearly flat field with darker borders.
 */
import type { ArtifactImage } from '../analysis/stack-run.ts';
import { greyLevel } from './colors.ts';
import { cellSize, checkSvgCells, gridView } from './grid.ts';
import { Raster } from './raster.ts';
import { svgDocument, tag, text, textWidth } from './svg.ts';

export interface ArtifactOptions {
  /** Pixels per output cell (PNG default: the image about 512 pixels wide; SVG default: about 480). */
  readonly cell?: number;
  /** Grey range (values outside are clamped); default the image's own min … max. */
  readonly range?: { readonly min: number; readonly max: number };
  /** Depth slice of a 3D image (default the middle one). */
  readonly slice?: number;
  readonly caption?: string;
}

function valueRange(image: ArtifactImage, options: ArtifactOptions): { min: number; max: number } {
  if (options.range) return options.range;
  let min = Infinity;
  let max = -Infinity;
  for (const v of image.values) { min = Math.min(min, v); max = Math.max(max, v); }
  return { min, max };
}

/**
 * Greyscale raster of the artifact image.
 * @example
 * const image = artifactImage({ input: 8, layers: Array(2).fill({ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }) });
 * artifactRaster(image, { cell: 4 }).width // → 128 (32 outputs × 4)
 */
export function artifactRaster(image: ArtifactImage, options: ArtifactOptions = {}): Raster {
  const view = gridView(image.shape, options.slice);
  const cell = options.cell ?? cellSize(view.rows, view.cols, 512, 1, 32);
  const { min, max } = valueRange(image, options);
  const raster = new Raster(view.cols * cell, view.rows * cell);
  for (let r = 0; r < view.rows; r++) {
    for (let c = 0; c < view.cols; c++) {
      const g = greyLevel(image.values[view.index(r, c)]!, min, max);
      raster.fillRect(c * cell, r * cell, cell, cell, [g, g, g]);
    }
  }
  return raster;
}

/**
 * SVG of the artifact image: one <rect class="px"> per output (data-r, data-c, data-value), a caption with the
 * interior spread.
 */
export function artifactSvg(image: ArtifactImage, options: ArtifactOptions = {}): string {
  const view = gridView(image.shape, options.slice);
  checkSvgCells(view.rows * view.cols, 'artifact image');
  const cell = options.cell ?? cellSize(view.rows, view.cols, 480, 1, 24);
  const { min, max } = valueRange(image, options);
  const left = 8;
  const top = 44;
  const caption = options.caption ?? `Artifact image: ${image.shape.join('×')} output of the stack on a constant input, random weights`;
  const detail = `grey from ${round(min)} (black) to ${round(max)} (white); interior spread (max − min)/mean = ${round(image.interiorSpread)}${view.slice === null ? '' : `; depth slice ${view.slice}`}`;
  const pixels: string[] = [];
  for (let r = 0; r < view.rows; r++) {
    for (let c = 0; c < view.cols; c++) {
      const v = image.values[view.index(r, c)]!;
      const g = greyLevel(v, min, max);
      pixels.push(tag('rect', { class: 'px', 'data-r': r, 'data-c': c, 'data-value': round(v), x: left + c * cell, y: top + r * cell, width: cell, height: cell, fill: `rgb(${g},${g},${g})` }));
    }
  }
  const body = [text(left, 16, caption, { 'font-weight': 'bold' }), text(left, 33, detail, { 'font-size': 11 }), tag('g', { class: 'image', 'shape-rendering': 'crispEdges' }, pixels.join(''))];
  const width = Math.max(2 * left + view.cols * cell, textWidth(caption) + 2 * left, textWidth(detail, 11) + 2 * left);
  return svgDocument(width, top + view.rows * cell + 8, `${caption}; ${detail}`, body);
}

const round = (v: number): string => String(Number(v.toPrecision(4)));
