import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerOverlap, overlapMap, stackOverlap } from '../../src/analysis/overlap.ts';
import { checkOverlap } from '../../src/analysis/stack-run.ts';
import type { StackLayer } from '../../src/analysis/stack.ts';
import { convTranspose, tensor } from '../../src/engine/index.ts';
import fc from 'fast-check';
import { randomStack } from './random-stack.ts';

const seed = (kernel: number, stride: number, padding: number) => ({ kind: 'convTranspose' as const, input: 32, kernel, stride, padding });

test('seed layers: k3 s1 and k5 s1 are even, k7 s2 is uneven with phases of 4 and 3 taps and 16:12:9 in 2D', () => {
  for (const [k, p, n] of [[3, 1, 9], [5, 2, 25]] as const) {
    const o = layerOverlap(seed(k, 1, p));
    assert.equal(o.even, true);
    assert.deepEqual(o.values, [n]);
    assert.equal(o.ratio, 1);
  }
  const o = layerOverlap(seed(7, 2, 3));
  assert.equal(o.even, false);
  assert.deepEqual(o.values, [16, 12, 9]);
  assert.deepEqual(o.unevenAxes, [0, 1]);
  assert.deepEqual(o.period, [2, 2]);
  assert.deepEqual(o.phases[0]!.map((p) => p.taps.length), [3, 4]); // output 0 sits at full index 3: the odd phase
  assert.deepEqual(o.phases[0]!.map((p) => p.count), [3, 4]);
  assert.equal(o.ratio, 16 / 9);
  // Borders get fewer: output 0 along an axis has only taps 3, 5 (inputs 0 and 1 — tap 1 would need input −1).
  assert.equal(o.axes[0]!.counts[0], 2);
  assert.equal(o.axes[0]!.interior[0], false);
});

test('the full overlap map equals convT of all-ones (engine) for the seed k7 s2 p3 layer, borders included', () => {
  const o = layerOverlap({ kind: 'convTranspose', input: 9, kernel: 7, stride: 2, padding: 3 });
  const ones = (shape: number[]) => tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
  const y = convTranspose(ones([1, 1, 9, 9]), ones([1, 1, 7, 7]), null, { stride: 2, padding: 3, backend: 'reference' });
  assert.deepEqual([...overlapMap(o)], [...y.data]);
});

test('DCGAN generator k4 s2 p1 ×4 is even after every layer', () => {
  const layers: StackLayer[] = Array(4).fill({ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 });
  const o = stackOverlap({ input: 4, layers });
  assert.deepEqual(o.shape, [64, 64]);
  assert.ok(o.steps.every((s) => s.even && s.ratio === 1));
  assert.equal(checkOverlap({ input: 4, layers }).agree, true);
});

test('k3 s2 p1 op1 ×4 is uneven and compounds: the interior ratio and the period grow with every layer', () => {
  const layers: StackLayer[] = Array(4).fill({ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 });
  const o = stackOverlap({ input: 4, layers });
  const ratios = o.steps.map((s) => s.ratio);
  assert.deepEqual(ratios, [4, 9, 25, 64]); // per axis 2:1, 3:1, 5:1, 8:1 (Fibonacci), squared in 2D
  assert.deepEqual(o.steps.map((s) => s.period[0]), [2, 4, 8, 16]);
  const check = checkOverlap({ input: 4, layers });
  assert.equal(check.agree, true, `max error ${check.maxAbsError}`);
});

test('dilation with gcd(d, s) > 1 leaves holes: interior outputs with no contribution at all', () => {
  const o = layerOverlap({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, dilation: 2, rank: 1 });
  assert.equal(o.holes, true);
  assert.equal(o.ratio, Infinity);
  assert.deepEqual(o.phases[0]!.map((p) => p.taps), [[0, 1, 2], []]);
});

