/**
 * `tconv render` writing real files (the analysis tests cover heatmap/artifact/animation from the command line;
 * these cover receptive fields from a JSON stack file, --at, and the refusals).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receptiveField } from '../../src/analysis/receptive-field.ts';
import { PALETTE, hexRgb } from '../../src/render/colors.ts';
import { decodePng } from '../../src/render/png.ts';
import { runCli } from '../cli/run-cli.ts';
import { assertWellFormed, elements } from './svg-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'tconv-render-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const stack = { input: 4, layers: Array(2).fill({ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }) };
const stackFile = join(dir, 'stack.json');
writeFileSync(stackFile, JSON.stringify(stack));

test('receptive-field from a JSON stack file --at r,c: SVG cells and PNG pixels are the library\'s field', () => {
  const svgFile = join(dir, 'rf.svg');
  const result = runCli('render', 'receptive-field', '--stack', stackFile, '--at', '7,9', '--out', svgFile);
  assert.equal(result.status, 0, result.stderr);
  const svg = readFileSync(svgFile, 'utf8');
  assertWellFormed(svg);
  const rf = receptiveField(stack);
  const [rows, cols] = [rf.axes[0]!.sets[7]!, rf.axes[1]!.sets[9]!];
  const drawn = elements(svg, 'rect', (e) => e.class === 'input in').map((e) => `${e['data-r']},${e['data-c']}`).sort();
  assert.deepEqual(drawn, rows.flatMap((r) => cols.map((c) => `${r},${c}`)).sort());

  const pngFile = join(dir, 'rf.png');
  assert.equal(runCli('render', 'rf', '--stack', stackFile, '--at', '7,9', '--cell', '10', '--out', pngFile).status, 0);
  const png = decodePng(readFileSync(pngFile));
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      assert.deepEqual(png.pixel(c * 10 + 4, r * 10 + 4), hexRgb(rows.includes(r) && cols.includes(c) ? PALETTE.field : PALETTE.empty));
    }
  }
});

test('refusals are one sentence with exit 2: missing stack file, position outside the output, unknown kind', () => {
  for (const [args, message] of [
    [['render', 'heatmap', '--stack', join(dir, 'missing.json'), '--out', join(dir, 'x.png')], /--stack .* cannot be read \(ENOENT\)/],
    [['render', 'rf', '--stack', stackFile, '--at', '16,0', '--out', join(dir, 'x.svg')], /--at \("16,0"\) is outside the output \(16×16\)/],
    [['render', 'sketch', '-i', '4', '-k', '3'], /kind \("sketch"\) is not a picture tconv draws/],
  ] as const) {
    const result = runCli(...args);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});
