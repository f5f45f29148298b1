/**
 * The native backend against the float64 reference, on fresh random configurations: 1D/2D/3D, stride, asymmetric
 * pads and output padding (negative padEnd), dilation with holes, groups, bias or none, batch, with every kernel set
 * the CPU supports (AVX-512, AVX2, portable), one and two threads, and NaN-poisoned outputs so an unwritten element
 * fails, and every column layout (packed, batch-minor, direct, depthwise, packed-split — convs strided along W packed from
 * the input split into its W phases, which their direct layout reads too; all but depthwise also with four panels per task;
 * winograd on the convs with 3×3 stride-1 or 4×4 stride-2 kernels). Sizes also hit the tile remainders (output channels not a multiple of the row block, positions not a
 * multiple of the column block, reductions longer than one packed chunk). Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../../src/engine/backends/reference.ts';
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { packedWeightBytes, preparedParts, prepareWeights } from '../../src/engine/prepared-weights.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import { planOf, randomConvSpec, randomDepthwiseConvSpec, randomLayer, randomStridedConvSpec, runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, randomArray, referenceCase, sizeOf as size } from '../helpers/reference-case.ts';
import { expectDepthwiseLikePacked, kernelSets, skipReason } from './native-support.ts';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Every column layout, forced (where one does not apply, the addon uses its own choice), and the automatic one. */
const LAYOUTS = [
  undefined, 'packed', 'batch-minor', 'direct', 'depthwise', 'packed-split', 'packed+group', 'batch-minor+group', 'direct+group', 'packed-split+group',
  'winograd',
] as const;

/** Runs the plan on the reference once and on every kernel set, layout and 1 and 2 threads. */
function compareAll(plan: Plan, rng: Rng, where: string): void {
  const c = referenceCase(plan, rng);
  for (const kernelSet of kernelSets) for (const layout of LAYOUTS) {
    const native = createNativeBackend({ kernelSet, layout });
    for (const threads of [1, 2]) expectMatchesReference(native, c, threads, `${kernelSet}, layout ${layout ?? 'auto'}, ${threads} thread(s), ${where}`);
  }
}

for (const rank of [1, 2, 3] as const) {
  test(`native convTranspose = reference on random ${rank}D configurations, every kernel set, 1 and 2 threads`, { skip: skipReason }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    for (let c = 0; c < 60; c++) {
      const layer = randomLayer(rng, rank);
      const withBias = planOf(layer, { bias: rng.next() < 0.5 });
      compareAll(withBias, rng, `seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(layer)}`);
    }
  });
}

test('native conv (forward) = reference on random 1D/2D/3D configurations', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (let c = 0; c < 90; c++) {
    const spec = randomConvSpec(rng, ([1, 2, 3] as const)[c % 3]!);
    const plan = planLayer(spec);
    compareAll(plan, rng, `seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`);
  }
});

test('native tile remainders: channels past the row block, positions past the column block, long reductions', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const specs: LayerSpec[] = [
    // 29 output channels = 14 + 14 + 1 (AVX-512 row block), 13 = 6 + 6 + 1 (AVX2); 9×11 positions per phase.
    { kind: 'convTranspose', input: [9, 11], kernel: 4, stride: 2, padding: 1, inChannels: 7, outChannels: 29, batch: 3 },
    { kind: 'convTranspose', input: [5, 7], kernel: 3, stride: 2, padding: 1, outputPadding: 1, inChannels: 5, outChannels: 13, batch: 2 },
    // Reduction 150 channels × 4 taps: several packed chunks, chunk breaks inside a tap.
    { kind: 'convTranspose', input: [3, 5], kernel: 4, stride: 2, padding: 1, inChannels: 150, outChannels: 17, batch: 1 },
    // DCGAN-1 shape in small: 1×1 input, batch 5 (batch-minor columns), grouped.
    { kind: 'convTranspose', input: [1, 1], kernel: 4, stride: 1, inChannels: 6, outChannels: 30, batch: 5, groups: 2 },
    // Depthwise, 3D with holes (dilation 2, stride 2), 1D long with k16 s8.
    { kind: 'convTranspose', input: [13, 9], kernel: 4, stride: 2, padding: 1, inChannels: 6, outChannels: 6, groups: 6 },
    { kind: 'convTranspose', input: [4, 3, 5], kernel: 3, stride: 2, dilation: 2, padding: 1, outputPadding: 1, inChannels: 3, outChannels: 4, batch: 2 },
    { kind: 'convTranspose', input: [37], kernel: 16, stride: 8, padding: 4, inChannels: 9, outChannels: 33 },
    // Weights over 1 MB per phase: tasks take groups of panels (weight chunks shared across panels), 261 = 18·14 + 9.
    { kind: 'convTranspose', input: [3, 5], kernel: 4, stride: 2, padding: 1, outputPadding: 1, inChannels: 256, outChannels: 261, batch: 2 },
    // Batch 0: nothing to write, nothing read.
    { kind: 'convTranspose', input: [4, 4], kernel: 3, stride: 2, inChannels: 2, outChannels: 3, batch: 0 },
    // Narrow rows (8 and 5 wide): a panel spans several input rows, the shifted taps pack as one stretch with holes
    // at the row ends, including a hole before the first input value (source offset 0 cannot move back).
    { kind: 'convTranspose', input: [8, 8], kernel: 4, stride: 2, padding: 1, inChannels: 19, outChannels: 8, batch: 2 },
    { kind: 'convTranspose', input: [6, 5], kernel: 5, stride: 2, padding: 2, inChannels: 3, outChannels: 16, batch: 3 },
  ];
  specs.forEach((spec, c) => {
    const plan = planLayer(spec);
    compareAll(plan, rng, `seed ${seed}, remainder case ${c}: ${JSON.stringify(spec)}`);
  });
});

