/**
 * The wasm element-wise kernels alone (build/check/tconv-check.wasm, kernels/wasm/elementwise.ts), on memory laid out
 * here: every length 0…19 from several starting offsets (the vector body and each tail length), in place and not,
 * with the memory around the written range NaN-poisoned (it must stay so); the exact functions (relu, leakyRelu,
 * PRelu, add) bit for bit against their JS definitions; tanh, sigmoid and SiLU against float64 over a dense sweep of
 * float32 inputs within a stated ulp bound, and exactly at ±0, ±Inf, NaN, saturation and subnormals; add and group
 * norm with an activation bit for bit as the plain kernel followed by the activation (a fused node and the unfused
 * pair agree). Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import * as L from '../../src/engine/backends/wasm/layout.ts';

const seed = runSeed() >>> 0;
const f = Math.fround;

/** Activation codes of layout.ts (ACT_*). */
const ACT = { none: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4, silu: 5 } as const;
type ActName = keyof typeof ACT;
/** Kernels by activation (the plain map kernels the check module exports by name). */
const MAP_KERNEL: Record<ActName, string> = {
  none: 'f32_vcopy__simd128', relu: 'f32_vrelu__simd128', leakyRelu: 'f32_vlrelu__simd128', tanh: 'f32_vtanh__simd128',
  sigmoid: 'f32_vsigmoid__simd128', silu: 'f32_vsilu__simd128',
};
/**
 * The largest error allowed for tanh, sigmoid and SiLU against float64 (Math.tanh, 1/(1 + Math.exp(−x)), x·that), in
 * float32 ulps of the float64 value (so the final rounding's ½ ulp is included). Measured over the sweep below:
 * 2.49, 2.12 and 3.12 (SiLU's x·eˣ and its division add a rounding each to the series' error).
 */
const ULP_BOUND = { tanh: 3, sigmoid: 3, silu: 3.5 } as const;

type Kernel = (args: number, first: number, end: number) => void;

class Module {
  readonly memory = new WebAssembly.Memory({ initial: 64, maximum: 64 });
  readonly exports: Record<string, unknown>;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private next = 64 * 1024;
  constructor() {
    const bytes = readFileSync(new URL('../../build/check/tconv-check.wasm', import.meta.url));
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } }).exports as Record<string, unknown>;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }
  kernel(name: string): Kernel {
    const k = this.exports[name];
    assert.equal(typeof k, 'function', `the check module exports ${name}`);
    return k as Kernel;
  }
  reset(): void {
    this.next = 64 * 1024;
  }
  /** `floats` floats with 16 NaN floats either side (the poison a kernel must not touch); returns the address. */
  alloc(floats: number): number {
    const ptr = this.next + 64;
    this.next += Math.ceil((4 * floats + 128) / 64) * 64 + 64;
    assert.ok(this.next < this.memory.buffer.byteLength, 'the test fits the check module\'s memory');
    this.f32.fill(Number.NaN, ptr / 4 - 16, ptr / 4 + floats + 16);
    return ptr;
  }
  floats(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length);
    this.f32.set(values, ptr / 4);
    return ptr;
  }
  read(ptr: number, count: number): Float32Array {
    return this.f32.slice(ptr / 4, ptr / 4 + count);
  }
  /** An ElementwiseArgs struct, every field written by its offset (exported as ElementwiseArgs_<field>). */
  args(fields: Record<string, number>): number {
    const offset = (field: string) => (this.exports[`ElementwiseArgs_${field}`] as WebAssembly.Global).value as number;
    const bytes = offset('bytes');
    const ptr = this.alloc(bytes / 4);
    const declared = Object.keys(this.exports).filter((k) => k.startsWith('ElementwiseArgs_') && k !== 'ElementwiseArgs_bytes');
    const all = { x: 0, b: 0, out: 0, units: 0, unitsPerTask: 0, kernel: 0, activation: 0, alpha: 0, inner: 0, channels: 0, blockSize: 0, epsilon: 0, scale: 0, shift: 0, factor: 0, offset: 0, divide: 0, ...fields };
    assert.deepEqual(Object.keys(all).sort(), declared.map((k) => k.slice('ElementwiseArgs_'.length)).sort(), 'the test knows every field');
    for (const [field, value] of Object.entries(all)) {
      const at = ptr + offset(field);
      if (field === 'alpha' || field === 'epsilon') {
        assert.equal(at % 8, 0, `${field} is 8-byte aligned`);
        this.f64[at / 8] = value;
      } else {
        this.i32[at / 4] = value;
      }
    }
    return ptr;
  }
}

