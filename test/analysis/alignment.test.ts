import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSkip, formatFraction, stackAlignment } from '../../src/analysis/alignment.ts';
import { convTranspose, resize, tensor } from '../../src/engine/index.ts';

test('k4 s2 p1 puts outputs at −¼, ¼, ¾ … (half-pixel centred); k3 s2 p1 op1 is corner aligned', () => {
  const grid = ({ start, jump }: { start: number; jump: number }) => ({ start, jump });
  assert.deepEqual(stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).axes.map(grid), [{ start: -0.25, jump: 0.5 }]);
  assert.deepEqual(stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }] }).axes.map(grid), [{ start: 0, jump: 0.5 }]);
  assert.equal(formatFraction(-0.25), '-1/4');
});

test('alignment agrees with the weighted centroid of interpolating kernels (engine): bilinear convT and resize', () => {
  // The bilinear ×2 transposed kernel [¼, ¾, ¾, ¼] (k4 s2 p1) and resize both sample at start + o·jump.
  const x = tensor([1, 1, 8], [0, 1, 2, 3, 4, 5, 6, 7]); // value = position, so the output is its centroid
  const y = convTranspose(x, tensor([1, 1, 4], [0.25, 0.75, 0.75, 0.25]), null, { stride: 2, padding: 1, backend: 'reference' });
  const a = stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).axes[0]!;
  for (let o = 1; o < 15; o++) assert.ok(Math.abs(y.data[o]! - (a.start + o * a.jump)) < 1e-6, `convT output ${o}`);
  const r = resize(x, { scale: 4, mode: 'bilinear' });
  const b = stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'resize', mode: 'bilinear', scale: 4 }] }).axes[0]!;
  for (let o = 2; o < 30; o++) assert.ok(Math.abs(r.data[o]! - (b.start + o * b.jump)) < 1e-6, `resize output ${o}`);
});

test('skip connections: conv k3 s2 p1 then k4 s2 p1 is half a pixel off; then k3 s2 p1 op1 or k4-down/k4-up are aligned', () => {
  const identity = { input: 16, rank: 1 as const, layers: [] };
  const down3 = { kind: 'conv', kernel: 3, stride: 2, padding: 1 } as const;
  const down4 = { kind: 'conv', kernel: 4, stride: 2, padding: 1 } as const;
  const up4 = { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 } as const;
  const up3 = { kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 } as const;
  const off = checkSkip({ input: 16, rank: 1, layers: [down3, up4] }, identity);
  assert.equal(off.aligned, false);
  assert.deepEqual(off.offset, [0.5]);
  assert.match(off.verdict, /misaligned by 1\/2 output pixel/);
  assert.equal(checkSkip({ input: 16, rank: 1, layers: [down3, up3] }, identity).aligned, true);
  assert.equal(checkSkip({ input: 16, rank: 1, layers: [down4, up4] }, identity).aligned, true);
  const sizes = checkSkip({ input: 15, rank: 1, layers: [down3, up4] }, { input: 15, rank: 1, layers: [] });
  assert.equal(sizes.sameSize, false);
  assert.match(sizes.verdict, /sizes differ \(16 vs 15\)/);
});
