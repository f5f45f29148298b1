/**
 * The wasm backend's element-wise side: Backend.elementwise (copy in, kernel, copy out) against the JavaScript kernels
 * (relu, leakyRelu, add, prelu bit for bit; tanh, sigmoid, silu within 4 ulp; group norm within 1 ulp), every job on
 * one thread and split between two giving the same bits, and the conv epilogue (the activation applied in wasm
 * memory) giving the same bits at 1 and 2 threads, threaded or not. Replay with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { wasmBackend, wasmTuning } from '../../src/engine/backends/wasm/index.ts';
import { threadChoiceTuning } from '../../src/engine/thread-choice.ts';
import { elementwiseTuning, lastJob } from '../../src/engine/backends/wasm/elementwise.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { jsElementwise, type GroupNormArgs } from '../../src/engine/elementwise.ts';
import type { Activation } from '../../src/engine/ops/activation.ts';
import { conv, convTranspose } from '../../src/engine/index.ts';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { runSeed } from '../helpers/random-layer.ts';

const seed = runSeed();
const saved = { ...elementwiseTuning };
after(() => {
  Object.assign(elementwiseTuning, saved);
  wasmTuning.minFlopsPerThread = 4e6;
  wasmTuning.minFlopsToWake = 4e6;
  threadChoiceTuning.mode = 'measured';
  return getRuntime().pool?.close();
});

const ACTIVATIONS: readonly Activation[] = [
  { kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'tanh' }, { kind: 'sigmoid' }, { kind: 'silu' },
];
const EXACT = new Set(['relu', 'leakyRelu']);
const kernels = wasmBackend.elementwise!;

function ulp32(r: number): number {
  const a = Math.abs(r);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

function values(rng: Rng, n: number, scale = 6): Float32Array {
  const out = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const specials = [0, -0, Number.NaN, Infinity, -Infinity, 30, -30];
  for (let i = 0; i < n; i++) if (rng.next() < 0.05) out[i] = specials[rng.int(0, specials.length - 1)]!;
  return out;
}

/** Same bits (NaN = NaN), or within `ulps` of the JS result where `ulps` > 0. */
function expectClose(got: Float32Array, want: Float32Array, ulps: number, label: string): void {
  assert.equal(got.length, want.length, label);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    assert.ok(ulps > 0 && Math.abs(g - w) <= ulps * ulp32(w), `${label}: element ${i}: ${g}, the JS kernels give ${w} (TCONV_SEED=${seed})`);
  }
}

/**
 * Runs `call` with jobs on one thread, then split between two threads (every job, however small); both results.
 * `splits` null: the call runs no job (a conv's relu or leakyRelu, applied by the tiles as they store).
 */
function oneAndTwoThreads(call: () => Float32Array, splits: boolean | null): [Float32Array, Float32Array] {
  elementwiseTuning.minElementsPerThread = 1e12;
  const one = call();
  elementwiseTuning.minElementsPerThread = 0;
  elementwiseTuning.minElementsToWake = 0; // a sleeping worker takes part too
  elementwiseTuning.threads = 2;
  try {
    const two = call();
    if (splits !== null) assert.equal(lastJob.threads, splits ? 2 : 1, 'the last job was split between two threads (or had one unit, or one thread)');
    return [one, two];
  } finally {
    Object.assign(elementwiseTuning, saved);
  }
}

test('wasm element-wise kernels = the JavaScript ones (exact ops bit for bit, smooth ones within 4 ulp), in place and not, at sizes around the vector width', () => {
  const rng = createRng(seed);
  for (const n of [0, 1, 3, 4, 5, 17, 1000]) {
    for (const f of ACTIVATIONS) {
      const ulps = EXACT.has(f.kind) ? 0 : 4;
      const x = values(rng, n);
      const want = new Float32Array(n);
      jsElementwise.map(f, x, want);
      const got = new Float32Array(n).fill(Number.NaN);
      kernels.map(f, x, got);
      expectClose(got, want, ulps, `map ${f.kind}, n ${n}`);
      const inPlace = x.slice();
      kernels.map(f, inPlace, inPlace);
      expectClose(inPlace, got, 0, `map ${f.kind} in place, n ${n}`);
    }
    for (const f of [null, ...ACTIVATIONS]) {
      const ulps = !f || EXACT.has(f.kind) ? 0 : 4;
      const a = values(rng, n), b = values(rng, n);
      const want = new Float32Array(n);
      jsElementwise.add(a, b, want, f);
      const got = new Float32Array(n).fill(Number.NaN);
      kernels.add(a, b, got, f);
      expectClose(got, want, ulps, `add ${f?.kind ?? 'plain'}, n ${n}`);
      const inB = b.slice();
      kernels.add(a, inB, inB, f);
      expectClose(inB, got, 0, `add ${f?.kind ?? 'plain'} into b, n ${n}`);
    }
    const channels = rng.int(1, 5);
    const inner = Math.max(1, Math.floor(n / (channels * rng.int(1, 2))));
    const total = n === 0 ? 0 : inner * channels * Math.max(1, Math.floor(n / (inner * channels)));
    const x = values(rng, total), slope = Float32Array.from({ length: channels }, () => rng.next() - 0.5);
    const want = new Float32Array(total), got = new Float32Array(total).fill(Number.NaN);
    jsElementwise.preluChannels(x, slope, inner, want);
    kernels.preluChannels(x, slope, inner, got);
    expectClose(got, want, 0, `prelu, ${channels} channels of ${inner}`);
  }
});