const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** The float32 spacing at |r| (subnormals: 2⁻¹⁴⁹). */
function ulp32(r: number): number {
  const a = Math.abs(r);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Float64 references of the smooth activations. */
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));
const REFERENCE: Record<'tanh' | 'sigmoid' | 'silu', (x: number) => number> = {
  tanh: Math.tanh,
  sigmoid: sigmoid64,
  silu: (x) => x * sigmoid64(x),
};

/** The exact activations as src/engine/ops/activation.ts defines them (float32 results). */
function exact(name: 'none' | 'relu' | 'leakyRelu', v: number, alpha: number): number {
  if (name === 'relu') return Number.isNaN(v) || v <= 0 ? 0 : v; // NaN and −0 give +0
  if (name === 'leakyRelu') return Object.is(v, -0) || !(v < 0) ? v : f(alpha * v);
  return v;
}

function randomValues(rng: Rng, n: number, scale = 8): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  // Some specials among the random values, at random positions (body and tails alike).
  const specials = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40, 20, -20, 100, -100];
  for (let i = 0; i < n; i++) if (rng.next() < 0.15) out[i] = specials[rng.int(0, specials.length - 1)]!;
  return out;
}

/**
 * Runs `name` over units [first, first + length) of random data (in place or not) and checks that nothing outside
 * them was written; returns the input and the written values.
 */
function runRange(m: Module, name: string, rng: Rng, first: number, length: number, inPlace: boolean, extra: Record<string, number> = {}, second?: Float32Array): { x: Float32Array; y: Float32Array } {
  m.reset();
  const total = first + length;
  const x = randomValues(rng, total);
  const xp = m.floats(x);
  const bp = second ? m.floats(second) : 0;
  const out = inPlace ? xp : m.alloc(total);
  const before = m.read(out - 64, total + 32);
  m.kernel(name)(m.args({ x: xp, b: bp, out, units: total, ...extra }), first, total);
  const after = m.read(out - 64, total + 32);
  for (let i = 0; i < after.length; i++) {
    const inRange = i >= 16 + first && i < 16 + total;
    if (!inRange) assert.ok(sameBits(after[i]!, before[i]!), `${name}: element ${i - 16} outside [${first}, ${total}) was written (TCONV_SEED=${seed})`);
  }
  return { x, y: after.slice(16, 16 + total) };
}

test('the exact kernels (copy, relu, leakyRelu, add, prelu) give the JS definitions\' bits at every length and offset, in place and not', () => {
  const m = new Module();
  const rng = createRng(seed);
  const alpha = 0.2; // not a float32: α·v is rounded once from float64
  for (let length = 0; length < 20; length++) {
    for (const first of [0, 1, 3, 4]) {
      for (const inPlace of [false, true]) {
        const where = `length ${length} from ${first}${inPlace ? ', in place' : ''} (TCONV_SEED=${seed})`;
        for (const name of ['none', 'relu', 'leakyRelu'] as const) {
          const { x, y } = runRange(m, MAP_KERNEL[name], rng, first, length, inPlace, { alpha });
          for (let i = first; i < first + length; i++) {
            const want = exact(name, x[i]!, alpha);
            assert.ok(sameBits(y[i]!, want), `${name} of ${x[i]} gave ${y[i]}, expected ${want}: ${where}`);
          }
        }
        for (const act of ['none', 'relu', 'leakyRelu'] as const) {
          const b = randomValues(rng, first + length);
          const { x, y } = runRange(m, 'f32_vadd__simd128', rng, first, length, inPlace, { alpha, activation: ACT[act] }, b);
          for (let i = first; i < first + length; i++) {
            const want = exact(act, f(x[i]! + b[i]!), alpha);
            assert.ok(sameBits(y[i]!, want), `add+${act} of ${x[i]} and ${b[i]} gave ${y[i]}, expected ${want}: ${where}`);
          }
        }
        const channels = rng.int(1, 4), inner = rng.int(1, 6);
        const slopes = Float32Array.from({ length: channels }, () => rng.next() - 0.5);
        const { x, y } = runRange(m, 'f32_vprelu__simd128', rng, first, length, inPlace, { inner, channels }, slopes);
        for (let i = first; i < first + length; i++) {
          const s = slopes[Math.floor(i / inner) % channels]!;
          const want = x[i]! < 0 ? f(s * x[i]!) : x[i]!;
          assert.ok(sameBits(y[i]!, want), `prelu of ${x[i]} (slope ${s}) gave ${y[i]}, expected ${want}: inner ${inner}, ${channels} channels, ${where}`);
        }
      }
    }
  }
});

