/**
 * tconv: exact, fast and understandable transposed convolution. Shape arithmetic, the engine and the analysis from one
 * entry point; each part is also its own subpath (tconv/shape has no dependency on the engine, for small bundles).
 * @example
 * import { planLayer, explainLayer, convTranspose } from 'tconv';
 * planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }).outputShape // → [1, 1, 63, 63]
 */
export * from './shape.ts';
export * from './engine.ts';
export * from './analysis.ts';
