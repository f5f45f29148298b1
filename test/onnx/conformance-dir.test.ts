// `tconv conformance DIR`: ONNX test directories run through the conformance runner on every available backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBackends } from '../../src/engine/index.ts';
import { runConformanceFile } from '../../src/conformance/run.ts';
import { isOnnxTestDir, runOnnxTestDir } from '../../src/conformance/onnx-dir.ts';
import { writeTensorProto } from '../../src/onnx/index.ts';

const SHARED = join(import.meta.dirname, '../../../shared/conformance/onnx-models');
const NAMES = ['test_ConvTranspose2d', 'test_ConvTranspose2d_no_bias', 'test_operator_convtranspose'];
const BACKENDS = listBackends().filter((b) => b.available).map((b) => b.name);

for (const backend of BACKENDS) {
  test(`the three shared ONNX test directories pass on the ${backend} backend`, async () => {
    for (const name of NAMES) {
      const report = await runConformanceFile(join(SHARED, name), { backend });
      assert.equal(report.failed, 0, JSON.stringify(report.results));
      assert.equal(report.passed, 1);
      assert.equal(report.results[0]!.op, 'model');
    }
  });
}

test('only directories holding model.onnx are ONNX test directories', () => {
  assert.equal(isOnnxTestDir(join(SHARED, NAMES[0]!)), true);
  assert.equal(isOnnxTestDir(SHARED), false);
  assert.equal(isOnnxTestDir(join(SHARED, NAMES[0]!, 'model.onnx')), false);
});

test('a wrong stored output is a failed case with the measured error, not an exception', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-onnx-dir-'));
  try {
    cpSync(join(SHARED, NAMES[0]!), dir, { recursive: true });
    writeFileSync(join(dir, 'test_data_set_0', 'output_0.pb'), writeTensorProto('3', [1, 4, 20, 12], new Float32Array(960).fill(1)));
    const report = runOnnxTestDir(dir, { backend: 'reference' });
    assert.equal(report.failed, 1);
    assert.match(report.results[0]!.reason ?? '', /output differs: relative L2 .* \(limit 1e-5\)/);
    writeFileSync(join(dir, 'test_data_set_0', 'output_0.pb'), writeTensorProto('3', [1, 4, 20, 11], new Float32Array(880)));
    assert.match(runOnnxTestDir(dir).results[0]!.reason ?? '', /output shape \[1,4,20,12\] differs from the expected \[1,4,20,11\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory without test data sets is one failed case naming why, not an exception', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-onnx-dir-'));
  try {
    cpSync(join(SHARED, NAMES[0]!, 'model.onnx'), join(dir, 'model.onnx'));
    const report = runOnnxTestDir(dir);
    assert.deepEqual([report.passed, report.failed, report.results[0]!.outcome], [0, 1, 'error']);
    assert.match(report.results[0]!.detail ?? '', /^error: .* holds no test data sets; add test_data_set_0\/input_0\.pb and output_0\.pb/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
