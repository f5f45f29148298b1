/**
 * Conformance for ONNX test directories (model.onnx + test_data_set_N/input_K.pb, output_K.pb): every data set runs
 * through tconv's ONNX executor and each output is compared with the stored one, with the same tolerance and report
 * shape as the JSON vector files (one case per data set and output).
 */
import { isTconvError } from '../shape/errors.ts';
import { closeEnough, maxAbsError, relativeL2Error, type BackendChoice } from '../engine/index.ts';
import { runModel } from '../onnx/index.ts';
import { readTestDir } from '../onnx/test-dir.ts';
import { type CaseResult, type ConformanceOptions, type ConformanceReport, withDetail } from './run.ts';

export { isOnnxTestDir } from '../onnx/test-dir.ts';

/**
 * @example
 * const report = runOnnxTestDir('../shared/conformance/onnx-models/test_ConvTranspose2d', { backend: 'reference' });
 * `${report.passed} passed, ${report.failed} failed` // → '1 passed, 0 failed'
 */
export function runOnnxTestDir(path: string, options: ConformanceOptions = {}): ConformanceReport {
  const backend: BackendChoice = options.backend ?? 'reference';
  // A model that cannot be read or run is the caller's error to see (thrown), as an unreadable vector file is.
  const { model, dataSets } = readTestDir(path);
  const cases: CaseResult[] = [];
  for (const set of dataSets) {
    const base = { op: 'model', expect: 'success' } as const;
    const feeds = Object.fromEntries(model.inputs.map((v, i) => [v.name, set.inputs[i]!]));
    let outputs: ReturnType<typeof runModel>;
    try {
      if (set.inputs.length !== model.inputs.length) throw new Error(`${set.name} has ${set.inputs.length} input files but the model takes ${model.inputs.length} inputs`);
      outputs = runModel(model, feeds, { backend });
    } catch (error) {
      const message = (error as Error).message;
      cases.push({ ...base, name: set.name, passed: false, error: message, reason: `expected a result, got ${isTconvError(error) ? 'an error' : 'a crash'}: ${message}` });
      continue;
    }
    model.outputs.forEach((o, i) => {
      const name = `${set.name}/output_${i} (${o.name})`;
      const expected = set.outputs[i];
      const actual = outputs.get(o.name)!;
      if (expected === undefined) {
        cases.push({ ...base, name, passed: false, outputShape: actual.shape, reason: `${set.name} has no output_${i}.pb to compare with` });
        return;
      }
      const shapeOk = expected.shape.length === actual.shape.length && expected.shape.every((d, a) => d === actual.shape[a]);
      if (!shapeOk) {
        cases.push({ ...base, name, passed: false, outputShape: actual.shape, reason: `output shape ${JSON.stringify(actual.shape)} differs from the expected ${JSON.stringify(expected.shape)}` });
        return;
      }
      const relativeL2 = relativeL2Error(actual.data, expected.data);
      const maxAbs = maxAbsError(actual.data, expected.data);
      const passed = closeEnough(actual.data, expected.data);
      cases.push({
        ...base, name, passed, relativeL2, maxAbs, outputShape: actual.shape,
        ...(passed ? {} : { reason: `output differs: relative L2 ${relativeL2.toExponential(2)} (limit 1e-5), max abs ${maxAbs.toExponential(2)} (limit 1e-4)` }),
      });
    });
  }
  const passed = cases.filter((c) => c.passed).length;
  return { file: path, backend, results: cases.map(withDetail), passed, failed: cases.length - passed };
}