test('native plain weights: an in-place edit of any one weight gives fresh results (nothing is cached)', { skip: skipReason }, () => {
  const rng = createRng(7);
  const plan = planLayer({ kind: 'convTranspose', input: [6, 6], kernel: 3, stride: 2, inChannels: 4, outChannels: 5 });
  const native = createNativeBackend();
  const input = randomArray(rng, size(plan.inputShape));
  const bias = randomArray(rng, plan.outChannels);
  const weight = randomArray(rng, size(plan.weightShape));
  const check = (label: string) => {
    const expected = new Float32Array(size(plan.outputShape));
    referenceBackend.convTranspose({ plan, input, weight, bias, output: expected });
    const output = new Float32Array(expected.length).fill(Number.NaN);
    native.convTranspose({ plan, input, weight, bias, output });
    assert.ok(relativeL2Error(output, expected) < 1e-5, label);
  };
  check('first call');
  weight.set(randomArray(rng, weight.length));
  check('after rewriting every weight in place');
  weight[1] = 42;
  check('after editing weight[1] in place');
  weight[weight.length - 2] = -7;
  check('after editing the second-to-last weight in place');
});

test('native two threads from both ends of the phase-major task list (weights over 1.5 MB), every layout', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  // 256 × 128 × 4 × 4 weights = 2 MB: two threads split the four phases from the two ends of one list.
  for (const spec of [
    { kind: 'convTranspose', input: [3, 4], kernel: 4, stride: 2, padding: 1, inChannels: 256, outChannels: 128, batch: 2 },
    { kind: 'convTranspose', input: [5], kernel: 16, stride: 8, padding: 4, inChannels: 192, outChannels: 150, batch: 1 },
  ] satisfies LayerSpec[]) {
    const c = referenceCase(planLayer(spec), rng);
    for (const layout of LAYOUTS) {
      const native = createNativeBackend({ kernelSet: kernelSets[0], layout });
      expectMatchesReference(native, c, 2, `layout ${layout ?? 'auto'}, seed ${seed} (TCONV_SEED=${seed}): ${JSON.stringify(spec)}`);
    }
  }
});

