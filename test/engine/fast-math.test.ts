// fastExp, fastExpm1, fastTanh and fastSigmoid (src/engine/fast-math.ts) against Math's, over a dense sweep of float32
// inputs: the float32 values they round to are at most 1 ulp apart (and equal almost everywhere), so the Tanh,
// Sigmoid and SiLU fast paths never give a visibly different value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastExp, fastExpm1, fastSigmoid, fastTanh } from '../../src/engine/fast-math.ts';

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** The float32 with these bits. */
function fromBits(b: number): number {
  bits[0] = b;
  return f32[0]!;
}

/** Position of a float32 on the number line (ordered integers: adjacent floats differ by 1). */
function ordinal(v: number): number {
  f32[0] = v;
  const b = bits[0]!;
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** Every float32 whose bits step by `step` through [from, to] (bit patterns of one sign), plus `extra`. */
function* sweep(from: number, to: number, step: number): Generator<number> {
  for (let b = from; b <= to; b += step) {
    yield fromBits(b);
    yield -fromBits(b);
  }
}

interface Worst { ulps: number; at: number; differing: number; count: number }

function compare(fast: (x: number) => number, exact: (x: number) => number, inputs: Iterable<number>): Worst {
  const worst: Worst = { ulps: 0, at: 0, differing: 0, count: 0 };
  for (const x of inputs) {
    const a = Math.fround(fast(x));
    const b = Math.fround(exact(x));
    worst.count++;
    if (Number.isNaN(b)) {
      assert.ok(Number.isNaN(a), `NaN expected at ${x}`);
      continue;
    }
    if (a === b) continue;
    worst.differing++;
    const ulps = Math.abs(ordinal(a) - ordinal(b));
    if (ulps > worst.ulps) Object.assign(worst, { ulps, at: x });
  }
  return worst;
}

const FLOAT_ONE = 0x3f800000;
const ALL_FINITE = 0x7f7fffff;

/** A coarse sweep of every finite float32 magnitude and a dense one of [2⁻¹⁰, 16), where the values change fastest. */
function* inputs(): Generator<number> {
  yield* sweep(0, ALL_FINITE, 4093);
  yield* sweep(FLOAT_ONE - (10 << 23), FLOAT_ONE + (4 << 23), 61);
  yield* [0, -0, Infinity, -Infinity, Number.NaN, 0.125, -0.125, 9.1, -9.1, 87, -87, 88, -88];
}

test('fastTanh rounds to Math.tanh\'s float32 value, or 1 ulp from it, over a dense float32 sweep', () => {
  const worst = compare(fastTanh, Math.tanh, inputs());
  assert.ok(worst.ulps <= 1, `${worst.ulps} ulps at ${worst.at}`);
  // Equal almost everywhere: only inputs whose tanh lies within ~1e-14 of a rounding boundary may differ.
  assert.ok(worst.differing <= worst.count * 1e-4, `${worst.differing} of ${worst.count} differ`);
});

test('fastSigmoid rounds to 1 / (1 + Math.exp(−x))\'s float32 value, or 1 ulp from it, over a dense float32 sweep', () => {
  const worst = compare(fastSigmoid, (x) => 1 / (1 + Math.exp(-x)), inputs());
  assert.ok(worst.ulps <= 1, `${worst.ulps} ulps at ${worst.at}`);
  assert.ok(worst.differing <= worst.count * 1e-4, `${worst.differing} of ${worst.count} differ`);
});

test('fastExp rounds to Math.exp\'s float32 value, or 1 ulp from it, and is Math.exp outside [−87, 88]', () => {
  const worst = compare(fastExp, Math.exp, inputs());
  assert.ok(worst.ulps <= 1, `${worst.ulps} ulps at ${worst.at}`);
  assert.ok(worst.differing <= worst.count * 1e-4, `${worst.differing} of ${worst.count} differ`);
  for (const x of [-1000, -87.5, 88.5, 1000, Infinity, -Infinity]) assert.equal(fastExp(x), Math.exp(x));
  // In float64 it is within 1e-14 of Math.exp across the table range.
  for (let x = -87; x < 88; x += 0.01237) assert.ok(Math.abs(fastExp(x) / Math.exp(x) - 1) < 1e-14, `at ${x}`);
});

test('fastExpm1 rounds to Math.expm1\'s float32 value, or 1 ulp from it, with full relative accuracy near 0', () => {
  const worst = compare(fastExpm1, Math.expm1, inputs());
  assert.ok(worst.ulps <= 1, `${worst.ulps} ulps at ${worst.at}`);
  assert.ok(worst.differing <= worst.count * 1e-4, `${worst.differing} of ${worst.count} differ`);
  for (const x of [1e-30, -1e-20, 1e-8, -0.003, 0.0107, -0.0109]) assert.ok(Math.abs(fastExpm1(x) / Math.expm1(x) - 1) < 1e-14, `at ${x}`);
  // tanh keeps the sign of zero and maps ±∞ to ±1.
  assert.ok(Object.is(fastTanh(-0), -0));
  assert.deepEqual([Math.fround(fastTanh(Infinity)), Math.fround(fastTanh(-Infinity))], [1, -1]);
  assert.ok(Number.isNaN(fastTanh(Number.NaN)));
});
