/**
 * How a spatial shape is laid out as a 2D picture: 1D is one row, 2D is rows × columns, 3D shows one depth slice
 * (the middle one unless chosen). Every renderer uses this, so cell (r, c) means the same thing in all pictures.
 */

export interface GridView {
  readonly rows: number;
  readonly cols: number;
  /** Depth slice shown for a 3D shape; null otherwise. */
  readonly slice: number | null;
  /** Flat row-major index of cell (r, c) in the full (N-D) array. */
  index(r: number, c: number): number;
  /** The N-D position of cell (r, c). */
  position(r: number, c: number): number[];
}

/**
 * @example
 * gridView([63, 63]).rows  // → 63
 * gridView([10]).rows      // → 1
 * gridView([4, 5, 6]).slice // → 2
 */
export function gridView(shape: readonly number[], slice?: number): GridView {
  if (shape.length === 1) {
    return { rows: 1, cols: shape[0]!, slice: null, index: (_r, c) => c, position: (_r, c) => [c] };
  }
  if (shape.length === 2) {
    const cols = shape[1]!;
    return { rows: shape[0]!, cols, slice: null, index: (r, c) => r * cols + c, position: (r, c) => [r, c] };
  }
  const [depth, rows, cols] = [shape[0]!, shape[1]!, shape[2]!];
  const z = Math.min(depth - 1, Math.max(0, slice ?? Math.floor(depth / 2)));
  return { rows, cols, slice: z, index: (r, c) => (z * rows + r) * cols + c, position: (r, c) => [z, r, c] };
}

/** Cell size (pixels) so the longer side of a rows × cols grid fits in `fit`, within [min, max]. */
export function cellSize(rows: number, cols: number, fit: number, min = 3, max = 14): number {
  return Math.max(min, Math.min(max, Math.floor(fit / Math.max(rows, cols))));
}

/** Beyond this many cells an SVG (one element per cell) gets too big to open comfortably: write a PNG instead. */
export const MAX_SVG_CELLS = 512 * 512;

/** Refuses an SVG picture with more than MAX_SVG_CELLS cells, saying what to do instead. */
export function checkSvgCells(cells: number, what: string): void {
  if (cells > MAX_SVG_CELLS) {
    throw new RangeError(`the ${what} has ${cells} cells, more than the ${MAX_SVG_CELLS} an SVG picture draws; write a PNG instead, or draw a smaller input`);
  }
}
