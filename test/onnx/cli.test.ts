// The ONNX commands as users run them: tconv run, lint, export and conformance DIR (real bin, subprocesses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, readTensorProto, writeTensorProto } from '../../src/onnx/index.ts';
import { TensorProto } from '../../src/onnx/schema.ts';
import { closeEnough } from '../../src/tensor/compare.ts';
import { jsonOf, runCli } from '../cli/run-cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const DCGAN = join(ROOT, 'test/fixtures/onnx/dcgan');
const HEAD = join(ROOT, 'test/fixtures/onnx/upsample-head');
const SHARED = join(ROOT, '../shared/conformance/onnx-models');
/** Copies of the shared models for the tests that are not the conformance run itself. */
const FIXTURES = join(ROOT, 'test/fixtures/conformance/onnx-models');

test('tconv run: TensorProto in, .npy and .pb out, equal to PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-run-'));
  try {
    const npy = join(dir, 'y.npy');
    const result = runCli('run', join(HEAD, 'model.onnx'), '--input', join(HEAD, 'test_data_set_0/input_0.pb'), '--output', npy, '--backend', 'reference');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /image\s+2×3×64×64 .*y\.npy\n/);
    const expected = readTensorProto(readFileSync(join(HEAD, 'test_data_set_0/output_0.pb')));
    assert.ok(closeEnough(readNpy(readFileSync(npy)).data, expected.data));
    const pb = join(dir, 'y.pb');
    assert.equal(runCli('run', join(HEAD, 'model.onnx'), '-i', `z=${join(HEAD, 'test_data_set_0/input_0.pb')}`, '-o', `image=${pb}`).status, 0);
    assert.ok(closeEnough(readTensorProto(readFileSync(pb)).data, expected.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tconv run --random --seed is reproducible and sizes symbolic axes with --dim; --json', () => {
  const a = jsonOf(runCli('run', join(DCGAN, 'model.onnx'), '--random', '--seed', '3', '--dim', 'batch=2', '--json'));
  const b = jsonOf(runCli('run', join(DCGAN, 'model.onnx'), '--random', '--seed', '3', '--dim', 'batch=2', '--json'));
  assert.deepEqual(a.outputs[0].shape, [2, 3, 64, 64]);
  assert.equal(a.outputs[0].mean, b.outputs[0].mean);
  assert.deepEqual(a.inputs, [{ name: 'z', shape: [2, 16, 1, 1] }]);
  assert.ok(['native', 'wasm', 'reference'].includes(a.backend), a.backend); // 'auto' is resolved and named
});

test('tconv run: usage errors exit 2, bad files exit 1, each with one sentence', () => {
  const noInput = runCli('run', join(DCGAN, 'model.onnx'));
  assert.equal(noInput.status, 2);
  assert.match(noInput.stderr, /^tconv: model \(".*model\.onnx"\) needs its inputs: --input files or --random; give --input x\.pb \(or \.npy\), or --random --seed N\n$/);
  const missing = runCli('run', 'nowhere.onnx', '--random');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /model \("nowhere\.onnx"\) cannot be read \(ENOENT\)/);
  const garbage = runCli('run', join(DCGAN, 'test_data_set_0/input_0.pb'), '--random');
  assert.equal(garbage.status, 1);
  assert.match(garbage.stderr, /^tconv: .*\n$/);
  const backend = runCli('run', join(DCGAN, 'model.onnx'), '--random', '--backend', 'gpu');
  assert.equal(backend.status, 2);
  assert.match(backend.stderr, /backend \("gpu"\) is not a backend/);
  const wrongFormat = runCli('run', join(DCGAN, 'model.onnx'), '--input', 'x.txt');
  assert.equal(wrongFormat.status, 2);
  assert.match(wrongFormat.stderr, /--input \("x\.txt"\) must name a \.pb \(TensorProto\) or \.npy file/);
});

