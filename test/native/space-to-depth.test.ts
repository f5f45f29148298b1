/**
 * The space-to-depth layout (kernels/native/src/space_to_depth.h): convs whose kernel equals their stride (no
 * padding, dilation 1, W stride 2), one GEMM over B packed straight from the input's patches. Checked here: the addon
 * reports it where forced on such a layer with the avx512 set (and not where it does not fit), it matches the float64
 * reference at 1 and 2 threads, and gives the same bits as the packed and direct layouts — 2D and 3D, batch, bias,
 * output rows not a multiple of 16 (masked runs), several runs per panel crossing rows and images, input rows longer
 * than the patches reach (odd sizes: the last value of a row never read).
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
  // unet-up-2's ∂X in small: 16 → 24, k2 s2, output rows of 16 (whole runs).
  { kind: 'conv', input: [8, 32], kernel: 2, stride: 2, inChannels: 16, outChannels: 24 },
  // Rows of 7 (one masked run), odd input sizes (the last row and column never read), batch 3, bias.
  { kind: 'conv', input: [9, 15], kernel: 2, stride: 2, inChannels: 5, outChannels: 17, batch: 3, bias: true },
  // Rows of 21 (a whole and a masked run), H stride 3, W stride 2.
  { kind: 'conv', input: [7, 42], kernel: [3, 2], stride: [3, 2], inChannels: 3, outChannels: 30, bias: true },
  // 3D (unet3d-up's ∂X in small), batch 2.
  { kind: 'conv', input: [4, 6, 36], kernel: 2, stride: 2, inChannels: 6, outChannels: 20, batch: 2, bias: true },
  // 1D.
  { kind: 'conv', input: [70], kernel: 2, stride: 2, inChannels: 4, outChannels: 9 },
];

const applies = kernelSets.includes('avx512');

test('native space-to-depth layout: reported, = reference and bit-identical to packed and direct at 1/2 threads', { skip: skipReason || (!applies && 'no avx512 kernel set on this CPU') }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  for (const spec of CASES) {
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const where = `seed ${seed} (TCONV_SEED=${seed}), ${JSON.stringify(spec)}`;
    const forced = createNativeBackend({ kernelSet: 'avx512', layout: 'space-to-depth' });
    assert.equal(forced.layout(plan, c.weight).spaceToDepth, true, `space-to-depth applies; ${where}`);
    let first: Float32Array | null = null;
    for (const layout of ['packed', 'direct', 'space-to-depth'] as const) {
      const native = createNativeBackend({ kernelSet: 'avx512', layout });
      for (const threads of [1, 2]) {
        expectMatchesReference(native, c, threads, `layout ${layout}, ${threads} thread(s), ${where}`);
        const output = new Float32Array(c.expected.length).fill(Number.NaN);
        native[c.run]({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
        first ??= output;
        const differ = output.findIndex((v, i) => !Object.is(v, first![i]));
        assert.equal(differ, -1, `layout ${layout}, ${threads} thread(s) differs from packed at ${differ}; ${where}`);
      }
    }
  }
});

test('native space-to-depth layout: not taken where it does not fit (padding, overlapping taps, W stride 1, groups, over 64 input channels, other kernel sets)', { skip: skipReason }, () => {
  const rng = createRng(runSeed());
  for (const [spec, kernelSet] of [
    [{ kind: 'conv', input: [8, 8], kernel: 2, stride: 2, padding: 1, inChannels: 4, outChannels: 8 }, 'avx512'],
    [{ kind: 'conv', input: [8, 8], kernel: 3, stride: 2, inChannels: 4, outChannels: 8 }, 'avx512'],
    [{ kind: 'conv', input: [8, 8], kernel: [2, 1], stride: [2, 1], inChannels: 4, outChannels: 8 }, 'avx512'],
    [{ kind: 'conv', input: [8, 8], kernel: 2, stride: 2, inChannels: 4, outChannels: 8, groups: 2 }, 'avx512'],
    [{ kind: 'conv', input: [8, 8], kernel: 2, stride: 2, dilation: 2, inChannels: 4, outChannels: 8 }, 'avx512'],
    [{ kind: 'convTranspose', input: [8, 8], kernel: 2, stride: 2, inChannels: 4, outChannels: 8 }, 'avx512'],
    [{ kind: 'conv', input: [4, 8], kernel: 2, stride: 2, inChannels: 65, outChannels: 8 }, 'avx512'],
    [{ kind: 'conv', input: [8, 8], kernel: 2, stride: 2, inChannels: 4, outChannels: 8 }, 'avx2'],
  ] satisfies [LayerSpec, string][]) {
    if (!kernelSets.includes(kernelSet as (typeof kernelSets)[number])) continue;
    const plan = planLayer(spec);
    const c = referenceCase(plan, rng);
    const native = createNativeBackend({ kernelSet: kernelSet as (typeof kernelSets)[number], layout: 'space-to-depth' });
    assert.notEqual(native.layout(plan, c.weight).spaceToDepth, true, `${kernelSet} ${JSON.stringify(spec)}`);
    expectMatchesReference(native, c, 2, `falls back to the trial's choice: ${kernelSet} ${JSON.stringify(spec)}`);
  }
});
