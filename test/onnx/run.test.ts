// Running real ONNX files on every available backend against the outputs stored beside them (PyTorch's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listBackends } from '../../src/engine/index.ts';
import { inferShapes, runModel } from '../../src/onnx/index.ts';
import { readTestDir } from '../../src/onnx/test-dir.ts';
import { closeEnough, maxAbsError, relativeL2Error } from '../../src/tensor/compare.ts';

const MODELS = join(import.meta.dirname, '../fixtures/conformance/onnx-models'); // copies of ../shared/conformance's
const FIXTURES = join(import.meta.dirname, '../fixtures/onnx');
const DIRS = [
  join(MODELS, 'test_ConvTranspose2d'), join(MODELS, 'test_ConvTranspose2d_no_bias'), join(MODELS, 'test_operator_convtranspose'),
  join(FIXTURES, 'dcgan'), join(FIXTURES, 'upsample-head'), join(FIXTURES, 'unet'),
];
const BACKENDS = listBackends().filter((b) => b.available).map((b) => b.name);

for (const dir of DIRS) {
  const name = dir.split('/').pop()!;
  for (const backend of BACKENDS) {
    test(`${name} matches its stored output on the ${backend} backend`, () => {
      const { model, dataSets } = readTestDir(dir);
      for (const set of dataSets) {
        const feeds = Object.fromEntries(model.inputs.map((v, i) => [v.name, set.inputs[i]!]));
        const outputs = runModel(model, feeds, { backend });
        model.outputs.forEach((o, i) => {
          const actual = outputs.get(o.name)!;
          const expected = set.outputs[i]!;
          assert.deepEqual(actual.shape, expected.shape);
          assert.ok(closeEnough(actual.data, expected.data),
            `${name}/${set.name} output ${i}: relative L2 ${relativeL2Error(actual.data, expected.data)}, max abs ${maxAbsError(actual.data, expected.data)}`);
        });
      }
    });
  }
}

test('the DCGAN generator runs with another batch size (symbolic batch axis)', () => {
  const { model, dataSets } = readTestDir(join(FIXTURES, 'dcgan'));
  const z = dataSets[0]!.inputs[0]!;
  // Batch of one: the first sample of the stored batch must give the first stored image.
  const one = { shape: [1, ...z.shape.slice(1)], data: (z.data as Float32Array).slice(0, z.data.length / 2) };
  const y = runModel(model, { z: one }, { backend: 'reference' }).get('image')!;
  const expected = dataSets[0]!.outputs[0]!;
  assert.deepEqual(y.shape, [1, 3, 64, 64]);
  assert.ok(closeEnough(y.data, expected.data.slice(0, expected.data.length / 2)));
});

test('a batch of 0 gives an empty result of the right shape', () => {
  const { model } = readTestDir(join(FIXTURES, 'dcgan'));
  const y = runModel(model, { z: { shape: [0, 16, 1, 1], data: new Float32Array(0) } }, { backend: 'reference' }).get('image')!;
  assert.deepEqual(y.shape, [0, 3, 64, 64]);
});

test('a model input of the wrong shape is refused, naming the declared shape', () => {
  const { model } = readTestDir(join(FIXTURES, 'dcgan'));
  assert.throws(() => runModel(model, { z: { shape: [1, 8, 1, 1], data: new Float32Array(8) } }), {
    code: 'usage', message: /input "z" \(\[1, 8, 1, 1\]\) does not match the model's declared shape \[batch, 16, 1, 1\]/,
  });
});

test('missing and unknown inputs are named', () => {
  const { model } = readTestDir(join(FIXTURES, 'dcgan'));
  assert.throws(() => runModel(model, {}), { code: 'usage', message: /"z".*is an input of the model but was not given/ });
  assert.throws(() => runModel(model, { x: { shape: [1], data: new Float32Array(1) } }), { code: 'usage', message: /"x".*is not an input of the model; the model takes "z"/ });
});

test('a memory budget is checked before anything runs', () => {
  const { model } = readTestDir(join(FIXTURES, 'dcgan'));
  assert.throws(() => runModel(model, { z: { shape: [64, 16, 1, 1], data: new Float32Array(1024) } }, { memoryLimitBytes: 1024 ** 2 }), {
    code: 'memory-limit', message: /needs more memory for its values than the limit of 1\.0 MiB/,
  });
});

test('onNodeRun sees every node once, and only its input and output are alive then (intermediates freed at once)', () => {
  const { model, dataSets } = readTestDir(join(FIXTURES, 'dcgan'));
  const z = dataSets[0]!.inputs[0]!;
  const graph = inferShapes(model, { inputShapes: { z: z.shape } });
  const bytes = (name: string) => 4 * graph.shapes.get(name)!.reduce((a, b) => a * b, 1);
  const events: { node: string; ms: number; liveBytes: number }[] = [];
  runModel(model, { z }, { backend: 'reference', onNodeRun: (e) => events.push({ node: e.node.name, ms: e.ms, liveBytes: e.liveBytes }) });
  assert.deepEqual(events.map((e) => e.node), graph.order.map((n) => n.name));
  assert.ok(events.every((e) => e.ms >= 0));
  // A chain: after each node, its one data input (not yet dropped) and its output are the only intermediates alive;
  // the model input z stays with the caller throughout. Memory is counted once: the element-wise nodes (BatchNorm,
  // Relu, Tanh) write over their input, which dies there, so only the transposed convolutions hold two buffers.
  const overwrites = (i: number) => i > 0 && graph.order[i]!.opType !== 'ConvTranspose';
  assert.ok(graph.order.some((_, i) => overwrites(i)) && graph.order.some((_, i) => !overwrites(i)));
  assert.deepEqual(events.map((e) => e.liveBytes), graph.order.map((n, i) => (i === 0 ? 0 : bytes('z')) + (overwrites(i) ? 0 : bytes(n.inputs[0]!)) + bytes(n.outputs[0]!)));
  const everything = graph.order.reduce((sum, n) => sum + bytes(n.outputs[0]!), bytes('z'));
  assert.ok(Math.max(...events.map((e) => e.liveBytes)) < everything / 2);
});