test('tanh, sigmoid and SiLU: the same bits wherever a value sits (body or tail), in place and not', () => {
  const m = new Module();
  const rng = createRng(seed ^ 0x5bd1e995);
  for (const name of ['tanh', 'sigmoid', 'silu'] as const) {
    for (let length = 0; length < 20; length++) {
      for (const first of [0, 1, 2, 3]) {
        for (const inPlace of [false, true]) {
          const { x, y } = runRange(m, MAP_KERNEL[name], rng, first, length, inPlace);
          // The same values run again as one aligned vector body of 4 copies each: lane and position must not matter.
          m.reset();
          const spread = new Float32Array(4 * (first + length)).map((_, i) => x[i >> 2]!);
          const p = m.floats(spread);
          m.kernel(MAP_KERNEL[name])(m.args({ x: p, out: p }), 4 * first, spread.length);
          const again = m.read(p, spread.length);
          for (let i = first; i < first + length; i++) {
            for (let lane = 0; lane < 4; lane++) {
              assert.ok(sameBits(y[i]!, again[4 * i + lane]!), `${name}(${x[i]}) gave ${y[i]} at ${i} of length ${length} from ${first} but ${again[4 * i + lane]} in lane ${lane} (TCONV_SEED=${seed})`);
            }
          }
        }
      }
    }
  }
});

/** Runs a map kernel over values (in chunks that fit the module's memory). */
function mapValues(m: Module, name: string, values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  const chunk = 128 * 1024;
  for (let start = 0; start < values.length; start += chunk) {
    m.reset();
    const part = values.subarray(start, start + chunk);
    const p = m.floats(part);
    m.kernel(name)(m.args({ x: p, out: p }), 0, part.length);
    out.set(m.read(p, part.length), start);
  }
  return out;
}

test(`tanh, sigmoid and SiLU are within ${ULP_BOUND.tanh}, ${ULP_BOUND.sigmoid} and ${ULP_BOUND.silu} ulp of float64 over a dense sweep of float32 inputs`, () => {
  const m = new Module();
  // Every 509th float32 bit pattern from 0 to +Inf, both signs: ~8.4 million inputs per function, every binade.
  const step = 509;
  const count = Math.floor(0x7f800000 / step);
  const bits = new Uint32Array(2 * count);
  for (let i = 0; i < count; i++) {
    bits[2 * i] = i * step;
    bits[2 * i + 1] = (i * step) | 0x80000000;
  }
  const values = new Float32Array(bits.buffer);
  for (const name of ['tanh', 'sigmoid', 'silu'] as const) {
    const got = mapValues(m, MAP_KERNEL[name], values);
    let worst = 0, worstAt = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      const r = REFERENCE[name](x);
      const err = Math.abs(got[i]! - r) / ulp32(r);
      if (!(err <= worst)) {
        worst = err;
        worstAt = x;
      }
    }
    assert.ok(worst <= ULP_BOUND[name], `${name}: ${worst.toFixed(2)} ulp at x = ${worstAt} (${REFERENCE[name](worstAt)} expected, ${got[values.indexOf(worstAt)]} computed)`);
  }
});

