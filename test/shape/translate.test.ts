import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CONVENTIONS, samePlan, specFrom, translate, type SourceLayer, type Translation } from '../../src/shape/translate.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import { TconvError, isTconvError } from '../../src/shape/errors.ts';
import { onnxRuntimeDifference, onnxRuntimeOutcome } from '../../src/shape/conventions/onnx.ts';
import { convTranspose, randomTensor, closeEnough } from '../../src/engine/index.ts';

await tf.setBackend('cpu');

const sourceOf = (t: Translation, c: (typeof CONVENTIONS)[number]): SourceLayer => {
  switch (c) {
    case 'pytorch': return { convention: 'pytorch', layer: t.pytorch.parameters! };
    case 'onnx': return { convention: 'onnx', node: t.onnx.parameters! };
    case 'keras': return { convention: 'keras', layer: t.keras.parameters! };
    case 'tfjs': return { convention: 'tfjs', args: t.tfjs.parameters! };
  }
};

test('TF same with odd K − s: PyTorch needs padding ⌊(K−s)/2⌋, output_padding 0 and a one-cell crop at the end', () => {
  const t = translate({ convention: 'keras', layer: { input: [32, 32], kernelSize: 3, strides: 2, padding: 'same', filters: 4, inChannels: 8 } });
  assert.deepEqual(t.plan.outputShape, [1, 4, 64, 64]);
  assert.equal(t.pytorch.expressible, false);
  assert.deepEqual([t.pytorch.parameters!.padding, t.pytorch.parameters!.outputPadding], [[0, 0], [0, 0]]);
  assert.deepEqual(t.pytorch.crop, { begin: [0, 0], end: [1, 1] });
  assert.match(t.pytorch.code, /nn\.ConvTranspose2d\(8, 4, kernel_size=\(3, 3\), stride=\(2, 2\), padding=\(0, 0\), output_padding=\(0, 0\).*; y = y\[:, :, :-1, :-1\]$/);
  assert.match(t.pytorch.note, /padding ⌈\(K−s\)\/2⌉ \+ output_padding 1 gives the same size but is shifted one cell: it is ONNX SAME_LOWER/);
  assert.equal(t.onnx.expressible, true);
  assert.deepEqual(t.onnx.parameters!.attributes.pads, [0, 0, 1, 1]);
  assert.match(t.onnx.note, /auto_pad=SAME_UPPER/);
  assert.equal(t.keras.expressible, true);
  assert.equal(t.tfjs.expressible, true);
  assert.equal(t.tfjs.parameters!.pad, 'same');
  // Weight layouts: PyTorch/ONNX (Cin, Cout/g, k…); Keras/tfjs (k…, Cout, Cin), a permutation without flip.
  assert.deepEqual(t.pytorch.weightShape, [8, 4, 3, 3]);
  assert.deepEqual(t.onnx.weightShape, [8, 4, 3, 3]);
  assert.deepEqual(t.keras.weightShape, [3, 3, 4, 8]);
  assert.deepEqual(t.tfjs.weightShape, [3, 3, 4, 8]);
  assert.equal(t.keras.weightFromPytorch, 'W.permute(2, 3, 1, 0)  # no flip');
});

test('PyTorch k3 s2 p1 op1 is ONNX SAME_LOWER; Keras needs a crop at the start; tfjs writes it with pad 1', () => {
  const t = translate({ convention: 'pytorch', layer: { input: [32, 32], kernel: 3, stride: 2, padding: 1, outputPadding: 1 } });
  assert.equal(t.pytorch.expressible, true);
  assert.equal(t.pytorch.note, 'exact');
  assert.match(t.onnx.note, /auto_pad=SAME_LOWER/);
  assert.equal(t.keras.expressible, false);
  assert.deepEqual(t.keras.crop, { begin: [1, 1], end: [0, 0] });
  assert.equal(t.keras.parameters!.padding, 'valid');
  assert.match(t.keras.code, /Conv2DTranspose\(1, \(3, 3\), strides=\(2, 2\), padding="valid"\); y = y\[:, 1:, 1:, :\]/);
  assert.equal(t.tfjs.expressible, true);
  assert.equal(t.tfjs.parameters!.pad, 1);
});

test('what a framework cannot write at all is said, with the reason', () => {
  const grouped = translate({ convention: 'canonical', spec: { kind: 'convTranspose', input: [8], kernel: 4, stride: 2, padding: 1, inChannels: 4, outChannels: 4, groups: 2 } });
  assert.equal(grouped.keras.parameters, null);
  assert.match(grouped.keras.note, /no groups/);
  assert.match(grouped.tfjs.note, /no conv1dTranspose/);
  const dilated = translate({ convention: 'canonical', spec: { kind: 'convTranspose', input: [8, 8], kernel: 3, stride: 2, dilation: 2 } });
  assert.match(dilated.keras.note, /dilation_rate > 1 together with strides > 1/);
  assert.match(dilated.tfjs.note, /no dilation/);
  const grouped2d = translate({ convention: 'canonical', spec: { kind: 'convTranspose', input: [8, 8], kernel: 4, stride: 2, inChannels: 2, outChannels: 2, groups: 2 } });
  assert.match(grouped2d.tfjs.note, /no groups/);
  // 3D with crops conv3dTranspose cannot give: run 'valid', then slice.
  const odd3d = translate({ convention: 'canonical', spec: { kind: 'convTranspose', input: [4, 4, 4], kernel: 3, stride: 1, pads: { begin: [2, 0, 0], end: [0, 0, 0] } } });
  assert.equal(odd3d.tfjs.expressible, false);
  assert.deepEqual(odd3d.tfjs.crop, { begin: [2, 0, 0], end: [0, 0, 0] });
  assert.match(odd3d.tfjs.code, /tf\.conv3dTranspose\(x, filter, \[1, 6, 6, 6, 1\], \[1, 1, 1\], 'valid'\); then tf\.slice/);
  assert.throws(() => translate({ convention: 'canonical', spec: { kind: 'conv', input: [8], kernel: 3 } }), /kind \("conv"\) cannot be translated/);
  assert.throws(() => specFrom({ convention: 'caffe' } as never), /convention \("caffe"\) must be one of canonical, pytorch, onnx, keras, tfjs/);
});

test('ONNX nodes onnxruntime 1.30 accepts: output_padding below the stride, or a zero tap appended to W', () => {
  // PyTorch ConvTranspose1d k3 s1 d2 output_padding 1: one extra cell ≥ stride 1 → W gets a fourth (zero) tap, pads end 1.
  const a = translate({ convention: 'pytorch', layer: { input: [3], kernel: 3, stride: 1, dilation: 2, outputPadding: 1 } });
  assert.deepEqual(a.plan.outputShape, [1, 1, 8]);
  assert.deepEqual([a.onnx.parameters!.attributes.kernel_shape, a.onnx.parameters!.attributes.pads, a.onnx.parameters!.attributes.output_padding], [[4], [0, 1], [0]]);
  assert.deepEqual(a.onnx.weightShape, [1, 1, 4]);
  assert.equal(a.onnx.weightFromPytorch, 'F.pad(W, (0, 1))  # zero taps: axis 0 one after');
  assert.equal(a.onnx.note, 'exact, with zero taps added to W (axis 0: one after): the extra cells past the full output would need output_padding ≥ stride, which onnxruntime 1.30 refuses');
  // k2 s2 d3 output_padding 2 in 2D, only on the first axis: F.pad lists the last axis first.
  const b = translate({ convention: 'pytorch', layer: { input: [3, 3], kernel: 2, stride: 2, dilation: [3, 1], outputPadding: [2, 1] } });
  assert.deepEqual([b.onnx.parameters!.attributes.kernel_shape, b.onnx.parameters!.attributes.pads, b.onnx.parameters!.attributes.output_padding], [[3, 2], [0, 0, 1, 0], [0, 1]]);
  assert.equal(b.onnx.weightFromPytorch, 'F.pad(W, (0, 0, 0, 1))  # zero taps: axis 0 one after');
  // Cells before the output (tfjs conv3dTranspose 'same', k1 s3, 2 → 6 puts one there): ONNX prepends a zero tap,
  // PyTorch and Keras cannot write it, tfjs writes it back as 'same'.
  const d = translate({ convention: 'tfjs', args: { xShape: [1, 2, 2, 2, 1], filterShape: [1, 2, 2, 1, 1], outputShape: [1, 6, 4, 4, 1], strides: [3, 2, 2], pad: 'same' } });
  assert.deepEqual(d.plan.axes.map((x) => [x.padBegin, x.padEnd]), [[-1, -1], [0, 0], [0, 0]]);
  assert.deepEqual([d.onnx.parameters!.attributes.kernel_shape, d.onnx.parameters!.attributes.pads, d.onnx.parameters!.attributes.output_padding], [[2, 2, 2], [0, 0, 0, 0, 0, 0], [1, 0, 0]]);
  assert.equal(d.onnx.weightFromPytorch, 'F.pad(W, (0, 0, 0, 0, 1, 0))  # zero taps: axis 0 1 before');
  assert.equal(d.onnx.note, 'exact, with zero taps added to W (axis 0: 1 before): ONNX pads cannot add cells before the output');
  assert.equal(d.pytorch.parameters, null);
  assert.match(d.pytorch.note, /^PyTorch cannot add cells before the output; this layer adds \[1, 0, 0\] bias-only cell\(s\) there/);
  assert.equal(d.keras.parameters, null);
  assert.equal(d.tfjs.parameters!.pad, 'same');
  // K < s: auto_pad SAME_UPPER would give i·s in the text but not in onnxruntime, so it is not offered.
  const c = translate({ convention: 'keras', layer: { input: [4], kernelSize: 1, strides: 3, padding: 'same' } });
  assert.equal(c.onnx.note, 'exact, with explicit pads (begin values, then end values)');
  assert.deepEqual(c.onnx.parameters!.attributes.output_padding, [2]);
});

/** A random canonical transposed-conv layer (PyTorch parameters, sometimes asymmetric pads). */
const layerArb = fc.record({
  rank: fc.integer({ min: 1, max: 3 }), input: fc.integer({ min: 1, max: 7 }), kernel: fc.integer({ min: 1, max: 6 }),
  stride: fc.integer({ min: 1, max: 4 }), dilation: fc.integer({ min: 1, max: 3 }), padBegin: fc.integer({ min: -3, max: 4 }),
  padEndDelta: fc.integer({ min: -3, max: 3 }), groups: fc.integer({ min: 1, max: 2 }),
}).filter((x) => (x.padBegin + x.padEndDelta >= 0 || -(x.padBegin + x.padEndDelta) < Math.max(x.stride, x.dilation))
  && -x.padBegin < Math.max(x.stride, x.dilation));

type Layer = { rank: number; input: number; kernel: number; stride: number; dilation: number; padBegin: number; padEndDelta: number; groups: number };

function planOf(x: Layer): Plan | null {
  const end = x.padBegin + x.padEndDelta;
  const spec = {
    kind: 'convTranspose' as const, input: new Array(x.rank).fill(x.input), kernel: x.kernel, stride: x.stride, dilation: x.dilation,
    pads: { begin: new Array(x.rank).fill(x.padBegin), end: new Array(x.rank).fill(Math.max(end, 0)) },
    outputPadding: Math.max(-end, 0), inChannels: 2 * x.groups, outChannels: 2 * x.groups, groups: x.groups,
  };
  try { return planLayer(spec); } catch (e) { assert.ok(e instanceof TconvError); return null; }
}

test('translate round-trips: each convention written out and read back is the same layer, or the same after its crop', () => {
  fc.assert(fc.property(layerArb, (x) => {
    const plan = planOf(x);
    if (!plan) return;
    const t = translate({ convention: 'canonical', spec: { kind: 'convTranspose', input: plan.axes.map((a) => a.input), kernel: plan.axes.map((a) => a.kernel), stride: plan.axes.map((a) => a.stride), dilation: plan.axes.map((a) => a.dilation), pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(a.padEnd, 0)) }, outputPadding: plan.axes.map((a) => Math.max(-a.padEnd, 0)), inChannels: plan.inChannels, outChannels: plan.outChannels, groups: plan.groups } });
    assert.ok(samePlan(t.plan, plan));
    for (const c of CONVENTIONS) {
      const form = t[c];
      if (form.parameters === null) { assert.equal(form.expressible, false); assert.ok(form.note.length > 0); continue; }
      const back = translate(sourceOf(t, c)).plan;
      if (c === 'onnx' && back.weightShape.some((v, i) => v !== plan.weightShape[i])) {
        // One zero tap appended to W where the extra cells reach the stride (onnxruntime's output_padding limit):
        // the full output grows by d there and the end pad crops it back, so the output is the same.
        // Zero taps prepended where the layer adds cells before the output move it by d each; pads crop the rest.
        back.axes.forEach((a, i) => {
          const x = plan.axes[i]!;
          const before = Math.ceil(Math.max(-x.padBegin, 0) / x.dilation);
          const after = a.kernel - x.kernel - before;
          assert.ok(after === 0 || (after === 1 && -x.padEnd >= x.stride), form.code);
          assert.deepEqual([a.padBegin, a.padEnd, a.output], [x.padBegin + before * x.dilation, x.padEnd + after * x.dilation, x.output], form.code);
        });
        assert.match(form.weightFromPytorch, /^F\.pad\(W, \(/);
        continue;
      }
      if (form.expressible) {
        assert.equal(form.crop, null);
        assert.ok(samePlan(back, plan), `${c}: ${form.code}`);
      } else {
        assert.ok(form.crop, `${c} has parameters but neither exact nor a crop`);
        back.axes.forEach((a, i) => {
          assert.equal(a.padBegin + form.crop!.begin[i]!, plan.axes[i]!.padBegin, `${c} begin: ${form.code}`);
          assert.equal(a.padEnd + form.crop!.end[i]!, plan.axes[i]!.padEnd, `${c} end: ${form.code}`);
          assert.ok(form.crop!.begin[i]! >= 0 && form.crop!.end[i]! >= 0);
        });
      }
    }
    // ONNX writes every canonical layer exactly, as a node onnxruntime 1.30 accepts and sizes as tconv does;
    // PyTorch whenever the crops are PyTorch's (p, p − op).
    assert.equal(t.onnx.expressible, true);
    assert.deepEqual(onnxRuntimeOutcome(t.onnx.parameters!), { accepted: true, output: plan.outputShape.slice(2) }, t.onnx.code);
    assert.equal(onnxRuntimeDifference(t.onnx.parameters!), null, t.onnx.code);
    assert.equal(t.pytorch.expressible, plan.axes.every((a) => a.padding !== null));
  }), { numRuns: 300 });
});

test('the weight permutation is right: tfjs with the permuted PyTorch weight gives the engine\'s output', () => {
  for (const [i, k, s, p, op] of [[5, 3, 2, 1, 1], [4, 4, 2, 1, 0], [3, 5, 3, 2, 2], [6, 2, 1, 0, 0]] as const) {
    const t = translate({ convention: 'pytorch', layer: { input: [i, i + 1], kernel: k, stride: s, padding: p, outputPadding: op, inChannels: 3, outChannels: 2 } });
    const args = t.tfjs.parameters!;
    const x = randomTensor(t.plan.inputShape, i * 10 + k);
    const w = randomTensor(t.plan.weightShape, i * 10 + k + 1);
    const ours = convTranspose(x, w, null, { stride: s, padding: p, outputPadding: op, backend: 'reference' });
    const xNhwc = tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1]);
    const filter = tf.transpose(tf.tensor4d(w.data, w.shape as [number, number, number, number]), [2, 3, 1, 0]); // W.permute(2, 3, 1, 0)
    assert.deepEqual(filter.shape, t.tfjs.weightShape);
    const y = tf.transpose(tf.conv2dTranspose(xNhwc as tf.Tensor4D, filter as tf.Tensor4D, args.outputShape as [number, number, number, number], args.strides as [number, number], args.pad as never), [0, 3, 1, 2]);
    assert.deepEqual(y.shape, ours.shape);
    assert.ok(closeEnough(ours.data, y.dataSync() as Float32Array), t.tfjs.code);
    assert.ok(t.tfjs.expressible);
  }
});

