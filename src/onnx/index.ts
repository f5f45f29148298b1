/** tconv/onnx: read ONNX models, infer shapes, run them on tconv's engine, lint their upsampling layers, export stacks. */
export { type AttributeValue, type OnnxModel, type OnnxNode, type ReadOptions, type ValueInfo, readModel } from './model.ts';
export { type InferredGraph, type ShapeOptions, checkSupported, executionOrder, inferShapes } from './graph.ts';
export { type ExecuteOptions, type InputValue, runModel } from './execute.ts';
export { type OnnxTensor, decodeTensor, readTensorProto, writeTensorProto } from './tensor-proto.ts';
export { type OnnxTestDir, type TestDataSet, isOnnxTestDir, readTestDir } from './test-dir.ts';
export { SUPPORTED_OPS } from './ops/index.ts';
