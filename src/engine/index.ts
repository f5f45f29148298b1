/**
 * tconv/engine: transposed and ordinary convolution forward on float32 tensors (NC[D]HW, PyTorch weight layouts),
 * with a choice of backends, tensor helpers, seeded randomness and torch.nn-like layers.
 */
export { convTranspose } from './ops/conv-transpose.ts';
export { conv } from './ops/conv.ts';
export { type EngineOptions, type EngineLayerOptions, planFromTensors } from './ops/plan-from-tensors.ts';
export { BACKEND_NAMES, type BackendStatus, getBackend, listBackends } from './select.ts';
export { registerBackend } from './registry.ts';
/** Browsers (and bundlers) call this once before the first wasm call: it fetches and compiles the kernels. */
export { initWasm } from './backends/wasm/runtime.ts';
export { PACKED_WEIGHTS_LIMIT_BYTES, PACKED_WEIGHTS_LIMIT_COUNT, PreparedWeights, packedWeightBytes, prepareWeights } from './prepared-weights.ts';
export type { Availability, Backend, BackendChoice, BackendName, KernelArgs } from './backend.ts';
export {
  ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Conv1d, Conv2d, Conv3d, manualSeed,
  type ConvLayerOptions, type ConvTransposeLayerOptions,
} from './layers.ts';
export * from '../tensor/index.ts';
export { resize, type ResizeOptions } from './ops/resize.ts';
export { pixelShuffle, pixelUnshuffle } from './ops/pixel-shuffle.ts';
export type { Activation } from './ops/activation.ts';
export type { ElementwiseKernels, GroupNormArgs } from './elementwise.ts';
