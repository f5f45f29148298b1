/** Training pictures: one polyline per series and panel, log panels put 0 on the bottom edge; image grids by size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvesSvg, imageGridRaster } from '../../src/render/curves.ts';

test('curvesSvg: a line per series and panel, zeros on the bottom edge of a log panel', () => {
  const svg = curvesSvg({
    title: 'run',
    panels: [
      { label: 'loss', logScale: true, series: [{ name: 'a', values: [1, 0.1, 0.01] }, { name: 'b', values: [0, 0.5, 0.05] }] },
      { label: 'measure', series: [{ name: 'a', values: [3, 2, 1] }] },
    ],
  });
  assert.equal((svg.match(/class="curve"/g) ?? []).length, 3);
  const b = /points="([^"]+)"[^>]*data-series="b"/.exec(svg)![1]!.split(' ').map((p) => Number(p.split(',')[1]));
  const a = /points="([^"]+)"[^>]*data-series="a"/.exec(svg)![1]!.split(' ').map((p) => Number(p.split(',')[1]));
  // b's 0 sits where a's smallest value (the panel's floor) sits: the bottom edge.
  assert.equal(b[0], a[2]);
  assert.ok(a[0]! < a[1]! && a[1]! < a[2]!, 'larger values are higher up');
});

test('curvesSvg: with one panel every legend entry is inside the picture', () => {
  const names = ['convT-k3', 'convT-k4', 'resize-conv', 'subpixel', 'subpixel-icnr'];
  const svg = curvesSvg({ title: 'loss', panels: [{ label: 'loss', series: names.map((name) => ({ name, values: [1, 0.5] })) }] });
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const height = Number(/height="(\d+)"/.exec(svg)![1]);
  for (const name of names) {
    const [x, y] = new RegExp(`<text x="([\\d.]+)" y="([\\d.]+)"[^>]*>${name}<`).exec(svg)!.slice(1).map(Number);
    // 13 characters of 12 px sans-serif take under 100 px.
    assert.ok(x! + 100 <= width && y! <= height, `${name} at (${x}, ${y}) in ${width}×${height}`);
  }
});

test('imageGridRaster: rows × images at the given scale, grey by value', () => {
  const raster = imageGridRaster({ rows: [Float32Array.of(0, 1, 1, 0), Float32Array.of(1, 1, 1, 1)], count: 1, size: 2, scale: 2, gap: 1 });
  assert.deepEqual([raster.width, raster.height], [1 + 4 + 1, 1 + 2 * (4 + 1)]);
  assert.deepEqual(raster.pixel(1, 1), [0, 0, 0]);
  assert.deepEqual(raster.pixel(3, 1), [255, 255, 255]);
});
