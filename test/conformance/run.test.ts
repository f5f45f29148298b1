import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReport, runConformance, runConformanceFile } from '../../src/conformance/run.ts';
import { parseVectorFile, type VectorFile } from '../../src/conformance/vectors.ts';

const ONNX_CASES = new URL('../../../shared/conformance/onnx-convtranspose-cases.json', import.meta.url).pathname;
const onnxFile = (): VectorFile => JSON.parse(readFileSync(ONNX_CASES, 'utf8')) as VectorFile;

test('every ONNX ConvTranspose conformance case passes on the reference backend', async () => {
  const report = await runConformanceFile(ONNX_CASES, { backend: 'reference' });
  assert.equal(report.results.length, onnxFile().cases.length);
  assert.ok(report.results.length >= 11);
  for (const result of report.results) assert.ok(result.passed, `${result.name}: ${result.reason}`);
  assert.equal(report.failed, 0);
  assert.match(formatReport(report), new RegExp(`\\n${report.results.length} passed, 0 failed$`));
});

test('a corrupted expected output is reported as failed, with the figures', () => {
  const file = onnxFile();
  const victim = file.cases[0]!;
  const data = [...victim.outputs!.Y!.data];
  data[3] = data[3]! + 1;
  const corrupted = { cases: [{ ...victim, outputs: { Y: { ...victim.outputs!.Y!, data } } }, file.cases[1]!] };
  const report = runConformance(corrupted, 'corrupted');
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 1);
  assert.equal(report.results[0]!.passed, false);
  assert.match(report.results[0]!.reason!, /output differs: relative L2 .* \(limit 1e-5\), max abs 1\.00e\+0 \(limit 1e-4\)/);
  assert.match(formatReport(report), /^FAIL {2}test_convtranspose {2}output differs/m);
  assert.match(formatReport(report), /1 passed, 1 failed$/);
});

test('a wrong expected shape is reported as failed', () => {
  const victim = onnxFile().cases[0]!;
  const y = victim.outputs!.Y!;
  const report = runConformance({ cases: [{ ...victim, outputs: { Y: { shape: [1, 2, 25], data: y.data } } }] }, 'shape');
  assert.match(report.results[0]!.reason!, /output shape \[1,2,5,5\] differs from the expected \[1,2,25\]/);
});

