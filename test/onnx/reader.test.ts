// The reader's contract: models decode from bytes with the generated schema, in a way that bundles for browsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inferShapes, readModel, readNpy, writeNpy, readTensorProto, writeTensorProto } from '../../src/onnx/index.ts';

const ROOT = join(import.meta.dirname, '../..');
const MODELS = join(ROOT, 'test/fixtures/conformance/onnx-models'); // copies of ../shared/conformance's

test('the three shared models decode: graph inputs (initializers excluded), outputs, attributes, initializers', () => {
  const model = readModel(readFileSync(join(MODELS, 'test_ConvTranspose2d/model.onnx')));
  assert.equal(model.irVersion, 3);
  assert.equal(model.opset, 6);
  assert.equal(model.producer, 'pytorch 0.3');
  assert.deepEqual(model.inputs, [{ name: '0', elemType: 1, shape: [1, 3, 7, 6] }]);
  assert.deepEqual(model.outputs.map((o) => o.name), ['3']);
  const node = model.nodes[0]!;
  assert.equal(node.opType, 'ConvTranspose');
  assert.deepEqual(node.attributes.get('strides'), [3, 2]);
  assert.deepEqual(node.attributes.get('pads'), [1, 1, 1, 1]);
  assert.equal(node.attributes.get('group'), 1);
  assert.deepEqual(model.initializers.get('1')!.shape, [3, 4, 3, 3]);
  assert.equal(model.initializers.get('1')!.data.length, 108);
  assert.deepEqual(inferShapes(model).shapes.get('3'), [1, 4, 20, 12]);
  for (const name of ['test_ConvTranspose2d_no_bias', 'test_operator_convtranspose']) {
    const m = readModel(readFileSync(join(MODELS, name, 'model.onnx')));
    assert.deepEqual(inferShapes(m).shapes.get(m.outputs[0]!.name), m.outputs[0]!.shape);
  }
});

test('symbolic dimensions take the sizes given, 1 otherwise', () => {
  const model = readModel(readFileSync(join(ROOT, 'test/fixtures/onnx/dcgan/model.onnx')));
  assert.deepEqual(model.inputs[0]!.shape, ['batch', 16, 1, 1]);
  assert.deepEqual(inferShapes(model).shapes.get('image'), [1, 3, 64, 64]);
  assert.deepEqual(inferShapes(model, { dims: { batch: 5 } }).shapes.get('image'), [5, 3, 64, 64]);
});

test('TensorProto and .npy round-trip float32 tensors', () => {
  const data = Float32Array.from([1.5, -2, 3.25, 0, 1e-8, -7]);
  const pb = readTensorProto(writeTensorProto('t', [2, 3], data));
  assert.deepEqual(pb.shape, [2, 3]);
  assert.deepEqual([...pb.data], [...data]);
  assert.equal(pb.name, 't');
  const npy = writeNpy({ shape: [3, 2], data });
  assert.equal((npy.length - data.length * 4) % 64, 0, 'header padded to 64 bytes as NumPy writes it');
  assert.deepEqual(readNpy(npy), { shape: [3, 2], data });
  assert.deepEqual(readNpy(writeNpy({ shape: [6], data })).shape, [6]);
});

test('.npy files written by NumPy (float64, int64, 0-d) read back', { skip: spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status !== 0 && 'numpy not installed' }, () => {
  const script = 'import numpy as np, sys, io\nfor a in [np.arange(6, dtype=np.float64).reshape(2, 3) / 4, np.array([[1, -2]], dtype=np.int64), np.array(3.5, dtype=np.float32)]:\n  b = io.BytesIO(); np.save(b, a); sys.stdout.write(b.getvalue().hex() + "\\n")';
  const out = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).stdout.trim().split('\n');
  const [f64, i64, scalar] = out.map((hex) => readNpy(Uint8Array.from(Buffer.from(hex, 'hex'))));
  assert.deepEqual(f64, { shape: [2, 3], data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]) });
  assert.deepEqual(i64, { shape: [1, 2], data: Float32Array.from([1, -2]) });
  assert.deepEqual(scalar, { shape: [], data: Float32Array.from([3.5]) });
});

test('the schema descriptor is generated from onnx.proto and up to date', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-onnx-schema.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

test('tconv/onnx bundles for browsers: nothing it imports inside src/onnx reaches node: modules', () => {
  // Walk the relative imports from index.ts; the engine's own backends are the engine's concern.
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file) || file.includes('/src/engine/')) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      if (spec!.startsWith('node:')) offenders.push(`${file.slice(ROOT.length + 1)} imports ${spec}`);
      else if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!));
    }
  };
  visit(join(ROOT, 'src/onnx/index.ts'));
  assert.deepEqual(offenders, []);
  assert.ok(seen.size > 10);
});