// The layout trial times candidates, so which layout a process picks depends on the machine's load. Every layout the
// trial can pick must therefore sum each output in the same order (tap, then channel): the same call gives the same
// bits in every process (`tconv run --seed` is reproducible), whatever was picked and however many threads ran.
test('native results are bit-identical across the layouts the trial chooses between, and across thread counts', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const trialLayouts = ['packed', 'batch-minor', 'direct', 'packed-split', 'packed+group', 'batch-minor+group', 'direct+group', 'packed-split+group'] as const;
  for (let n = 0; n < 75; n++) {
    const rank = ([1, 2, 3] as const)[n % 3]!;
    // Transposed layers, then convs (∂X of a transposed layer; strided ones reach the phase-split layouts).
    const layer = n < 45 ? randomLayer(rng, rank) : null;
    const spec = layer ? null : randomConvSpec(rng, rank);
    const plan = layer ? planOf(layer) : planLayer(spec!);
    if (plan.inChannels / plan.groups === 1 && plan.outChannels / plan.groups === 1) continue;  // depthwise: no trial
    const c = referenceCase(plan, rng);
    for (const kernelSet of kernelSets) {
      let first: Float32Array | null = null;
      for (const layout of trialLayouts) for (const threads of [1, 2]) {
        const output = new Float32Array(c.expected.length).fill(Number.NaN);
        createNativeBackend({ kernelSet, layout })[c.run]({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
        if (!first) {
          first = output;
          continue;
        }
        const differ = output.findIndex((v, i) => !Object.is(v, first![i]) && !(v === 0 && first![i] === 0));
        assert.equal(differ, -1, `${kernelSet}, layout ${layout}, ${threads} thread(s) differs from packed at ${differ}; seed ${seed} (TCONV_SEED=${seed}), case ${n}: ${JSON.stringify(layer ?? spec)}`);
      }
    }
  }
});

test('native: a second weight array for the same layer reuses the timing trial\'s choice, and is still right', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  // A layer no other test in this process prepares, with several candidate layouts (so the first prepare times them).
  const plan = planLayer({ kind: 'convTranspose', input: [9, 7], batch: 3, inChannels: 40, outChannels: 24, kernel: 4, stride: 2, padding: 1 });
  const native = createNativeBackend({ kernelSet: kernelSets[0] });
  const first = referenceCase(plan, rng);
  // layout() prepares (and releases) a handle: here the first prepare of this layer, which times its candidates.
  const timed = native.layout(plan, first.weight);
  assert.ok(timed.measuredSeconds > 0, 'the first prepare times its candidates');
  expectMatchesReference(native, first, 1, `first weights, seed ${seed}`);
  const second = referenceCase(plan, rng);
  expectMatchesReference(native, second, 2, `second weights, seed ${seed}`);
  const reused = native.layout(plan, second.weight);
  assert.equal(reused.measuredSeconds, 0, 'no second trial');
  assert.deepEqual([reused.mr, reused.nr, reused.direct, reused.batchMinor], [timed.mr, timed.nr, timed.direct, timed.batchMinor]);
});

test('small direct layouts keep a bounded tap table, counted with their packed weights; large ones collect taps per task', { skip: skipReason }, () => {
  const native = createNativeBackend({ layout: 'direct' });
  const small = planLayer({ kind: 'conv', input: [32, 32], kernel: 3, padding: 1, inChannels: 3, outChannels: 3 });
  const smallWeight = new Float32Array(size(small.weightShape)).fill(0.5);
  const layout = native.layout(small, smallWeight);
  assert.ok(layout.direct, 'the forced direct layout applies');
  assert.ok(layout.tableBytes > 0 && layout.tableBytes <= 256 * 1024, `table of ${layout.tableBytes} bytes`);
  // 16384 panels of three taps: over the bound, so no table (and the same results, checked by the tests above).
  const large = planLayer({ kind: 'conv', input: [262144], kernel: 3, padding: 1, inChannels: 2, outChannels: 2 });
  const largeLayout = native.layout(large, new Float32Array(size(large.weightShape)));
  assert.ok(largeLayout.direct);
  assert.equal(largeLayout.tableBytes, 0);
  // A prepared handle's slot counts the table with the packed weights (the packed-weight cache's byte bound).
  const prepared = prepareWeights({ shape: small.weightShape, data: smallWeight });
  try {
    const before = packedWeightBytes();
    const input = new Float32Array(size(small.inputShape));
    const output = new Float32Array(size(small.outputShape));
    const parts = preparedParts(prepared);
    native.conv({ plan: small, input, weight: parts.data, bias: new Float32Array(3), output, threads: 1, packs: parts.slot });
    // The trial may pick another direct tile (6×16 or 3×32, by timing) than layout() above did, with another table:
    // the slot holds the weights (4 bytes a float, as the cache counts them) plus a table within the bound.
    const table = packedWeightBytes() - before - 4 * smallWeight.length;
    assert.ok(table > 0 && table <= 256 * 1024, `slot counts a table of ${table} bytes beside the weights`);
  } finally {
    prepared.dispose();
  }
});

