// The engine's resize (src/engine/ops/resize.ts): nearest copies exactly; bilinear blends as PyTorch does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resize } from '../../src/engine/index.ts';

test('nearest resize copies values exactly, infinities included (1·x + 0·x would make them NaN)', () => {
  const data = Float32Array.of(1, Number.POSITIVE_INFINITY, -2, Number.NEGATIVE_INFINITY);
  const y = resize({ shape: [1, 1, 2, 2], data }, { scale: 2, mode: 'nearest' });
  assert.deepEqual([...y.data], [1, 1, Infinity, Infinity, 1, 1, Infinity, Infinity, -2, -2, -Infinity, -Infinity, -2, -2, -Infinity, -Infinity]);
});

test('bilinear resize ×2 blends the two neighbours at (o + ½)/2 − ½, clamped, along every axis', () => {
  const y = resize({ shape: [1, 1, 2, 3], data: Float32Array.of(0, 4, 8, 12, 16, 20) }, { scale: 2, mode: 'bilinear' });
  // Columns 0, 4, 8 → 0, 1, 3, 5, 7, 8; rows 0 and 12 blended the same way: 0, 3, 9, 12.
  const columns = (base: number) => [0, 1, 3, 5, 7, 8].map((v) => v + base);
  assert.deepEqual([...y.data], [...columns(0), ...columns(3), ...columns(9), ...columns(12)]);
});
