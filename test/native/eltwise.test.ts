/**
 * The native element-wise kernels (kernels/native/src/eltwise.h: f32_vrelu … f32_gnorm, __avx2 and __portable), run
 * through the addon on every kernel set this CPU supports: every length 0…2·8 + 1 (the vector remainders), in place
 * and not, with poisoned values around the output that must stay untouched; dense sweeps of float32 inputs against
 * the float64 functions with the stated ulp bounds (tanh ≤ 2, sigmoid ≤ 3, silu ≤ 3: 1.23, 2.09 and 2.41 measured);
 * the edge cases ±0, ±∞, NaN, saturation and subnormal results; relu, leakyRelu, add and PRelu bit for bit against the
 * JavaScript kernels; every kernel set giving the same bits; and refusals by name. Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { jsElementwise } from '../../src/engine/elementwise.ts';
import { ACTIVATION_CODES, type Activation, alphaOf } from '../../src/engine/ops/activation.ts';
import { type Rng, createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { kernelSets, skipReason } from './native-support.ts';

const addon = () => loadAddon().addon!;
const LANES = 8;
const POISON = 12345.5;

const ACTIVATIONS: readonly Activation[] = [
  { kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'leakyRelu', alpha: -1.3 }, { kind: 'tanh' }, { kind: 'sigmoid' }, { kind: 'silu' },
];

/** The float64 functions and the ulp bound each float32 kernel is held to. */
const SMOOTH: readonly { activation: Activation; f: (v: number) => number; ulps: number }[] = [
  { activation: { kind: 'tanh' }, f: Math.tanh, ulps: 2 },
  { activation: { kind: 'sigmoid' }, f: (v) => 1 / (1 + Math.exp(-v)), ulps: 3 },
  { activation: { kind: 'silu' }, f: (v) => v / (1 + Math.exp(-v)), ulps: 3 },
];