test('JavaScript callers: a missing or malformed source is named, never a TypeError', () => {
  const named = (source: unknown, parameter: string, message: RegExp) => assert.throws(() => translate(source as never), (e: unknown) => {
    assert.ok(isTconvError(e), `expected a TconvError, got ${String(e)}`);
    assert.equal(e.parameter, parameter);
    assert.match(e.message, message);
    return true;
  });
  named(null, 'source', /^source \(null\) must be an object naming the convention and describing the layer; pass e\.g\. \{ convention: 'pytorch', layer: \{ … \} \}$/);
  named({ convention: 'onnx' }, 'node', /^node \(undefined\) must be an object describing the onnx layer; pass \{ convention: 'onnx', node: \{ … \} \}$/);
  named({ convention: 'tfjs', layer: {} }, 'args', /^args \(undefined\) must be an object describing the tfjs layer/);
  named({ convention: 'pytorch', layer: { kernel: 3, input: 32 } }, 'input', /^input \(32\) must be the list of spatial input sizes; give e\.g\. input: \[32, 32\]/);
  named({ convention: 'tfjs', args: { xShape: [1, 8, 8, 2], filterShape: [3, 3, 2, 2], outputShape: [1, 16, 16, 2], pad: 'same', strides: {} } },
    'strides', /^strides \(\{\}\) must be a number or a list of 2 numbers/);
  // An ONNX node without attributes is valid: every attribute takes its default.
  assert.deepEqual(translate({ convention: 'onnx', node: { inputShape: [1, 2, 8, 8], weightShape: [2, 2, 3, 3] } as never }).plan.outputShape, [1, 2, 10, 10]);
});
