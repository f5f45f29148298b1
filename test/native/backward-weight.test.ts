/**
 * The addon's ∂W kernel (kernels/native/src/backward_weight.h) against the float64 per-phase sum, on layers large
 * enough to cross its blocking: more than 256 positions (several gathered chunks), more input channels per group
 * than a tile's rows (row remainders), more columns than one panel (column remainders), 1 and 2 threads, every
 * kernel set of this CPU, the eight-column AVX2 gather (unit and double step, at the end of ∂Y), from ∂Y with zero
 * borders (rows up to 64 positions: a bordered copy; any row length when no tap reaches past ∂Y: ∂Y itself) and from
 * ∂Y in place with bounds (longer rows), rows of one position (gathered columns innermost, or ∂Y read in place as a matrix when
 * each tap lands on its own output), runs of neighbouring taps (kernel widths 4, 8, 16), several L2 blocks of rows; the
 * same bits at 1 and 2 threads; and its argument checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { planFromTensors } from '../../src/engine/ops/plan-from-tensors.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { convTransposeWeightGradient } from '../../src/train/weight-gradient.ts';
import { weightGradientShape } from '../../src/train/weight-gradient-native.ts';
import { kernelSets, skipReason } from './native-support.ts';

const relativeL2 = (a: Float32Array, b: Float32Array): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
};

const LAYERS = [
  { input: [2, 20, 9, 33], weight: [20, 7, 5, 5], options: { stride: 2, padding: 2, outputPadding: 1 } },
  { input: [3, 16, 6, 6], weight: [16, 1, 3, 3], options: { stride: 2, padding: 1, groups: 16 } },
  { input: [2, 4, 3, 4, 5], weight: [4, 3, 3, 2, 3], options: { stride: [2, 1, 3], padding: [1, 0, 1], groups: 2 } },
  { input: [1, 3, 300], weight: [3, 5, 4], options: { stride: 3, padding: 2, dilation: 2, outputPadding: 1 } },
  { input: [1, 2, 1, 1], weight: [2, 2, 1, 1], options: {} },
  // The eight-column gather: unit step on wide rows, and step 2 where the last value's odd neighbour would lie past ∂Y.
  { input: [2, 6, 5, 19], weight: [6, 4, 3, 3], options: { padding: 1 } },
  { input: [1, 2, 1, 16], weight: [2, 8, 1, 2], options: { stride: 2 } },
  // Rows over 64 positions: ∂Y read in place with bounds (unit and double step, taps past both ends).
  { input: [1, 4, 3, 70], weight: [4, 9, 3, 3], options: { stride: 2, padding: 1 } },
  { input: [2, 3, 2, 67], weight: [3, 8, 2, 5], options: { padding: [0, 2] } },
  // Rows over 64 positions whose taps stay inside ∂Y (k2 s2 p0): ∂Y as its own bordered box, step 2 at its very end.
  { input: [1, 3, 2, 80], weight: [3, 9, 2, 2], options: { stride: 2 } },
  // Rows of 8 and 4 (DCGAN's middle layers): whole rows through the bordered copy, and a row shorter than a vector.
  { input: [2, 13, 8, 8], weight: [13, 6, 4, 4], options: { stride: 2, padding: 1 } },
  { input: [3, 7, 4, 4], weight: [7, 5, 4, 4], options: { stride: 2, padding: 1, dilation: [1, 2] } },
  // Rows of one position (the columns-innermost gather): DCGAN's first layer, with and without cropped taps.
  { input: [16, 20, 1, 1], weight: [20, 9, 4, 4], options: {} },
  { input: [3, 5, 1, 1], weight: [5, 7, 4, 4], options: { padding: 1 } },
  // 1×1 inputs whose taps land on their own outputs (∂Y read in place): a partial 16-column panel, groups, 3D.
  { input: [5, 14, 1, 1], weight: [14, 3, 3, 3], options: { groups: 2 } },
  { input: [3, 4, 1, 1, 1], weight: [4, 5, 2, 1, 3], options: {} },
  // … and a batch over 256 (∂Y's panel read in place rather than copied side by side).
  { input: [260, 3, 1, 1], weight: [3, 2, 2, 2], options: {} },
  { input: [2, 3, 2, 3, 1], weight: [3, 2, 2, 2, 3], options: { stride: 2, padding: [0, 1, 1] } },
  // Runs of neighbouring taps (kernel widths 4, 8, 16): from ∂Y in place on rows over 64 positions, runs crossing both
  // row ends (k4 s2 p1 as super-resolution's; k8 s3 p5, wider than the stride); a 1D k16 s8 (HiFi-GAN's) whose runs
  // are whole panels; more input channels than one L2 block of rows (several row groups, each panel's G kept).
  { input: [1, 7, 3, 70], weight: [7, 3, 4, 4], options: { stride: 2, padding: 1 } },
  { input: [2, 5, 2, 67], weight: [5, 2, 3, 8], options: { stride: [1, 3], padding: [1, 5], outputPadding: [0, 2] } },
  { input: [1, 9, 40], weight: [9, 3, 16], options: { stride: 8, padding: 4 } },
  { input: [2, 200, 2, 3], weight: [200, 9, 4, 4], options: { stride: 2, padding: 1 } },
];

test('native ∂W matches the float64 per-phase sum (relative L2 < 1e-5) on every kernel set, 1 and 2 threads', { skip: skipReason }, () => {
  const addon = loadAddon().addon!;
  LAYERS.forEach((l, i) => {
    const plan = planFromTensors('convTranspose', l.input, l.weight, { ...l.options, bias: false });
    const x = randomTensor(plan.inputShape, 10 + i).data;
    const gy = randomTensor(plan.outputShape, 20 + i).data;
    const expected = convTransposeWeightGradient(plan, x, gy);
    const shape = weightGradientShape(plan);
    for (const kernelSet of kernelSets) {
      for (const threads of [1, 2]) {
        const dw = new Float32Array(expected.length).fill(Number.NaN);
        const workspace = new Float32Array(addon.weightGradientWorkspace(shape, kernelSet, threads)).fill(Number.NaN);
        addon.weightGradient(shape, kernelSet, x, gy, dw, workspace, threads);
        const error = relativeL2(dw, expected);
        assert.ok(error < 1e-5, `${JSON.stringify(l)} on ${kernelSet}, ${threads} threads: relative L2 ${error}`);
      }
    }
  });
});

test('native ∂W has the same bits at 1 and 2 threads (each value sums the same chunks in the same order)', { skip: skipReason }, () => {
  const addon = loadAddon().addon!;
  LAYERS.forEach((l, i) => {
    const plan = planFromTensors('convTranspose', l.input, l.weight, { ...l.options, bias: false });
    const x = randomTensor(plan.inputShape, 30 + i).data;
    const gy = randomTensor(plan.outputShape, 40 + i).data;
    const shape = weightGradientShape(plan);
    for (const kernelSet of kernelSets) {
      const bits = [1, 2].map((threads) => {
        const dw = new Float32Array(plan.weightShape.reduce((a, b) => a * b, 1)).fill(Number.NaN);
        addon.weightGradient(shape, kernelSet, x, gy, dw, new Float32Array(addon.weightGradientWorkspace(shape, kernelSet, threads)), threads);
        return new Uint32Array(dw.buffer);
      });
      const differing = bits[0]!.findIndex((v, k) => v !== bits[1]![k]);
      assert.equal(differing, -1, `${JSON.stringify(l)} on ${kernelSet}: element ${differing} differs between 1 and 2 threads`);
    }
  });
});

test('native ∂W of batch 0 is zero, and wrong buffers are refused before anything is written', { skip: skipReason }, () => {
  const addon = loadAddon().addon!;
  const kernelSet = kernelSets[0]!;
  const empty = planFromTensors('convTranspose', [0, 2, 4], [2, 3, 3], { stride: 2, bias: false });
  const dw = new Float32Array(18).fill(7);
  const shape0 = weightGradientShape(empty);
  addon.weightGradient(shape0, kernelSet, new Float32Array(0), new Float32Array(0), dw, new Float32Array(addon.weightGradientWorkspace(shape0, kernelSet, 1)), 1);
  assert.deepEqual([...dw], new Array<number>(18).fill(0));

  const plan = planFromTensors('convTranspose', [1, 2, 4], [2, 3, 3], { stride: 2, bias: false });
  const shape = weightGradientShape(plan);
  const x = new Float32Array(8);
  const gy = new Float32Array(27);
  const need = addon.weightGradientWorkspace(shape, kernelSet, 1);
  const out = new Float32Array(18).fill(5);
  assert.throws(() => addon.weightGradient(shape, kernelSet, x, gy, out, new Float32Array(need - 1), 1), /workspace has .* or more/);
  assert.throws(() => addon.weightGradient(shape, kernelSet, new Float32Array(7), gy, out, new Float32Array(need), 1), /x has 7 elements/);
  assert.throws(() => addon.weightGradient(shape, kernelSet, x, gy, new Float32Array(17), new Float32Array(need), 1), /gradWeight/);
  const shared = new Float32Array(need + 18);
  assert.throws(() => addon.weightGradient(shape, kernelSet, x, gy, shared.subarray(0, 18), shared.subarray(10), 1), /share memory/);
  assert.throws(() => addon.weightGradient(shape, kernelSet, x, gy, out, new Float32Array(need), 0), /threads = 0/);
  assert.throws(() => addon.weightGradient(shape.subarray(1), kernelSet, x, gy, out, new Float32Array(need), 1), /22 values/);
  assert.deepEqual([...out], new Array<number>(18).fill(5));
});
