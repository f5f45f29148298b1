/**
 * The wasm micro-kernel tester: each tile of the simd128 set (build/check/tconv-check.wasm, kernels/wasm/check.ts)
 * run alone on memory laid out here, at every row count 1…mr (the row remainders) and every column count 1…nr
 * (the NR remainders), against a scalar loop summing in the same order with float32 rounding (mul, then add: SIMD128
 * has no FMA), bit for bit. Weight rows past the tile's rows, panel lanes past its columns and input outside the
 * taps' reach hold NaN, so reading or storing them shows; every output the tile must not write is NaN-poisoned and
 * must stay so. Kernel names follow f32_<kind>_<mr>x<nr>__simd128 (docs/kernels.md). Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';

const TILE_NAME = /^f32_(gemm|direct)_(\d+)x(\d+)__simd128$/;
const seed = runSeed() >>> 0;
const f = Math.fround;

type Tile = (args: number) => void;
interface Check {
  memory: WebAssembly.Memory;
  exports: Record<string, unknown>;
}

function loadCheck(): Check {
  const bytes = readFileSync(new URL('../../build/check/tconv-check.wasm', import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { memory, exports: instance.exports as Record<string, unknown> };
}

/** Lays out blocks in the module's memory (from 64 KiB on, 64-byte aligned) and writes struct fields by name. */
class Arena {
  private next = 64 * 1024;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  constructor(private readonly check: Check) {
    this.f32 = new Float32Array(check.memory.buffer);
    this.i32 = new Int32Array(check.memory.buffer);
  }
  alloc(floats: number, fill = Number.NaN): number {
    const ptr = this.next;
    this.next += Math.ceil((4 * floats + 64) / 64) * 64;
    this.f32.fill(fill, ptr / 4, ptr / 4 + floats + 16);
    return ptr;
  }
  floats(values: readonly number[]): number {
    const ptr = this.alloc(values.length);
    this.f32.set(values, ptr / 4);
    return ptr;
  }
  ints(values: readonly number[]): number {
    const ptr = this.alloc(values.length);
    this.i32.set(values, ptr / 4);
    return ptr;
  }
  /** A struct of the kernels' layout, every field written (by its offset exported as `<struct>_<field>`). */
  struct(name: string, fields: Record<string, number>, doubles: Record<string, number> = {}): number {
    const bytes = (this.check.exports[`${name}_bytes`] as WebAssembly.Global).value as number;
    const ptr = this.alloc(bytes / 4, 0);
    this.i32.fill(0, ptr / 4, ptr / 4 + bytes / 4);
    const declared = Object.keys(this.check.exports).filter((k) => k.startsWith(`${name}_`) && k !== `${name}_bytes`);
    assert.deepEqual([...Object.keys(fields), ...Object.keys(doubles)].sort(), declared.map((k) => k.slice(name.length + 1)).sort(), `${name}: the test must set every field`);
    for (const [field, value] of Object.entries(fields)) {
      const offset = (this.check.exports[`${name}_${field}`] as WebAssembly.Global).value as number;
      this.i32[(ptr + offset) / 4] = value;
    }
    for (const [field, value] of Object.entries(doubles)) {
      const offset = (this.check.exports[`${name}_${field}`] as WebAssembly.Global).value as number;
      new Float64Array(this.check.memory.buffer, ptr + offset, 1)[0] = value;
    }
    return ptr;
  }
}

const randoms = (rng: Rng, n: number) => Array.from({ length: n }, () => f(rng.next() * 2 - 1));
const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Compares memory with the expected floats (NaN = must stay poisoned); returns the first difference or ''. */
function firstDifference(arena: Arena, ptr: number, expected: readonly number[]): string {
  for (let i = 0; i < expected.length; i++) {
    const got = arena.f32[ptr / 4 + i]!;
    if (!sameBits(got, expected[i]!)) return `output ${i}: got ${got}, expected ${expected[i]}`;
  }
  return '';
}

function tiles(check: Check): { name: string; kind: string; mr: number; nr: number; run: Tile }[] {
  return Object.entries(check.exports).flatMap(([name, value]) => {
    const match = TILE_NAME.exec(name);
    return match && typeof value === 'function' ? [{ name, kind: match[1]!, mr: Number(match[2]), nr: Number(match[3]), run: value as Tile }] : [];
  });
}

/** One f32_gemm call: rows × cols of a packed panel over random segments; returns the first difference or ''. */
interface GemmCase { mr: number; nr: number; rows: number; cols: number; accumulate: boolean; contiguous: boolean; activation: number }