function groupNormCase(rng: Rng): { x: Float32Array; args: GroupNormArgs } {
  const batch = rng.int(1, 2), groups = rng.int(1, 4), perGroup = rng.int(1, 3), inner = rng.int(1, 70);
  const channels = groups * perGroup;
  const x = Float32Array.from({ length: batch * channels * inner }, () => 10 + (rng.next() * 2 - 1) * 4);
  const scale = rng.next() < 0.3 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1);
  const shift = rng.next() < 0.3 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1);
  return { x, args: { blocks: batch * groups, blockSize: perGroup * inner, channels, inner, epsilon: 1e-5, scale, shift } };
}

test('wasm group norm = the JavaScript one within 1 ulp (float64 statistics, one rounding), with each activation, in place and not', () => {
  const rng = createRng(seed ^ 0x9e3779b9);
  for (let c = 0; c < 30; c++) {
    const { x, args } = groupNormCase(rng);
    for (const f of [null, ...ACTIVATIONS]) {
      const want = new Float32Array(x.length), got = new Float32Array(x.length).fill(Number.NaN);
      jsElementwise.groupNorm(x, args, f, want);
      kernels.groupNorm(x, args, f, got);
      // The affine step: within 1 ulp (the statistics' summation order); a smooth activation adds its 4.
      expectClose(got, want, !f || EXACT.has(f.kind) ? 1 : 5, `group norm ${f?.kind ?? 'plain'}, case ${c}: ${JSON.stringify({ ...args, scale: !!args.scale, shift: !!args.shift })}`);
      const inPlace = x.slice();
      kernels.groupNorm(inPlace, args, f, inPlace);
      expectClose(inPlace, got, 0, `group norm ${f?.kind ?? 'plain'} in place, case ${c}`);
    }
  }
});

test('every element-wise job gives the same bits on one thread and split between two', () => {
  const rng = createRng(seed ^ 0x85ebca6b);
  for (const n of [1, 5, 37, 4099]) {
    for (const f of ACTIVATIONS) {
      const x = values(rng, n), b = values(rng, n);
      const [one, two] = oneAndTwoThreads(() => {
        const out = new Float32Array(n);
        kernels.add(x, b, out, f);
        kernels.map(f, out, out);
        return out;
      }, n > 1);
      expectClose(two, one, 0, `add and map ${f.kind}, n ${n}`);
    }
    const { x, args } = groupNormCase(rng);
    const [one, two] = oneAndTwoThreads(() => {
      const out = new Float32Array(x.length);
      kernels.groupNorm(x, args, { kind: 'silu' }, out);
      return out;
    }, args.blocks > 1);
    expectClose(two, one, 0, `group norm, ${args.blocks} blocks`);
    // Softmax splits by rows (units are rows of `length`), affine by elements.
    const length = 1 + (n % 13);
    const rows = values(rng, length * Math.max(2, Math.ceil(n / length)));
    const [sOne, sTwo] = oneAndTwoThreads(() => {
      const out = new Float32Array(rows.length);
      kernels.softmax(rows, length, out);
      return out;
    }, true);
    expectClose(sTwo, sOne, 0, `softmax, rows of ${length}`);
    const [aOne, aTwo] = oneAndTwoThreads(() => {
      const out = new Float32Array(n);
      kernels.affine(rows.subarray(0, n), 3, -0, true, out);
      return out;
    }, n > 1);
    expectClose(aTwo, aOne, 0, `affine, n ${n}`);
  }
});

test('the conv epilogue: the activation applied in wasm memory gives the same bits at 1 and 2 threads, threaded or not, as the element-wise map', () => {
  wasmTuning.minFlopsPerThread = 0;
  wasmTuning.minFlopsToWake = 0;
  elementwiseTuning.minElementsToWake = 0;
  threadChoiceTuning.mode = 'requested'; // every call on the requested threads, not the faster side measured
  for (let c = 0; c < 6; c++) {
    const x = randomTensor([1, 4, 9 + c, 7 + 2 * c], seed + c), w = randomTensor([4, 5, 3, 3], seed + 100 + c), b = randomTensor([5], seed + 200 + c);
    const op = c % 2 === 0 ? convTranspose : conv;
    const options = c % 2 === 0 ? { stride: 2, padding: 1 } : { padding: 1 };
    const weight = c % 2 === 0 ? w : randomTensor([5, 4, 3, 3], seed + 300 + c);
    const plain = op(x, weight, b, { ...options, backend: 'wasm', threads: 1 });
    for (const f of ACTIVATIONS) {
      const mapped = new Float32Array(plain.data.length);
      kernels.map(f, plain.data, mapped);
      for (const threads of [1, 2]) {
        const splits = EXACT.has(f.kind) ? null : threads === 2;
        const [one, two] = oneAndTwoThreads(() => op(x, weight, b, { ...options, backend: 'wasm', threads, activation: f }).data as Float32Array, splits);
        expectClose(one, mapped, 0, `case ${c}, ${f.kind}, ${threads} thread(s), epilogue on one thread`);
        expectClose(two, mapped, 0, `case ${c}, ${f.kind}, ${threads} thread(s), epilogue split`);
      }
    }
  }
});

test('the wasm modules carry no data segments (each thread\'s instantiation would write them over the low memory where a job\'s header and ElementwiseArgs live)', () => {
  for (const file of ['tconv-shared.wasm', 'tconv-single.wasm']) {
    const bytes = readFileSync(new URL(`../../build/wasm/${file}`, import.meta.url));
    const sections: number[] = [];
    let at = 8;
    const leb = (): number => {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    };
    while (at < bytes.length) {
      sections.push(bytes[at++]!);
      const size = leb(); // read before `at` is added to (at += leb() would add to the value before the read)
      at += size;
    }
    assert.ok(sections.includes(10), `${file}: a code section was found (the walk over the sections works)`);
    assert.ok(!sections.includes(11), `${file} has a data section (static data: a lookup table, e.g. Math.exp's): it would be rewritten at each worker's start`);
  }
});
