import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerOverlap, overlapMap, stackOverlap } from '../../src/analysis/overlap.ts';
import { convTranspose, tensor } from '../../src/engine/index.ts';
import { hslToRgb, overlapColor, overlapRgb } from '../../src/render/colors.ts';
import { overlapHeatmapRaster, overlapHeatmapSvg } from '../../src/render/heatmap.ts';
import { decodePng, encodePng } from '../../src/render/png.ts';
import { luma } from '../../src/render/raster.ts';
import { assertWellFormed, elements } from './svg-query.ts';

const seedK7 = { kind: 'convTranspose' as const, input: 32, kernel: 7, stride: 2, padding: 3 };
const cells = (svg: string) => elements(svg, 'rect', (e) => e['data-count'] !== undefined);

test('seed k7 s2 p3 on 32×32: 63×63 cells whose data-count is the library overlap map, borders included', () => {
  const overlap = layerOverlap(seedK7);
  const svg = overlapHeatmapSvg(overlap);
  assertWellFormed(svg);
  const rects = cells(svg);
  assert.equal(rects.length, 63 * 63);
  const map = overlapMap(overlap);
  for (const rect of rects) {
    const [r, c] = [Number(rect['data-r']), Number(rect['data-c'])];
    assert.equal(Number(rect['data-count']), map[r * 63 + c], `cell (${r}, ${c})`);
    assert.equal(rect.fill, overlapColor(map[r * 63 + c]!, 4, 16));
  }
  // The map's corners get the fewest contributions (2·2 on the odd-phase corner), the interior 9, 12 or 16.
  assert.equal(Math.min(...map), 4);
  assert.equal(Math.max(...map), 16);
});

test('the heatmap agrees with the engine: convT of all-ones (brute force) gives the same counts as data-count', () => {
  const layer = { kind: 'convTranspose' as const, input: [5, 6], kernel: [3, 4], stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] };
  const svg = overlapHeatmapSvg(layerOverlap(layer));
  const ones = (shape: number[]) => tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
  const y = convTranspose(ones([1, 1, 5, 6]), ones([1, 1, 3, 4]), null, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], backend: 'reference' });
  const [h, w] = [y.shape[2]!, y.shape[3]!];
  const rects = cells(svg);
  assert.equal(rects.length, h * w);
  for (const rect of rects) assert.equal(Number(rect['data-count']), y.data[Number(rect['data-r']) * w + Number(rect['data-c'])]);
});

test('PNG of the seed k7 s2 p3 heatmap: the interior shows 16:12:9 as three darkness levels, darker = more', () => {
  const overlap = layerOverlap(seedK7);
  const cell = 8;
  const png = decodePng(encodePng(overlapHeatmapRaster(overlap, { cell })));
  assert.deepEqual([png.width, png.height], [63 * cell, 63 * cell]);
  const map = overlapMap(overlap);
  const interior = overlap.axes.map((a) => a.interior);
  const lumaByCount = new Map<number, Set<number>>();
  for (let r = 0; r < 63; r++) {
    for (let c = 0; c < 63; c++) {
      if (!interior[0]![r] || !interior[1]![c]) continue;
      const level = luma(png.pixel(c * cell + cell / 2, r * cell + cell / 2));
      const count = map[r * 63 + c]!;
      lumaByCount.set(count, (lumaByCount.get(count) ?? new Set()).add(Math.round(level)));
    }
  }
  assert.deepEqual([...lumaByCount.keys()].sort((a, b) => b - a), [16, 12, 9]);
  // One grey level per count, and strictly darker for more contributions.
  const level = (n: number) => { const s = lumaByCount.get(n)!; assert.equal(s.size, 1); return [...s][0]!; };
  assert.ok(level(16) < level(12) && level(12) < level(9), `luma 16→${level(16)}, 12→${level(12)}, 9→${level(9)}`);
  // Output (3, 3) is odd/odd: 4×4 taps = 16, the darkest; (4, 4) is even/even: 3×3 = 9.
  assert.ok(luma(png.pixel(3 * cell + 4, 3 * cell + 4)) < luma(png.pixel(4 * cell + 4, 4 * cell + 4)));
  // Interior (3, 3) odd/odd: exactly the hsl(215, 70%, L) colour of the page's scale for 16 on 4…16.
  assert.deepEqual(png.pixel(3 * cell + 4, 3 * cell + 4), overlapRgb(16, 4, 16));
});

