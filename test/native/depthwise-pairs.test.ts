/**
 * Depthwise convs strided along W (∂X of a strided depthwise transposed conv) on the depthwise rows: on a kernel set
 * with f32_dwconv_row_pair (AVX-512, AVX2) the W-phase copy is made row by row and output rows run in pairs
 * (kernels/native/src/depthwise_pairs.cc). Chosen shapes for its edges — odd widths, rows at the plane's borders
 * (a pair breaks where the taps inside the input change), W stride 2 (the set's own copy) and 3 (the portable copy),
 * kernels 3/4/5, padding 0/1/2, 1D/2D/3D, the suite's depthwise layer — against the float64 reference and bit for
 * bit against the packed layout (the same products summed in the same order), at one and two threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLayer } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { referenceCase } from '../helpers/reference-case.ts';
import { expectDepthwiseLikePacked, kernelSets, skipReason } from './native-support.ts';

/** A depthwise conv: `channels` groups of one channel, W (the last axis) strided by `strideW`. */
function spec(input: number[], kernel: number, padding: number, strideW: number, strideH: number, channels: number, batch: number, bias: boolean): LayerSpec {
  const rank = input.length;
  return {
    kind: 'conv', input, kernel: input.map(() => kernel), stride: input.map((_, k) => (k === rank - 1 ? strideW : strideH)),
    dilation: input.map(() => 1), pads: { begin: input.map(() => padding), end: input.map(() => padding) },
    groups: channels, inChannels: channels, outChannels: channels, batch, bias,
  };
}

test('native strided depthwise rows in pairs = reference and bit-identical to packed: odd widths, borders, k 3/4/5, padding 0/1/2, 1D/2D/3D', { skip: skipReason }, () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const widths = [1, 2, 7, 33, 64, 65, 129, 130];
  const specs: LayerSpec[] = [
    // The suite's depthwise ∂X (k4 s2 p1, 128² → 64²), on 3 of its 64 channels.
    spec([128, 128], 4, 1, 2, 2, 3, 1, false),
  ];
  let w = 0;
  for (const rank of [1, 2, 3] as const) {
    for (const kernel of [3, 4, 5]) {
      for (const padding of [0, 1, 2]) {
        for (const strideW of [2, 3]) {
          const width = Math.max(widths[w++ % widths.length]!, kernel - 2 * padding);
          const least = kernel - 2 * padding;  // at least one output along every axis
          const rows = Math.max(2 + ((w * 5) % 9), least);  // 2…10 rows: pairs, a lone last row, borders at both ends
          const input = rank === 1 ? [width] : rank === 2 ? [rows, width] : [Math.max(3 + (w % 3), least), rows, width];
          specs.push(spec(input, kernel, padding, strideW, 1 + (w % 2), 1 + (w % 3), 1 + (w % 2), w % 2 === 0));
        }
      }
    }
  }
  let paired = 0;
  for (const [n, s] of specs.entries()) {
    const plan = planLayer(s);
    const where = `seed ${seed} (TCONV_SEED=${seed}), case ${n}: ${JSON.stringify(s)}`;
    paired += expectDepthwiseLikePacked(plan, referenceCase(plan, rng), where, true);
  }
  assert.ok(paired > 0 || kernelSets.every((k) => k === 'scalar'), 'a SIMD kernel set ran the paired rows');
});
