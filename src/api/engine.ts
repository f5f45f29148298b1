/**
 * tconv/engine: transposed and ordinary convolution on float32 tensors (NC[D]HW, PyTorch weight layouts) on the
 * native, wasm or reference backend; resize and pixel shuffle; tensors, seeded randomness, torch.nn-like layers.
 * The public face of src/engine/: the values users call, by name (the module's internal helpers stay internal), and
 * every type.
 */
export {
  PACKED_WEIGHTS_LIMIT_BYTES, PACKED_WEIGHTS_LIMIT_COUNT, PreparedWeights, packedWeightBytes, prepareWeights,
  BACKEND_NAMES, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, conv, convTranspose,
  createRng, getBackend, initWasm, listBackends, manualSeed, maxAbsError, pixelShuffle, pixelUnshuffle,
  planFromTensors, pytorchDefaultInit, randomTensor, relativeL2Error, resize, tensor,
} from '../engine/index.ts';
export type * from '../engine/index.ts';