// A depthwise transposed conv whose kernel is shorter than its stride along H has an H phase with no tap: that
// combo counts 0 taps, yet its W phase has several, and the depthwise rows keep a column per W tap (the workspace
// once sized those by the taps of the largest combo: 1 here, with 3 W taps — a heap overflow under ASan).
test('native depthwise rows: a phase without taps along H beside W phases with several', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  for (const spec of [
    { kind: 'convTranspose', batch: 2, input: [5, 9], inChannels: 3, outChannels: 3, groups: 3, kernel: [1, 3], stride: [2, 1], padding: [0, 1] },
    { kind: 'convTranspose', batch: 1, input: [4, 3, 7], inChannels: 2, outChannels: 2, groups: 2, kernel: [1, 1, 4], stride: [3, 2, 1], padding: [0, 0, 1] },
  ] as const) {
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    for (const kernelSet of kernelSets) {
      const native = createNativeBackend({ kernelSet, layout: 'depthwise' });
      for (const threads of [1, 2]) expectMatchesReference(native, c, threads, `${kernelSet}, depthwise, ${threads} thread(s): ${JSON.stringify(spec)}`);
    }
  }
});

// Strided depthwise convs (∂X of a depthwise transposed conv): the depthwise rows read each input row split into
// zero-padded W phases (in pairs on the sets that have depthwise rows). Every layout against the reference, and the depthwise rows bit-identical to the packed GEMM (the same
// products summed in the same order), at one and two threads.
test('native strided depthwise conv = reference, and bit-identical to the packed layout', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  let compared = 0;
  for (let n = 0; n < 24; n++) {
    const spec = randomDepthwiseConvSpec(rng, ([1, 2, 3] as const)[n % 3]!);
    const plan = planLayer(spec);
    const where = `seed ${seed} (TCONV_SEED=${seed}), case ${n}: ${JSON.stringify(spec)}`;
    compareAll(plan, rng, where);
    compared += expectDepthwiseLikePacked(plan, referenceCase(plan, rng), where);
  }
  assert.ok(compared > 0 || kernelSets.every((k) => k === 'scalar'), 'a SIMD kernel set ran the depthwise rows');
});

// ∂X of a strided transposed conv is a conv strided along W. Its direct and packed-split layouts read a copy of the
// input split into its W phases (padded channel planes, direct taps in chunks): forced here, they must report that
// copy, match the reference, and give the packed layout's bits (the trial chooses between them).
test('native W-strided convs: the phase-split layouts apply, = reference, and bit-identical to packed, 1 and 2 threads', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  let reached = 0;
  for (let n = 0; n < 24; n++) {
    const spec = randomStridedConvSpec(rng, ([1, 2, 3] as const)[n % 3]!);
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const where = `seed ${seed} (TCONV_SEED=${seed}), case ${n}: ${JSON.stringify(spec)}`;
    for (const kernelSet of kernelSets) {
      const packed = new Float32Array(c.expected.length).fill(Number.NaN);
      createNativeBackend({ kernelSet, layout: 'packed' }).conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output: packed, threads: 1 });
      for (const layout of ['direct', 'packed-split', 'direct+group', 'packed-split+group'] as const) {
        const native = createNativeBackend({ kernelSet, layout });
        const chosen = native.layout(plan, c.weight);
        const stride = spec.stride as number[];
        if (layout.startsWith('packed-split') || chosen.direct) {
          // A conv whose W taps read one residue class runs reduced (subsample.h): its W stride is s / g.
          const sW = stride.at(-1)!, kW = (spec.kernel as number[]).at(-1)!, dW = (spec.dilation as number[]).at(-1)!;
          const g = kW === 1 ? 1 : gcd(sW, dW), r = (((-(spec.pads!.begin as number[]).at(-1)!) % g) + g) % g;
          const reducedW = chosen.subsampled === true && g > 1 && r < (spec.input as number[]).at(-1)!;
          assert.equal(chosen.splitStep, reducedW ? sW / g : sW, `${kernelSet} ${layout} reads the phase-split input; ${where}`);
          reached++;
        }
        for (const threads of [1, 2]) {
          expectMatchesReference(native, c, threads, `${kernelSet}, layout ${layout}, ${threads} thread(s), ${where}`);
          const output = new Float32Array(c.expected.length).fill(Number.NaN);
          native.conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
          const differ = output.findIndex((v, i) => !Object.is(v, packed[i]) && !(v === 0 && packed[i] === 0));
          assert.equal(differ, -1, `${kernelSet}, layout ${layout}, ${threads} thread(s) differs from packed at ${differ}; ${where}`);
        }
      }
    }
  }
  assert.ok(reached > 0, 'some case ran a phase-split layout');
});

