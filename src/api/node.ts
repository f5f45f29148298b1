/**
 * tconv/node: what only works in Node.js — files by path (.pb/.npy tensors, ONNX test directories, conformance
 * vector files) and the native addon's own controls. Exported under the `node` condition only, so a browser bundle
 * that reaches for it fails at build time instead of at run time.
 * @example
 * import { runConformanceFile, formatReport } from 'tconv/node';
 * console.log(formatReport(await runConformanceFile('cases.json', { backend: 'wasm' })));
 */
export { readTensorFile, writeTensorFile } from '../onnx/tensor-files.ts';
export { decodePng, encodePng } from '../render/png.ts';
export { type OnnxTestDir, type TestDataSet, isOnnxTestDir, readTestDir } from '../onnx/test-dir.ts';
export {
  type CaseResult, type ConformanceOptions, type ConformanceReport, formatReport, runConformance, runConformanceFile,
} from '../conformance/run.ts';
export { runOnnxTestDir } from '../conformance/onnx-dir.ts';
export {
  type FmaPeak, type KernelSetName, type NativeBackendOptions, createNativeBackend, measureFmaPeak,
} from '../engine/backends/native/index.ts';
export { type AddonStatus, loadAddon } from '../engine/backends/native/addon.ts';
