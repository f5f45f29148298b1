import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySubPixel, fromSubPixel, icnrWeight, polyphaseView, resizeConvAlternative, toSubPixel } from '../../src/analysis/subpixel.ts';
import { weightCheckerboardScore } from '../../src/analysis/checkerboard.ts';
import { resolveStack } from '../../src/analysis/stack.ts';
import { conv, convTranspose, pixelShuffle, randomTensor, relativeL2Error } from '../../src/engine/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng } from '../../src/tensor/rng.ts';

test('polyphase view: k3 s2 p1 has 4 phases in 2D with 1×1, 1×2, 2×1, 2×2 sub-kernels taken from the weight', () => {
  const plan = planLayer({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, padding: 1 });
  const w = randomTensor(plan.weightShape, 1);
  const views = polyphaseView(plan, w);
  assert.deepEqual(views.map((v) => v.taps), [[[1], [1]], [[1], [0, 2]], [[0, 2], [1]], [[0, 2], [0, 2]]]);
  assert.deepEqual(views[3]!.subKernel!.data, Float32Array.from([w.data[0]!, w.data[2]!, w.data[6]!, w.data[8]!]));
});

test('property: convT equals conv + pixel shuffle + crop exactly, on random layers (1D, 2D, 3D), and back', () => {
  const rng = createRng(77);
  let checked = 0;
  let checkedBack = 0;
  for (let trial = 0; trial < 40; trial++) {
    const rank = rng.int(1, 3) as 1 | 2 | 3;
    const s = rng.int(1, 3);
    const kernel = Array.from({ length: rank }, () => rng.int(1, rank === 3 ? 4 : 6));
    const input = Array.from({ length: rank }, () => rng.int(1, rank === 3 ? 4 : 7));
    const padding = kernel.map((k) => rng.int(0, Math.floor((k - 1) / 2)));
    const outputPadding = kernel.map(() => rng.int(0, s - 1));
    const [cin, cout] = [rng.int(1, 3), rng.int(1, 3)];
    const options = { kernel, stride: s, padding, outputPadding };
    try { planLayer({ ...options, kind: 'convTranspose', input }); } catch { continue; }
    const x = randomTensor([2, cin, ...input], trial);
    const w = randomTensor([cin, cout, ...kernel], trial + 100);
    const b = randomTensor([cout], trial + 200);
    const expected = convTranspose(x, w, b, { ...options, backend: 'reference' });
    const sp = toSubPixel(w, b, options, input);
    const actual = applySubPixel(x, sp);
    assert.deepEqual(actual.shape, expected.shape);
    assert.ok(relativeL2Error(actual.data, expected.data) < 1e-6, `trial ${trial} ${JSON.stringify(options)} in ${input}`);
    checked++;
    // And back: the conv + shuffle as a transposed conv (before the crop), when its end padding is a crop.
    if (sp.pads.end.some((p, a) => p > sp.weight.shape[2 + a]! - 1)) continue;
    const back = fromSubPixel(sp.weight, sp.bias, sp.pads, sp.factor);
    const viaT = convTranspose(x, back.weight, back.bias, { ...back.options, backend: 'reference' });
    const viaConv = pixelShuffle(conv(x, sp.weight, sp.bias, { pads: sp.pads, backend: 'reference' }), sp.factor);
    assert.deepEqual(viaT.shape, viaConv.shape);
    assert.ok(relativeL2Error(viaT.data, viaConv.data) < 1e-6, `back, trial ${trial}`);
    checkedBack++;
  }
  assert.ok(checked >= 30 && checkedBack >= 10, `${checked} layers, ${checkedBack} back`);
});

test('the sub-pixel rewrite refuses what a pixel shuffle cannot express, naming the parameter', () => {
  const w = randomTensor([2, 1, 3, 3], 1);
  assert.throws(() => toSubPixel(w, null, { kernel: 3, stride: [2, 3] }, [4, 4]), /stride \(\[2, 3\]\) must be the same on every axis for a pixel shuffle; use one stride for all axes/);
  assert.throws(() => toSubPixel(w, null, { kernel: 3, stride: 2, dilation: 2 }, [4, 4]), /dilation \(\[2, 2\]\) must be 1 for the sub-pixel rewrite/);
  assert.throws(() => fromSubPixel(randomTensor([4, 1, 2], 1), null, { begin: [2], end: [0] }, 2), /pads\.begin\[0\] \(2\) is more than kernel − 1 \(1\)/);
});

test('resize-conv alternative lands on the same output size and is even', () => {
  for (const [k, p] of [[7, 3], [4, 1], [3, 0]] as const) {
    const plan = planLayer({ kind: 'convTranspose', input: 9, kernel: k, stride: 2, padding: p });
    const alt = resizeConvAlternative(plan);
    const stack = resolveStack({ input: 9, layers: alt.layers });
    assert.deepEqual(stack.outputSize, plan.axes.map((a) => a.output));
  }
  assert.throws(() => resizeConvAlternative({ kind: 'convTranspose', input: 8, kernel: 2, stride: 2, padding: 2, rank: 1 }, 1),
    /kernel \(1\) is too small to reach output 12 on axis 0 from the upsampled size 16 without cropping; use a kernel of at least 5/);
});

test('ICNR weights start artifact-free: weight score 0, and the transposed layer equals nearest upsampling of its output', () => {
  const w = icnrWeight({ kind: 'convTranspose', shape: [3, 2, 4, 4], stride: 2, seed: 5 });
  assert.equal(weightCheckerboardScore(w, planLayer({ kind: 'convTranspose', input: 6, kernel: 4, stride: 2, padding: 1, inChannels: 3, outChannels: 2 })).score, 0);
  const ps = icnrWeight({ kind: 'pixelShuffle', shape: [8, 3, 3, 3], stride: 2, seed: 5 });
  const y = pixelShuffle(conv(randomTensor([1, 3, 5, 5], 2), ps, null, { padding: 1, backend: 'reference' }), 2);
  for (let i = 0; i < 10; i += 2) for (let j = 0; j < 10; j += 2) {
    const v = y.data[i * 10 + j]!;
    assert.deepEqual([y.data[i * 10 + j + 1], y.data[(i + 1) * 10 + j], y.data[(i + 1) * 10 + j + 1]], [v, v, v]);
  }
  assert.throws(() => icnrWeight({ kind: 'convTranspose', shape: [1, 1, 3, 3], stride: 2, seed: 1 }), /shape\[2\] \(3\) is not a multiple of the stride 2/);
});