function checkGemm(check: Check, tile: Tile, rng: Rng, { mr, nr, rows, cols, accumulate, contiguous, activation }: GemmCase): string {
  const arena = new Arena(check);
  // Segments: (first A row, count) pairs over an A of kRows rows; the panel holds their rows back to back.
  const kRows = rng.int(4, 40);
  const segs: number[] = [];
  let panelRows = 0;
  for (let s = rng.int(0, 3); s > 0; s--) {
    const first = rng.int(0, kRows - 1);
    const count = rng.int(1, kRows - first);
    segs.push(first, count);
    panelRows += count;
  }
  // A: 4 floats per row, rows past `rows` NaN (the tile must not read them).
  const a: number[] = [];
  for (let k = 0; k < kRows; k++) for (let r = 0; r < 4; r++) a.push(r < rows ? f(rng.next() * 2 - 1) : Number.NaN);
  // Panel: nr floats per row, lanes past `cols` NaN (computed, never stored).
  const b: number[] = [];
  for (let k = 0; k < panelRows; k++) for (let c = 0; c < nr; c++) b.push(c < cols ? f(rng.next() * 2 - 1) : Number.NaN);
  // Output: mr channels of `stride` floats; column c goes to columnIndex[c].
  const step = contiguous ? 1 : rng.int(2, 3);
  const stride = nr * step + 5;
  const columnIndex = Array.from({ length: nr }, (_, c) => (c < cols ? 1 + c * step : 0));
  const before = Array.from({ length: mr * stride }, () => Number.NaN);
  if (accumulate) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) before[r * stride + columnIndex[c]!] = f(rng.next());
  const out = arena.floats(before);
  const bias = rng.next() < 0.7 ? randoms(rng, mr) : null;
  const expected = [...before];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let acc = accumulate ? before[r * stride + columnIndex[c]!]! : bias ? bias[r]! : 0;
      let p = 0;
      for (let s = 0; s < segs.length; s += 2) {
        for (let k = 0; k < segs[s + 1]!; k++, p++) acc = f(acc + f(a[(segs[s]! + k) * 4 + r]! * b[p * nr + c]!));
      }
      expected[r * stride + columnIndex[c]!] = STORE_ACTIVATIONS[activation]!(acc);
    }
  }
  tile(arena.struct('GemmTileArgs', {
    a: arena.floats(a), segments: arena.ints(segs), segmentCount: segs.length / 2, b: arena.floats(b), out,
    channelBytes: 4 * stride, columns: arena.ints(columnIndex), validColumns: cols, contiguous: contiguous ? 1 : 0,
    rows, bias: bias ? arena.floats(bias) : 0, accumulate: accumulate ? 1 : 0, activation,
  }, { alpha: LEAKY_ALPHA }));
  return firstDifference(arena, out, expected);
}

/**
 * One f32_direct call over an output row of `width` outputs `outStep` apart, reading a padded input (D, H, C, Wp)
 * surrounded by NaN: the flat loop over a K-offset table (every tap inside) or the D/H-checked loop.
 */
interface DirectCase { rows: number; width: number; outStep: number; flat: boolean; activation: number }

/** The activations a direct tile applies as it stores (layout.ts ACT_*), as the element-wise kernels define them. */
const STORE_ACTIVATIONS: readonly ((v: number) => number)[] = [
  (v) => v,
  // biome-ignore lint/complexity/useMathMinMax: relu maps NaN to 0, Math.max does not
  (v) => (v > 0 ? v : 0),
  (v) => (v >= 0 ? v : f(LEAKY_ALPHA * v)),
];
/** Not a float32: the slope is applied in float64, rounded once. */
const LEAKY_ALPHA = 0.1;

