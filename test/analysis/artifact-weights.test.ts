/**
 * artifactImage's weight choices: what "even" means (equal overlap for constant weights) and what it does not
 * (random weights still print the stride's pattern; ICNR removes it). The explorer shows these three images.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactImage } from '../../src/analysis/stack-run.ts';
import { isTconvError } from '../../src/shape/errors.ts';

const unet = { input: 8, rank: 2 as const, channels: 1, layers: [{ kind: 'convTranspose' as const, kernel: 2, stride: 2, padding: 0, outChannels: 1 }] };
const k7 = { input: 8, rank: 2 as const, channels: 1, layers: [{ kind: 'convTranspose' as const, kernel: 7, stride: 2, padding: 3, outChannels: 1 }] };

test('an even layer is flat with constant weights, patterned with random ones, flat again with ICNR', () => {
  assert.equal(artifactImage(unet, { weights: 'constant' }).interiorSpread, 0);
  assert.ok(artifactImage(unet, { weights: 'positive', seed: 3 }).interiorSpread > 0.1, 'random k2 s2 weights give each phase its own value');
  const icnr = artifactImage(unet, { weights: 'icnr', seed: 3 });
  assert.ok(icnr.interiorSpread < 1e-6, `ICNR spread ${icnr.interiorSpread}`);
});

test('constant weights on an uneven layer print the overlap levels themselves (16:12:9 for k7 s2)', () => {
  const image = artifactImage(k7, { weights: 'constant' });
  const interior = new Set<number>();
  const [h, w] = image.shape as [number, number];
  for (let r = 4; r < h - 4; r++) for (let c = 4; c < w - 4; c++) interior.add(image.values[r * w + c]!);
  assert.deepEqual([...interior].sort((a, b) => b - a), [16, 12, 9]);
  assert.ok(Math.abs(image.interiorSpread - (16 - 9) / ((16 + 2 * 12 + 9) / 4)) < 0.05);
});

test('ICNR is refused by name where the kernel is not a multiple of the stride', () => {
  assert.throws(() => artifactImage(k7, { weights: 'icnr' }), (error) => isTconvError(error) && /multiple of the stride 2/.test(error.message));
});