/** The direct layouts (plain and grouped, 1 and 2 threads) = reference and bit-identical to packed on case c. */
function expectDirectLikePacked(c: ReturnType<typeof referenceCase>, kernelSet: (typeof kernelSets)[number], where: string): void {
  const packed = new Float32Array(c.expected.length).fill(Number.NaN);
  createNativeBackend({ kernelSet, layout: 'packed' })[c.run]({ plan: c.plan, input: c.input, weight: c.weight, bias: c.bias, output: packed, threads: 1 });
  for (const layout of ['direct', 'direct+group'] as const) for (const threads of [1, 2]) {
    const output = new Float32Array(c.expected.length).fill(Number.NaN);
    createNativeBackend({ kernelSet, layout })[c.run]({ plan: c.plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
    const rel = relativeL2Error(output, c.expected);
    assert.ok(rel < 1e-5, `${kernelSet} ${layout}, ${threads} thread(s): relative L2 ${rel}; ${where}`);
    const differ = output.findIndex((v, i) => !Object.is(v, packed[i]) && !(v === 0 && packed[i] === 0));
    assert.equal(differ, -1, `${kernelSet} ${layout}, ${threads} thread(s) differs from packed at ${differ}; ${where}`);
  }
}

// Stride-1 planes whose rows are as wide in as out and no multiple of 16 (the zoo's 8×8 latents): forced direct,
// a vector is 16 consecutive positions of the flattened plane, spanning rows, with the lanes whose row or column
// leaves the input masked. Each output still sums tap by tap, channels inside: the same bits as packed.
test('native direct vectors spanning rows (narrow stride-1 planes) = reference, bit-identical to packed, 1 and 2 threads', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const flat: LayerSpec[] = [
    { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 32, outChannels: 32 },
    // A plane of 35 positions (16 + 16 + 3 lanes), batch 2, 13 = 6 + 6 + 1 output channels, no bias.
    { kind: 'conv', input: [7, 5], kernel: 3, padding: 1, inChannels: 5, outChannels: 13, batch: 2 },
    { kind: 'conv', input: [8, 8], kernel: 1, inChannels: 6, outChannels: 7, batch: 3 },
    { kind: 'conv', input: [9, 9], kernel: 3, dilation: 2, padding: 2, inChannels: 3, outChannels: 4 },
    { kind: 'conv', input: [6, 6], kernel: 3, pads: { begin: [0, 2], end: [2, 0] }, inChannels: 4, outChannels: 5 },
    { kind: 'conv', input: [12, 20], kernel: 5, padding: 2, inChannels: 2, outChannels: 3 },
    { kind: 'conv', input: [3, 6, 6], kernel: 3, padding: 1, inChannels: 4, outChannels: 5, batch: 2 },
    { kind: 'conv', input: [40], kernel: 3, padding: 1, inChannels: 3, outChannels: 2 },
    { kind: 'conv', input: [1, 1], kernel: 3, padding: 1, inChannels: 2, outChannels: 2 },
  ];
  // Rows that fill whole vectors, or strided, or output rows narrower than the input: row vectors as before.
  const rowWise: LayerSpec[] = [
    { kind: 'conv', input: [16, 16], kernel: 3, padding: 1, inChannels: 3, outChannels: 4 },
    { kind: 'conv', input: [8, 8], kernel: 3, inChannels: 3, outChannels: 4 },
    { kind: 'conv', input: [8, 8], kernel: 3, stride: 2, padding: 1, inChannels: 3, outChannels: 4 },
  ];
  for (const [specs, spans] of [[flat, true], [rowWise, false]] as const) {
    for (const spec of specs) {
      const where = `seed ${seed} (TCONV_SEED=${seed}): ${JSON.stringify(spec)}`;
      const c = referenceCase(planLayer({ ...spec, bias: spec.batch !== 2 }), rng);
      for (const kernelSet of kernelSets) {
        const direct = createNativeBackend({ kernelSet, layout: 'direct' });
        const chosen = direct.layout(c.plan, c.weight);
        if (!chosen.direct) continue;  // the portable set has no direct kernels
        assert.equal(chosen.flatRows, spans, `${kernelSet}: vectors ${spans ? 'span rows' : 'stay in one row'}; ${where}`);
        expectDirectLikePacked(c, kernelSet, where);
      }
    }
  }
});

// Stride-1 direct layouts of 4 KiB-multiple planes with at least 8 channels in and 8 out per group read an input
// copy at a padded channel stride (at 4 KiB every channel's line of a tap fell into one L1 set): the same sums in the same
// order, so the same bits as packed, whatever the batch, groups or depth.
test('native direct layouts over padded input planes (4 KiB-multiple planes) = reference, bit-identical to packed, 1 and 2 threads', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const padded: LayerSpec[] = [
    { kind: 'conv', input: [32, 32], kernel: 3, padding: 1, inChannels: 16, outChannels: 16 },
    { kind: 'conv', input: [64, 64], kernel: 3, padding: 1, inChannels: 8, outChannels: 8 },
    { kind: 'conv', input: [16, 64], kernel: 3, padding: 1, inChannels: 9, outChannels: 8, batch: 2 },
    { kind: 'conv', input: [32, 32], kernel: 3, padding: 1, inChannels: 24, outChannels: 26, groups: 2 },
    { kind: 'conv', input: [4, 16, 16], kernel: 3, padding: 1, inChannels: 12, outChannels: 9 },
    { kind: 'convTranspose', input: [32, 32], kernel: 3, padding: 1, inChannels: 10, outChannels: 8 },
  ];
  const unpadded: LayerSpec[] = [
    { kind: 'conv', input: [32, 32], kernel: 3, padding: 1, inChannels: 7, outChannels: 8 },
    { kind: 'conv', input: [32, 32], kernel: 3, padding: 1, inChannels: 16, outChannels: 3 },
    { kind: 'conv', input: [24, 48], kernel: 3, padding: 1, inChannels: 16, outChannels: 16 },
  ];
  for (const [specs, pads] of [[padded, true], [unpadded, false]] as const) {
    for (const spec of specs) {
      const where = `seed ${seed} (TCONV_SEED=${seed}): ${JSON.stringify(spec)}`;
      const c = referenceCase(planLayer({ ...spec, bias: spec.batch !== 2 }), rng);
      for (const kernelSet of kernelSets) {
        const chosen = createNativeBackend({ kernelSet, layout: 'direct' }).layout(c.plan, c.weight);
        if (!chosen.direct) continue;  // the portable set has no direct kernels
        assert.equal(chosen.padPlanes, pads, `${kernelSet}: ${pads ? 'a padded copy' : 'the input as it is'}; ${where}`);
        expectDirectLikePacked(c, kernelSet, where);
      }
    }
  }
});

