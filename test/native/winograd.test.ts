/**
 * The native Winograd layout (kernels/native/src/winograd.h): its transform matrices in float64, its results
 * against the float64 reference (both forms, odd sizes, partial tiles, batch > 1, padding 0/1/2, bias, every kernel
 * set, the same bits at one and two threads), its accuracy at large K with inputs of mixed magnitudes, and the rule
 * that chooses it from the shape. Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { packedWeightBytes, preparedParts, prepareWeights } from '../../src/engine/prepared-weights.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, referenceCase, sizeOf } from '../helpers/reference-case.ts';
import { referenceBackend } from '../../src/engine/backends/reference.ts';
import { kernelSets, skipReason } from './native-support.ts';

// The matrices winograd.cc writes out (points 0, 1, −1, ∞; G carries the ½ so that Bᵀ has integer entries).
const BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, -1, 0, 1]];
const FORMS = {
  'F(2x2,3x3)': { m: 2, r: 3, AT: [[1, 1, 1, 0], [0, 1, -1, 1]], G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]] },
  'F(3x3,2x2)': { m: 3, r: 2, AT: [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]], G: [[1, 0], [0.5, 0.5], [0.5, -0.5], [0, 1]] },
} as const;

type Matrix = readonly (readonly number[])[];
const multiply = (a: Matrix, b: Matrix): number[][] => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: Matrix): number[][] => a[0]!.map((_, j) => a.map((row) => row[j]!));
const randomMatrix = (rng: Rng, rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.uniform(-1, 1)));

test('Winograd matrices: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the 2D correlation of d and g, in float64', () => {
  const rng = createRng(runSeed());
  for (const [name, { m, r, AT, G }] of Object.entries(FORMS)) {
    for (let trial = 0; trial < 20; trial++) {
      const d = randomMatrix(rng, 4, 4);
      const g = randomMatrix(rng, r, r);
      const u = multiply(multiply(G, g), transpose(G));
      const v = multiply(multiply(BT, d), transpose(BT));
      const product = u.map((row, i) => row.map((x, j) => x * v[i]![j]!));
      const y = multiply(multiply(AT, product), transpose(AT));
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let expected = 0;
          for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) expected += d[i + a]![j + b]! * g[a]![b]!;
          assert.ok(Math.abs(y[i]![j]! - expected) < 1e-12, `${name} output (${i}, ${j}): ${y[i]![j]} against ${expected}`);
        }
      }
    }
  }
});

const conv = (spec: Omit<LayerSpec, 'kind'>): Plan => planLayer({ kind: 'conv', ...spec } as LayerSpec);

/** Shapes the forced layout must compute exactly: both forms, odd and partial tiles, batch, padding 0/1/2, bias. */
const CASES: readonly { readonly plan: Plan; readonly form: string }[] = [
  { plan: conv({ input: [8, 8], kernel: 3, padding: 1, inChannels: 5, outChannels: 7, batch: 2, bias: true }), form: 'winograd F(2x2,3x3)' },
  { plan: conv({ input: [9, 7], kernel: 3, padding: 0, inChannels: 5, outChannels: 13, batch: 1 }), form: 'winograd F(2x2,3x3)' },
  { plan: conv({ input: [11, 10], kernel: 3, padding: 2, inChannels: 3, outChannels: 7, batch: 3 }), form: 'winograd F(2x2,3x3)' },
  { plan: conv({ input: [1, 2], kernel: 3, padding: 1, inChannels: 2, outChannels: 3, batch: 1 }), form: 'winograd F(2x2,3x3)' },
  // 21 output channels: past AVX2's and AVX-512's row blocks; 19×23 outputs: tiles cut at both edges.
  { plan: conv({ input: [19, 23], kernel: 3, padding: 1, inChannels: 9, outChannels: 21, batch: 2, bias: true }), form: 'winograd F(2x2,3x3)' },
  { plan: conv({ input: [16, 16], kernel: 4, stride: 2, padding: 1, inChannels: 5, outChannels: 7, batch: 2, bias: true }), form: 'winograd F(3x3,2x2) split' },
  { plan: conv({ input: [13, 9], kernel: 4, stride: 2, padding: 0, inChannels: 4, outChannels: 9, batch: 1 }), form: 'winograd F(3x3,2x2) split' },
  { plan: conv({ input: [10, 15], kernel: 4, stride: 2, padding: 2, inChannels: 6, outChannels: 3, batch: 2 }), form: 'winograd F(3x3,2x2) split' },
  { plan: conv({ input: [3, 5], kernel: 4, stride: 2, padding: 1, inChannels: 2, outChannels: 5, batch: 3, bias: true }), form: 'winograd F(3x3,2x2) split' },
  { plan: conv({ input: [34, 30], kernel: 4, stride: 2, padding: 1, inChannels: 11, outChannels: 15, batch: 1, bias: true }), form: 'winograd F(3x3,2x2) split' },
  // Rows of 17 tiles: runs of eight tiles whose windows all lie inside (AVX2 gathers them by register transposes).
  { plan: conv({ input: [22, 102], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 5, batch: 2 }), form: 'winograd F(3x3,2x2) split' },
];

