/**
 * The package's public entry points: every subpath in package.json loads by its package name, the main entry
 * re-exports the parts, and tconv/shape stays free of the engine (design.md: "tconv/shape ships without the
 * engine; a size test guards it").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string> };

test('every exported subpath loads by package name', async () => {
  for (const subpath of Object.keys(pkg.exports)) {
    const name = subpath === '.' ? 'tconv' : `tconv/${subpath.slice(2)}`;
    const module = await import(name);
    assert.ok(Object.keys(module).length > 0, `${name} exports something`);
  }
});

test('the main entry exposes shape, engine and analysis together', async () => {
  const tconv = await import('tconv');
  const plan = tconv.planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
  assert.deepEqual(plan.outputShape, [1, 1, 63, 63]);
  assert.equal(typeof tconv.convTranspose, 'function');
  assert.equal(typeof tconv.explainLayer, 'function');
});

/** Files reachable from an entry through relative imports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      visit(resolve(dirname(file), match[1]!));
    }
  };
  visit(entry);
  return [...seen];
}

test('tconv/shape imports nothing outside src/shape and stays small', () => {
  const files = reachable(join(root, 'src/shape/index.ts'));
  const outside = files.map((f) => relative(root, f)).filter((f) => !f.startsWith('src/shape/'));
  assert.deepEqual(outside, []);
  const gzipped = gzipSync(Buffer.concat(files.map((f) => readFileSync(f)))).length;
  // Source with comments, gzipped: a generous bound that still catches an accidental engine or analysis import.
  assert.ok(gzipped < 60_000, `tconv/shape is ${gzipped} bytes gzipped`);
});
