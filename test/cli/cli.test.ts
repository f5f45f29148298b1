/**
 * The `tconv` CLI as users meet it: a subprocess per call (each costs ~0.5 s, so calls are few and shared).
 * Expected values come from the library itself (plan, overlap, solve), never from hand-typed guesses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { layerOverlap } from '../../src/analysis/overlap.ts';
import { solve } from '../../src/shape/inverse.ts';
import { polyphase } from '../../src/shape/phases.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { jsonOf, runCli } from './run-cli.ts';

const SEED_3: LayerSpec = { kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 };

/** The message planLayer gives for a spec, to compare with what the CLI prints. */
function errorOf(spec: LayerSpec): Error {
  try {
    planLayer(spec);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected planLayer to throw');
}

/** One line on stderr, nothing on stdout, no stack trace, exit status 2. */
function assertUsageError(result: ReturnType<typeof runCli>): string {
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^tconv: [^\n]+\n$/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  return result.stderr;
}

describe('tconv explain', () => {
  test('--json for the seed\'s k7 s2 p3 layer matches the shape and analysis modules', () => {
    const report = jsonOf(runCli('explain', '--input', '32', '--kernel', '7', '--stride', '2', '--padding', '3', '--json'));
    const plan = planLayer(SEED_3);
    const overlap = layerOverlap(plan);
    assert.deepEqual(report.outputShape, plan.outputShape.slice(2));
    assert.deepEqual(report.outputShape, [63, 63]);
    assert.deepEqual(report.phases, plan.phases.map((axis) => axis.phases.map((p) => p.taps.length)));
    assert.deepEqual(report.phases.map((taps: number[]) => [...taps].sort((a, b) => b - a)), [[4, 3], [4, 3]]);
    assert.equal(report.checkerboard, true);
    assert.equal(report.overlapRatio, overlap.ratio);
    assert.deepEqual(report.overlapLevels, overlap.values);
    assert.deepEqual(report.overlapLevels, [16, 12, 9]);
    for (const field of report.receptiveField) {
      assert.deepEqual([field.min, field.max, field.jump], [3, 4, 1 / 2]);
    }
    // Every suggested layer reaches its size from 32 and is even by the polyphase split.
    const byPurpose = Object.fromEntries(report.alternatives.map((set: { purpose: string }) => [set.purpose, set]));
    assert.deepEqual(byPurpose.input·stride.outputShape, [64, 64]);
    assert.deepEqual(byPurpose['same size'].outputShape, [63, 63]);
    for (const set of report.alternatives) {
      assert.ok(set.perAxis[0].length > 0);
      for (const x of set.perAxis[0]) {
        const alt = planLayer({ kind: 'convTranspose', input: 32, rank: 1, ...x });
        assert.equal(alt.axes[0]!.output, set.outputShape[0]);
        assert.equal(polyphase(alt.axes[0]!).even, true, JSON.stringify(x));
      }
    }
    const describe = (x: { kernel: number; stride: number; padding: number }) => `k${x.kernel} s${x.stride} p${x.padding}`;
    assert.deepEqual(byPurpose.input·stride.perAxis[0].map(describe), ['k4 s2 p1', 'k6 s2 p2', 'k8 s2 p3']);
  });

  test('human output tells size, formula, phases, verdict and fixes on one screen', () => {
    const result = runCli('explain', '-i', '32', '-k', '7', '-s', '2', '-p', '3');
    assert.equal(result.status, 0, result.stderr);
    const out = result.stdout;
    assert.ok(out.split('\n').length <= 30, out);
    for (const needle of ['Output: 63×63', '(32 − 1)·2 − 2·3 + 1·(7 − 1) + 0 + 1 = 63', '1, 3, 5', '0, 2, 4, 6',
      'Checkerboard: YES', '16:12:9', 'jump 1/2', 'to 64×64', 'k4 s2 p1', 'to 63×63', 'k6 s2 p3 op1']) {
      assert.ok(out.includes(needle), `missing "${needle}" in:\n${out}`);
    }
  });
});

describe('usage errors: one sentence on stderr, exit 2', () => {
  test('an unknown option names the option and suggests the right one', () => {
    const message = assertUsageError(runCli('explain', '-i', '32', '-k', '3', '--kernal', '2'));
    assert.match(message, /unknown option '--kernal'.*--kernel.*tconv explain --help/);
  });

  test('a malformed number names the option and the expected form', () => {
    const message = assertUsageError(runCli('explain', '-i', '32', '-k', '3y'));
    assert.match(message, /--kernel \("3y"\) is not an integer/);
  });

  test('outputPadding ≥ stride prints the shape module\'s sentence; --json prints its data', () => {
    const spec: LayerSpec = { kind: 'convTranspose', input: 32, kernel: 3, stride: 2, outputPadding: 2 };
    const message = assertUsageError(runCli('explain', '-i', '32', '-k', '3', '-s', '2', '--output-padding', '2'));
    assert.equal(message, `tconv: ${errorOf(spec).message}\n`);
    const json = runCli('explain', '-i', '32', '-k', '3', '-s', '2', '--output-padding', '2', '--json');
    assert.equal(json.status, 2);
    assert.deepEqual(jsonOf(json).error, JSON.parse(JSON.stringify(errorOf(spec))));
  });

  test('an unknown convention lists the known ones', () => {
    const message = assertUsageError(runCli('shape', '-i', '32', '-k', '3', '--convention', 'caffe'));
    assert.match(message, /caffe.*pytorch, onnx, keras, tfjs/);
  });
});

describe('tconv --help', () => {
  test('the program lists its commands', () => {
    const result = runCli('--help');
    assert.equal(result.status, 0);
    for (const name of ['shape', 'explain', 'solve', 'conformance']) assert.match(result.stdout, new RegExp(`\\n\\s+${name}\\b`));
  });

  test('each command documents its options', () => {
    const result = runCli('explain', '--help');
    assert.equal(result.status, 0);
    for (const option of ['--input', '--kernel', '--stride', '--padding', '--output-padding', '--dilation', '--target', '--json']) {
      assert.ok(result.stdout.includes(option), option);
    }
  });
});

describe('tconv solve', () => {
  test('--json lists exactly what solve() returns', () => {
    const result = runCli('solve', '--from', '32', '--to', '64', '--json');
    assert.equal(result.status, 0, result.stderr);
    const expected = solve({ from: 32, to: 64 });
    assert.deepEqual(jsonOf(result).solutions, JSON.parse(JSON.stringify(expected)));
  });

  test('human output ranks artifact-free layers first', () => {
    const result = runCli('solve', '--from', '32', '--to', '64', '--limit', '4');
    assert.equal(result.status, 0, result.stderr);
    const expected = solve({ from: 32, to: 64 });
    const even = expected.filter((x) => x.even).length;
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${expected.length} layers map 32 to 64 (${even} artifact-free); the first 4:`);
    assert.match(lines[2]!, /^1\s+2\s+2\s+0\s+0\s+1\s+yes\s+1:1$/);
    assert.equal(lines.slice(2).filter((line) => /^\d/.test(line)).length, 4);
  });
});

describe('tconv shape', () => {
  test('pytorch (default): the seed layer is 63×63', () => {
    const result = runCli('shape', '-i', '32', '-k', '7', '-s', '2', '-p', '3', '--json');
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(jsonOf(result).outputShape, planLayer(SEED_3).outputShape);
  });

  test('onnx output_shape with a negative total padding (the ONNX test case) gives 10×8', () => {
    const result = runCli('shape', '--convention', 'onnx', '-i', '3x3', '-k', '3', '-s', '3x2', '--output-shape', '10x8');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /input 3×3 → output 10×8/);
  });

  test('an ONNX form whose W needs zero taps (output_padding ≥ stride, refused by onnxruntime) says how to build W', () => {
    const result = runCli('shape', '-i', '3', '-k', '3', '-s', '1', '--dilation', '2', '--output-padding', '1', '--rank', '1');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /onnx {4}ConvTranspose\(kernel_shape=\[4\], strides=\[1\], dilations=\[2\], group=1, pads=\[0, 1\], output_padding=\[0\]\)\n {12}\(weight: F\.pad\(W, \(0, 1\)\) {2}# zero taps: axis 0 one after; exact/);
  });
});

describe('tconv conformance', () => {
  // A tiny vector file: y = 2·x through a 1-tap kernel, a case that must be refused, and (optionally) a wrong one.
  const tensor1d = (data: number[]) => ({ shape: [1, 1, data.length], data });
  const cases = [
    { name: 'scale_by_two', attributes: { kernel_shape: [1] }, inputs: { X: tensor1d([1, 2]), W: tensor1d([2]) }, outputs: { Y: tensor1d([2, 4]) } },
    { name: 'output_padding_too_large', attributes: { output_padding: [1] }, inputs: { X: tensor1d([1, 2]), W: tensor1d([2]) }, expect: 'failure', error: 'output_padding must be smaller than stride' },
  ];
  const wrong = { ...cases[0], name: 'wrong_expectation', outputs: { Y: tensor1d([2, 5]) } };
  const dir = mkdtempSync(join(tmpdir(), 'tconv-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  test('all cases pass: per-case lines, the summary line last, exit 0', () => {
    const result = runCli('conformance', write('good.json', { cases }));
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^pass\s+scale_by_two/);
    assert.match(lines[1]!, /^pass\s+output_padding_too_large\s+refused: /);
    assert.equal(lines.at(-1), '2 passed, 0 failed');
  });

  test('a failing case is listed and the exit status is 1', () => {
    const result = runCli('conformance', '--quiet', write('bad.json', { cases: [...cases, wrong] }));
    assert.equal(result.status, 1, result.stdout + result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.split(/\s+/)[0]), ['FAIL', '2']);
    assert.match(lines[0]!, /wrong_expectation/);
    assert.equal(lines.at(-1), '2 passed, 1 failed');
  });
});
