// pixelShuffle / pixelUnshuffle (src/engine/ops/pixel-shuffle.ts) against the definition decoded index by index,
// in 1D, 2D and 3D, with batch and channels > 1 and factors 2 and 3; and unshuffle undoes shuffle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelShuffle, pixelUnshuffle } from '../../src/engine/index.ts';

/** torch.nn.PixelShuffle's definition: input channel c·r^R + Σ q_a·r^(R−1−a) at p goes to channel c at p·r + q. */
function definition(shape: readonly number[], data: Float32Array, r: number): { shape: number[]; data: Float32Array } {
  const [n, channels, ...small] = shape as [number, number, ...number[]];
  const rank = small.length;
  const group = r ** rank;
  const c = channels / group;
  const large = small.map((s) => s * r);
  const out = new Float32Array(data.length);
  const smallSize = small.reduce((a, b) => a * b, 1);
  const largeSize = smallSize * group;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let l = 0; l < largeSize; l++) {
        const position: number[] = [];
        let rest = l;
        for (let a = rank - 1; a >= 0; a--) { position[a] = rest % large[a]!; rest = Math.floor(rest / large[a]!); }
        let sub = 0;
        let s = 0;
        for (let a = 0; a < rank; a++) { sub = sub * r + (position[a]! % r); s = s * small[a]! + Math.floor(position[a]! / r); }
        out[(b * c + ch) * largeSize + l] = data[((b * c + ch) * group + sub) * smallSize + s]!;
      }
    }
  }
  return { shape: [n, c, ...large], data: out };
}

const CASES: [number[], number][] = [
  [[2, 6, 5], 3], [[1, 4, 7], 2], [[2, 8, 3, 5], 2], [[1, 18, 4, 3], 3], [[2, 16, 2, 3, 4], 2], [[1, 27, 2, 1, 3], 3],
];

for (const [shape, r] of CASES) {
  test(`pixel shuffle ×${r} of [${shape.join(', ')}] is the definition, and unshuffle undoes it`, () => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1);
    const y = pixelShuffle({ shape, data }, r);
    const expected = definition(shape, data, r);
    assert.deepEqual([...y.shape], expected.shape);
    assert.deepEqual([...y.data], [...expected.data]);
    const back = pixelUnshuffle(y, r);
    assert.deepEqual([...back.shape], shape);
    assert.deepEqual([...back.data], [...data]);
  });
}
