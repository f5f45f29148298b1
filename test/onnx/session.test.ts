// createSession: the same results as runModel, run after run with new input values (plans and packed weights are
// reused, never stale), for every zoo model on every available backend; value-dependent plans are made per run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listBackends } from '../../src/engine/index.ts';
import { createSession, readModel, runModel } from '../../src/onnx/index.ts';
import { readTestDir } from '../../src/onnx/test-dir.ts';
import { ModelProto } from '../../src/onnx/schema.ts';
import { buildModel, node, weight } from './build-model.ts';

const ZOO = join(import.meta.dirname, '../fixtures/zoo');
const MODELS = ['dcgan', 'esrgan-rrdb', 'hifigan-1d', 'ldm-vae-decoder', 'unet3d'];

for (const backend of listBackends()) {
  test(`a session on the ${backend.name} backend gives runModel's outputs, run after run with new inputs`, { skip: backend.available ? false : `unavailable: ${backend.reason}` }, () => {
    for (const name of MODELS) {
      const { model, dataSets } = readTestDir(join(ZOO, name));
      const x = dataSets[0]!.inputs[0]!;
      const input = model.inputs[0]!.name;
      // Unfused: runModel's values bit for bit; fused (the default): up to float32 rounding of the rewrites, which the
      // LDM decoder's softmax and group norms amplify to ~1e-6 (the bound against PyTorch is 1e-5).
      const exact = createSession(model, { backend: backend.name, fuse: false });
      const fused = createSession(model, { backend: backend.name });
      try {
        for (const scale of [1, -0.5, 2]) {
          const feeds = { [input]: { shape: x.shape, data: Float32Array.from(x.data, (v) => v * scale) } };
          const expected = runModel(model, feeds, { backend: backend.name }).get(model.outputs[0]!.name)!;
          const actual = exact.run(feeds).get(model.outputs[0]!.name)!;
          assert.deepEqual(actual.shape, expected.shape);
          assert.deepEqual([...actual.data], [...expected.data], `${name} × ${scale}`);
          const rewritten = fused.run(feeds).get(model.outputs[0]!.name)!;
          assert.deepEqual(rewritten.shape, expected.shape);
          const error = relativeL2(rewritten.data, expected.data);
          assert.ok(error <= 1e-5, `${name} × ${scale}, fused: relative L2 ${error}`);
        }
      } finally {
        exact.dispose();
        fused.dispose();
      }
    }
  });
}

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

test('a session plans per run when the plan needs an input value (a Reshape shape fed as an input)', () => {
  // buildModel declares float inputs: the int64 shape input is declared here.
  const proto = ModelProto.toObject(ModelProto.decode(buildModel({
    nodes: [node('Reshape', ['x', 'shape'], ['y'])],
    inputs: [{ name: 'x', shape: [2, 6] }, { name: 'shape', shape: [2] }],
  }))) as { graph: { input: { type: { tensor_type: { elem_type: number } } }[] } };
  proto.graph.input[1]!.type.tensor_type.elem_type = 7;
  const model = readModel(ModelProto.encode(ModelProto.fromObject(proto)).finish());
  const session = createSession(model);
  const data = Float32Array.from({ length: 12 }, (_, i) => i);
  const shapeInput = (dims: number[]) => ({ name: 'shape', dataType: 7, shape: [2], data: Float64Array.from(dims) });
  assert.deepEqual(session.run({ x: { shape: [2, 6], data }, shape: shapeInput([3, 4]) }).get('y')!.shape, [3, 4]);
  assert.deepEqual(session.run({ x: { shape: [2, 6], data }, shape: shapeInput([4, 3]) }).get('y')!.shape, [4, 3]);
  session.dispose();
});

test('a disposed session refuses to run, by name', () => {
  const model = readModel(buildModel({
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'])], initializers: [weight('w', [2, 2, 3, 3])],
  }));
  const session = createSession(model);
  const x = { shape: [1, 2, 4, 4], data: new Float32Array(32).fill(1) };
  assert.deepEqual(session.run({ x }).get('y')!.shape, [1, 2, 6, 6]);
  session.dispose();
  assert.throws(() => session.run({ x }), { code: 'usage', message: /session.*cannot run after dispose\(\)/ });
});
