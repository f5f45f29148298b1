/**
 * Pictures of tconv's analysis, pure and DOM-free: each function takes library data (a Plan, an OverlapSummary,
 * a ReceptiveField, an ArtifactImage) and returns an SVG string or a Raster (`encodePng` from `tconv/node` turns a
 * Raster into a PNG file: it needs Node's zlib). The CLI (`tconv render`) and the web explorer both use them, so a
 * picture means the same thing everywhere.
 * Terminal (ASCII) pictures live in src/analysis/ascii.ts.
 */
export * from './colors.ts';
export { type GridView, gridView } from './grid.ts';
export { MAX_PIXELS, Raster, luma } from './raster.ts';
export { DEFAULT_MAX_CELLS, type PictureKind, checkPictureBudget, pictureCells } from './budget.ts';
export { type HeatmapOptions, overlapHeatmapSvg, overlapHeatmapRaster } from './heatmap.ts';
export { type TapDiagramOptions, tapDiagramSvg } from './taps.ts';
export { type ReceptiveFieldOptions, receptiveFieldSvg, receptiveFieldRaster } from './receptive-field.ts';
export { type AnimationAxis, type AnimationOptions, type DirectCell, animationAxes, animationPlan, directWindow, scatterAnimationSvg, scatterFootprint } from './animation.ts';
export { type ArtifactOptions, artifactSvg, artifactRaster } from './artifact.ts';
export { type CurvePanel, type CurveSeries, curvesSvg, imageGridRaster } from './curves.ts';
