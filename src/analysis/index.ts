/**
 * tconv/analysis: what a transposed convolution does to space — overlap and checkerboards, receptive fields,
 * alignment, alternatives (sub-pixel, resize-conv, ICNR), decoder planning — for one layer and for whole stacks.
 * stack-run.ts and subpixel.ts run the engine, whose index loads the Node backends; a browser bundle imports the
 * pure modules (stack, axis-map, overlap, receptive-field, alignment, checkerboard, planner, ascii, stack-text)
 * directly instead of this index.
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
