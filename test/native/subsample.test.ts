/**
 * Convs whose taps along an axis read one residue class of the input (stride and dilation, or a 1-tap kernel's
 * stride, share a factor g) run natively as the reduced conv over a copy of that class (kernels/native/src/
 * subsample.h; kernels of two taps or more on that axis): ∂X of the suite's dilated layer (s2 d2) reads only even rows and columns. Checked here: the addon
 * reports the reduction, every layout and kernel set matches the float64 reference at 1 and 2 threads, every layout
 * gives the same bits as the others of its kernel set, the residue class need not start at 0 (odd pads), odd sizes, 1D/2D/3D, groups, batch,
 * and the suite's layer gives the bits of the dense stride-1 conv it equals on the even-even subgrid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, randomArray, referenceCase, sizeOf } from '../helpers/reference-case.ts';
import { kernelSets, skipReason } from './native-support.ts';

const LAYOUTS = [undefined, 'packed', 'batch-minor', 'direct', 'depthwise', 'packed-split', 'direct+group'] as const;

/** Convs that read one residue class on at least one axis, with what that axis' class is. */
const CASES: readonly LayerSpec[] = [
  // ∂X of the suite's dilated layer, smaller: s2 d2 p2 (even rows and columns).
  { kind: 'conv', input: [17, 23], kernel: 3, stride: 2, dilation: 2, padding: 2, inChannels: 5, outChannels: 7 },
  // Odd pad: the taps read odd rows and columns (residue 1).
  { kind: 'conv', input: [12, 15], kernel: 3, stride: 2, dilation: 2, padding: 1, inChannels: 3, outChannels: 13, batch: 2 },
  // Stride 3, dilation 3 along W only: every third value.
  { kind: 'conv', input: [5, 40], kernel: [2, 3], stride: [1, 3], dilation: [1, 3], inChannels: 9, outChannels: 6, bias: true },
  // Stride 4, dilation 2: the reduced conv is still strided along W (s 2, split into its W phases).
  { kind: 'conv', input: [9, 50], kernel: [2, 3], stride: [4, 4], dilation: [2, 2], pads: { begin: [1, 3], end: [0, 2] }, inChannels: 4, outChannels: 17 },
  // H only: s (2, 1), d (2, 1).
  { kind: 'conv', input: [14, 19], kernel: 3, stride: [2, 1], dilation: [2, 1], padding: [2, 1], inChannels: 6, outChannels: 8 },
  // Groups and depthwise.
  { kind: 'conv', input: [16, 16], kernel: 3, stride: 2, dilation: 2, padding: 2, groups: 2, inChannels: 6, outChannels: 4, bias: true },
  { kind: 'conv', input: [20, 21], kernel: 4, stride: 2, dilation: 2, padding: 3, groups: 8, inChannels: 8, outChannels: 8 },
  // 1D and 3D.
  { kind: 'conv', input: [61], kernel: 3, stride: 2, dilation: 2, padding: 2, inChannels: 3, outChannels: 5, batch: 3 },
  { kind: 'conv', input: [7, 9, 11], kernel: 3, stride: 2, dilation: 2, padding: 2, inChannels: 4, outChannels: 6 },
];

test('native subsampled convs: reported, = reference and bit-identical across layouts and 1/2 threads, every kernel set', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (const spec of CASES) {
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const where = `seed ${seed} (TCONV_SEED=${seed}), ${JSON.stringify(spec)}`;
    for (const kernelSet of kernelSets) {
      let first: Float32Array | null = null;  // FMA or not: bits are compared within a kernel set
      for (const layout of LAYOUTS) {
        const native = createNativeBackend({ kernelSet, layout });
        assert.equal(native.layout(plan, c.weight).subsampled, true, `${kernelSet} ${layout ?? 'auto'} runs the reduced conv; ${where}`);
        for (const threads of [1, 2]) {
          expectMatchesReference(native, c, threads, `${kernelSet}, layout ${layout ?? 'auto'}, ${threads} thread(s), ${where}`);
          const output = new Float32Array(c.expected.length).fill(Number.NaN);
          native.conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
          first ??= output;
          const differ = output.findIndex((v, i) => !Object.is(v, first![i]));
          assert.equal(differ, -1, `${kernelSet}, layout ${layout ?? 'auto'}, ${threads} thread(s) differs at ${differ}; ${where}`);
        }
      }
    }
  }
});

test('native subsample: a conv with nothing to reduce is not reported as reduced', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  for (const spec of [
    { kind: 'conv', input: [16, 16], kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 8 },
    { kind: 'conv', input: [16, 16], kernel: 3, dilation: 2, padding: 2, inChannels: 3, outChannels: 8 },
    { kind: 'conv', input: [16, 16], kernel: 3, stride: 3, dilation: 2, inChannels: 3, outChannels: 8 },
    { kind: 'conv', input: [16, 16], kernel: 1, stride: 2, inChannels: 3, outChannels: 8 },
  ] as const satisfies readonly LayerSpec[]) {
    const plan = planLayer(spec);
    const weight = randomArray(rng, sizeOf(plan.weightShape));
    assert.equal(createNativeBackend().layout(plan, weight).subsampled, false, JSON.stringify(spec));
  }
});

test("native subsample: the suite's dilated ∂X gives the bits of the dense conv on its even-even subgrid", { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  const strided = planLayer({ kind: 'conv', input: [32, 30], kernel: 3, stride: 2, dilation: 2, padding: 2, inChannels: 8, outChannels: 12, batch: 2, bias: false });
  const dense = planLayer({ kind: 'conv', input: [16, 15], kernel: 3, padding: 1, inChannels: 8, outChannels: 12, batch: 2, bias: false });
  assert.deepEqual(dense.outputShape, strided.outputShape);
  const input = randomArray(rng, sizeOf(strided.inputShape));
  const weight = randomArray(rng, sizeOf(strided.weightShape));
  const sub = new Float32Array(sizeOf(dense.inputShape));
  for (let plane = 0; plane < 2 * 8; plane++) {
    for (let y = 0; y < 16; y++) for (let x = 0; x < 15; x++) sub[(plane * 16 + y) * 15 + x] = input[(plane * 32 + 2 * y) * 30 + 2 * x]!;
  }
  for (const kernelSet of kernelSets) {
    const native = createNativeBackend({ kernelSet });
    const a = new Float32Array(sizeOf(strided.outputShape)).fill(Number.NaN);
    const b = new Float32Array(a.length).fill(Number.NaN);
    native.conv({ plan: strided, input, weight, bias: null, output: a, threads: 1 });
    native.conv({ plan: dense, input: sub, weight, bias: null, output: b, threads: 1 });
    const differ = a.findIndex((v, i) => !Object.is(v, b[i]));
    assert.equal(differ, -1, `${kernelSet}: differs at ${differ}`);
  }
});
