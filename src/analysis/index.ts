/**
 * tconv/analysis: what a transposed convolution does to space — overlap and checkerboards, receptive fields,
 * alignment, alternatives (sub-pixel, resize-conv, ICNR), decoder planning — for one layer and for whole stacks.
 */
export * from './stack.ts';
export * from './axis-map.ts';
export * from './overlap.ts';
export * from './receptive-field.ts';
export * from './alignment.ts';
export * from './checkerboard.ts';
export * from './planner.ts';
export * from './subpixel.ts';
export * from './stack-run.ts';
export * from './ascii.ts';
export * from './stack-text.ts';
export * from './explain.ts';