/** The spacing of float32 values at |v| (the subnormals' below 2⁻¹²⁶). */
function ulp(v: number): number {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

const map = (kernelSet: string, f: Activation, x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array => {
  addon().eltwiseMap(kernelSet, ACTIVATION_CODES[f.kind], alphaOf(f), x, out);
  return out;
};

/** Random values with every tenth a special one (±0, ±∞, NaN, large, subnormal). */
function randomValues(rng: Rng, n: number): Float32Array {
  const specials = [0, -0, Infinity, -Infinity, Number.NaN, 1e30, -1e30, 1e-40, -1e-40, 95, -95];
  return Float32Array.from({ length: n }, (_, i) => (i % 10 === 9 ? specials[Math.floor(rng.next() * specials.length)]! : (rng.next() - 0.5) * 24));
}

/** A view of n values inside a poisoned buffer, with the buffer to check that nothing around it was written. */
function poisoned(n: number): { view: Float32Array; around: Float32Array } {
  const around = new Float32Array(n + 2 * LANES + 3).fill(POISON);
  return { view: around.subarray(LANES + 1, LANES + 1 + n), around };
}

function expectUntouched(around: Float32Array, n: number, label: string): void {
  for (let i = 0; i < around.length; i++) {
    if (i >= LANES + 1 && i < LANES + 1 + n) continue;
    assert.equal(around[i], POISON, `${label}: wrote outside the output at ${i - LANES - 1}`);
  }
}

test('every map, add and PRelu kernel gives each lane the full-vector bits at every length 0…17, in place and not, writing nothing outside', { skip: skipReason }, () => {
  const seed = runSeed();
  const values = randomValues(createRng(seed), 2 * LANES + 1);
  const others = randomValues(createRng(seed + 1), 2 * LANES + 1);
  const slope = Float32Array.of(0.25, -2);
  for (const kernelSet of kernelSets) {
    for (const f of ACTIVATIONS) {
      const full = map(kernelSet, f, values);
      for (let n = 0; n <= 2 * LANES + 1; n++) {
        for (const inPlace of [false, true]) {
          const label = `${kernelSet} ${JSON.stringify(f)} n=${n} ${inPlace ? 'in place' : 'apart'}, seed ${seed} (TCONV_SEED=${seed})`;
          const out = poisoned(n);
          const x = inPlace ? out.view : values.slice(0, n);
          if (inPlace) x.set(values.subarray(0, n));
          map(kernelSet, f, x, out.view);
          expectUntouched(out.around, n, label);
          assert.deepEqual(out.view, full.subarray(0, n), label);
          // add: f(a + b), the sum rounded to float32 first, as map of the float32 sum.
          const sums = poisoned(n);
          const a = inPlace ? sums.view : values.slice(0, n);
          if (inPlace) a.set(values.subarray(0, n));
          addon().eltwiseAdd(kernelSet, ACTIVATION_CODES[f.kind], alphaOf(f), a, others.subarray(0, n), sums.view);
          expectUntouched(sums.around, n, `${label} add`);
          const summed = Float32Array.from(values.subarray(0, n), (v, i) => v + others[i]!);
          assert.deepEqual(sums.view, map(kernelSet, f, summed), `${label} add`);
        }
      }
    }
    // PRelu: blocks of every inner length 1…17 (each block's own tail), bit for bit as the JavaScript kernel.
    for (let inner = 1; inner <= 2 * LANES + 1; inner++) {
      const x = randomValues(createRng(seed + inner), 3 * inner);
      const out = poisoned(x.length);
      addon().eltwisePrelu(kernelSet, x, slope, inner, out.view);
      expectUntouched(out.around, x.length, `${kernelSet} prelu inner=${inner}`);
      const expected = new Float32Array(x.length);
      jsElementwise.preluChannels(x, slope, inner, expected);
      assert.deepEqual(out.view, expected, `${kernelSet} prelu inner=${inner}, seed ${seed}`);
      const inPlace = x.slice();
      addon().eltwisePrelu(kernelSet, inPlace, slope, inner, inPlace);
      assert.deepEqual(inPlace, expected, `${kernelSet} prelu inner=${inner} in place`);
    }
  }
});

test('relu, leakyRelu and plain add give the JavaScript kernels\' bits (exact functions) on every kernel set', { skip: skipReason }, () => {
  const seed = runSeed();
  const x = randomValues(createRng(seed), 1000);
  const b = randomValues(createRng(seed + 7), 1000);
  for (const kernelSet of kernelSets) {
    for (const f of ACTIVATIONS.slice(0, 3)) {
      const expected = new Float32Array(x.length);
      jsElementwise.map(f, x, expected);
      assert.deepEqual(map(kernelSet, f, x), expected, `${kernelSet} ${JSON.stringify(f)}, seed ${seed}`);
    }
    const sum = new Float32Array(x.length);
    addon().eltwiseAdd(kernelSet, 0, 0, x, b, sum);
    const expected = new Float32Array(x.length);
    jsElementwise.add(x, b, expected, null);
    assert.deepEqual(sum, expected, `${kernelSet} add, seed ${seed}`);
  }
});

test('tanh, sigmoid and silu stay within their ulp bounds of the float64 functions over a dense float32 sweep, and every kernel set gives the same bits', { skip: skipReason }, () => {
  // Every 4093rd float32 bit pattern (~1 M values: every binade, both signs, subnormals, ±∞ and NaNs).
  const bits = new Uint32Array(Math.ceil(2 ** 32 / 4093));
  for (let i = 0; i < bits.length; i++) bits[i] = (i * 4093) >>> 0;
  const x = new Float32Array(bits.buffer);
  for (const { activation, f, ulps } of SMOOTH) {
    let first: Float32Array | undefined;
    for (const kernelSet of kernelSets) {
      const y = map(kernelSet, activation, x);
      if (first) assert.ok(addon().sameBits(y, first), `${kernelSet} ${activation.kind}: not the bits of ${kernelSets[0]}`);
      first ??= y;
      let worst = 0;
      let at = 0;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        const exact = f(v);
        if (Number.isNaN(exact)) {
          assert.ok(Number.isNaN(y[i]!), `${kernelSet} ${activation.kind}(${v}) = ${y[i]}, not NaN`);
          continue;
        }
        const error = Math.abs(y[i]! - exact) / ulp(exact);
        if (error > worst) { worst = error; at = v; }
      }
      assert.ok(worst <= ulps, `${kernelSet} ${activation.kind}: ${worst.toFixed(2)} ulp at ${at} (bound ${ulps})`);
    }
  }
});

test('tanh, sigmoid and silu at ±0, ±∞, NaN, saturation and subnormal results', { skip: skipReason }, () => {
  const x = Float32Array.of(0, -0, Infinity, -Infinity, Number.NaN, 9.5, -9.5, 20, -20, 100, -100, -90, 1e-30, -1e-30, 2 ** -149);
  for (const kernelSet of kernelSets) {
    const [tanh, sigmoid, silu] = SMOOTH.map(({ activation }) => Array.from(map(kernelSet, activation, x))) as [number[], number[], number[]];
    assert.deepEqual(tanh.slice(0, 9), [0, -0, 1, -1, Number.NaN, 1, -1, 1, -1], `${kernelSet} tanh`);
    assert.deepEqual(tanh.slice(12), [Math.fround(1e-30), Math.fround(-1e-30), 2 ** -149], `${kernelSet} tanh of tiny values is the value`);
    assert.deepEqual(sigmoid.slice(0, 5), [0.5, 0.5, 1, 0, Number.NaN], `${kernelSet} sigmoid`);
    assert.equal(sigmoid[9], 1, `${kernelSet} sigmoid(100)`);
    // σ(−100) = 3.7e−44 and σ(−90) = 8.2e−40 are subnormal: rounded, not flushed to 0.
    for (const i of [10, 11]) {
      const exact = 1 / (1 + Math.exp(-x[i]!));
      assert.ok(Math.abs(sigmoid[i]! - exact) <= 3 * ulp(exact) && sigmoid[i]! > 0, `${kernelSet} sigmoid(${x[i]}) = ${sigmoid[i]}`);
    }
    assert.deepEqual(silu.slice(0, 5), [0, -0, Infinity, Number.NaN, Number.NaN], `${kernelSet} silu (silu(−∞) = −∞·σ(−∞) = NaN)`);
    const exact = -100 / (1 + Math.exp(100));
    assert.ok(Math.abs(silu[10]! - exact) <= 3 * ulp(exact) && silu[10]! < 0, `${kernelSet} silu(−100) = ${silu[10]} (subnormal ${exact})`);
  }
});

test('group normalisation: within 1 ulp of the JavaScript kernel (float64 statistics either way), its activation = map afterwards, in place and apart', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  // Batch 2, 6 channels in 3 groups, odd spatial sizes (tails), a mean far from 0 (cancellation), scale/shift or none.
  for (const inner of [1, 7, 33]) {
    const channels = 6;
    const groups = 3;
    const x = Float32Array.from({ length: 2 * channels * inner }, () => 50 + (rng.next() - 0.5) * 4);
    const args = {
      blocks: 2 * groups, blockSize: (channels / groups) * inner, channels, inner, epsilon: 1e-5,
      scale: inner === 7 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1),
      shift: inner === 7 ? null : Float32Array.from({ length: channels }, () => rng.next() * 2 - 1),
    };
    const expected = new Float32Array(x.length);
    jsElementwise.groupNorm(x, args, null, expected);
    for (const kernelSet of kernelSets) {
      const label = `${kernelSet} inner=${inner}, seed ${seed} (TCONV_SEED=${seed})`;
      const out = poisoned(x.length);
      const call = (f: Activation | null, input: Float32Array, into: Float32Array) => addon().eltwiseGroupNorm(
        kernelSet, input, args.blocks, args.blockSize, channels, inner, args.epsilon, args.scale, args.shift, f ? ACTIVATION_CODES[f.kind] : 0, alphaOf(f), into,
      );
      call(null, x, out.view);
      expectUntouched(out.around, x.length, label);
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(out.view[i]! - expected[i]!) <= ulp(expected[i]!), `${label}: element ${i}: ${out.view[i]} against ${expected[i]}`);
      for (const f of ACTIVATIONS) {
        const fused = x.slice();
        call(f, fused, fused);
        assert.deepEqual(fused, map(kernelSet, f, out.view), `${label} ${JSON.stringify(f)}: fused ≠ groupNorm then map`);
      }
    }
  }
});