test('tanh, sigmoid and SiLU are exact at ±0, ±Inf, NaN, saturation and subnormals', () => {
  const m = new Module();
  const tiny = 1e-42; // subnormal
  const cases: Record<'tanh' | 'sigmoid' | 'silu', [number, number][]> = {
    tanh: [[0, 0], [-0, -0], [Infinity, 1], [-Infinity, -1], [Number.NaN, Number.NaN], [9.1, 1], [-9.1, -1], [20, 1], [-1e30, -1],
      [tiny, f(tiny)], [-tiny, f(-tiny)], [2 ** -126, 2 ** -126], [1e-20, f(1e-20)]],
    sigmoid: [[0, 0.5], [-0, 0.5], [Infinity, 1], [-Infinity, 0], [Number.NaN, Number.NaN], [18, 1], [17, f(sigmoid64(17))], [200, 1], [-104, 0], [-1e30, 0],
      [tiny, 0.5], [-tiny, 0.5], [-100, f(sigmoid64(-100))], [-90, f(sigmoid64(-90))]],
    silu: [[0, 0], [-0, -0], [Infinity, Infinity], [-Infinity, Number.NaN], [Number.NaN, Number.NaN], [1e30, 1e30], [-1e30, -0],
      [200, 200], [-200, -0], [2 ** -100, 2 ** -101], [-100, f(-100 * sigmoid64(-100))], [-103.97, f(-103.97 * sigmoid64(-103.97))]],
  };
  for (const name of ['tanh', 'sigmoid', 'silu'] as const) {
    const inputs = Float32Array.from(cases[name], ([x]) => x);
    const got = mapValues(m, MAP_KERNEL[name], inputs);
    cases[name].forEach(([x, want], i) => {
      assert.ok(sameBits(got[i]!, f(want)), `${name}(${Object.is(x, -0) ? '-0' : x}) gave ${Object.is(got[i], -0) ? '-0' : got[i]}, expected ${Object.is(want, -0) ? '-0' : f(want)}`);
    });
  }
});

test('add and group norm with an activation give the bits of the plain kernel followed by the map kernel', () => {
  const m = new Module();
  const rng = createRng(seed ^ 0x27d4eb2d);
  const alpha = 0.3;
  for (const act of ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'silu'] as const) {
    for (const length of [1, 7, 64, 133]) {
      const a = randomValues(rng, length), b = randomValues(rng, length);
      m.reset();
      const ap = m.floats(a), bp = m.floats(b), out = m.alloc(length), sum = m.alloc(length);
      m.kernel('f32_vadd__simd128')(m.args({ x: ap, b: bp, out, activation: ACT[act], alpha }), 0, length);
      m.kernel('f32_vadd__simd128')(m.args({ x: ap, b: bp, out: sum }), 0, length);
      m.kernel(MAP_KERNEL[act])(m.args({ x: sum, out: sum, alpha }), 0, length);
      assert.deepEqual(m.read(out, length), m.read(sum, length), `add+${act}, length ${length} (TCONV_SEED=${seed})`);
      // The generic map entry dispatches to the same kernel.
      const generic = m.alloc(length);
      m.kernel('f32_vadd__simd128')(m.args({ x: ap, b: bp, out: generic }), 0, length);
      m.kernel('f32_vactivate__simd128')(m.args({ x: generic, out: generic, activation: ACT[act], alpha }), 0, length);
      assert.deepEqual(m.read(generic, length), m.read(sum, length), `activate(${act}) = ${MAP_KERNEL[act]}`);
    }
    const shape = { blocks: 3, blockSize: 2 * 13, inner: 13, channels: 4 };
    const x = randomValues(rng, shape.blocks * shape.blockSize, 3).map((v) => (Number.isFinite(v) ? v : 1));
    m.reset();
    const xp = m.floats(x), fused = m.alloc(x.length), plain = m.alloc(x.length);
    const scale = m.floats(Float32Array.from({ length: 4 }, () => rng.next() * 2)), shift = m.floats(Float32Array.from({ length: 4 }, () => rng.next() - 0.5));
    const common = { x: xp, inner: shape.inner, channels: shape.channels, blockSize: shape.blockSize, epsilon: 1e-5, scale, shift, alpha };
    m.kernel('f32_groupnorm__simd128')(m.args({ ...common, out: fused, activation: ACT[act] }), 0, shape.blocks);
    m.kernel('f32_groupnorm__simd128')(m.args({ ...common, out: plain }), 0, shape.blocks);
    m.kernel(MAP_KERNEL[act])(m.args({ x: plain, out: plain, alpha }), 0, x.length);
    assert.deepEqual(m.read(fused, x.length), m.read(plain, x.length), `group norm+${act} (TCONV_SEED=${seed})`);
  }
});