function checkDirect(check: Check, tile: Tile, rng: Rng, { rows, width, outStep, flat, activation }: DirectCase): string {
  const arena = new Arena(check);
  const tapsD = rng.int(1, 2), tapsH = rng.int(1, 3), tapsW = rng.int(1, 3), cinG = rng.int(1, 5);
  const offD = Array.from({ length: tapsD }, () => rng.int(-1, 1));
  const offH = Array.from({ length: tapsH }, () => rng.int(-1, 2));
  const offW = Array.from({ length: tapsW }, () => rng.int(-2, 2));
  const inD = 3, inH = 4;
  const left = 2;
  const wp = left + width + 2 + rng.int(0, 3);
  const rowFloats = cinG * wp;
  // The row's input coordinate before the tap offset: inside for the flat loop, at a border otherwise.
  const baseD = flat ? 1 : rng.int(0, 2);
  const baseH = flat ? 1 : rng.int(0, 3);
  const inside = (x: number, n: number) => x >= 0 && x < n;
  // Flat rows must have every D and H tap inside; otherwise keep at least one outside to test the checks.
  if (flat && !(offD.every((o) => inside(baseD + o, inD)) && offH.every((o) => inside(baseH + o, inH)))) return '';
  const input = randoms(rng, inD * inH * rowFloats);
  const x = arena.floats(input);
  const k = tapsD * tapsH * tapsW * cinG;
  const a: number[] = [];
  for (let kk = 0; kk < k; kk++) for (let r = 0; r < 4; r++) a.push(r < rows ? f(rng.next() * 2 - 1) : Number.NaN);
  const kOffsets: number[] = [];
  for (const od of offD) for (const oh of offH) for (const ow of offW) for (let ci = 0; ci < cinG; ci++) kOffsets.push(4 * ((od * inH + oh) * rowFloats + ci * wp + ow));
  const bias = rng.next() < 0.7 ? randoms(rng, 4) : null;
  const stride = width * outStep + 3;
  const out = arena.alloc(4 * stride);
  const expected = Array.from({ length: 4 * stride }, () => Number.NaN);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      let acc = bias ? bias[r]! : 0;
      let kk = 0;
      for (const od of offD) {
        for (const oh of offH) {
          const xd = baseD + od, xh = baseH + oh;
          if (!inside(xd, inD) || !inside(xh, inH)) {
            kk += tapsW * cinG;
            continue;
          }
          for (const ow of offW) {
            for (let ci = 0; ci < cinG; ci++, kk++) {
              acc = f(acc + f(a[kk * 4 + r]! * input[(xd * inH + xh) * rowFloats + ci * wp + left + j + ow]!));
            }
          }
        }
      }
      expected[r * stride + j * outStep] = STORE_ACTIVATIONS[activation]!(acc);
    }
  }
  tile(arena.struct('DirectTileArgs', {
    a: arena.floats(a), bias: bias ? arena.floats(bias) : 0, out, width, outStep, channelBytes: 4 * stride, rows,
    flatK: flat ? k : -1, kOffsets: arena.ints(kOffsets), rowBase: x + 4 * ((baseD * inH + baseH) * rowFloats + left),
    input: x, baseD, baseH, inD, inH, rowFloats, start: left, tapsD, tapsH, tapsW,
    offsetsD: arena.ints(offD), offsetsH: arena.ints(offH), offsetsW: arena.ints(offW), cinG,
    channelStride: 4 * wp, tapBytes: 16 * cinG, activation,
  }, { alpha: LEAKY_ALPHA }));
  return firstDifference(arena, out, expected);
}

test('every wasm tile alone gives the scalar loop\'s bits, at every row and column remainder', () => {
  const check = loadCheck();
  const rng = createRng(seed);
  const found = tiles(check);
  assert.deepEqual(found.map((t) => t.name).sort(), ['f32_direct_1x16__simd128', 'f32_direct_4x8__simd128', 'f32_gemm_4x8__simd128']);
  for (const { name, kind, mr, nr, run } of found) {
    let cases = 0;
    for (let rows = 1; rows <= mr; rows++) {
      if (kind === 'gemm') {
        for (let cols = 1; cols <= nr; cols++) {
          for (const accumulate of [false, true]) {
            for (const contiguous of cols === nr ? [false, true] : [false]) {
              const where = `${name} with ${rows} rows, ${cols} columns${accumulate ? ', accumulating' : ''}${contiguous ? ', contiguous' : ''} (TCONV_SEED=${seed})`;
              // The activation applied as the tile stores, cycling through none, relu, leakyRelu.
              const activation = cases % 3;
              assert.equal(checkGemm(check, run, rng, { mr, nr, rows, cols, accumulate, contiguous, activation }), '', `${where}, activation ${activation}`);
              cases++;
            }
          }
        }
      } else {
        // A row of width ≥ nr: whole tiles, and widths whose last tile overlaps its neighbour.
        for (const width of [nr, nr + 1, 2 * nr - 1, 2 * nr + 3]) {
          for (const outStep of [1, 2]) {
            for (const flat of [true, false]) {
              // Each try another activation applied as the tile stores: none, relu, leakyRelu.
              for (let activation = 0; activation < 3; activation++) {
                const where = `${name} with ${rows} rows, width ${width}, step ${outStep}, ${flat ? 'flat' : 'checked'} K loop, activation ${activation} (TCONV_SEED=${seed})`;
                assert.equal(checkDirect(check, run, rng, { rows, width, outStep, flat, activation }), '', where);
                cases++;
              }
            }
          }
        }
      }
    }
    assert.ok(cases > 0, `${name} ran no case`);
  }
});
