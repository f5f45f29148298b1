/**
 * tconv/onnx: read ONNX models from bytes, infer shapes, run them on the engine, lint their upsampling layers,
 * export stacks; .pb and .npy tensors from bytes.
 * The public face of src/onnx/: the values users call, by name (the module's internal helpers stay internal), and
 * every type.
 */
export {
  DEFAULT_MAX_FLOPS, DEFAULT_MAX_LINT_LAYERS, SUPPORTED_OPS, checkRunBudgets, checkSupported, createSession, graphFlops, decodeTensor, executionOrder, exportStack, inferShapes, lintModel, readModel,
  readNpy, readTensorProto, runModel, writeNpy, writeTensorProto,
} from '../onnx/index.ts';
export type * from '../onnx/index.ts';
