/**
 * The small-product kernel (ElementwiseKernels.matmul, src/engine/elementwise.ts) on every implementation: the
 * JavaScript float64 loop, the native addon's f32_matmul on each kernel set this CPU runs (__avx2, __portable) and the
 * wasm backend's (simd128) on one thread and split between two. Each output is the float64 sum of its products in
 * order, rounded once, so all give the float64 dot product's bits exactly: checked at every m 1…5, k 0…9 and n 1…33
 * (the 2-row and 8/16-column tiles and their remainders), with A, B or both stored transposed (a folded Transpose), at
 * the LDM decoder's attention shapes, with ±0, ±∞ and NaN
 * operands, inside poisoned buffers that must stay untouched; and the native call refuses wrong sizes and overlaps by
 * name. Replay with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { elementwiseTuning, lastJob, wasmElementwise } from '../../src/engine/backends/wasm/elementwise.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { jsElementwise } from '../../src/engine/elementwise.ts';
import { type Rng, createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { kernelSets } from '../native/native-support.ts';

const saved = { ...elementwiseTuning };
after(() => {
  Object.assign(elementwiseTuning, saved);
  return getRuntime().pool?.close();
});

const seed = runSeed();
const POISON = 12345.5;
type Matmul = (a: Float32Array, b: Float32Array, m: number, k: number, n: number, out: Float32Array, transA?: boolean, transB?: boolean) => void;

const addon = loadAddon().addon;
const IMPLEMENTATIONS: readonly { name: string; matmul: Matmul }[] = [
  { name: 'js', matmul: jsElementwise.matmul },
  ...kernelSets.map((set) => ({ name: `native ${set}`, matmul: ((a, b, m, k, n, out, transA = false, transB = false) => addon!.eltwiseMatmul(set, a, b, m, k, n, transA, transB, out)) as Matmul })),
  { name: 'wasm', matmul: wasmElementwise.matmul },
  {
    name: 'wasm split between two threads',
    matmul: (a, b, m, k, n, out, transA, transB) => {
      Object.assign(elementwiseTuning, { minElementsPerThread: 0, minElementsToWake: 0, threads: 2 });
      try {
        wasmElementwise.matmul(a, b, m, k, n, out, transA, transB);
        if (m > 1 && k > 0) assert.equal(lastJob.threads, 2, 'the job was split between two threads');
      } finally {
        Object.assign(elementwiseTuning, saved);
      }
    },
  },
];

/** The float64 dot products in order, rounded once: what every implementation must give. */
function expected(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      y[i * n + j] = sum;
    }
  }
  return y;
}

const TRANSPOSES: readonly (readonly [boolean, boolean])[] = [[false, false], [true, false], [false, true], [true, true]];

const values = (rng: Rng, length: number): Float32Array => Float32Array.from({ length }, () => (rng.next() - 0.5) * 8);

/** A rows × columns matrix stored transposed. */
function transposedCopy(x: Float32Array, rows: number, columns: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) t[c * rows + r] = x[r * columns + c]!;
  return t;
}

/**
 * Runs one implementation into a view inside a poisoned buffer (a and b passed transposed as `trans` asks: the same
 * product); checks nothing around the view was written.
 */
function product(matmul: Matmul, a: Float32Array, b: Float32Array, m: number, k: number, n: number, label: string, trans: readonly [boolean, boolean] = [false, false]): Float32Array {
  const around = new Float32Array(m * n + 20).fill(POISON);
  const view = around.subarray(9, 9 + m * n);
  const [ta, tb] = trans;
  matmul(ta ? transposedCopy(a, m, k) : a, tb ? transposedCopy(b, k, n) : b, m, k, n, view, ta, tb);
  for (let i = 0; i < around.length; i++) if (i < 9 || i >= 9 + m * n) assert.equal(around[i], POISON, `${label}: wrote outside the output at ${i - 9}`);
  return view;
}

test('every matmul kernel gives the float64 dot products\' bits at every tile remainder (m 1…5, k 0…9, n 1…33), writing nothing outside', () => {
  const rng = createRng(seed);
  for (const { name, matmul } of IMPLEMENTATIONS) {
    for (let m = 1; m <= 5; m++) {
      for (let k = 0; k <= 9; k++) {
        for (let n = 1; n <= 33; n += n < 18 ? 1 : 5) {
          const a = values(rng, m * k), b = values(rng, k * n);
          const want = expected(a, b, m, k, n);
          for (const trans of TRANSPOSES) {
            const label = `${name}, m ${m}, k ${k}, n ${n}, stored transposed ${trans} (seed ${seed})`;
            assert.deepEqual(product(matmul, a, b, m, k, n, label, trans), want, label);
          }
        }
      }
    }
  }
});

test('every matmul kernel gives the same bits at the LDM decoder\'s attention shapes (64×32·32×64 and 32×64·64×64) and a wide one', () => {
  const rng = createRng(seed + 1);
  for (const [m, k, n] of [[64, 32, 64], [32, 64, 64], [7, 300, 45]] as const) {
    const a = values(rng, m * k), b = values(rng, k * n);
    const want = expected(a, b, m, k, n);
    for (const { name, matmul } of IMPLEMENTATIONS) {
      for (const trans of TRANSPOSES) assert.deepEqual(product(matmul, a, b, m, k, n, name, trans), want, `${name}, ${m}×${k}·${k}×${n}, transposed ${trans} (seed ${seed})`);
    }
  }
});

test('matmul with ±0, ±∞ and NaN operands gives the float64 loop\'s values on every kernel', () => {
  const specials = [0, -0, Infinity, -Infinity, Number.NaN, 1e30, -1e-40, 3];
  const [m, k, n] = [3, 4, 19];
  const rng = createRng(seed + 2);
  const pick = (length: number) => Float32Array.from({ length }, () => specials[Math.floor(rng.next() * specials.length)]!);
  for (let round = 0; round < 8; round++) {
    const a = pick(m * k), b = pick(k * n);
    const want = Array.from(expected(a, b, m, k, n));
    for (const { name, matmul } of IMPLEMENTATIONS) assert.deepEqual(Array.from(product(matmul, a, b, m, k, n, name)), want, `${name}, round ${round}`);
  }
});

test('the native matmul call refuses wrong sizes and an output overlapping an operand by name', { skip: addon ? false : 'native addon not built' }, () => {
  const set = kernelSets[0]!;
  const a = new Float32Array(6), b = new Float32Array(12), out = new Float32Array(8);
  assert.throws(() => addon!.eltwiseMatmul(set, a, b, 2, 4, 4, false, false, out), /a must hold m·k/);
  assert.throws(() => addon!.eltwiseMatmul(set, a, b, 2, 3, 5, false, true, out), /b must hold k·n/);
  assert.throws(() => addon!.eltwiseMatmul(set, a, b, 2, 3, 4, false, false, new Float32Array(7)), /out must hold m·n/);
  const shared = new Float32Array(20);
  assert.throws(() => addon!.eltwiseMatmul(set, shared.subarray(0, 6), b, 2, 3, 4, true, false, shared.subarray(4, 12)), /overlaps/);
});