test('tconv lint: table, path and verdict; --json; --fail-on checkerboard', () => {
  const text = runCli('lint', join(HEAD, 'model.onnx'));
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /\/body\/body\.0\/ConvTranspose\s+ConvTranspose\s+2×16×4×4 → 2×8×8×8\s+3\s+2\s+pads 1,1,1,1, output_padding 1,1\s+convT k3 s2 pads 1\/0\s+1,2 × 1,2\s+checkerboard\s+4 \(w [\d.]+\)\s+1–2/);
  assert.match(text.stdout, /upsampling path: 6 layer\(s\), 4×4 → 64×64/);
  assert.match(text.stdout, /verdict: 1 uneven layer\(s\): \/body\/body\.0\/ConvTranspose/);
  assert.match(text.stdout, /use kernel 2, padding 0, output_padding 0 \(same sizes, every phase 1×1 taps\), or replace it by nearest resize ×2×2 \+ conv/);

  const json = jsonOf(runCli('lint', join(DCGAN, 'model.onnx'), '--json', '--dim', 'batch=4'));
  assert.equal(json.layers.length, 5);
  assert.deepEqual(json.layers.map((l: { verdict: string }) => l.verdict), ['even', 'even', 'even', 'even', 'even']);
  assert.deepEqual(json.layers[4].outputShape, [4, 3, 64, 64]);
  assert.equal(json.path.overlap.even, true);
  assert.deepEqual(json.path.inputSize, [4, 4]);
  assert.match(json.pathNote, /maps a 1×1 input to 4×4 \(a projection, all borders\)/);

  assert.equal(runCli('lint', join(DCGAN, 'model.onnx'), '--fail-on', 'checkerboard').status, 0);
  const failing = runCli('lint', join(FIXTURES, 'test_ConvTranspose2d/model.onnx'), '--fail-on', 'checkerboard');
  assert.equal(failing.status, 1);
  assert.match(failing.stderr, /^tconv: 1 layer\(s\) are uneven: ConvTranspose#0\n$/);
  assert.equal(runCli('lint', join(DCGAN, 'model.onnx'), '--fail-on', 'everything').status, 2);
});

test('tconv export writes a model and a test directory that tconv conformance passes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-export-'));
  try {
    const stack = join(ROOT, 'test/fixtures/onnx/stacks/decoder.json');
    const out = join(dir, 'decoder.onnx');
    const result = jsonOf(runCli('export', stack, '--out', out, '--test-dir', join(dir, 'decoder'), '--json'));
    assert.deepEqual(result.output, [1, 3, 64, 64]);
    assert.ok(existsSync(out) && existsSync(join(dir, 'decoder/test_data_set_0/output_0.pb')));
    const conformance = runCli('conformance', join(dir, 'decoder'), '--backend', 'reference');
    assert.equal(conformance.status, 0, conformance.stdout + conformance.stderr);
    assert.match(conformance.stdout, /1 passed, 0 failed/);
    assert.match(runCli('export', stack, '--out', out, '--input', '2x32x5x5').stdout, /2×32×5×5 → 2×3×80×80/);
    writeFileSync(join(dir, 'bad.json'), '{"input": [1, 4, 4, 4], "layers": [{"kind": "deconv"}]}');
    const bad = runCli('export', join(dir, 'bad.json'), '--out', out);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /layers\[0\]\.kind \("deconv"\) must be convTranspose, conv/);
    const nowhere = runCli('export', stack);
    assert.equal(nowhere.status, 2);
    assert.match(nowhere.stderr, /stack \(".*decoder\.json"\) needs somewhere to go: --out or --test-dir; give --out model\.onnx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tconv conformance accepts the shared ONNX test directories on every backend', () => {
  // 'auto' is the fastest available backend; the others are covered in conformance-dir.test.ts.
  for (const backend of ['auto']) {
    const result = runCli('conformance', join(SHARED, 'test_ConvTranspose2d'), join(SHARED, 'test_ConvTranspose2d_no_bias'), join(SHARED, 'test_operator_convtranspose'), '--backend', backend);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /3 passed, 0 failed/);
  }
});

test('tconv conformance over several directories never stops: unreadable ones are failure lines, refusals are told from wrong values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-conformance-'));
  try {
    const good = join(FIXTURES, 'test_ConvTranspose2d');
    // A directory whose input file holds a STRING tensor (refused by name), and one whose stored output is wrong.
    const strings = join(dir, 'strings');
    cpSync(good, strings, { recursive: true });
    writeFileSync(join(strings, 'test_data_set_0', 'input_0.pb'), TensorProto.encode(TensorProto.fromObject({ dims: [1], data_type: 8, string_data: [new TextEncoder().encode('a')] })).finish());
    const wrong = join(dir, 'wrong');
    cpSync(good, wrong, { recursive: true });
    writeFileSync(join(wrong, 'test_data_set_0', 'output_0.pb'), writeTensorProto('3', [1, 4, 20, 12], new Float32Array(960).fill(1)));
    const result = runCli('conformance', good, strings, join(dir, 'missing'), wrong);
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${good}:`);
    assert.match(lines[1]!, /^ {2}pass {2}test_data_set_0\/output_0/);
    assert.equal(lines[2], `${strings}:`);
    assert.match(lines[3]!, /^ {2}FAIL {2}test_data_set_0 {2}refused: test_data_set_0\/input_0\.pb\.data_type \("STRING"\) is an element type tconv does not read/);
    assert.match(lines[5]!, /^ {2}FAIL {2}.*missing {2}error: FILE \(".*missing"\) cannot be read \(ENOENT\)/);
    assert.match(lines[7]!, /^ {2}FAIL {2}test_data_set_0\/output_0 \(3\) {2}output differs: relative L2/);
    assert.equal(lines.at(-2), 'failures: 1 refused by name, 1 wrong values (output differs), 1 unreadable or invalid, 0 crashes');
    assert.equal(lines.at(-1), '1 passed, 3 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