test('property (fast-check): analytic overlap equals convT of all-ones (engine) for single layers, 1D and 2D', () => {
  const layer = fc.record({
    rank: fc.constantFrom(1 as const, 2 as const), input: fc.integer({ min: 1, max: 9 }), kernel: fc.integer({ min: 1, max: 7 }),
    stride: fc.integer({ min: 1, max: 4 }), dilation: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 2 }),
    outputPadding: fc.integer({ min: 0, max: 3 }),
  }).filter((l) => l.outputPadding < Math.max(l.stride, l.dilation) && (l.input - 1) * l.stride + l.dilation * (l.kernel - 1) + 1 - 2 * l.padding + l.outputPadding >= 1);
  fc.assert(fc.property(layer, ({ rank, input, ...options }) => {
    const check = checkOverlap({ input, rank, layers: [{ kind: 'convTranspose', ...options }] });
    assert.equal(check.agree, true, `max error ${check.maxAbsError}`);
  }), { numRuns: 80, seed: 2024 });
});

test('property: composed overlap of random mixed stacks equals the engine (conv, convT, resize, pixel shuffle)', () => {
  for (let s = 1; s <= 40; s++) {
    const spec = randomStack(s, { rank: s % 4 === 0 ? 2 : 1 });
    const check = checkOverlap(spec);
    assert.equal(check.agree, true, `seed ${s} ${JSON.stringify(spec)}: max error ${check.maxAbsError}`);
  }
});

test('a stack without layers is refused with a sentence naming the parameter', () => {
  assert.throws(() => stackOverlap({ input: 4, layers: [] }), /^TconvError: layers \(\[\]\) must list at least one layer; give the stack/);
  assert.throws(() => stackOverlap({ input: 4, channels: 3, layers: [{ kind: 'pixelShuffle', factor: 2 }] }),
    /layers\[0\]\.factor \(2\) needs channels divisible by factor\^2 = 4, but the layer receives 3 channels/);
});

test('3D: k7 s2 p3 gives 64:48:36:27 and the engine agrees on a 3D stack with a resize', () => {
  assert.deepEqual(layerOverlap({ kind: 'convTranspose', input: [6, 6, 6], kernel: 7, stride: 2, padding: 3 }).values, [64, 48, 36, 27]);
  const check = checkOverlap({ input: [3, 4, 3], layers: [
    { kind: 'convTranspose', kernel: [3, 2, 3], stride: 2, padding: 1 }, { kind: 'resize', mode: 'bilinear', scale: 2 },
  ] });
  assert.equal(check.agree, true, `max error ${check.maxAbsError}`);
});

test('a deep stack on a small input: border falloff is not a checkerboard; the interior is measured at a larger input', () => {
  const layers = (kernel: number, stride: number, padding: number, n: number): StackLayer[] => Array(n).fill({ kind: 'convTranspose', kernel, stride, padding, outputPadding: stride - 1 });
  // Twelve k3 s1 layers on 8×8: every output touches a padded border, and the counts fall off towards the edges.
  const flat = stackOverlap({ input: 8, rank: 2, layers: layers(3, 1, 1, 12) });
  assert.ok(flat.axes.every((a) => a.bordersOnly));
  assert.ok(new Set(flat.axes[0]!.counts).size > 1, 'the border falloff is there');
  assert.equal(flat.even, true);
  assert.equal(flat.ratio, 1);
  assert.ok(flat.steps.every((s) => s.even));
  assert.ok(flat.interiorMeasuredAt !== null && flat.interiorMeasuredAt[0]! > 8);
  // An uneven stack keeps its interior pattern whatever the input: measured wide, it equals the same stack at that size.
  const small = stackOverlap({ input: 2, rank: 1, layers: layers(7, 2, 3, 2) });
  assert.ok(small.interiorMeasuredAt !== null);
  const wide = stackOverlap({ input: small.interiorMeasuredAt!, rank: 1, layers: layers(7, 2, 3, 2) });
  assert.equal(wide.interiorMeasuredAt, null);
  assert.deepEqual([small.even, small.values, small.ratio, small.period], [wide.even, wide.values, wide.ratio, wide.period]);
  assert.equal(small.even, false);
  // Counts past float64's range in 2D (3^340 per axis): the ratio is the product of per-axis ratios, not ∞/∞.
  const deep = stackOverlap({ input: 1024, rank: 2, layers: layers(3, 1, 1, 340), maxLayers: 340 });
  assert.equal(deep.ratio, 1);
  assert.equal(deep.even, true);
});