// Direct layouts split the output channels into row blocks of equal height (32 on a 14-row tile: 11 + 11 + 10) and
// store a task's outputs a few channels at a time across its panels, vectors that continue each other in one call
// (runners.cc): the same sums in the same order, so the same bits as packed, with bias or none, at output step 1 and
// at a transposed conv's step 2, and the heights of the blocks differ by less than their count.
test('native direct row blocks of equal height and chunked stores = reference, bit-identical to packed, 1 and 2 threads', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const specs: LayerSpec[] = [
    // The suite's dilated ∂X as the subsample reduces it: 32 → 32, 3×3 on 64², rows of four whole vectors.
    { kind: 'conv', input: [64, 64], kernel: 3, padding: 1, inChannels: 32, outChannels: 32 },
    { kind: 'conv', input: [16, 48], kernel: 3, padding: 1, inChannels: 5, outChannels: 29, bias: true },
    { kind: 'conv', input: [20, 40], kernel: 3, padding: 1, inChannels: 6, outChannels: 20, batch: 2 },
    { kind: 'convTranspose', input: [12, 24], kernel: 4, stride: 2, padding: 1, inChannels: 7, outChannels: 33, bias: true },
  ];
  for (const spec of specs) {
    const where = `seed ${seed} (TCONV_SEED=${seed}): ${JSON.stringify(spec)}`;
    const c = referenceCase(planLayer(spec), rng);
    for (const kernelSet of kernelSets) {
      const chosen = createNativeBackend({ kernelSet, layout: 'direct' }).layout(c.plan, c.weight);
      if (!chosen.direct) continue;  // the portable set has no direct kernels
      const M = c.plan.outChannels / c.plan.groups;
      const blocks = Math.ceil(M / chosen.mr);
      assert.ok(M - (blocks - 1) * chosen.mr > chosen.mr - blocks, `${kernelSet}: blocks of ${chosen.mr} for ${M} channels; ${where}`);
      expectDirectLikePacked(c, kernelSet, where);
    }
  }
});
