/**
 * tconv/render: SVG and raster pictures of the analysis (heatmaps, tap diagrams, receptive fields, animations,
 * artifact images). PNG encoding needs Node: `encodePng` is in tconv/node.
 * The public face of src/render/: the values users call, by name (the module's internal helpers stay internal), and
 * every type.
 */
export {
  DEFAULT_MAX_CELLS, MAX_PIXELS, PALETTE, Raster, checkPictureBudget, pictureCells, animationAxes, animationPlan, artifactRaster, artifactSvg, overlapHeatmapRaster, overlapHeatmapSvg,
  receptiveFieldRaster, receptiveFieldSvg, directWindow, scatterAnimationSvg, scatterFootprint, tapDiagramSvg, curvesSvg, imageGridRaster,
} from '../render/index.ts';
export type * from '../render/index.ts';
