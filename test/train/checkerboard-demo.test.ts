/**
 * The checkerboard experiment: its measure reads stride-periodic patterns on flat regions and not noise, ICNR starts
 * at exactly zero, every decoder learns, and `tconv train --demo checkerboard` writes curves, frames and a plot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, tensor } from '../../src/engine/index.ts';
import { decodePng } from '../../src/render/png.ts';
import { VARIANTS, createCheckerboardTrainer, runCheckerboardDemo } from '../../src/train/checkerboard-demo.ts';
import { checkerboardMeasure } from '../../src/train/checkerboard-measure.ts';
import { drawShapes } from '../../src/train/procedural-images.ts';
import { jsonOf, runCli } from '../cli/run-cli.ts';

const flatTarget = tensor([1, 1, 16, 16], new Float32Array(256).fill(0.3));

test('the measure: 0 for a flat output, the amplitude of a stride-periodic pattern, small for noise', () => {
  assert.equal(checkerboardMeasure(flatTarget, flatTarget), 0);
  const checker = tensor([1, 1, 16, 16], Float32Array.from({ length: 256 }, (_, i) => 0.3 + (((i >> 4) + i) % 2 === 0 ? 0.05 : -0.05)));
  assert.ok(Math.abs(checkerboardMeasure(checker, flatTarget) - 0.05) < 1e-6);
  assert.ok(Math.abs(checkerboardMeasure(checker, flatTarget, 2, 'cells') - 0.05) < 1e-6);
  const rng = createRng(5);
  const noise = tensor([1, 1, 16, 16], Float32Array.from({ length: 256 }, () => 0.3 + rng.uniform(-0.1, 0.1)));
  // Noise is as strong cell by cell, but has no pattern that repeats with the stride.
  assert.ok(checkerboardMeasure(noise, flatTarget, 2, 'cells') > 3 * checkerboardMeasure(noise, flatTarget, 2, 'phases'));
});

test('the measure skips cells near the target\'s edges, where a blur is legitimate', () => {
  const target = drawShapes({ count: 2, size: 16, seed: 3 });
  // A 3 × 3 box blur changes only pixels within one pixel of an edge: the margin keeps them out.
  const blurred = tensor(target.shape);
  for (let n = 0; n < 2; n++) for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
    let sum = 0;
    let count = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy >= 16 || xx < 0 || xx >= 16) continue;
      sum += target.data[(n * 16 + yy) * 16 + xx]!;
      count++;
    }
    blurred.data[(n * 16 + y) * 16 + x] = sum / count;
  }
  assert.ok(blurred.data.some((v, i) => Math.abs(v - target.data[i]!) > 0.01), 'the blur changed something');
  assert.ok(checkerboardMeasure(blurred, target, 2, 'cells') < 1e-6);
  assert.ok(checkerboardMeasure(blurred, target, 2, 'phases') < 1e-6);
});

test('the demo: ICNR starts free of checkerboards, the other sub-pixel start does not, and every decoder learns', () => {
  const result = runCheckerboardDemo({ steps: 40, images: 3, channels: 4, seed: 2 });
  assert.deepEqual(result.variants.map((v) => v.name), [...VARIANTS]);
  const by = new Map(result.variants.map((v) => [v.name, v]));
  assert.ok(by.get('subpixel-icnr')!.checkerboard[0]! < 1e-6, `ICNR start ${by.get('subpixel-icnr')!.checkerboard[0]}`);
  assert.ok(by.get('subpixel')!.checkerboard[0]! > 1e-3);
  // Equal size: the same weights stage for stage where the function class is the same.
  assert.equal(by.get('convT-k3')!.parameters, by.get('resize-conv')!.parameters);
  for (const v of result.variants) {
    assert.equal(v.loss.length, 41);
    assert.equal(v.checkerboard.length, 41);
    assert.ok(v.loss.at(-1)! < 0.5 * v.loss[0]!, `${v.name}: loss ${v.loss[0]} → ${v.loss.at(-1)}`);
  }
});

test('the demo one step at a time: the same curves as one call, and the latest record is the curves\' last point', () => {
  const options = { images: 2, channels: 3, seed: 4, variants: ['convT-k3', 'subpixel-icnr'] as const };
  const trainer = createCheckerboardTrainer(options);
  assert.equal(trainer.steps, 0);
  assert.deepEqual(trainer.targets.shape, [2, 1, 32, 32]);
  assert.deepEqual(trainer.curves().map((c) => c.loss.length), [1, 1]);
  for (const steps of [3, 5]) {
    while (trainer.steps < steps) trainer.step();
    // Bit for bit: runCheckerboardDemo is this loop, and the explorer's numbers are compared with it.
    assert.deepEqual(trainer.curves(), runCheckerboardDemo({ ...options, steps }).variants);
  }
  const curves = trainer.curves();
  trainer.latest.forEach((record, i) => {
    assert.equal(record.name, options.variants[i]);
    assert.equal(record.loss, curves[i]!.loss[5]);
    assert.equal(record.checkerboard, curves[i]!.checkerboard[5]);
    assert.deepEqual(record.output.shape, [2, 1, 32, 32]);
  });
  assert.ok(curves[0]!.loss[5]! < curves[0]!.loss[0]!, 'it learns');
});

test('tconv train --demo checkerboard --json --out writes curves, PNG frames and an SVG plot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconv-train-'));
  try {
    const result = runCli('train', '--demo', 'checkerboard', '--steps', '4', '--images', '2', '--channels', '2', '--frames', '2', '--json', '--out', dir);
    assert.equal(result.status, 0, result.stderr);
    const json = jsonOf(result);
    assert.equal(json.variants.length, 5);
    for (const v of json.variants) assert.equal(v.loss.length, 5);
    assert.deepEqual(json.files.map((f: string) => f.slice(dir.length + 1)), ['frame-00000.png', 'frame-00004.png', 'curves.svg']);
    const frame = decodePng(readFileSync(join(dir, 'frame-00004.png')));
    // 2 images of 32 px at scale 3 with 4 px gaps; rows: targets + 5 variants.
    assert.deepEqual([frame.width, frame.height], [4 + 2 * (96 + 4), 4 + 6 * (96 + 4)]);
    const svg = readFileSync(join(dir, 'curves.svg'), 'utf8');
    assert.equal((svg.match(/class="curve"/g) ?? []).length, 10);
    assert.match(svg, /data-series="subpixel-icnr"/);
    assert.ok(existsSync(join(dir, 'frame-00000.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tconv train refuses an unknown demo or variant by name (exit 2)', () => {
  const demo = runCli('train', '--demo', 'mnist');
  assert.equal(demo.status, 2);
  assert.match(demo.stderr, /--demo.*mnist.*checkerboard/);
  const variant = runCli('train', '--demo', 'checkerboard', '--variants', 'convT-k5');
  assert.equal(variant.status, 2);
  assert.match(variant.stderr, /--variants.*convT-k5/);
});

test('tconv train prints a table of every variant', () => {
  const result = runCli('train', '--demo', 'checkerboard', '--steps', '2', '--images', '1', '--channels', '2', '--variants', 'convT-k3,subpixel-icnr');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /convT-k3 +\d+ +\d\.\d{4} /);
  assert.match(result.stdout, /subpixel-icnr/);
  assert.doesNotMatch(result.stdout, /resize-conv/);
});
