/**
 * Every committed PyTorch golden vector (test/fixtures/pytorch/*.json, from scripts/gen-pytorch-vectors.py) through
 * the reference engine: success cases within relative L2 1e-5 (or 1e-4 absolute), failure cases refused with a
 * TconvError. Attributes are in ONNX naming and go through the ONNX convention (src/shape/conventions/onnx.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { closeEnough, relativeL2Error, maxAbsError } from '../../src/engine/index.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { VECTOR_DIR as DIR, type VectorCase, runVector, vectorFiles } from '../helpers/pytorch-vectors.ts';

const files = vectorFiles();
const run = (c: VectorCase) => runVector(c, 'reference');

test('the PyTorch vectors are present, generated, small, and cover what the issue asks', () => {
  assert.deepEqual(files, ['conv.json', 'convtranspose.json', 'failures.json']);
  const bytes = files.reduce((sum, f) => sum + statSync(join(DIR, f)).size, 0);
  assert.ok(bytes < 1.5 * 1024 * 1024, `${bytes} bytes`);
  const all: VectorCase[] = [];
  for (const file of files) {
    const doc = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    assert.match(doc.generated, /scripts\/gen-pytorch-vectors\.py/);
    assert.match(doc.torch, /^\d+\.\d+/);
    all.push(...doc.cases);
  }
  const ok = all.filter((c) => c.expect !== 'failure');
  const some = (pred: (c: VectorCase) => boolean, what: string) => assert.ok(ok.some(pred), `no case with ${what}`);
  for (const rank of [1, 2, 3]) {
    for (const op of ['ConvTranspose', 'Conv'] as const) some((c) => c.op === op && c.inputs.X.shape.length === rank + 2, `${op} ${rank}D`);
  }
  some((c) => (c.attributes.group ?? 1) > 1, 'groups');
  some((c) => (c.attributes.dilations ?? []).some((d) => d > 1), 'dilation');
  some((c) => (c.attributes.output_padding ?? []).some((p) => p > 0), 'output_padding');
  some((c) => c.inputs.X.shape.slice(2).some((s) => s % 2 === 1), 'odd sizes');
  some((c) => c.inputs.X.shape[0]! > 1, 'batch > 1');
  some((c) => c.inputs.B !== undefined, 'bias');
  some((c) => c.inputs.B === undefined, 'no bias');
});

for (const file of files) {
  const doc = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { cases: VectorCase[] };
  test(`PyTorch vectors ${file}: ${doc.cases.length} cases on the reference engine`, () => {
    for (const c of doc.cases) {
      if (c.expect === 'failure') {
        assert.throws(() => run(c), (e: unknown) => e instanceof TconvError, `${c.name}: torch refused it (${c.error}), tconv must too`);
        continue;
      }
      const y = run(c);
      const expected = c.outputs!.Y;
      assert.deepEqual(y.shape, expected.shape, `${c.name}: output shape`);
      assert.ok(closeEnough(y.data, expected.data),
        `${c.name}: relative L2 ${relativeL2Error(y.data, expected.data)}, max abs ${maxAbsError(y.data, expected.data)}`);
    }
  });
}

// Every other backend runs these vectors in test/engine/backend-spec.test.ts.
