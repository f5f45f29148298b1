/**
 * tconv/train: gradients (transposed and ordinary convolution with ∂X on the reference, wasm or native backend;
 * resize, pixel shuffle, activations, add, concat), losses (MSE, L1), optimizers (SGD with momentum, Adam),
 * initializers (PyTorch default, normal, ICNR), per-layer modules, and the checkerboard experiment.
 * The public face of src/train/: values by name, and every type.
 */
export {
  ACTIVATIONS, ActivationModule, ConvBackward, ConvModule, NormModule, DEFAULT_LEAKY_SLOPE, PixelShuffleModule, ResizeModule, Sequential,
  activation, activationBackward, adam, add, addBackward, biasGradient, concatChannels, concatChannelsBackward,
  convBackward, convTransposeBackward, convTransposeWeightGradient, initialize, l1Loss, mseLoss, parameter,
  pixelShuffleBackward, pixelUnshuffleBackward, resizeBackward, sgd, MEASURE, VARIANTS, checkerboardMeasure, drawShapes,
  runCheckerboardDemo, createCheckerboardTrainer, inputGradient, weightGradient, demoDecoder,
} from '../train/index.ts';
export type * from '../train/index.ts';
