import { test } from 'node:test';
import assert from 'node:assert/strict';
import { receptiveField, receptiveFieldAt } from '../../src/analysis/receptive-field.ts';
import { randomWeights, runStack } from '../../src/analysis/stack-run.ts';
import { resolveStack, type StackSpec } from '../../src/analysis/stack.ts';
import { transposedInputInterval, convInputInterval } from '../../src/shape/formulas.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { randomTensor, tensor } from '../../src/engine/index.ts';
import { randomStack } from './random-stack.ts';

/** Brute force: perturb one input position at a time and record which outputs (channel 0) change. */
function bruteForceSets(spec: StackSpec): number[][] {
  const stack = resolveStack(spec);
  const weights = randomWeights(stack, 5);
  const x = randomTensor([1, stack.inChannels, ...stack.inputSize], 9);
  const base = runStack(stack, x, weights).at(-1)!;
  const plane = stack.outputSize.reduce((a, b) => a * b, 1);
  const inPlane = stack.inputSize.reduce((a, b) => a * b, 1);
  const sets: number[][] = Array.from({ length: plane }, () => []);
  for (let i = 0; i < inPlane; i++) {
    const data = Float32Array.from(x.data);
    for (let c = 0; c < stack.inChannels; c++) data[c * inPlane + i]! += 1;
    const y = runStack(stack, tensor(x.shape, data), weights).at(-1)!;
    for (let o = 0; o < plane; o++) if (Math.abs(y.data[o]! - base.data[o]!) > 1e-5) sets[o]!.push(i);
  }
  return sets;
}

test('property: receptive fields of random mixed 1D stacks equal brute force (perturb one input, see which outputs change)', () => {
  for (let s = 100; s < 130; s++) {
    const spec = randomStack(s, { rank: 1 });
    const rf = receptiveField(spec);
    assert.deepEqual(rf.axes[0]!.sets, bruteForceSets(spec), `seed ${s}: ${JSON.stringify(spec)}`);
  }
});

test('in 2D the receptive field is the product of the axes\' sets (brute force on a mixed stack)', () => {
  const spec: StackSpec = { input: [4, 5], channels: 1, layers: [
    { kind: 'conv', kernel: 3, stride: 2, padding: 1, outChannels: 4 },
    { kind: 'pixelShuffle', factor: 2 },
    { kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 },
    { kind: 'resize', mode: 'bilinear', scale: 2 },
  ] };
  const rf = receptiveField(spec);
  const [h, w] = resolveStack(spec).outputSize as [number, number];
  const W = resolveStack(spec).inputSize[1]!;
  const expected = bruteForceSets(spec);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const product = rf.axes[0]!.sets[y]!.flatMap((i) => rf.axes[1]!.sets[x]!.map((j) => i * W + j));
    assert.deepEqual(product, expected[y * w + x], `output (${y}, ${x})`);
  }
});

test('transposed layers: the receptive field depends on the phase (k3 s2: 2 or 1 inputs; k2 s3: 1 or 0)', () => {
  const k3 = receptiveField({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
  assert.deepEqual(k3.axes[0]!.sets.slice(0, 4), [[0], [0, 1], [1], [1, 2]]);
  assert.deepEqual([k3.steps[0]!.axes[0]!.size, k3.steps[0]!.axes[0]!.minSize], [2, 1]);
  const k2 = receptiveField({ input: 4, rank: 1, layers: [{ kind: 'convTranspose', kernel: 2, stride: 3 }] });
  assert.deepEqual(k2.axes[0]!.sets.slice(0, 4), [[0], [0], [], [1]]);
  assert.equal(receptiveFieldAt(k2, [2]).intervals[0], null);
});

test('the design.md interval formulas, clipped, give the hull of every single-layer receptive field (d = 1)', () => {
  for (const kind of ['convTranspose', 'conv'] as const) {
    for (let k = 1; k <= 6; k++) for (let s = 1; s <= 3; s++) for (let p = 0; p <= Math.floor((k - 1) / 2); p++) {
      const layer = { kind, kernel: k, stride: s, padding: p };
      const rf = receptiveField({ input: 7, rank: 1, layers: [layer] });
      const axis = planLayer({ ...layer, input: 7, rank: 1 }).axes[0]!;
      rf.axes[0]!.intervals.forEach((interval, o) => {
        const raw = kind === 'convTranspose' ? transposedInputInterval(o, o, axis) : convInputInterval(o, o, axis);
        const start = Math.max(0, raw.start);
        const end = Math.min(6, raw.end);
        assert.deepEqual(interval, start > end ? null : { start, end }, `${kind} k${k} s${s} p${p} output ${o}`);
      });
    }
  }
});

test('Araujo et al.: jump, size and offset per layer for a conv stack, extended through a transposed layer', () => {
  const rf = receptiveField({ input: 64, rank: 1, layers: [
    { kind: 'conv', kernel: 3, stride: 2, padding: 1 },
    { kind: 'conv', kernel: 3, stride: 2, padding: 1 },
    { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 },
  ] });
  const axes = rf.steps.map((s) => s.axes[0]!);
  assert.deepEqual(axes.map((a) => a.jump), [2, 4, 2]);
  assert.deepEqual(axes.map((a) => a.size), [3, 7, 11]); // r = 1 + 2·1 + 2·2 = 7, then 2 conv outputs of 7 spaced 4
  assert.deepEqual(axes.map((a) => a.offset), [-1, -3, -7]);
});
