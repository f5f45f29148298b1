/**
 * The wasm ∂W tile (f32_wgrad_4x8__simd128, kernels/wasm/weight-gradient-tile.ts) run alone on memory laid out here
 * (build/check/tconv-check.wasm), at every row count 1…4 and column count 1…8, fresh and accumulating, with
 * contiguous and strided columns, against a scalar loop summing in the same order with float32 rounding (mul, then
 * add), bit for bit. Its rows are read in place from channel planes through a table of K positions: the planes of
 * rows past `rows` and every plane cell no position names hold NaN, as do the packed panel's lanes past `columns`,
 * so reading them shows; every output cell the tile must not write is NaN and must stay so. Replay with TCONV_SEED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';

const seed = runSeed() >>> 0;
const f = Math.fround;
const FIELDS = ['a', 'aRowBytes', 'positions', 'b', 'k', 'out', 'rowBytes', 'columnBytes', 'rows', 'columns', 'accumulate'] as const;

function loadCheck(): { memory: WebAssembly.Memory; exports: Record<string, unknown> } {
  const bytes = readFileSync(new URL('../../build/check/tconv-check.wasm', import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { memory, exports: instance.exports as Record<string, unknown> };
}

interface TileCase { rows: number; cols: number; accumulate: boolean; contiguous: boolean }

/** One call of the tile; returns the first difference from the scalar loop, or ''. */
function checkTile(check: ReturnType<typeof loadCheck>, rng: Rng, { rows, cols, accumulate, contiguous }: TileCase): string {
  const f32 = new Float32Array(check.memory.buffer);
  const i32 = new Int32Array(check.memory.buffer);
  f32.fill(Number.NaN, 16 * 1024);
  let next = 64 * 1024;
  const alloc = (floats: number) => {
    const ptr = next;
    next += Math.ceil((4 * floats + 64) / 64) * 64;
    return ptr;
  };
  const k = rng.int(1, 40);
  // Four planes of `plane` floats; the K positions are distinct cells, only they (and only in the first `rows` planes) hold values.
  const plane = 2 * k + rng.int(0, 7);
  const cells = Array.from({ length: plane }, (_, i) => i).sort(() => rng.next() - 0.5).slice(0, k);
  const planes = alloc(4 * plane);
  for (let r = 0; r < rows; r++) for (const c of cells) f32[planes / 4 + r * plane + c] = f(rng.next() * 2 - 1);
  const positions = alloc(k);
  cells.forEach((c, i) => { i32[positions / 4 + i] = 4 * c; });
  const b = alloc(8 * k);
  for (let kk = 0; kk < k; kk++) for (let c = 0; c < cols; c++) f32[b / 4 + kk * 8 + c] = f(rng.next() * 2 - 1);
  // C: rows `rowStride` floats apart, columns `step` apart; only the rows × cols cells are the tile's.
  const step = contiguous ? 1 : rng.int(2, 3);
  const rowStride = 8 * step + rng.int(0, 5);
  const out = alloc(4 * rowStride);
  const cell = (r: number, c: number) => out / 4 + r * rowStride + c * step;
  if (accumulate) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f32[cell(r, c)] = f(rng.next());
  const before = Float32Array.from(f32.subarray(out / 4, out / 4 + 4 * rowStride));
  const expected = Float32Array.from(before);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let acc = accumulate ? f32[cell(r, c)]! : 0;
      for (let kk = 0; kk < k; kk++) acc = f(acc + f(f32[planes / 4 + r * plane + cells[kk]!]! * f32[b / 4 + kk * 8 + c]!));
      expected[r * rowStride + c * step] = acc;
    }
  }
  const values: Record<(typeof FIELDS)[number], number> = {
    a: planes, aRowBytes: 4 * plane, positions, b, k, out, rowBytes: 4 * rowStride, columnBytes: 4 * step, rows, columns: cols,
    accumulate: accumulate ? 1 : 0,
  };
  const args = alloc(32);
  i32.fill(0, args / 4, args / 4 + 32);
  for (const field of FIELDS) i32[(args + ((check.exports[`WgradTileArgs_${field}`] as WebAssembly.Global).value as number)) / 4] = values[field];
  (check.exports.f32_wgrad_4x8__simd128 as (p: number) => void)(args);
  const got = f32.subarray(out / 4, out / 4 + 4 * rowStride);
  for (let i = 0; i < got.length; i++) {
    const same = Object.is(got[i], expected[i]) || (Number.isNaN(got[i]!) && Number.isNaN(expected[i]!));
    if (!same) return `output ${i} (row ${Math.floor(i / rowStride)}): got ${got[i]}, expected ${expected[i]}`;
  }
  return '';
}

test('the wasm ∂W tile alone gives the scalar loop\'s bits, at every row and column remainder', () => {
  const check = loadCheck();
  const declared = Object.keys(check.exports).filter((e) => e.startsWith('WgradTileArgs_') && e !== 'WgradTileArgs_bytes').map((e) => e.slice(14));
  assert.deepEqual(declared.sort(), [...FIELDS].sort(), 'the test writes every field of the struct');
  const rng = createRng(seed);
  let cases = 0;
  for (let rows = 1; rows <= 4; rows++) {
    for (let cols = 1; cols <= 8; cols++) {
      for (const accumulate of [false, true]) {
        for (const contiguous of [false, true]) {
          const where = `f32_wgrad_4x8__simd128 with ${rows} rows, ${cols} columns${accumulate ? ', accumulating' : ''}${contiguous ? ', contiguous' : ''} (TCONV_SEED=${seed})`;
          assert.equal(checkTile(check, rng, { rows, cols, accumulate, contiguous }), '', where);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 4 * 8 * 4);
});