test('native Winograd layout (forced) = reference on both forms, every kernel set, same bits at 1 and 2 threads', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  for (const { plan, form } of CASES) {
    const c = referenceCase(plan, rng);
    const where = `${form}, input ${plan.inputShape.join('×')}, weight ${plan.weightShape.join('×')}, pads ${plan.axes.map((a) => a.padBegin).join(',')}`;
    for (const kernelSet of kernelSets) {
      const native = createNativeBackend({ kernelSet, layout: 'winograd' });
      assert.equal(native.layout(plan, c.weight).winograd, form, `${kernelSet}: the forced layout applies; ${where}`);
      const outputs = [1, 2].map((threads) => {
        expectMatchesReference(native, c, threads, `${kernelSet}, ${threads} thread(s), ${where}`);
        const output = new Float32Array(c.expected.length).fill(Number.NaN);
        native.conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
        return output;
      });
      assert.deepEqual(outputs[1], outputs[0], `${kernelSet}: same bits at 1 and 2 threads; ${where}`);
    }
  }
});

test('native Winograd layout (forced) = reference on random shapes of both forms (fresh seed, 1 and 2 threads)', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const pick = (from: number, to: number) => from + Math.floor(rng.next() * (to - from + 1));
  for (let c = 0; c < 30; c++) {
    const split = c % 2 === 1;
    const spec = {
      input: [pick(split ? 4 : 3, 40), pick(split ? 4 : 3, 70)], kernel: split ? 4 : 3, stride: split ? 2 : 1, padding: pick(0, 2),
      inChannels: pick(1, 24), outChannels: pick(1, 30), batch: pick(1, 3), bias: rng.next() < 0.5,
    };
    const plan = conv(spec);
    const c0 = referenceCase(plan, rng);
    for (const kernelSet of kernelSets) {
      const native = createNativeBackend({ kernelSet, layout: 'winograd' });
      const where = `${kernelSet}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      assert.notEqual(native.layout(plan, c0.weight).winograd, '', `${where}: the forced layout applies`);
      for (const threads of [1, 2]) expectMatchesReference(native, c0, threads, `${where}, ${threads} thread(s)`);
    }
  }
});

test('native Winograd layout: relative L2 < 1e-5 against float64 at K = 512 with inputs of mixed magnitudes', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  const mixed = (length: number) => Float32Array.from({ length }, () => rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 3));
  // 225 and 242 tiles: two panels or more whichever tile the trial picks (the widest takes 128), so two threads apply
  // on any host (with 49 tiles a busy host's trial could pick a one-panel tile, one task, one thread).
  for (const plan of [
    conv({ input: [30, 30], kernel: 3, padding: 1, inChannels: 512, outChannels: 16, batch: 1, bias: true }),
    conv({ input: [62, 62], kernel: 4, stride: 2, padding: 1, inChannels: 512, outChannels: 16, batch: 2 }),
  ]) {
    const input = mixed(sizeOf(plan.inputShape));
    const weight = mixed(sizeOf(plan.weightShape));
    const bias = plan.bias ? mixed(plan.outChannels) : null;
    const expected = new Float32Array(sizeOf(plan.outputShape));
    referenceBackend.conv({ plan, input, weight, bias, output: expected });
    for (const kernelSet of kernelSets) {
      const native = createNativeBackend({ kernelSet, layout: 'winograd' });
      const layout = native.layout(plan, weight);
      assert.notEqual(layout.winograd, '', `${kernelSet}: Winograd applies`);
      const [one, two] = [1, 2].map((threads) => {
        const output = new Float32Array(expected.length).fill(Number.NaN);
        native.conv({ plan, input, weight, bias, output, threads });
        return output;
      });
      const rel = relativeL2Error(one!, expected);
      assert.ok(rel < 1e-5, `${kernelSet}, kernel ${plan.axes[0]!.kernel}: relative L2 ${rel}`);
      // Big enough for a second thread: its tiles' sums are the same whichever thread runs them.
      assert.ok((layout.maxThreads ?? 1) >= 2, `${kernelSet}: the layer takes two threads (${layout.maxThreads})`);
      assert.deepEqual(two, one, `${kernelSet}: same bits at 1 and 2 threads`);
    }
  }
});

test('native Winograd rule: chosen from the shape where it pays, not elsewhere; a forced layout that does not fit falls back', { skip: skipReason }, () => {
  const weightOf = (plan: Plan) => new Float32Array(sizeOf(plan.weightShape)).fill(0.5);
  const chosen = (plan: Plan, layout?: 'winograd') => createNativeBackend({ layout }).layout(plan, weightOf(plan)).winograd;
  // ∂X of dcgan-3 and superres (k4 s2 p1 convs, K = 4·Cin = 512 and 256), a 128-channel 3×3 conv.
  assert.equal(chosen(conv({ input: [16, 16], kernel: 4, stride: 2, padding: 1, inChannels: 128, outChannels: 256, batch: 16 })), 'winograd F(3x3,2x2) split');
  assert.equal(chosen(conv({ input: [256, 256], kernel: 4, stride: 2, padding: 1, inChannels: 64, outChannels: 64, batch: 1 })), 'winograd F(3x3,2x2) split');
  assert.equal(chosen(conv({ input: [32, 32], kernel: 3, padding: 1, inChannels: 128, outChannels: 128, batch: 1 })), 'winograd F(2x2,3x3)');
  // Not: dcgan-2's ∂X (4×4 outputs from 3×3 tiles), dcgan-5's (K = 12), the zoo's 16-channel 3×3 convs.
  assert.equal(chosen(conv({ input: [8, 8], kernel: 4, stride: 2, padding: 1, inChannels: 256, outChannels: 512, batch: 16 })), '');
  assert.equal(chosen(conv({ input: [64, 64], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 64, batch: 16 })), '');
  assert.equal(chosen(conv({ input: [32, 32], kernel: 3, padding: 1, inChannels: 16, outChannels: 16, batch: 1 })), '');
  // Forced where no form fits (dilation, groups, stride 2 with a 3×3 kernel, a transposed layer): the usual layouts.
  for (const plan of [
    conv({ input: [9, 9], kernel: 3, padding: 2, dilation: 2, inChannels: 4, outChannels: 4, batch: 1 }),
    conv({ input: [9, 9], kernel: 3, padding: 1, groups: 2, inChannels: 4, outChannels: 4, batch: 1 }),
    conv({ input: [9, 9], kernel: 3, stride: 2, padding: 1, inChannels: 4, outChannels: 4, batch: 1 }),
    planLayer({ kind: 'convTranspose', input: [5, 5], kernel: 4, stride: 2, padding: 1, inChannels: 4, outChannels: 4 }),
  ]) {
    assert.equal(chosen(plan, 'winograd'), '', `no Winograd form for ${JSON.stringify(plan.axes)}`);
    const c = referenceCase(plan, createRng(1));
    expectMatchesReference(createNativeBackend({ layout: 'winograd' }), c, 1, 'forced Winograd that does not fit');
  }
});

test('native Winograd layout: prepared weights count the transformed weights (4× a k4 s2 layer\'s) against the cache bound', { skip: skipReason }, () => {
  const plan = conv({ input: [32, 32], kernel: 4, stride: 2, padding: 1, inChannels: 64, outChannels: 64, batch: 4, bias: false });
  const weight = new Float32Array(sizeOf(plan.weightShape)).fill(0.25);
  const native = createNativeBackend();
  const layout = native.layout(plan, weight);
  assert.equal(layout.winograd, 'winograd F(3x3,2x2) split');
  assert.equal(layout.packedWeightBytes, 4 * 4 * weight.length, '16 values for each 2×2 sub-kernel of 4 phases: 4× the weights');
  const prepared = prepareWeights({ shape: plan.weightShape, data: weight });
  try {
    const before = packedWeightBytes();
    const parts = preparedParts(prepared);
    const output = new Float32Array(sizeOf(plan.outputShape));
    native.conv({ plan, input: new Float32Array(sizeOf(plan.inputShape)), weight: parts.data, bias: null, output, threads: 1, packs: parts.slot });
    assert.equal(packedWeightBytes() - before, layout.packedWeightBytes, 'the slot holds the transformed weights');
  } finally {
    prepared.dispose();
  }
});
