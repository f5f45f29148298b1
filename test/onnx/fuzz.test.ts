// A bounded fuzz run in npm test (the long one is scripts/fuzz-onnx.ts): mutated and random bytes of the sample
// models are either read, linted and run within budgets, or refused with a TconvError — nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { amplificationSamples, exercise, fuzz, fuzzTensorProto } from './fuzz-harness.ts';

const MODELS = join(import.meta.dirname, '../fixtures/conformance/onnx-models'); // copies of ../shared/conformance's
const FIXTURES = join(import.meta.dirname, '../fixtures/onnx');
const DIRS = [
  join(MODELS, 'test_ConvTranspose2d'), join(MODELS, 'test_ConvTranspose2d_no_bias'), join(MODELS, 'test_operator_convtranspose'),
  join(FIXTURES, 'dcgan'), join(FIXTURES, 'upsample-head'), join(FIXTURES, 'unet'),
];

test('200 mutated models: every one works or is refused with a TconvError', () => {
  const samples = [...DIRS.map((d) => readFileSync(join(d, 'model.onnx'))), ...amplificationSamples()];
  // A fresh seed each run widens coverage over time; it is printed so a failure can be replayed.
  const seed = Date.now() % 1_000_000;
  const result = fuzz({ samples, iterations: 200, seed });
  const described = result.failures.map((f) => `iteration ${f.iteration}: ${(f.error as Error)?.stack ?? String(f.error)}`);
  assert.deepEqual(described, [], `seed ${seed}`);
  assert.equal(result.cases, 200);
  assert.ok(result.outcomes.rejected > 0 && result.outcomes.ran > 0, JSON.stringify(result.outcomes));
});

test('200 mutated TensorProto files: read or refused with a TconvError', () => {
  const samples = DIRS.flatMap((d) => [readFileSync(join(d, 'test_data_set_0/input_0.pb')), readFileSync(join(d, 'test_data_set_0/output_0.pb'))]);
  const seed = Date.now() % 1_000_000;
  const failures = fuzzTensorProto(samples, 200, seed);
  assert.deepEqual(failures.map((f) => String(f.error)), [], `seed ${seed}`);
});

test('amplifying seeds (a ConstantOfShape kernel, packed dims, a long chain) are refused by a limit', () => {
  for (const [i, bytes] of amplificationSamples().entries()) assert.equal(exercise(bytes, i), 'rejected', `sample ${i}`);
});
