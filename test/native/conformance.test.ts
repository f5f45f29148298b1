/**
 * The shared ONNX ConvTranspose conformance vectors and the three exported ONNX models pass with the native backend,
 * exactly as with the reference (`tconv conformance FILE --backend native`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConformanceFile } from '../../src/conformance/run.ts';
import { skipReason } from './native-support.ts';

const SHARED = fileURLToPath(new URL('../../../shared/conformance/', import.meta.url));

test('ONNX ConvTranspose conformance vectors pass on the native backend', { skip: skipReason }, async () => {
  const report = await runConformanceFile(join(SHARED, 'onnx-convtranspose-cases.json'), { backend: 'native' });
  const failures = report.results.filter((c) => !c.passed).map((c) => `${c.name}: ${c.reason}`);
  assert.equal(report.failed, 0, failures.join('\n'));
  assert.ok(report.passed > 0);
});

test('the exported ONNX models run on the native backend and match their outputs', { skip: skipReason }, async () => {
  const models = readdirSync(join(SHARED, 'onnx-models'));
  assert.ok(models.length > 0);
  for (const model of models) {
    const report = await runConformanceFile(join(SHARED, 'onnx-models', model), { backend: 'native' });
    assert.equal(report.failed, 0, `${model}: ${JSON.stringify(report.results.filter((c) => !c.passed))}`);
  }
});
