import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactImage } from '../../src/analysis/stack-run.ts';
import { artifactRaster, artifactSvg } from '../../src/render/artifact.ts';
import { decodePng, encodePng } from '../../src/render/png.ts';
import { luma } from '../../src/render/raster.ts';
import { assertWellFormed, elements } from './svg-query.ts';

const stack = (kernel: number) => ({ input: 6, channels: 16, layers: Array(2).fill({ kind: 'convTranspose', kernel, stride: 2, padding: 1, outputPadding: kernel % 2 }) });

/** Mean absolute difference of neighbouring interior pixels (cells 4 … n − 5): the fine texture of a checkerboard. */
function texture(png: ReturnType<typeof decodePng>, n: number, cell: number): number {
  let sum = 0;
  let count = 0;
  for (let r = 4; r < n - 5; r++) {
    for (let c = 4; c < n - 5; c++) {
      const here = luma(png.pixel(c * cell, r * cell));
      sum += Math.abs(here - luma(png.pixel((c + 1) * cell, r * cell))) + Math.abs(here - luma(png.pixel(c * cell, (r + 1) * cell)));
      count += 2;
    }
  }
  return sum / count;
}

test('PNG: grey normalised to the image (min black, max white), one square per output', () => {
  const image = artifactImage(stack(3));
  const cell = 3;
  const png = decodePng(encodePng(artifactRaster(image, { cell })));
  const [h, w] = image.shape as [number, number];
  assert.deepEqual([png.width, png.height], [w * cell, h * cell]);
  let [minAt, maxAt] = [0, 0];
  image.values.forEach((v, i) => { if (v < image.values[minAt]!) minAt = i; if (v > image.values[maxAt]!) maxAt = i; });
  const at = (i: number) => png.pixel((i % w) * cell + 1, Math.floor(i / w) * cell + 1);
  assert.deepEqual(at(minAt), [0, 0, 0]);
  assert.deepEqual(at(maxAt), [255, 255, 255]);
  // Grey, and monotone in the value.
  for (let i = 0; i < h * w; i += 7) {
    const [r, g, b] = at(i);
    assert.ok(r === g && g === b);
    const j = (i * 31 + 5) % (h * w);
    if (image.values[i]! < image.values[j]!) assert.ok(at(i)[0] <= at(j)[0]);
  }
});

test('the checkerboard is visible: the uneven k3 s2 stack has a much stronger fine texture than the even k4 s2 one', () => {
  const cell = 2;
  const [uneven, even] = [3, 4].map((k) => {
    const image = artifactImage(stack(k));
    return texture(decodePng(encodePng(artifactRaster(image, { cell }))), image.shape[0]!, cell);
  }) as [number, number];
  assert.ok(uneven > 3 * even, `neighbour contrast (0–255): k3 ${uneven.toFixed(1)}, k4 ${even.toFixed(1)}`);
});

test('SVG: one pixel rect per output with its value, and the interior spread in the caption', () => {
  const image = artifactImage(stack(4));
  const svg = artifactSvg(image);
  assertWellFormed(svg);
  const px = elements(svg, 'rect', (e) => e.class === 'px');
  assert.equal(px.length, image.shape[0]! * image.shape[1]!);
  const w = image.shape[1]!;
  for (const p of px.filter((_, i) => i % 13 === 0)) {
    const v = image.values[Number(p['data-r']) * w + Number(p['data-c'])]!;
    assert.equal(Number(p['data-value']), Number(v.toPrecision(4)));
  }
  assert.match(svg, new RegExp(`interior spread \\(max − min\\)/mean = ${Number(image.interiorSpread.toPrecision(4))}`));
});

test('a given range clamps: values below are black, above white', () => {
  const image = artifactImage(stack(3));
  const values = [...image.values].sort((a, b) => a - b);
  const range = { min: values[Math.floor(values.length / 2)]!, max: values[values.length - 1]! };
  const raster = artifactRaster(image, { cell: 1, range });
  const w = image.shape[1]!;
  image.values.forEach((v, i) => { if (v < range.min) assert.equal(raster.pixel(i % w, Math.floor(i / w))[0], 0); });
});
