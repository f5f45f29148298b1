import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TconvError } from '../../src/shape/errors.ts';
import { fromPytorch, pytorchOutputPadding } from '../../src/shape/conventions/pytorch.ts';
import { planLayer } from '../../src/shape/plan.ts';

const base = { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1] };

test('output_size picks output_padding (spatial, or with N and C)', () => {
  assert.deepEqual(pytorchOutputPadding({ ...base, input: [32, 32], outputSize: [64, 63] }), [1, 0]);
  assert.deepEqual(pytorchOutputPadding({ ...base, input: [1, 3, 32, 32], outputSize: [1, 8, 63, 64] }), [0, 1]);
});

test('output_size out of range is refused with PyTorch\'s message', () => {
  assert.throws(() => pytorchOutputPadding({ ...base, input: [32, 32], outputSize: [65, 64] }), (e: unknown) => {
    assert.ok(e instanceof TconvError);
    assert.equal(e.code, 'output-size-unreachable');
    assert.equal(e.parameter, 'outputSize');
    assert.match(e.message, /requested an output size of \[65, 64\], but valid sizes range from \[63, 63\] to \[64, 64\] \(for an input of \[32, 32\]/);
    assert.match(e.message, /tconv solve/);
    return true;
  });
});

test('PyTorch range is min..min + s − 1 even when dilation > stride (torch 1.13 _output_padding)', () => {
  const args = { input: [5], kernel: [3], stride: [1], padding: [0], dilation: [3] };
  assert.deepEqual(pytorchOutputPadding({ ...args, outputSize: [11] }), [0]);
  assert.throws(() => pytorchOutputPadding({ ...args, outputSize: [12] }), /valid sizes range from \[11\] to \[11\]/);
});

test('output_size with the wrong number of elements is refused', () => {
  assert.throws(() => pytorchOutputPadding({ ...base, input: [32, 32], outputSize: [1, 64, 64] }),
    /outputSize \(\[1, 64, 64\]\) has 3 elements, but a 2D transposed convolution needs 2 or 4/);
  assert.throws(() => pytorchOutputPadding({ ...base, input: [32, 32], outputSize: [64.5, 64] }),
    /outputSize\[0\] \(64.5\) must be a positive integer/);
  assert.throws(() => pytorchOutputPadding({ ...base, stride: [2], input: [32, 32], outputSize: [64, 64] }),
    /stride \(\[2\]\) has 1 values but kernel has 2/);
  assert.throws(() => pytorchOutputPadding({ ...base, input: [1, 1, 1, 32, 32], outputSize: [64, 64] }),
    /input \(\[1, 1, 1, 32, 32\]\) has 5 sizes but a 2D layer needs 2 spatial sizes/);
});

test('fromPytorch gives canonical options that plan to the requested size', () => {
  const options = fromPytorch({ kernel: 3, stride: 2, padding: 1, input: [32], outputSize: [64] });
  assert.deepEqual(options.outputPadding, [1]);
  assert.deepEqual(planLayer({ kind: 'convTranspose', input: [32], ...options }).outputShape, [1, 1, 64]);
  assert.deepEqual(fromPytorch({ kernel: [7, 7], stride: 2, padding: 3 }).padding, [3, 3]);
  assert.throws(() => fromPytorch({ kernel: 3, outputSize: [64] }), /outputSize \(\[64\]\) needs the input size/);
  assert.throws(() => fromPytorch({ kernel: 0 }), /kernel \(0\) must be a positive integer/);
});

test('fromPytorch agrees with the committed PyTorch golden vectors (symmetric pads) and with fromOnnx', async () => {
  const { readFileSync } = await import('node:fs');
  const { fromOnnx } = await import('../../src/shape/conventions/onnx.ts');
  type Case = { name: string; op: string; attributes: Record<string, number[] & number>; inputs: Record<string, { shape: number[] }>; outputs?: Record<string, { shape: number[] }> };
  const file = JSON.parse(readFileSync(new URL('../fixtures/pytorch/convtranspose.json', import.meta.url), 'utf8')) as { cases: Case[] };
  let checked = 0;
  for (const c of file.cases) {
    const a = c.attributes;
    const rank = c.inputs.X!.shape.length - 2;
    const pads = a.pads ?? new Array(2 * rank).fill(0);
    if (pads.slice(0, rank).some((p: number, i: number) => p !== pads[rank + i]) || a.output_shape) continue;
    const options = fromPytorch({ kernel: c.inputs.W!.shape.slice(2), stride: a.strides, padding: pads.slice(0, rank), outputPadding: a.output_padding, dilation: a.dilations, groups: a.group });
    const [n, cin, ...input] = c.inputs.X!.shape;
    const plan = planLayer({ kind: 'convTranspose', input, batch: n, inChannels: cin, outChannels: c.inputs.W!.shape[1]! * (a.group ?? 1), ...options });
    assert.deepEqual(plan.outputShape, c.outputs!.Y!.shape, c.name);
    const onnx = planLayer(fromOnnx({ attributes: a, inputShape: c.inputs.X!.shape, weightShape: c.inputs.W!.shape }));
    assert.deepEqual(onnx.axes.map((x) => [x.padBegin, x.padEnd]), plan.axes.map((x) => [x.padBegin, x.padEnd]), c.name);
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} vectors checked`);
});

test('fromPytorch refuses tuples of different lengths', () => {
  assert.throws(() => fromPytorch({ kernel: [3, 3], stride: [2, 2, 2] }), /^TconvError: stride \(\[2, 2, 2\]\) has 3 values but kernel has 2/);
});
