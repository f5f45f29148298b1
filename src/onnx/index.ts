/**
 * tconv/onnx: read ONNX models, infer shapes, run them on tconv's engine, lint their upsampling layers, export
 * stacks. Everything here works on bytes (no file system), so it bundles for browsers; the Node-only helpers are
 * ./test-dir.ts (ONNX test directories) and ./tensor-files.ts (.pb/.npy files by path).
 */
export { type AttributeValue, type OnnxModel, type OnnxNode, type ReadOptions, type ValueInfo, readModel } from './model.ts';
export { type InferredGraph, type ShapeOptions, type SkippedNode, checkSupported, executionOrder, inferShapes } from './graph.ts';
export { DEFAULT_MAX_FLOPS, type ExecuteOptions, type InputValue, type NodeRunEvent, checkRunBudgets, graphFlops, runModel } from './execute.ts';
export { type ModelSession, type SessionOptions, createSession } from './session.ts';
export { DEFAULT_MAX_LINT_LAYERS, type LintLayer, type LintPath, type LintReport, lintModel } from './lint.ts';
export { type ExportLayer, type ExportResult, type ExportSpec, exportStack } from './export.ts';
export { type OnnxTensor, decodeTensor, readTensorProto, writeTensorProto } from './tensor-proto.ts';
export { readNpy, writeNpy } from './npy.ts';
export { SUPPORTED_OPS } from './ops/index.ts';
