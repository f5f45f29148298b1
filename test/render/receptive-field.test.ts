import { test } from 'node:test';
import assert from 'node:assert/strict';
import { receptiveField } from '../../src/analysis/receptive-field.ts';
import { PALETTE, hexRgb } from '../../src/render/colors.ts';
import { decodePng, encodePng } from '../../src/render/png.ts';
import { receptiveFieldRaster, receptiveFieldSvg } from '../../src/render/receptive-field.ts';
import { assertWellFormed, elements } from './svg-query.ts';

const inside = (svg: string) => elements(svg, 'rect', (e) => e.class === 'input in').map((e) => `${e['data-r']},${e['data-c']}`).sort();

test('k3 s2 p1: output (5, 5) reads inputs 2…3 × 2…3; the drawn cells are exactly that set', () => {
  const rf = receptiveField({ input: 8, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
  const svg = receptiveFieldSvg(rf, [5, 5]);
  assertWellFormed(svg);
  assert.deepEqual(inside(svg), ['2,2', '2,3', '3,2', '3,3']);
  assert.equal(elements(svg, 'rect', (e) => e.class?.startsWith('input') ?? false).length, 64);
  assert.equal(elements(svg, 'rect', (e) => e.class === 'output chosen').length, 1);
  // An even output (phase with one tap per axis) reads one input.
  assert.deepEqual(inside(receptiveFieldSvg(rf, [4, 6])), ['2,3']);
});

test('through a stack with dilation the field has gaps: drawn cells = the product of the library sets, not the hull', () => {
  const rf = receptiveField({ input: 10, layers: [{ kind: 'convTranspose', kernel: 3, stride: 1, dilation: 3 }, { kind: 'conv', kernel: 2, stride: 2 }] });
  const position = [3, 5];
  const sets = rf.axes.map((a, i) => a.sets[position[i]!]!);
  const expected = sets[0]!.flatMap((r) => sets[1]!.map((c) => `${r},${c}`)).sort();
  const svg = receptiveFieldSvg(rf, position);
  assert.deepEqual(inside(svg), expected);
  const hull = sets.map((s) => s[s.length - 1]! - s[0]! + 1);
  assert.ok(expected.length < hull[0]! * hull[1]!, 'the set is not contiguous, so the test sees the gaps');
  assert.equal(elements(svg, 'rect', (e) => e.class === 'hull').length, 1);
});

test('1D fields draw one row, and the PNG marks the same cells red and the rest grey', () => {
  const rf = receptiveField({ input: 12, rank: 1, layers: [{ kind: 'convTranspose', kernel: 7, stride: 2, padding: 3 }] });
  const svg = receptiveFieldSvg(rf, [10]);
  assert.deepEqual(inside(svg), rf.axes[0]!.sets[10]!.map((i) => `0,${i}`).sort());
  const cell = 10;
  const png = decodePng(encodePng(receptiveFieldRaster(rf, [10], { cell })));
  const set = new Set(rf.axes[0]!.sets[10]);
  for (let i = 0; i < 12; i++) assert.deepEqual(png.pixel(i * cell + 4, 4), hexRgb(set.has(i) ? PALETTE.field : PALETTE.empty), `input ${i}`);
  // The output panel to the right marks output 10 only.
  const ox = 12 * cell + 20;
  for (let o = 0; o < rf.stack.outputSize[0]!; o++) assert.deepEqual(png.pixel(ox + o * cell + 4, 4), hexRgb(o === 10 ? PALETTE.field : PALETTE.empty));
});

test('a 2D PNG has the field red on the input panel', () => {
  const rf = receptiveField({ input: 8, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }, { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] });
  const cell = 6;
  const png = decodePng(encodePng(receptiveFieldRaster(rf, [13, 20], { cell })));
  const rows = new Set(rf.axes[0]!.sets[13]);
  const cols = new Set(rf.axes[1]!.sets[20]);
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      assert.deepEqual(png.pixel(c * cell + 2, r * cell + 2), hexRgb(rows.has(r) && cols.has(c) ? PALETTE.field : PALETTE.empty), `input (${r}, ${c})`);
    }
  }
});

test('positions outside the output or of the wrong rank are refused', () => {
  const rf = receptiveField({ input: 8, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
  assert.throws(() => receptiveFieldSvg(rf, [15, 0]), /outside the output \(size 15\)/);
  assert.throws(() => receptiveFieldSvg(rf, [3]), /needs 2 coordinates/);
});

test('3D: the input slice through the middle of the field is drawn, with the field\'s rows and columns filled', () => {
  const rf = receptiveField({ input: [4, 5, 6], layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1 }] });
  const position = [3, 4, 5];
  const sets = rf.axes.map((a, i) => a.sets[position[i]!]!);
  const svg = receptiveFieldSvg(rf, position);
  const depth = Math.floor((sets[0]![0]! + sets[0]!.at(-1)!) / 2);
  assert.match(svg, new RegExp(`input 4×5×6, depth ${depth}`));
  assert.match(svg, /output 7×9×11, depth 3/);
  assert.deepEqual(inside(svg), sets[1]!.flatMap((r) => sets[2]!.map((c) => `${r},${c}`)).sort());
});
