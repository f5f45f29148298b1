import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkerboard, gradientOverlap, weightCheckerboardScore } from '../../src/analysis/checkerboard.ts';
import { convTranspose, randomTensor, tensor } from '../../src/engine/index.ts';
import { gcd } from '../../src/shape/formulas.ts';
import { planLayer } from '../../src/shape/plan.ts';

test('the evenness rule with dilation agrees with the phases for every k ≤ 8, s ≤ 4, d ≤ 4; holes exactly when a residue is unreachable', () => {
  for (let k = 1; k <= 8; k++) for (let s = 1; s <= 4; s++) for (let d = 1; d <= 4; d++) {
    const report = checkerboard({ kind: 'convTranspose', input: 16, kernel: k, stride: s, dilation: d, rank: 1 });
    const axis = report.axes[0]!;
    assert.equal(axis.verdict === 'even', axis.evenByRule, `k${k} s${s} d${d}`);
    const reachable = new Set(Array.from({ length: k }, (_, i) => (i * d) % s)).size;
    assert.equal(axis.verdict === 'holes', reachable < s, `k${k} s${s} d${d}`);
    if (k >= s && gcd(d, s) > 1) assert.equal(axis.verdict, 'holes');
  }
  const holes = checkerboard({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, dilation: 2, rank: 1 });
  assert.match(holes.notes[0]!, /1 of 2 phases get no kernel tap at all \(gcd\(dilation 2, stride 2\) = 2\): those outputs are bias only, worse than a checkerboard/);
  // k < s leaves phases empty too, with gcd(d, s) = 1: the note names the small kernel, not the gcd.
  const small = checkerboard({ kind: 'convTranspose', input: 8, kernel: 2, stride: 3, rank: 1 });
  assert.equal(small.verdict, 'holes');
  assert.match(small.notes[0]!, /1 of 3 phases get no kernel tap at all \(kernel 2 is smaller than stride 3\)/);
});

test('weight score: per-phase sums are the interior response to a constant input (engine), 2D with groups', () => {
  const plan = planLayer({ kind: 'convTranspose', input: 6, kernel: [3, 4], stride: 2, padding: 1, inChannels: 4, outChannels: 2, groups: 2 });
  const w = randomTensor(plan.weightShape, 3);
  const score = weightCheckerboardScore(w, plan);
  const y = convTranspose(tensor([1, 4, 6, 6], new Float32Array(144).fill(1)), w, null, { stride: 2, padding: 1, groups: 2, backend: 'reference' });
  const [, , H, W] = y.shape as [number, number, number, number];
  for (let c = 0; c < 2; c++) {
    // Interior output (4 + r0, 4 + r1) is in phase (r0, r1): its value is that phase's sum.
    for (let r0 = 0; r0 < 2; r0++) for (let r1 = 0; r1 < 2; r1++) {
      const value = y.data[(c * H + 4 + r0) * W + 4 + r1]!;
      assert.ok(Math.abs(value - score.sums[c]![r0 * 2 + r1]!) < 1e-5, `channel ${c} phase (${r0}, ${r1})`);
    }
  }
});

test('weight score tells compensating weights from geometric ones: k3 s2 all-ones scores ½, [½, 1, ½] scores 0', () => {
  const layer = { kind: 'convTranspose' as const, input: 8, kernel: 3, stride: 2, padding: 1, rank: 1 as const };
  assert.equal(weightCheckerboardScore(tensor([1, 1, 3], [1, 1, 1]), layer).score, 0.5);
  assert.equal(weightCheckerboardScore(tensor([1, 1, 3], [0.5, 1, 0.5]), layer).score, 0);
  assert.throws(() => weightCheckerboardScore(tensor([1, 1, 4], [1, 1, 1, 1]), layer), /weight shape \[1, 1, 4\] does not match the layer's \[1, 1, 3\]/);
});

test('gradients of a strided conv show the same uneven overlap: equal to the engine\'s convT of an all-ones gradient', () => {
  const g = gradientOverlap({ kind: 'conv', input: [15, 16], kernel: 3, stride: 2, padding: 1 });
  assert.equal(g.even, false);
  assert.equal(g.interiorMax / g.interiorMin, 4);
  // conv 15 → 8 and 16 → 8; the backward pass is convT with the same numbers and op = (i + 2p − K) mod s.
  const y = convTranspose(tensor([1, 1, 8, 8], new Float32Array(64).fill(1)), tensor([1, 1, 3, 3], new Float32Array(9).fill(1)), null,
    { stride: 2, padding: 1, outputPadding: [0, 1], backend: 'reference' });
  assert.deepEqual(y.shape, [1, 1, 15, 16]);
  assert.deepEqual([...g.map], [...y.data]);
  assert.equal(gradientOverlap({ kind: 'conv', input: 16, kernel: 4, stride: 2, padding: 1, rank: 1 }).even, true);
});

test('stack gradients: Σ output changes by the analytic count when one input grows by 1 (engine, all-ones weights)', async () => {
  const { stackGradientOverlap } = await import('../../src/analysis/checkerboard.ts');
  const { constantInput, constantWeights, runStack } = await import('../../src/analysis/stack-run.ts');
  const { resolveStack } = await import('../../src/analysis/stack.ts');
  const stack = resolveStack({ input: [13, 11], layers: [
    { kind: 'conv', kernel: 3, stride: 2, padding: 1 }, { kind: 'conv', kernel: 4, stride: 2, padding: 1 }, { kind: 'resize', mode: 'bilinear', scale: 2 },
  ] });
  const g = stackGradientOverlap(stack);
  const weights = constantWeights(stack);
  const sum = (t: { data: Float32Array }) => t.data.reduce((a, b) => a + b, 0);
  const base = sum(runStack(stack, constantInput(stack, 0), weights).at(-1)!);
  for (let i = 0; i < 13 * 11; i += 7) {
    const x = constantInput(stack, 0);
    x.data[i] = 1;
    assert.ok(Math.abs(sum(runStack(stack, x, weights).at(-1)!) - base - g.map[i]!) < 1e-4, `input ${i}`);
  }
  assert.equal(g.even, false);
  assert.equal(stackGradientOverlap({ input: 32, rank: 1, layers: Array(2).fill({ kind: 'conv', kernel: 4, stride: 2, padding: 1 }) }).even, true);
});
