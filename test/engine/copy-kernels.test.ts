/**
 * The copy ops' row kernels (ElementwiseKernels.upsample2x, .maxPool2x2 and .depthToSpace, src/engine/elementwise.ts):
 * the native addon's f32_up2x, f32_maxpool2x2 and f32_d2s on each kernel set this CPU runs, and the wasm backend's
 * f32_up2x (on one thread and split between two), against the JavaScript loops, bit for bit, at
 * every width around the vector (1…2·8 + 3), with odd input sizes (a last row or column no window reads), with NaN,
 * ±0 and ±∞ taps in every position of a window (the first tap a NaN stays the maximum, a later NaN does not replace
 * it), inside poisoned buffers that must stay untouched; and the native calls refuse wrong sizes and overlaps by name.
 * The expected values are written out independently of both implementations. Replay with TCONV_SEED=<seed>.
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

const seed = runSeed();
const saved = { ...elementwiseTuning };
after(() => {
  Object.assign(elementwiseTuning, saved);
  return getRuntime().pool?.close();
});
const POISON = 12345.5;
const addon = loadAddon().addon;

type Up = (x: Float32Array, width: number, out: Float32Array) => void;
type Pool = (x: Float32Array, planes: number, inRows: number, inWidth: number, outRows: number, outWidth: number, out: Float32Array) => void;
type D2s = (x: Float32Array, planes: number, h: number, w: number, b: number, out: Float32Array) => void;
const IMPLEMENTATIONS: readonly { name: string; up: Up; pool: Pool; d2s: D2s }[] = [
  { name: 'js', up: jsElementwise.upsample2x, pool: jsElementwise.maxPool2x2, d2s: jsElementwise.depthToSpace },
  { name: 'wasm', up: wasmElementwise.upsample2x, pool: wasmElementwise.maxPool2x2, d2s: wasmElementwise.depthToSpace },
  {
    name: 'wasm, rows split between two threads',
    up: (x, width, out) => {
      Object.assign(elementwiseTuning, { minElementsPerThread: 0, minElementsToWake: 0, threads: 2 });
      try {
        wasmElementwise.upsample2x(x, width, out);
        if (x.length > width) assert.equal(lastJob.threads, 2, 'the job was split between two threads');
      } finally {
        Object.assign(elementwiseTuning, saved);
      }
    },
    pool: wasmElementwise.maxPool2x2,
    d2s: wasmElementwise.depthToSpace,
  },
  ...kernelSets.map((set) => ({
    name: `native ${set}`,
    up: ((x, width, out) => addon!.eltwiseUpsample2x(set, x, width, out)) as Up,
    pool: ((x, planes, inRows, inWidth, outRows, outWidth, out) => addon!.eltwiseMaxPool2x2(set, x, planes, inRows, inWidth, outRows, outWidth, out)) as Pool,
    d2s: ((x, planes, h, w, b, out) => addon!.eltwiseDepthToSpace(set, x, planes, h, w, b, out)) as D2s,
  })),
];

const SPECIALS = [Number.NaN, 0, -0, Infinity, -Infinity];
/** Random values, about one in six a special one. */
const values = (rng: Rng, n: number): Float32Array =>
  Float32Array.from({ length: n }, () => (rng.next() < 1 / 6 ? SPECIALS[Math.floor(rng.next() * SPECIALS.length)]! : (rng.next() - 0.5) * 10));

function inPoison(length: number, run: (view: Float32Array) => void, label: string): Float32Array {
  const around = new Float32Array(length + 21).fill(POISON);
  const view = around.subarray(11, 11 + length);
  run(view);
  for (let i = 0; i < around.length; i++) if (i < 11 || i >= 11 + length) assert.equal(around[i], POISON, `${label}: wrote outside the output at ${i - 11}`);
  return view;
}

test('nearest ×2: every value stored twice in both of its output rows, at every width 1…19, on every implementation', () => {
  const rng = createRng(seed);
  for (const { name, up } of IMPLEMENTATIONS) {
    for (let width = 1; width <= 19; width++) {
      for (const rows of [1, 2, 5]) {
        const x = values(rng, rows * width);
        const want = new Float32Array(4 * rows * width);
        for (let r = 0; r < 2 * rows; r++) for (let c = 0; c < 2 * width; c++) want[r * 2 * width + c] = x[(r >> 1) * width + (c >> 1)]!;
        const label = `${name}, ${rows} rows of ${width} (seed ${seed})`;
        assert.deepEqual(inPoison(want.length, (out) => up(x, width, out), label), want, label);
      }
    }
  }
});

