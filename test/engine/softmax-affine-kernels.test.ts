/**
 * The softmax and affine element-wise kernels (ElementwiseKernels.softmax / .affine, src/engine/elementwise.ts) on
 * every implementation: the JavaScript one, the native addon's on each kernel set this CPU runs (f32_softmax and
 * f32_vaffine, __avx2 and __portable) and the wasm backend's (simd128).
 *
 * softmax: every row length 1…2·8 + 1 (the vector remainders of both backends), several rows, in place and apart,
 * inside a poisoned buffer that must stay untouched; dense sweeps of random rows (spreads up to ±120, so e^(x − max)
 * reaches the subnormals and the clamp at −104) within SOFTMAX_ULPS of the float64 formula; rows with NaN, ±∞ and all
 * −∞ giving the float64 loop's values (NaN where it gives NaN). affine: the JavaScript loops' bits (Mul, Add, Sub, Div
 * by a scalar, ±0 and specials included) at every length 0…17. Replay with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { wasmElementwise } from '../../src/engine/backends/wasm/elementwise.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { jsElementwise, softmaxStrided } from '../../src/engine/elementwise.ts';
import { type Rng, createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { kernelSets } from '../native/native-support.ts';

after(() => getRuntime().pool?.close());

/**
 * The bound on |kernel − float64 softmax| in float32 ulp of the float64 value: e^r's float polynomial (~1 ulp), e
 * rounded to float32 (½), the float64 sum of those (≤ the same relative error), the product rounded (½). Measured
 * 1.81 (native, both sets) and 1.91 (wasm) over 3200 random rows; the JavaScript kernel is the float64 formula rounded once (½).
 */
const SOFTMAX_ULPS = 4;
const POISON = 12345.5;

interface Kernels {
  readonly name: string;
  softmax(x: Float32Array, length: number, out: Float32Array): void;
  affine(x: Float32Array, a: number, b: number, divide: boolean, out: Float32Array): void;
}

const addon = loadAddon().addon;
const IMPLEMENTATIONS: readonly Kernels[] = [
  { name: 'js', softmax: jsElementwise.softmax, affine: jsElementwise.affine },
  { name: 'wasm', softmax: wasmElementwise.softmax, affine: wasmElementwise.affine },
  ...kernelSets.map((set): Kernels => ({
    name: `native ${set}`,
    softmax: (x, length, out) => addon!.eltwiseSoftmax(set, x, length, out),
    affine: (x, a, b, divide, out) => addon!.eltwiseAffine(set, x, a, b, divide, out),
  })),
];

function ulp32(v: number): number {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Rows whose values spread over ±spread around a random centre. */
function rows(rng: Rng, count: number, length: number, spread: number): Float32Array {
  const centre = (rng.next() - 0.5) * 200;
  return Float32Array.from({ length: count * length }, () => centre + (rng.next() - 0.5) * 2 * spread);
}

/** The float64 softmax of each row (not rounded). */
function reference(x: Float32Array, length: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let start = 0; start < x.length; start += length) {
    let max = -Infinity;
    for (let i = start; i < start + length; i++) max = Math.max(max, x[i]!);
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += Math.exp(x[i]! - max);
    for (let i = start; i < start + length; i++) out[i] = Math.exp(x[i]! - max) / sum;
  }
  return out;
}

function withinUlps(got: Float32Array, want: Float64Array, bound: number, label: string): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i]! - want[i]!) / ulp32(want[i]!);
    worst = Math.max(worst, error);
    assert.ok(error <= bound, `${label}: element ${i} is ${got[i]}, float64 gives ${want[i]} (${error.toFixed(2)} ulp > ${bound})`);
  }
  return worst;
}

/** A view of n values inside a poisoned buffer, and a check that nothing around it was written. */
function poisoned(n: number): { view: Float32Array; untouched: (label: string) => void } {
  const pad = 9;
  const around = new Float32Array(n + 2 * pad).fill(POISON);
  const view = around.subarray(pad, pad + n);
  return {
    view,
    untouched: (label) => {
      for (let i = 0; i < around.length; i++) {
        if (i < pad || i >= pad + n) assert.equal(around[i], POISON, `${label}: wrote outside the output at ${i - pad}`);
      }
    },
  };
}

test(`softmax at every row length 1…17, 3 rows, in place and apart, within ${SOFTMAX_ULPS} ulp of float64 and writing nothing outside`, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (const k of IMPLEMENTATIONS) {
    for (let length = 1; length <= 17; length++) {
      const x = rows(rng, 3, length, 8);
      const want = reference(x, length);
      for (const inPlace of [false, true]) {
        const label = `${k.name} length ${length} ${inPlace ? 'in place' : 'apart'} (TCONV_SEED=${seed})`;
        const out = poisoned(x.length);
        const input = inPlace ? out.view : x;
        if (inPlace) out.view.set(x);
        k.softmax(input, length, out.view);
        withinUlps(out.view, want, SOFTMAX_ULPS, label);
        out.untouched(label);
      }
    }
  }
});

