/**
 * tconv/analysis: overlap and checkerboards, receptive fields, alignment, alternatives (sub-pixel, resize-conv,
 * ICNR), decoder planning and the one-screen layer report, for single layers and stacks.
 * The public face of src/analysis/: the values users call, by name (the module's internal helpers stay internal), and
 * every type.
 */
export {
  DEFAULT_MAX_PLAN_CANDIDATES, DEFAULT_MAX_STACK_LAYERS, applySubPixel, artifactImage, asciiLayer, asciiPhases, asciiStack, asciiSummary, axisMap, checkOverlap,
  checkSkip, checkerboard, describeLayer, explainLayer, fromSubPixel, gradientOverlap, icnrWeight, layerAlignment,
  layerOverlap, overlapMap, overlapPicture, parseStack, planAlignment, planDecoder, polyphaseView, receptiveField,
  receptiveFieldAt, resizeConvAlternative, resolveStack, runStack, stackAlignment, stackGradientOverlap,
  stackOverlap, toSubPixel, weightCheckerboardScore,
} from '../analysis/index.ts';
export type * from '../analysis/index.ts';
