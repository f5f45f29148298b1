// src/render is owned by the render helper; analysis code should call these renderers, not write its own.
/**
 * Pictures of tconv's analysis, pure and DOM-free: each function takes library data (a Plan, an OverlapSummary,
 * a ReceptiveField, an ArtifactImage) and returns an SVG string or a Raster (encodePng turns a Raster into a PNG
 * file). The CLI (`tconv render`) and the web explorer both use them, so a picture means the same thing
 * everywhere. The browser imports the modules it needs directly (not this index, whose png.ts needs Node's zlib).
 * Terminal (ASCII) pictures live in src/analysis/ascii.ts.
 */
export * from './colors.ts';
export { type GridView, gridView } from './grid.ts';
export { Raster, luma } from './raster.ts';
export { encodePng, decodePng } from './png.ts';
export { type HeatmapOptions, overlapHeatmapSvg, overlapHeatmapRaster } from './heatmap.ts';
export { type TapDiagramOptions, tapDiagramSvg } from './taps.ts';
export { type ReceptiveFieldOptions, receptiveFieldSvg, receptiveFieldRaster } from './receptive-field.ts';
export { type AnimationOptions, scatterAnimationSvg, animationPlan } from './animation.ts';
export { type ArtifactOptions, artifactSvg, artifactRaster } from './artifact.ts';
