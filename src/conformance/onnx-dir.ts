/**
 * Conformance for ONNX test directories (model.onnx + test_data_set_N/input_K.pb, output_K.pb): every data set runs
 * through tconv's ONNX executor and each output is compared with the stored one, with the same tolerance and report
 * shape as the JSON vector files (one case per data set and output). Nothing here throws: a model or tensor file
 * that cannot be read, or a model tconv refuses, is one failed case whose outcome says which it was.
 */
import { closeEnough, maxAbsError, relativeL2Error, type BackendChoice } from '../engine/index.ts';
import { type OnnxModel, runModel } from '../onnx/index.ts';
import { checkTensorValues } from '../onnx/execute.ts';
import { listDataSets, readDataSet, readTestModel } from '../onnx/test-dir.ts';
import { type CaseResult, type ConformanceOptions, type ConformanceReport, failureOf, withDetail } from './report.ts';

export { isOnnxTestDir } from '../onnx/test-dir.ts';

/**
 * @example
 * const report = runOnnxTestDir('../shared/conformance/onnx-models/test_ConvTranspose2d', { backend: 'reference' });
 * `${report.passed} passed, ${report.failed} failed` // → '1 passed, 0 failed'
 */
export function runOnnxTestDir(path: string, options: ConformanceOptions = {}): ConformanceReport {
  const backend: BackendChoice = options.backend ?? 'reference';
  const base = { op: 'model', expect: 'success' } as const;
  const cases: CaseResult[] = [];
  const stopped = (name: string, error: unknown): CaseResult => {
    const { outcome, message } = failureOf(error);
    return { ...base, name, passed: false, outcome, error: message, reason: message };
  };
  let model: OnnxModel;
  let sets: string[];
  try {
    model = readTestModel(path);
    checkTensorValues(model);
    sets = listDataSets(path);
  } catch (error) {
    return report(path, backend, [stopped('model.onnx', error)]);
  }
  for (const setName of sets) {
    let outputs: ReturnType<typeof runModel>;
    let expectedOutputs: readonly { shape: readonly number[]; data: ArrayLike<number> }[];
    try {
      const set = readDataSet(path, setName);
      if (set.inputs.length !== model.inputs.length) throw new Error(`${set.name} has ${set.inputs.length} input files but the model takes ${model.inputs.length} inputs`);
      const feeds = Object.fromEntries(model.inputs.map((v, i) => [v.name, set.inputs[i]!]));
      outputs = runModel(model, feeds, { backend, ...(options.maxFlops === undefined ? {} : { maxFlops: options.maxFlops }) });
      expectedOutputs = set.outputs;
    } catch (error) {
      cases.push(stopped(setName, error));
      continue;
    }
    model.outputs.forEach((o, i) => {
      const name = `${setName}/output_${i} (${o.name})`;
      const expected = expectedOutputs[i];
      const actual = outputs.get(o.name)!;
      if (expected === undefined) {
        cases.push({ ...base, name, passed: false, outcome: 'error', outputShape: actual.shape, reason: `${setName} has no output_${i}.pb to compare with` });
        return;
      }
      const shapeOk = expected.shape.length === actual.shape.length && expected.shape.every((d, a) => d === actual.shape[a]);
      if (!shapeOk) {
        cases.push({ ...base, name, passed: false, outcome: 'differs', outputShape: actual.shape, reason: `output shape ${JSON.stringify(actual.shape)} differs from the expected ${JSON.stringify(expected.shape)}` });
        return;
      }
      const relativeL2 = relativeL2Error(actual.data, expected.data);
      const maxAbs = maxAbsError(actual.data, expected.data);
      // Equal non-finite values (−∞ from a max over padding, NaN from log of a negative) match too.
      const passed = closeEnough(actual.data, expected.data) || sameWithNonFinite(actual.data, expected.data);
      cases.push({
        ...base, name, passed, outcome: passed ? 'pass' : 'differs', relativeL2, maxAbs, outputShape: actual.shape,
        ...(passed ? {} : { reason: `output differs: relative L2 ${relativeL2.toExponential(2)} (limit 1e-5), max abs ${maxAbs.toExponential(2)} (limit 1e-4)` }),
      });
    });
  }
  return report(path, backend, cases);
}

/** Non-finite values in the same places (same value, NaN matching NaN) and the finite rest within tolerance. */
function sameWithNonFinite(actual: ArrayLike<number>, expected: ArrayLike<number>): boolean {
  const finiteA: number[] = [];
  const finiteE: number[] = [];
  let nonFinite = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isFinite(e)) {
      finiteA.push(a);
      finiteE.push(e);
    } else {
      if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) return false;
      nonFinite++;
    }
  }
  return nonFinite > 0 && closeEnough(finiteA, finiteE);
}

function report(file: string, backend: BackendChoice, cases: CaseResult[]): ConformanceReport {
  const passed = cases.filter((c) => c.passed).length;
  return { file, backend, results: cases.map(withDetail), passed, failed: cases.length - passed };
}