test(`softmax over a dense sweep of random rows (spreads 0.01…120, lengths up to 257) is within ${SOFTMAX_ULPS} ulp of float64 on every implementation`, () => {
  const seed = runSeed();
  const worst = new Map<string, number>();
  for (const k of IMPLEMENTATIONS) {
    const rng = createRng(seed);
    let w = 0;
    for (const spread of [0.01, 1, 8, 30, 60, 120]) {
      for (const length of [7, 64, 100, 257]) {
        const x = rows(rng, 16, length, spread);
        const out = new Float32Array(x.length);
        k.softmax(x, length, out);
        w = Math.max(w, withinUlps(out, reference(x, length), SOFTMAX_ULPS, `${k.name} spread ${spread} length ${length} (TCONV_SEED=${seed})`));
      }
    }
    worst.set(k.name, w);
  }
  // The JavaScript kernel is the float64 formula rounded once.
  assert.ok(worst.get('js')! <= 0.5, `js: ${worst.get('js')} ulp`);
});

test('softmax rows holding NaN, ±∞ or only −∞ give the float64 loop\'s values; −∞ beside finite values gives 0', () => {
  const n = Number.NaN;
  const special = Float32Array.of(
    1, 2, n, 3, 4, 5, 6, 7, 8, 9, // a NaN: all NaN
    1, Infinity, 2, 3, 4, 5, 6, 7, 8, 9, // +∞: ∞ − ∞ is NaN
    -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity,
    -Infinity, 0, 1, -Infinity, 2, 3, 4, 5, 6, -Infinity,
  );
  const want = new Float32Array(special.length);
  softmaxStrided(special, 4, 10, 1, want);
  assert.equal(want[30], 0);
  assert.ok(Number.isNaN(want[2]!) && Number.isNaN(want[11]!) && Number.isNaN(want[20]!));
  for (const k of IMPLEMENTATIONS) {
    const out = new Float32Array(special.length);
    k.softmax(special, 10, out);
    for (let i = 0; i < 30; i++) assert.deepEqual(out[i], want[i], `${k.name}: element ${i}`);
    withinUlps(out.subarray(30), Float64Array.from(reference(special.subarray(30), 10)), SOFTMAX_ULPS, `${k.name}: −∞ beside finite values`);
  }
});

test('affine (Mul, Add, Sub, Div by a scalar) gives the JavaScript loops\' bits at every length 0…17, ±0 and specials included, in place and apart', () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const specials = [0, -0, Infinity, -Infinity, Number.NaN, 1e-40, -1e-40, 3e38, -3e38];
  const x = Float32Array.from({ length: 17 }, (_, i) => (i % 4 === 3 ? specials[i % specials.length]! : (rng.next() - 0.5) * 100));
  // (a, b, divide) as the ONNX ops pass them: x·s + (−0), 1·x + s, −1·x + s, x/s + (−0).
  const maps: readonly [number, number, boolean][] = [
    [Math.fround(0.2), -0, false], [-0, -0, false], [1, Math.fround(-3.7), false], [1, -0, false], [-1, Math.fround(1e-3), false],
    [Math.fround(3), -0, true], [-0, -0, true], [Infinity, -0, true], [1, Number.NaN, false], [Math.fround(1e30), -0, false],
  ];
  for (const [a, b, divide] of maps) {
    for (let n = 0; n <= 17; n++) {
      const input = x.subarray(0, n);
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = divide ? input[i]! / a + b : a * input[i]! + b;
      for (const k of IMPLEMENTATIONS) {
        for (const inPlace of [false, true]) {
          const label = `${k.name} a=${a} b=${b} divide=${divide} n=${n} ${inPlace ? 'in place' : 'apart'} (TCONV_SEED=${seed})`;
          const out = poisoned(n);
          if (inPlace) out.view.set(input);
          k.affine(inPlace ? out.view : input, a, b, divide, out.view);
          for (let i = 0; i < n; i++) assert.ok(Object.is(out.view[i], want[i]), `${label}: element ${i} is ${out.view[i]}, expected ${want[i]}`);
          out.untouched(label);
        }
      }
    }
  }
});

test('the native softmax and affine calls refuse partial rows, partial overlaps and wrong types by name', { skip: addon ? false : 'native addon not built' }, () => {
  const set = kernelSets[0]!;
  const x = new Float32Array(10);
  assert.throws(() => addon!.eltwiseSoftmax(set, x, 3, new Float32Array(10)), /multiple of length/);
  assert.throws(() => addon!.eltwiseSoftmax(set, x, 0, new Float32Array(10)), /length must be an integer/);
  assert.throws(() => addon!.eltwiseSoftmax(set, x.subarray(0, 6), 2, x.subarray(2, 8)), /overlaps/);
  assert.throws(() => addon!.eltwiseAffine(set, x, 1, 0, 1 as unknown as boolean, new Float32Array(10)), /divide must be a boolean/);
  assert.throws(() => addon!.eltwiseAffine(set, x, 1, 0, false, new Float32Array(9)), /out has 9 values/);
});
