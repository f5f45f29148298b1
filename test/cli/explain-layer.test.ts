/** explainLayer, the pure report behind `tconv explain` and the web explorer, checked in-process. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainLayer } from '../../src/analysis/explain.ts';
import { layerOverlap } from '../../src/analysis/overlap.ts';
import { transposedInputInterval } from '../../src/shape/formulas.ts';
import { planLayer } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';

const seed = (kernel: number, stride: number, padding: number): LayerSpec => ({ kind: 'convTranspose', input: 32, kernel, stride, padding });

test('the seed\'s stride-1 layers keep 32×32 and are even', () => {
  for (const spec of [seed(3, 1, 1), seed(5, 1, 2)]) {
    const report = explainLayer(spec);
    assert.deepEqual(report.outputShape, planLayer(spec).outputShape.slice(2));
    assert.deepEqual(report.outputShape, [32, 32]);
    assert.equal(report.checkerboard, false);
    assert.equal(report.overlapRatio, 1);
    assert.deepEqual(report.reasons, []);
    // Even and already the natural size: the only suggestions would be the layer itself.
    assert.deepEqual(report.alternatives.map((set) => set.purpose), ['same size']);
  }
});

test('the formula, filled in, evaluates to the plan\'s output', () => {
  const report = explainLayer(seed(7, 2, 3));
  assert.equal(report.formulas[0]!.filled, '(32 − 1)·2 − 2·3 + 1·(7 − 1) + 0 + 1 = 63');
  assert.equal(report.formulas[0]!.fullSize, 69);
  // Crops PyTorch cannot write (more at the end than at the start) use the begin/end form.
  const asym = explainLayer({ kind: 'convTranspose', input: 5, kernel: 3, stride: 2, pads: { begin: [0], end: [1] } });
  assert.equal(asym.formulas[0]!.filled, `(5 − 1)·2 + 1·(3 − 1) + 1 − 0 − 1 = ${asym.outputShape[0]}`);
  assert.equal(asym.outputShape[0], 10);
});

test('per-phase receptive fields agree with the interval formula of design.md', () => {
  for (const spec of [seed(7, 2, 3), seed(3, 2, 1), { ...seed(4, 3, 1), rank: 1 as const }]) {
    const report = explainLayer(spec);
    const axis = report.plan.axes[0]!;
    for (const phase of report.phaseDetails[0]!) {
      // An interior output of this phase: far from both borders.
      const o = phase.outputResidue + axis.stride * 4;
      const { start, end } = transposedInputInterval(o, o, axis);
      assert.equal(phase.receptiveField, Math.max(0, end - start + 1), `phase ${phase.outputResidue}`);
    }
  }
});

test('holes (k < s, or gcd(d, s) > 1) are a checkerboard with an infinite ratio and the right cause', () => {
  const short = explainLayer({ kind: 'convTranspose', input: 8, kernel: 2, stride: 3, rank: 1 });
  assert.equal(short.checkerboard, true);
  assert.equal(short.overlapRatio, Infinity);
  assert.match(short.reasons[0]!, /kernel 2 is smaller than stride 3/);
  const dilated = explainLayer({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, dilation: 2, rank: 1 });
  assert.equal(dilated.overlapRatio, layerOverlap(dilated.plan).ratio);
  assert.match(dilated.reasons[0]!, /dilation 2 and stride 2 share the factor 2/);
});

test('a --target size gets its own artifact-free list; per-axis layers are explained per axis', () => {
  const report = explainLayer({ kind: 'convTranspose', input: [16, 9], kernel: [3, 3], stride: [2, 1], padding: 1 }, { target: [32, 9] });
  const target = report.alternatives.find((set) => set.purpose === 'target')!;
  assert.deepEqual(target.outputShape, [32, 9]);
  assert.deepEqual(report.reasons, ['axis 0: kernel 3 is not divisible by stride 2, so phases get 2 and 1 taps']);
  for (const [a, list] of target.perAxis.entries()) {
    for (const x of list) {
      assert.equal(planLayer({ kind: 'convTranspose', input: report.inputShape[a]!, rank: 1, ...x }).axes[0]!.output, target.outputShape[a]);
    }
  }
});

test('the kernel sweep shows how each kernel size changes output and evenness', () => {
  const sweep = explainLayer(seed(7, 2, 3)).kernelSweep;
  assert.deepEqual(sweep.map((x) => x.kernel[0]), [5, 6, 7, 8, 9]);
  for (const entry of sweep) {
    assert.deepEqual(entry.outputShape, planLayer({ ...seed(7, 2, 3), kernel: entry.kernel }).outputShape.slice(2));
    assert.equal(entry.checkerboard, entry.kernel[0]! % 2 !== 0);
  }
});

test('a large kernel still gets its nearest artifact-free neighbours', () => {
  const report = explainLayer({ kind: 'convTranspose', input: 16, kernel: 21, stride: 2, padding: 10, rank: 1 });
  const same = report.alternatives.find((set) => set.purpose === 'same size')!.perAxis[0]!;
  assert.ok(same.some((x) => Math.abs(x.kernel - 21) === 1), JSON.stringify(same));
  for (const x of same) assert.equal(planLayer({ kind: 'convTranspose', input: 16, rank: 1, ...x }).axes[0]!.output, report.outputShape[0]);
});

test('overlap levels are the analysis module\'s interior values whenever the output has an interior', () => {
  const layers: LayerSpec[] = [
    seed(7, 2, 3), seed(4, 2, 1), seed(3, 3, 0), { ...seed(5, 2, 1), dilation: 2 }, { ...seed(3, 2, 1), dilation: 3 },
    { kind: 'convTranspose', input: [20, 17], kernel: [5, 4], stride: [3, 2], padding: [2, 1] },
    { kind: 'convTranspose', input: 9, kernel: 3, stride: 2, rank: 3 },
  ];
  for (const spec of layers) {
    const report = explainLayer(spec);
    const overlap = layerOverlap(report.plan);
    assert.deepEqual(report.overlapLevels, overlap.values, JSON.stringify(spec));
    assert.equal(report.overlapRatio, overlap.ratio);
    assert.equal(report.checkerboard, !overlap.even || overlap.holes);
  }
});

test('a tiny input keeps the layer\'s verdict (it has no interior to measure)', () => {
  const report = explainLayer({ ...seed(7, 2, 3), input: 3, rank: 1 });
  assert.equal(report.checkerboard, true);
  assert.deepEqual(report.overlapLevels, [4, 3]);
});

test('alignment: the nominal grid, and where constant weights put each phase (k4 s2 p1 splits, k7 s2 p3 stays, k2 s2 is exact)', () => {
  const k4 = explainLayer({ kind: 'convTranspose', input: 8, rank: 1, kernel: 4, stride: 2, padding: 1 }).receptiveField[0]!;
  assert.deepEqual({ start: k4.start, jump: k4.jump, dependsOnWeights: k4.dependsOnWeights, centres: k4.constantWeights.centres }, { start: -0.25, jump: 0.5, dependsOnWeights: true, centres: [-0.5, 0.5] });
  // k7 s2 p3: 3 and 4 taps, both centred on the grid; only their weights (and counts) differ.
  const k7 = explainLayer(seed(7, 2, 3)).receptiveField[0]!;
  assert.deepEqual({ start: k7.start, dependsOnWeights: k7.dependsOnWeights, centres: k7.constantWeights.centres }, { start: 0, dependsOnWeights: true, centres: [0, 0.5] });
  // One tap per phase: every output is one input, whatever the weights — pairs of outputs on each input.
  const k2 = explainLayer({ kind: 'convTranspose', input: 8, rank: 1, kernel: 2, stride: 2 }).receptiveField[0]!;
  assert.deepEqual({ start: k2.start, dependsOnWeights: k2.dependsOnWeights, centres: k2.constantWeights.centres }, { start: -0.25, dependsOnWeights: false, centres: [0, 0] });
});
