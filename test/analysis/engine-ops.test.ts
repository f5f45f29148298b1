/** The small engine ops the analysis needs (resize, pixel shuffle) against PyTorch golden vectors, and their errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pixelShuffle, pixelUnshuffle, randomTensor, resize, tensor } from '../../src/engine/index.ts';

interface Case {
  name: string;
  op: 'resize' | 'pixelShuffle';
  mode?: 'nearest' | 'bilinear';
  scale?: number[];
  factor?: number;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/resize-pixel-shuffle.json', import.meta.url), 'utf8')) as { cases: Case[] };

test('resize (nearest, bilinear/linear/trilinear) and pixel shuffle match PyTorch 1.13 (scripts/gen-resize-vectors.py)', () => {
  assert.ok(cases.length >= 8);
  for (const c of cases) {
    const x = tensor(c.input.shape, c.input.data);
    const y = c.op === 'resize' ? resize(x, { scale: c.scale!, mode: c.mode! }) : pixelShuffle(x, c.factor!);
    assert.deepEqual(y.shape, c.output.shape, c.name);
    for (const [i, v] of y.data.entries()) assert.ok(Math.abs(v - c.output.data[i]!) < 1e-6, `${c.name} element ${i}: ${v} vs ${c.output.data[i]}`);
  }
});

test('pixel unshuffle inverts pixel shuffle in 1D, 2D and 3D', () => {
  for (const shape of [[2, 6, 5], [1, 8, 3, 4], [1, 16, 2, 1, 3]]) {
    const x = randomTensor(shape, shape.length);
    assert.deepEqual(pixelUnshuffle(pixelShuffle(x, 2), 2), x);
  }
});

test('resize and pixel shuffle errors name the parameter, the rule and the fix', () => {
  assert.throws(() => resize(tensor([4], [1, 2, 3, 4]), { scale: 2 }), /^TconvError: input \(\[4\]\) must have 3 to 5 dimensions \(N, C, spatial…\); pass an NCW, NCHW or NCDHW tensor$/);
  assert.throws(() => resize(tensor([1, 1, 2], [1, 2]), { scale: 2, mode: 'cubic' as 'nearest' }), /mode \("cubic"\) must be "nearest" or "bilinear"; choose a resize mode/);
  assert.throws(() => resize(tensor([1, 1, 2], [1, 2]), { scale: 1.5 }), /scale \(1\.5\) must be a positive integer; use a whole upsampling factor such as 2/);
  assert.throws(() => pixelShuffle(tensor([1, 3, 1, 1], [1, 2, 3]), 2), /input \(\[1, 3, 1, 1\]\) has 3 channels, not divisible by factor\^2 = 4; give the input a multiple of 4 channels/);
  assert.throws(() => pixelUnshuffle(tensor([1, 1, 3, 3]), 2), /input \(\[1, 1, 3, 3\]\) has spatial sizes not divisible by the factor 2; crop or pad the input to a multiple of 2/);
  assert.throws(() => pixelShuffle(tensor([1, 4, 1, 1]), 0), /factor \(0\) must be a positive integer/);
});
