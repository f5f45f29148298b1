/**
 * Training: gradients of every op a decoder stack holds (transposed and ordinary convolution on any backend, resize,
 * pixel shuffle, activations, add, concat), losses, optimizers, initializers and per-layer modules.
 */
export { type BackwardArgs, type ConvGradients, convBackward, convTransposeBackward, inputGradient, weightGradient } from './conv-backward.ts';
export { ConvBackward, type ConvBackwardOptions } from './conv-backward-layer.ts';
export { biasGradient, convTransposeWeightGradient } from './weight-gradient.ts';
export {
  ACTIVATIONS, type ActivationName, DEFAULT_LEAKY_SLOPE, activation, activationBackward, add, addBackward, concatChannels,
  concatChannelsBackward, pixelShuffleBackward, pixelUnshuffleBackward, resizeBackward,
} from './ops-backward.ts';
export { type LossResult, l1Loss, mseLoss } from './loss.ts';
export { type AdamOptions, type Optimizer, type Parameter, type SgdOptions, adam, parameter, sgd } from './optimizers.ts';
export { type InitArgs, type InitializerName, initialize } from './initializers.ts';
export {
  ActivationModule, type ConvModuleOptions, ConvModule, type Module, PixelShuffleModule, ResizeModule, Sequential,
} from './modules.ts';
export {
  type CheckerboardTrainer, type DemoOptions, type DemoResult, type Frame, MEASURE, type StepProgress, VARIANTS, type VariantCurve,
  type VariantName, type VariantRecord, createCheckerboardTrainer, demoDecoder, runCheckerboardDemo,
} from './checkerboard-demo.ts';
export { checkerboardMeasure } from './checkerboard-measure.ts';
export { type NormKind, NormModule, type NormOptions } from './normalization.ts';
export { drawShapes } from './procedural-images.ts';