/** Group norm in float64 as the contract defines it: per block mean and biased variance, then per channel affine. */
function groupNorm64(x: Float32Array, blockSize: number, inner: number, channels: number, epsilon: number, scale: Float32Array | null, shift: Float32Array | null): number[] {
  const out: number[] = [];
  for (let start = 0; start < x.length; start += blockSize) {
    let mean = 0;
    for (let i = start; i < start + blockSize; i++) mean += x[i]!;
    mean /= blockSize;
    let variance = 0;
    for (let i = start; i < start + blockSize; i++) variance += (x[i]! - mean) ** 2;
    variance /= blockSize;
    for (let i = start; i < start + blockSize; i++) {
      const c = Math.floor(i / inner) % channels;
      out.push(((x[i]! - mean) / Math.sqrt(variance + epsilon)) * (scale ? scale[c]! : 1) + (shift ? shift[c]! : 0));
    }
  }
  return out;
}

test('group norm matches float64 (statistics in float64, one rounding) for every block layout, in place and not, nothing outside its blocks written', () => {
  const m = new Module();
  const rng = createRng(seed ^ 0x165667b1);
  for (let trial = 0; trial < 60; trial++) {
    const inner = rng.int(1, 19), perBlock = rng.int(1, 3), groups = rng.int(1, 3), batch = rng.int(1, 2);
    const channels = perBlock * groups, blockSize = perBlock * inner, blocks = batch * groups;
    // Values with a large common offset: a float32 mean would lose the digits this checks.
    const offset = rng.next() < 0.5 ? 0 : 1000;
    const x = Float32Array.from({ length: blocks * blockSize }, () => offset + (rng.next() * 2 - 1) * 3);
    const scale = rng.next() < 0.5 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1);
    const shift = rng.next() < 0.5 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1);
    const inPlace = rng.next() < 0.5;
    const first = rng.int(0, blocks - 1);
    m.reset();
    const xp = m.floats(x);
    const out = inPlace ? xp : m.alloc(x.length);
    const before = m.read(out, x.length);
    const args = m.args({ x: xp, out, inner, channels, blockSize, epsilon: 1e-5, scale: scale ? m.floats(scale) : 0, shift: shift ? m.floats(shift) : 0 });
    m.kernel('f32_groupnorm__simd128')(args, first, blocks);
    const got = m.read(out - 64, x.length + 32);
    const want = groupNorm64(x, blockSize, inner, channels, 1e-5, scale, shift);
    const where = `inner ${inner}, ${perBlock} channels per block, ${groups} groups, batch ${batch}, from block ${first}${inPlace ? ', in place' : ''}, offset ${offset} (TCONV_SEED=${seed})`;
    for (let i = 0; i < 16; i++) assert.ok(Number.isNaN(got[i]!) && Number.isNaN(got[16 + x.length + i]!), `group norm wrote outside its buffer: ${where}`);
    for (let i = 0; i < x.length; i++) {
      const y = got[16 + i]!;
      if (i < first * blockSize) {
        assert.ok(sameBits(y, before[i]!), `group norm wrote element ${i} of a block before ${first}: ${where}`);
        continue;
      }
      // One rounding of a float64 value whose own error is ~1e-12 of the terms (the statistics' summation order).
      assert.ok(Math.abs(y - want[i]!) <= 0.5 * ulp32(want[i]!) + 1e-9, `group norm element ${i}: ${y}, expected ${want[i]}: ${where}`);
    }
  }
});

test('the JS side writes ElementwiseArgs at the offsets the kernels read (layout.ts EA_* = the check build\'s)', () => {
  const m = new Module();
  const offset = (field: string) => (m.exports[`ElementwiseArgs_${field}`] as WebAssembly.Global).value as number;
  const expected: Record<string, number> = {
    x: L.EA_X, b: L.EA_B, out: L.EA_OUT, units: L.EA_UNITS, unitsPerTask: L.EA_UNITS_PER_TASK, kernel: L.EA_KERNEL,
    activation: L.EA_ACTIVATION, alpha: L.EA_ALPHA, inner: L.EA_INNER, channels: L.EA_CHANNELS, blockSize: L.EA_BLOCK_SIZE,
    epsilon: L.EA_EPSILON, scale: L.EA_SCALE, shift: L.EA_SHIFT, factor: L.EA_FACTOR, offset: L.EA_OFFSET,
    divide: L.EA_DIVIDE, bytes: L.ELEMENTWISE_ARGS_BYTES,
  };
  for (const [field, at] of Object.entries(expected)) assert.equal(offset(field), at, `ElementwiseArgs.${field}`);
});
