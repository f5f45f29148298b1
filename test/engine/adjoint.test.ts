/**
 * Transposed convolution is the adjoint of convolution: ⟨convT(x), y⟩ = ⟨x, conv(y)⟩ for the same weight, stride,
 * dilation, groups and pads (conv pads the input where convT crops the output). Property-tested with fast-check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conv, convTranspose } from '../../src/engine/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { randomTensor } from '../../src/tensor/index.ts';

const axisArb = fc.record({
  input: fc.integer({ min: 1, max: 6 }),
  kernel: fc.integer({ min: 1, max: 4 }),
  stride: fc.integer({ min: 1, max: 4 }),
  dilation: fc.integer({ min: 1, max: 3 }),
  begin: fc.integer({ min: 0, max: 4 }),
  end: fc.integer({ min: 0, max: 4 }),
  outputPaddingFraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
});

const layerArb = (rank: number) => fc.record({
  axes: fc.array(axisArb, { minLength: rank, maxLength: rank }),
  groups: fc.integer({ min: 1, max: 3 }),
  inPerGroup: fc.integer({ min: 1, max: 2 }),
  outPerGroup: fc.integer({ min: 1, max: 2 }),
  batch: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

const dot = (a: Float32Array, b: Float32Array): { value: number; scale: number } => {
  let value = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i]! * b[i]!;
    scale += Math.abs(a[i]! * b[i]!);
  }
  return { value, scale };
};

for (const rank of [1, 2, 3]) {
  test(`adjoint identity ⟨convT(x), y⟩ = ⟨x, conv(y)⟩, ${rank}D`, () => {
    fc.assert(fc.property(layerArb(rank), (layer) => {
      const axes = layer.axes;
      // outputPadding < stride, so that conv of the transposed output has exactly the transposed input's size.
      const outputPadding = axes.map((a) => Math.floor(a.outputPaddingFraction * a.stride));
      const options = {
        stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation), groups: layer.groups,
        pads: { begin: axes.map((a) => a.begin), end: axes.map((a) => a.end) }, outputPadding,
      };
      const inChannels = layer.inPerGroup * layer.groups;
      const outChannels = layer.outPerGroup * layer.groups;
      let plan: ReturnType<typeof planLayer>;
      try {
        plan = planLayer({ kind: 'convTranspose', input: axes.map((a) => a.input), batch: layer.batch, inChannels, outChannels, kernel: axes.map((a) => a.kernel), ...options });
      } catch {
        fc.pre(false); // too much cropping: no output
        return;
      }
      const x = randomTensor(plan.inputShape, layer.seed);
      const w = randomTensor(plan.weightShape, layer.seed + 1);
      const y = randomTensor(plan.outputShape, layer.seed + 2);
      const convTx = convTranspose(x, w, null, { ...options, backend: 'reference' });
      // conv pads the input where convT cropped; a negative padEnd (output padding) means conv simply stops early.
      const convOptions = {
        stride: options.stride, dilation: options.dilation, groups: options.groups,
        pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(a.padEnd, 0)) },
      };
      const convY = conv(y, w, null, { ...convOptions, backend: 'reference' });
      assert.deepEqual(convY.shape, x.shape);
      const left = dot(convTx.data, y.data);
      const right = dot(x.data, convY.data);
      assert.ok(Math.abs(left.value - right.value) <= 1e-5 * Math.max(left.scale, right.scale, 1e-30),
        `⟨convT(x), y⟩ = ${left.value} but ⟨x, conv(y)⟩ = ${right.value}`);
    }), { numRuns: 150 });
  });
}
