import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDecoder } from '../../src/analysis/planner.ts';
import { stackOverlap } from '../../src/analysis/overlap.ts';
import { pytorchTransposedOutputSize } from '../../src/shape/formulas.ts';

test('tconv plan --from 4 --to 64 --layers 4: every stack reaches 64 exactly, checkerboard-free first, then by FLOPs', () => {
  const plans = planDecoder({ from: 4, to: 64, layers: 4, channels: [512, 256, 128, 64, 3], limit: 40 });
  assert.ok(plans.length >= 10);
  for (const p of plans) {
    let size = 4;
    for (const l of p.layers) size = pytorchTransposedOutputSize(size, l.kernel, l.stride, l.padding, 1, l.outputPadding);
    assert.equal(size, 64);
    assert.equal(p.even, stackOverlap({ input: 4, layers: p.stack }).even);
  }
  const firstUneven = plans.findIndex((p) => !p.even);
  assert.ok(firstUneven === -1 || plans.slice(firstUneven).every((p) => !p.even));
  for (let i = 1; i < plans.length; i++) {
    if (plans[i]!.even === plans[i - 1]!.even && plans[i]!.unevenLayers === plans[i - 1]!.unevenLayers) assert.ok(plans[i]!.flops >= plans[i - 1]!.flops);
  }
  // The DCGAN choice is listed among the checkerboard-free stacks.
  assert.ok(plans.some((p) => p.even && p.layers.every((l) => l.kernel === 4 && l.stride === 2 && l.padding === 1)));
});

test('constraints: max kernel and 1D; uneven stacks only when nothing even exists', () => {
  const small = planDecoder({ from: 4, to: 64, layers: 4, maxKernel: 3 });
  assert.ok(small.every((p) => p.layers.every((l) => l.kernel <= 3)));
  assert.ok(small[0]!.even); // k2 s2
  const odd = planDecoder({ from: 5, to: 9, layers: 1, rank: 1 });
  assert.ok(odd.length > 0 && odd.every((p) => !p.even)); // 5 → 9 needs (5 − 1)·2 + 1: k3 s2 p1 or k1-style, none even
});

test('planner errors name the parameter', () => {
  assert.throws(() => planDecoder({ from: 4, to: 64, layers: 2, channels: [1, 2] }),
    /channels \(\[1, 2\]\) has 2 values but 2 layers need 3 \(before each layer and after the last\)/);
  assert.throws(() => planDecoder({ from: 0, to: 64, layers: 2 }), /from \(0\) must be a positive integer/);
});
