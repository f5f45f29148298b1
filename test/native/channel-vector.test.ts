/**
 * The channel-vector layout (kernels/native/src/channel_vector.h): convs with few input channels and many output
 * channels, vectors over 8 (AVX2) or 16 (AVX-512) output channels, output rows as tasks, a transposing store.
 * Checked here: the addon reports it where forced on such a layer (and not on one it does not fit) with its lane
 * width, it matches the float64 reference at 1 and 2 threads, and gives the same bits as the direct and packed
 * layouts of the same kernel set — odd sizes, padding past both ends, batch, bias, W stride 1 and 2, 1D/2D/3D,
 * channels not a multiple of 16, a W-tap row that reads no input at all, tasks of several rows and a short last one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, referenceCase } from '../helpers/reference-case.ts';
import { kernelSets, skipReason } from './native-support.ts';

/** Layers the layout applies to. */
const CASES: readonly LayerSpec[] = [
  // dcgan-5's ∂X in small: 3 → 64, k4 s2 p1, batch 2.
  { kind: 'conv', input: [18, 22], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 64, batch: 2 },
  // Odd sizes, bias, 24 output channels (two blocks and one), 1 input channel, asymmetric pads.
  { kind: 'conv', input: [9, 13], kernel: 3, stride: 1, pads: { begin: [2, 1], end: [0, 2] }, inChannels: 1, outChannels: 24, bias: true },
  // Stride 1 along W, 2 along H; 4 input channels; W 5 (under one 8-position store block).
  { kind: 'conv', input: [11, 5], kernel: [3, 5], stride: [2, 1], padding: [1, 2], inChannels: 4, outChannels: 16, batch: 3, bias: true },
  // Pads wider than the kernel reach: whole output rows read no input (bias only).
  { kind: 'conv', input: [4, 6], kernel: 2, padding: 3, inChannels: 2, outChannels: 40 },
  // 1D and 3D, dilation.
  { kind: 'conv', input: [37], kernel: 5, stride: 3, dilation: 2, padding: 4, inChannels: 3, outChannels: 32, batch: 2, bias: true },
  { kind: 'conv', input: [5, 6, 7], kernel: 3, stride: [1, 2, 2], padding: 1, inChannels: 2, outChannels: 16, batch: 2 },
  // Rows that leave a last task short (AVX-512: 39 rows, 4 per task), 48 channels (three 16-channel blocks), rows of
  // 10 (one masked store group), bias; and rows of 21 over 64 channels (a full and a masked group), one input channel.
  { kind: 'conv', input: [26, 20], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 48, batch: 3, bias: true },
  { kind: 'conv', input: [12, 42], kernel: 4, stride: 2, padding: 1, inChannels: 1, outChannels: 64, batch: 4 },
  // A stride-1 transposed conv (one phase per axis) with few input channels.
  { kind: 'convTranspose', input: [7, 9], kernel: 3, padding: 1, inChannels: 3, outChannels: 32, bias: true },
];

test('native channel-vector layout: reported, = reference and bit-identical to direct and packed at 1/2 threads', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (const spec of CASES) {
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const where = `seed ${seed} (TCONV_SEED=${seed}), ${JSON.stringify(spec)}`;
    for (const kernelSet of kernelSets) {
      const forced = createNativeBackend({ kernelSet, layout: 'channel-vector' });
      // The portable set has no FMA: the layout is offered only beside direct kernels (same FMA sums).
      const expectVector = kernelSet !== 'scalar';
      const described = forced.layout(plan, c.weight);
      assert.equal(described.channelVector === true, expectVector, `${kernelSet} channel-vector applies; ${where}`);
      // AVX-512 vectors over 16 channels where the output channels are a multiple of 16, else 8 (as AVX2).
      const lanes = kernelSet === 'avx512' && plan.outChannels % 16 === 0 ? 16 : 8;
      if (expectVector) assert.equal(described.channelVectorLanes, lanes, `${kernelSet} lanes; ${where}`);
      let first: Float32Array | null = null;
      for (const layout of ['direct', 'packed', 'channel-vector'] as const) {
        const native = createNativeBackend({ kernelSet, layout });
        for (const threads of [1, 2]) {
          expectMatchesReference(native, c, threads, `${kernelSet}, layout ${layout}, ${threads} thread(s), ${where}`);
          const output = new Float32Array(c.expected.length).fill(Number.NaN);
          native[c.run]({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
          first ??= output;
          const differ = output.findIndex((v, i) => !Object.is(v, first![i]));
          assert.equal(differ, -1, `${kernelSet}, layout ${layout}, ${threads} thread(s) differs from direct at ${differ}; ${where}`);
        }
      }
    }
  }
});

test('native channel-vector layout: not taken where it does not fit (many input channels, groups, output channels not a multiple of 8)', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  for (const spec of [
    { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 5, outChannels: 64 },
    { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 4, outChannels: 32, groups: 2 },
    { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 3, outChannels: 20 },
    { kind: 'convTranspose', input: [8, 8], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 64 },
  ] satisfies LayerSpec[]) {
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const native = createNativeBackend({ kernelSet: kernelSets[0], layout: 'channel-vector' });
    assert.notEqual(native.layout(plan, c.weight).channelVector, true, JSON.stringify(spec));
    expectMatchesReference(native, c, 2, `falls back to the trial's choice: ${JSON.stringify(spec)}`);
  }
});
