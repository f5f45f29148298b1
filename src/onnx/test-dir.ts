/**
 * ONNX test directories (the layout of onnx/backend/test/data): model.onnx plus test_data_set_N/input_K.pb and
 * output_K.pb, each a serialized TensorProto. Reading only; running and comparing is the conformance runner's job.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidModel } from './errors.ts';
import { type OnnxModel, readModel } from './model.ts';
import { type OnnxTensor, readTensorProto } from './tensor-proto.ts';

export interface TestDataSet {
  readonly name: string;
  readonly inputs: readonly OnnxTensor[];
  readonly outputs: readonly OnnxTensor[];
}

export interface OnnxTestDir {
  readonly path: string;
  readonly model: OnnxModel;
  readonly dataSets: readonly TestDataSet[];
}

/** True when `path` is a directory holding model.onnx. */
export function isOnnxTestDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && statSync(join(path, 'model.onnx')).isFile();
  } catch {
    return false;
  }
}

const byIndex = (prefix: string) => (a: string, b: string) => Number(a.slice(prefix.length).split('.')[0]) - Number(b.slice(prefix.length).split('.')[0]);

/** The data set directories of a test directory (test_data_set_N, by N); refuses a directory with none. */
export function listDataSets(path: string): string[] {
  const sets = readdirSync(path).filter((n) => /^test_data_set_\d+$/.test(n)).sort(byIndex('test_data_set_'));
  if (sets.length === 0) throw invalidModel(path, 'no test_data_set_*', 'holds no test data sets', 'add test_data_set_0/input_0.pb and output_0.pb');
  return sets;
}

/** Reads one data set's input_K.pb and output_K.pb files (by K). */
export function readDataSet(path: string, set: string): TestDataSet {
  const dir = join(path, set);
  const files = readdirSync(dir);
  const read = (prefix: string) => files.filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f)).sort(byIndex(`${prefix}_`))
    .map((f) => readTensorProto(readFileSync(join(dir, f)), `${set}/${f}`));
  return { name: set, inputs: read('input'), outputs: read('output') };
}

/** Reads the model of a test directory. */
export function readTestModel(path: string): OnnxModel {
  return readModel(readFileSync(join(path, 'model.onnx')));
}

/**
 * @example
 * readTestDir('../shared/conformance/onnx-models/test_ConvTranspose2d').dataSets[0].inputs[0].shape // → [1, 3, 7, 6]
 */
export function readTestDir(path: string): OnnxTestDir {
  const model = readTestModel(path);
  return { path, model, dataSets: listDataSets(path).map((set) => readDataSet(path, set)) };
}