test('MaxPool 2×2: each window\'s first tap raised by the others in order (NaN first stays, NaN later ignored), odd input sizes, every implementation', () => {
  const rng = createRng(seed + 1);
  for (const { name, pool } of IMPLEMENTATIONS) {
    for (let inWidth = 2; inWidth <= 37; inWidth += inWidth < 20 ? 1 : 17) {
      for (const [planes, inRows] of [[1, 2], [3, 5], [2, 8]] as const) {
        const outRows = inRows >> 1, outWidth = inWidth >> 1;
        const x = values(rng, planes * inRows * inWidth);
        const want = new Float32Array(planes * outRows * outWidth);
        for (let p = 0; p < planes; p++) {
          for (let r = 0; r < outRows; r++) {
            for (let c = 0; c < outWidth; c++) {
              const at = (dr: number, dc: number) => x[(p * inRows + 2 * r + dr) * inWidth + 2 * c + dc]!;
              let best = at(0, 0);
              for (const v of [at(0, 1), at(1, 0), at(1, 1)]) if (v > best) best = v;
              want[(p * outRows + r) * outWidth + c] = best;
            }
          }
        }
        const label = `${name}, ${planes}×${inRows}×${inWidth} (seed ${seed})`;
        assert.deepEqual(inPoison(want.length, (out) => pool(x, planes, inRows, inWidth, outRows, outWidth, out), label), want, label);
      }
    }
  }
});

test('DepthToSpace CRD: out[p, h·b + i, w·b + j] = x[p·b² + i·b + j, h, w] at blocks 1…4 and widths around the vector, every implementation', () => {
  const rng = createRng(seed + 2);
  for (const { name, d2s } of IMPLEMENTATIONS) {
    for (const b of [1, 2, 3, 4]) {
      for (let w = 1; w <= 19; w += w < 10 ? 1 : 9) {
        for (const [planes, h] of [[1, 1], [3, 4]] as const) {
          const x = values(rng, planes * b * b * h * w);
          const want = new Float32Array(x.length);
          for (let p = 0; p < planes; p++) {
            for (let r = 0; r < h * b; r++) {
              for (let c = 0; c < w * b; c++) want[(p * h * b + r) * w * b + c] = x[((p * b * b + (r % b) * b + (c % b)) * h + Math.floor(r / b)) * w + Math.floor(c / b)]!;
            }
          }
          const label = `${name}, b ${b}, ${planes} planes of ${h}×${w} (seed ${seed})`;
          assert.deepEqual(inPoison(want.length, (out) => d2s(x, planes, h, w, b, out), label), want, label);
        }
      }
    }
  }
});

test('the native copy-op calls refuse wrong sizes, windows outside the input and overlaps by name', { skip: addon ? false : 'native addon not built' }, () => {
  const set = kernelSets[0]!;
  const x = new Float32Array(12);
  assert.throws(() => addon!.eltwiseUpsample2x(set, x, 5, new Float32Array(48)), /multiple of width/);
  assert.throws(() => addon!.eltwiseUpsample2x(set, x, 4, new Float32Array(47)), /out must hold 48/);
  assert.throws(() => addon!.eltwiseMaxPool2x2(set, x, 1, 3, 5, 1, 2, new Float32Array(2)), /planes · inRows · inWidth/);
  assert.throws(() => addon!.eltwiseMaxPool2x2(set, x, 1, 3, 4, 2, 2, new Float32Array(4)), /inside the input/);
  assert.throws(() => addon!.eltwiseDepthToSpace(set, x, 1, 1, 2, 2, new Float32Array(12)), /planes · b² · h · w/);
  const shared = new Float32Array(64);
  assert.throws(() => addon!.eltwiseUpsample2x(set, shared.subarray(0, 8), 4, shared.subarray(4, 36)), /overlaps/);
});