test('stacks: DCGAN k4 s2 p1 ×4 draws one interior colour, k3 s2 p1 op1 ×4 many, and data-count is the stack map', () => {
  const stack = (kernel: number) => ({ input: 4, layers: Array(4).fill({ kind: 'convTranspose', kernel, stride: 2, padding: 1, outputPadding: kernel % 2 }) });
  for (const [kernel, colours] of [[4, 1], [3, 5]] as const) {
    const overlap = stackOverlap(stack(kernel));
    const svg = overlapHeatmapSvg(overlap);
    const rects = cells(svg);
    assert.equal(rects.length, 64 * 64);
    const map = overlapMap(overlap);
    for (const [i, rect] of rects.entries()) assert.equal(Number(rect['data-count']), map[i]);
    const interior = overlap.axes.map((a) => a.interior);
    const fills = new Set(rects.filter((r) => interior[0]![Number(r['data-r'])] && interior[1]![Number(r['data-c'])]).map((r) => r.fill));
    assert.ok(kernel === 4 ? fills.size === colours : fills.size >= colours, `k${kernel}: ${fills.size} interior colours`);
  }
});

test('1D draws one row; 3D draws the middle depth slice', () => {
  const one = layerOverlap({ kind: 'convTranspose', input: 10, kernel: 5, stride: 2, padding: 2, rank: 1 });
  const rects = cells(overlapHeatmapSvg(one));
  assert.equal(rects.length, one.shape[0]);
  assert.ok(rects.every((r) => r['data-r'] === '0'));
  assert.deepEqual(rects.map((r) => Number(r['data-count'])), one.axes[0]!.counts);
  const three = layerOverlap({ kind: 'convTranspose', input: [3, 4, 5], kernel: 3, stride: 2, padding: 1 });
  const [d, h, w] = three.shape as [number, number, number];
  const slice = Math.floor(d / 2);
  const map = overlapMap(three);
  const rects3 = cells(overlapHeatmapSvg(three));
  assert.equal(rects3.length, h * w);
  for (const rect of rects3) assert.equal(Number(rect['data-count']), map[(slice * h + Number(rect['data-r'])) * w + Number(rect['data-c'])]);
});

test('the colour scale is the page\'s: hsl(215, 70%, 92 − 62·t), and the PNG colour is the same colour', () => {
  assert.equal(overlapColor(9, 9, 16), 'hsl(215, 70%, 92%)');
  assert.equal(overlapColor(16, 9, 16), 'hsl(215, 70%, 30%)');
  assert.equal(overlapColor(5, 5, 5), 'hsl(215, 70%, 61%)');
  // Checked against the CSS conversion of hsl(215, 70%, 30%) = rgb(22.95, 67.6, 130.05).
  assert.deepEqual(overlapRgb(16, 9, 16), [23, 68, 130]);
  assert.deepEqual(hslToRgb(0, 1, 0.5), [255, 0, 0]);
  assert.deepEqual(hslToRgb(120, 1, 0.25), [0, 128, 0]);
});

test('large maps: the PNG shrinks its cells, an SVG draws the top-left 512² cells and says so', () => {
  const big = layerOverlap({ kind: 'convTranspose', input: 300, kernel: 4, stride: 2, padding: 1 });
  const raster = overlapHeatmapRaster(big);
  assert.deepEqual([raster.width, raster.height], [600, 600], '600 outputs, one pixel each');
  const svg = overlapHeatmapSvg(big);
  assert.equal((svg.match(/data-count=/g) ?? []).length, 512 * 512);
  assert.match(svg, /contributions per output \(top-left 512×512 of 600×600\)/);
  assert.match(svg, /data-r="511" data-c="511" data-count="4"/);  // the corner cell still carries its true count
  assert.throws(() => overlapHeatmapRaster(big, { cell: 20 }), /more than 67108864 pixels; use smaller cells/);
  // A map far too large to build (200000 × 200000): only the drawn corner is computed.
  const huge = layerOverlap({ kind: 'convTranspose', input: 100000, kernel: 4, stride: 2, padding: 1 });
  assert.deepEqual([overlapHeatmapRaster(huge).width, overlapHeatmapRaster(huge).height], [2048, 2048]);
  assert.match(overlapHeatmapSvg(huge), /top-left 512×512 of 200000×200000/);
});