test('the element-wise calls refuse wrong codes, lengths, partial overlaps and unknown kernel sets by name', { skip: skipReason }, () => {
  const a = addon();
  const x = new Float32Array(16);
  assert.throws(() => a.eltwiseMap('avx9', 1, 0, x, x), /kernel set "avx9"/);
  assert.throws(() => a.eltwiseMap(kernelSets[0]!, 6, 0, x, x), /activation = 6/);
  assert.throws(() => a.eltwiseMap(kernelSets[0]!, 2, Number.NaN, x, x), /alpha must be finite/);
  assert.throws(() => a.eltwiseMap(kernelSets[0]!, 1, 0, x, new Float32Array(15)), /out has 15 values/);
  assert.throws(() => a.eltwiseMap(kernelSets[0]!, 1, 0, x.subarray(0, 8), x.subarray(4, 12)), /overlaps/);
  assert.throws(() => a.eltwiseAdd(kernelSets[0]!, 0, 0, x, new Float32Array(8), x), /same length/);
  assert.throws(() => a.eltwisePrelu(kernelSets[0]!, x, new Float32Array(2), 5, x), /multiple of inner/);
  assert.throws(() => a.eltwiseGroupNorm(kernelSets[0]!, x, 2, 8, 4, 3, 1e-5, null, null, 0, 0, x), /whole channels/);
  assert.throws(() => a.eltwiseGroupNorm(kernelSets[0]!, x, 2, 8, 4, 4, 1e-5, new Float32Array(3), null, 0, 0, x), /scale must hold 4/);
});