test('failure cases pass only when refused with a TconvError, whose message is recorded', () => {
  const victim = onnxFile().cases[0]!;
  const refused = { ...victim, name: 'bad group', attributes: { group: 3 }, expect: 'failure' as const, error: 'group must divide channels' };
  const computed = { ...victim, name: 'not bad', expect: 'failure' as const, error: 'should fail' };
  const report = runConformance({ cases: [refused, computed] }, 'failures');
  assert.equal(report.results[0]!.passed, true);
  assert.match(report.results[0]!.error!, /group \(3\) must divide X's 1 channels/);
  assert.match(report.results[0]!.detail!, /^refused: group/);
  assert.equal(report.results[1]!.passed, false);
  assert.match(report.results[1]!.reason!, /expected a refusal \(should fail\), but tconv computed an output of shape \[1,2,5,5\]/);
});

test('a success case that tconv refuses fails with the error', () => {
  const victim = onnxFile().cases[0]!;
  const report = runConformance({ cases: [{ ...victim, attributes: { auto_pad: 'SAME_MIDDLE' } }] }, 'x');
  assert.match(report.results[0]!.reason!, /expected a result, got an error: auto_pad \("SAME_MIDDLE"\) must be one of NOTSET/);
});

test('malformed cases fail alone; unknown ops are refused', () => {
  const victim = onnxFile().cases[0]!;
  const report = runConformance({
    cases: [
      { ...victim, inputs: { X: { shape: [1, 1, 3, 3], data: [1, 2] }, W: victim.inputs.W! } },
      { ...victim, inputs: { W: victim.inputs.W! } },
      { ...victim, op: 'Gemm' },
      { ...victim, outputs: {} },
      victim,
    ],
  }, 'malformed');
  assert.deepEqual(report.results.map((r) => r.passed), [false, false, false, false, true]);
  assert.match(report.results[0]!.reason!, /test_convtranspose\.inputs\.X \(\[1, 1, 3, 3\]\) holds 2 values, but its shape needs 9/);
  assert.match(report.results[1]!.reason!, /test_convtranspose\.inputs\.X \("missing"\) must be \{"shape"/);
  assert.match(report.results[2]!.reason!, /test_convtranspose\.op \("Gemm"\) must be "ConvTranspose" or "Conv"/);
  assert.match(report.results[3]!.reason!, /test_convtranspose\.outputs\.Y \("missing"\)/);
});

test('PyTorch-style vectors and ordinary Conv cases run too', () => {
  // y = conv(x, w): 1D, x = [1, 2, 3, 4], w = [1, -1], stride 1, padding 1 → [-1, -1, -1, -1, 4]
  const report = runConformance({
    cases: [
      {
        name: 'conv1d', op: 'Conv', attributes: { stride: 1, padding: 1 },
        inputs: { input: { shape: [1, 1, 4], data: [1, 2, 3, 4] }, weight: { shape: [1, 1, 2], data: [1, -1] } },
        outputs: { output: { shape: [1, 1, 5], data: [-1, -1, -1, -1, 4] } },
      },
      {
        name: 'convT1d output_size', attributes: { stride: 2, padding: 0, output_size: [6] },
        inputs: { input: { shape: [1, 1, 2], data: [1, 2] }, weight: { shape: [1, 1, 2], data: [1, 10] }, bias: { shape: [1], data: [0.5] } },
        outputs: { output: { shape: [1, 1, 5], data: [1.5, 10.5, 2.5, 20.5, 0.5] } },
      },
      {
        name: 'onnx conv SAME_UPPER', op: 'Conv', attributes: { auto_pad: 'SAME_UPPER', strides: [2] },
        inputs: { X: { shape: [1, 1, 4], data: [1, 2, 3, 4] }, W: { shape: [1, 1, 2], data: [1, 1] } },
        outputs: { Y: { shape: [1, 1, 2], data: [3, 7] } },
      },
    ],
  }, 'pytorch');
  assert.equal(report.results[0]!.passed, true, report.results[0]!.reason);
  // output_size 6 is outside PyTorch's range [4, 5]: refused although the vector expects a result.
  assert.match(report.results[1]!.reason!, /requested an output size of \[6\], but valid sizes range from \[4\] to \[5\]/);
  assert.equal(report.results[2]!.passed, true, report.results[2]!.reason);
});

test('unreadable and malformed files are refused with a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-conf-'));
  await assert.rejects(runConformanceFile(join(dir, 'missing.json')), /FILE \(".*missing\.json"\) cannot be read \(ENOENT\)/);
  writeFileSync(join(dir, 'bad.json'), '{"cases": ');
  // The file's length, not its text: a file that is not JSON may be anything (issue 15: /etc/passwd was echoed).
  await assert.rejects(runConformanceFile(join(dir, 'bad.json')), /bad\.json \("10 characters"\) is not valid JSON/);
  assert.throws(() => parseVectorFile('{"tests": []}', 'x.json'), /x\.json \("object"\) has no "cases" array/);
});

test('the committed normalisation gradient vectors are refused by name, not run as convolutions', () => {
  const file = new URL('../fixtures/gradients/norm-gradients.json', import.meta.url).pathname;
  assert.throws(() => parseVectorFile(readFileSync(file, 'utf8'), 'norm.json'), /norm\.json \("cases of kind batch"\) holds normalisation cases/);
  // One convolution case among them makes it a convolution file again, whose odd cases fail one by one.
  assert.equal(parseVectorFile('{"cases": [{"kind": "batch"}, {"op": "Conv"}]}').cases.length, 2);
});

test('the committed PyTorch golden vectors (conv, convtranspose, failures) pass through the runner', async () => {
  for (const name of ['conv', 'convtranspose', 'failures']) {
    const report = await runConformanceFile(new URL(`../fixtures/pytorch/${name}.json`, import.meta.url).pathname, { backend: 'reference' });
    assert.ok(report.results.length > 0);
    for (const result of report.results) assert.ok(result.passed, `${name}/${result.name}: ${result.reason}`);
  }
});
