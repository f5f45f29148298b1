import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromOnnx, onnxRuntimeDifference, onnxRuntimeOutcome, type OnnxAttributes } from '../../src/shape/conventions/onnx.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { cropsToOptions } from '../../src/shape/conventions/canonical.ts';

interface Case { name: string; attributes: OnnxAttributes; inputs: Record<string, { shape: number[] }>; outputs: Record<string, { shape: number[] }> }
const cases = (JSON.parse(readFileSync(new URL('../fixtures/conformance/onnx-convtranspose-cases.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases;

const x33 = [1, 1, 3, 3];
const w33 = [1, 2, 3, 3];
const plan = (attributes: OnnxAttributes, inputShape = x33, weightShape: number[] | undefined = w33) =>
  planLayer(fromOnnx({ attributes, inputShape, weightShape }));
const crops = (p: ReturnType<typeof plan>) => p.axes.map((a) => [a.padBegin, a.padEnd]);

test('every conformance case plans to its expected output shape', () => {
  for (const c of cases) {
    const p = plan(c.attributes, c.inputs.X!.shape, c.inputs.W!.shape);
    assert.deepEqual(p.outputShape, c.outputs.Y!.shape, c.name);
  }
});

test('output_shape with a negative total (−1) puts the extra cell at the end (test_convtranspose_output_shape)', () => {
  const p = plan({ strides: [3, 2], output_shape: [10, 8] });
  assert.deepEqual(crops(p), [[0, -1], [0, -1]]);
  assert.deepEqual(p.axes.map((a) => a.outputPadding), [1, 1]);
  // Negative totals add every extra cell at the end, whatever auto_pad says (ONNX Runtime does the same).
  assert.deepEqual(crops(plan({ strides: [3, 2], output_shape: [10, 8], auto_pad: 'SAME_UPPER' })), [[0, -1], [0, -1]]);
  assert.deepEqual(crops(plan({ strides: [3, 3], output_shape: [11, 11], auto_pad: 'SAME_LOWER' })), [[0, -2], [0, -2]]);
});

test('output_shape splits: NOTSET/SAME_LOWER put the larger half first, SAME_UPPER last', () => {
  // i 3, k 3, s 2: full 7; output_shape 4 → total 3.
  assert.deepEqual(crops(plan({ strides: [2, 2], output_shape: [4, 4] })), [[2, 1], [2, 1]]);
  assert.deepEqual(crops(plan({ strides: [2, 2], output_shape: [4, 4], auto_pad: 'SAME_LOWER' })), [[2, 1], [2, 1]]);
  assert.deepEqual(crops(plan({ strides: [2, 2], output_shape: [4, 4], auto_pad: 'SAME_UPPER' })), [[1, 2], [1, 2]]);
});

test('auto_pad SAME_UPPER = TF same (extra crop at the end); SAME_LOWER crops it at the start; VALID crops nothing', () => {
  assert.deepEqual(crops(plan({ strides: [2, 2], auto_pad: 'SAME_UPPER' })), [[0, 1], [0, 1]]);
  assert.deepEqual(crops(plan({ strides: [2, 2], auto_pad: 'SAME_LOWER' })), [[1, 0], [1, 0]]);
  assert.deepEqual(plan({ strides: [2, 2], auto_pad: 'VALID' }).outputShape, [1, 2, 7, 7]);
  // k1 s2: the spec's output i·s needs one extra cell, added at the end for both (ONNX Runtime 1.30 instead
  // clamps the total at 0 and returns (i − 1)·s + K = 5 here; tconv follows the operator spec).
  const k1 = [1, 2, 1, 1];
  assert.deepEqual(crops(plan({ strides: [2, 2], auto_pad: 'SAME_LOWER' }, x33, k1)), [[0, -1], [0, -1]]);
  assert.deepEqual(crops(plan({ strides: [2, 2], auto_pad: 'SAME_UPPER' }, x33, k1)), [[0, -1], [0, -1]]);
  assert.deepEqual(crops(plan({ strides: [3, 3], auto_pad: 'SAME_UPPER' }, x33, k1)), [[0, -2], [0, -2]]);
});

test('pads and output_padding: pads are begin values then end values; output_padding adds at the end', () => {
  assert.deepEqual(crops(plan({ strides: [3, 2], pads: [1, 2, 0, 1] })), [[1, 0], [2, 1]]);
  assert.deepEqual(crops(plan({ strides: [3, 2], pads: [1, 2, 2, 2], output_padding: [1, 1] })), [[1, 1], [2, 1]]);
  // output_padding larger than the end pad but within max(s, d) − 1 gives extra cells.
  assert.deepEqual(crops(plan({ strides: [3, 3], output_padding: [2, 1] })), [[0, -2], [0, -1]]);
});

test('kernel_shape alone is enough without W; Conv nodes plan as ordinary convolutions', () => {
  assert.deepEqual(planLayer(fromOnnx({ attributes: { kernel_shape: [4], strides: [2], pads: [1, 1] }, inputShape: [2, 3, 16] })).outputShape, [2, 3, 32]);
  const conv = (attributes: OnnxAttributes, w = [4, 1, 3, 3]) => planLayer(fromOnnx({ op: 'Conv', attributes, inputShape: [1, 2, 7, 8], weightShape: w }));
  assert.deepEqual(conv({ group: 2 }).outputShape, [1, 4, 5, 6]);
  assert.deepEqual(conv({ strides: [2, 2], auto_pad: 'SAME_UPPER' }, [4, 2, 3, 3]).outputShape, [1, 4, 4, 4]);
  assert.deepEqual(conv({ strides: [2, 2], auto_pad: 'SAME_UPPER' }, [4, 2, 2, 2]).axes.map((a) => [a.padBegin, a.padEnd]), [[0, 1], [0, 0]]);
  assert.deepEqual(conv({ strides: [2, 2], auto_pad: 'SAME_LOWER' }, [4, 2, 2, 2]).axes.map((a) => [a.padBegin, a.padEnd]), [[1, 0], [0, 0]]);
  assert.deepEqual(conv({ auto_pad: 'VALID', pads: undefined }, [4, 2, 3, 3]).outputShape, [1, 4, 5, 6]);
  assert.deepEqual(conv({ pads: [1, 0, 1, 0] }, [4, 2, 3, 3]).outputShape, [1, 4, 7, 6]);
  assert.throws(() => conv({ output_padding: [1, 1] }, [4, 2, 3, 3]), /output_padding \(\[1, 1\]\) is not an attribute of ONNX Conv; use only kernel_shape/);
  assert.throws(() => conv({}, [4, 1, 3, 3]), /W \(\[4, 1, 3, 3\]\) takes 1 input channels \(W.shape\[1\] × group\) but X has 2; Conv's W is \(M, C\/group, k…\); give W.shape\[1\] = 2/);
  assert.throws(() => conv({ group: 2 }, [3, 1, 3, 3]), /group \(2\) must divide W's 3 output channels/);
  assert.throws(() => planLayer(fromOnnx({ op: 'Conv', attributes: {}, inputShape: [1, 2, 2, 8], weightShape: [4, 2, 3, 3] })),
    /kernel_shape \(\[3, 3\]\) leaves an output size of 0 on axis 0 \(input 2, kernel 3, stride 1, dilation 1\)/);
  assert.throws(() => planLayer(fromOnnx({ op: 'Conv', attributes: { pads: [0, 0, 0, 0] }, inputShape: [1, 2, 2, 8], weightShape: [4, 2, 3, 3] })),
    /pads \(\[0, 0, 0, 0\]\) leaves an output size of 0 on axis 0/);
});

test('every refusal names the ONNX attribute', () => {
  const cases: [OnnxAttributes, RegExp, number[]?, number[]?][] = [
    [{ strides: [2] }, /^strides \(\[2\]\) must hold 2 integers \(one per 2 spatial axes\)/],
    [{ strides: [2, 0] }, /^strides\[1\] \(0\) must be a positive integer; strides are 1 or more/],
    [{ dilations: [1, -1] }, /^dilations\[1\] \(-1\) must be a positive integer/],
    [{ pads: [1, 1] }, /^pads \(\[1, 1\]\) must hold 4 integers \(begin and end values for 2 spatial axes\)/],
    [{ pads: [1, 1, -1, 0] }, /^pads\[2\] \(-1\) must be a non-negative integer/],
    [{ pads: [1, 1, 1, 1], auto_pad: 'SAME_UPPER' }, /^pads \(\[1, 1, 1, 1\]\) cannot be used together with auto_pad SAME_UPPER/],
    // ONNX refuses the pair even when output_shape makes pads irrelevant (onnxruntime: "The pads attribute cannot be used simultaneously with auto_pad attribute").
    [{ pads: [0, 0, 0, 0], auto_pad: 'SAME_LOWER', output_shape: [5, 5] }, /^pads \(\[0, 0, 0, 0\]\) cannot be used together with auto_pad SAME_LOWER \(ONNX refuses the pair, even with output_shape\); remove pads, or set auto_pad to NOTSET$/],
    [{ pads: [0, 0, 0, 0], auto_pad: 'VALID' }, /^pads \(\[0, 0, 0, 0\]\) cannot be used together with auto_pad VALID/],
    [{ auto_pad: 'same' }, /^auto_pad \("same"\) must be one of NOTSET, SAME_UPPER, SAME_LOWER, VALID; NOTSET uses pads; SAME_UPPER is TF\/Keras "same"/],
    [{ group: 0 }, /^group \(0\) must be a positive integer/],
    [{ group: 2 }, /^group \(2\) must divide X's 1 channels/],
    [{ output_padding: [1, -1] }, /^output_padding\[1\] \(-1\) must be a non-negative integer/],
    [{ output_padding: [2, 0] }, /^output_padding\[0\] \(2\) must be less than max\(strides, dilations\) = 1 on axis 0, each value on its own \(pads do not cancel it\); use output_padding 0$/],
    // Each value on its own: an end pad that would cancel it does not make it valid (operator text, onnxruntime).
    [{ strides: [2, 2], pads: [0, 0, 3, 3], output_padding: [2, 0] }, /^output_padding\[0\] \(2\) must be less than max\(strides, dilations\) = 2 on axis 0, each value on its own \(pads do not cancel it\); use output_padding below 2, and pads for any further crop$/],
    [{ pads: [3, 3, 3, 3] }, /^pads \(\[3, 3, 3, 3\]\) leaves an output size of -1 on axis 0 \(input 3, kernel 3, stride 1, dilation 1\), but every output size must be at least 1/],
    [{ kernel_shape: [3, 2] }, /^kernel_shape \(\[3, 2\]\) does not match W's spatial shape \[3,3\]/],
    [{ output_shape: [12, 8], strides: [3, 2], output_padding: [2, 0] }, /^output_shape \(\[12, 8\]\) would add 3 zero cell\(s\) past the end of the full output on axis 0, but at most max\(stride, dilation\) − 1 = 2 can be added/],
    [{ output_shape: [12, 8], strides: [3, 2] }, /^output_shape \(\[12, 8\]\) would add 3 zero cell\(s\) past the end of the full output on axis 0, but at most max\(stride, dilation\) − 1 = 2 can be added/],
    [{ output_shape: [10] }, /^output_shape \(\[10\]\) must hold 2 integers/],
    // N and C in front: ONNX wants the spatial sizes only (shape inference: "Attribute output_shape has incorrect size").
    [{ output_shape: [1, 2, 5, 5] }, /^output_shape \(\[1, 2, 5, 5\]\) has 4 values, but ONNX output_shape holds one size per spatial axis \(2\), without N and C; give only the spatial sizes: \[5, 5\]$/],
    [{ output_shape: [10, 8], output_shape_includes_nc: true } as OnnxAttributes, /^output_shape_includes_nc \(true\) is not an attribute of ONNX ConvTranspose/],
    [{ output_shape: [0, 5] }, /^output_shape\[0\] \(0\) must be a positive integer/],
    [{ bogus: 1 } as OnnxAttributes, /^bogus \(1\) is not an attribute of ONNX ConvTranspose/],
    [{}, /^W \(\[2, 2, 3, 3\]\) has 2 input channels \(W.shape\[0\]\) but X has 1; ConvTranspose's W is \(C, M\/group, k…\); give W.shape\[0\] = 1/, x33, [2, 2, 3, 3]],
    [{}, /^W \(\[1, 2, 3\]\) has rank 3, but X has 2 spatial axes so W needs rank 4/, x33, [1, 2, 3]],
    [{}, /^X \(\[1, 1\]\) has rank 2, but ConvTranspose needs N, C and 1 to 3 spatial axes/, [1, 1], w33],
    [{}, /^X.shape\[2\] \(0\) must be a positive integer/, [1, 1, 0, 3], w33],
  ];
  for (const [attributes, message, x, w] of cases) {
    assert.throws(() => plan(attributes, x ?? x33, w ?? w33), (e: unknown) => e instanceof TconvError && message.test(e.message), JSON.stringify(attributes));
  }
  assert.throws(() => fromOnnx({ attributes: {}, inputShape: x33 }), /^TconvError: kernel_shape \(undefined\) is needed when W's shape is not known/);
  assert.throws(() => fromOnnx({ attributes: {}, inputShape: 'x' as never }), /X \("x"\) must be a shape/);
});

test('cropsToOptions: cells before the start, like cells past the end, stay below max(stride, dilation)', () => {
  assert.deepEqual(cropsToOptions({ input: [3], kernel: [3], stride: [2], dilation: [1], padBegin: [-1], padEnd: [0] }, () => ({ parameter: 'x', value: 1, hint: 'h' })).pads,
    { begin: [-1], end: [0] });
  assert.throws(() => cropsToOptions({ input: [3], kernel: [3], stride: [2], dilation: [1], padBegin: [-2], padEnd: [0] }, () => ({ parameter: 'x', value: 1, hint: 'h' })),
    (e: unknown) => e instanceof TconvError && e.code === 'output-shape-unreachable' && /^x \(1\) would add 2 zero cell\(s\) before the start of the full output, but at most max\(stride, dilation\) − 1 = 1 can be added; h$/.test(e.message));
  assert.deepEqual(cropsToOptions({ input: [3], kernel: [3], stride: [3], dilation: [1], padBegin: [0], padEnd: [-1] }, () => ({ parameter: 'x', value: 1, hint: 'h' })),
    { kernel: [3], stride: [3], dilation: [1], pads: { begin: [0], end: [0] }, outputPadding: [1] });
});

test('onnxruntime 1.30 as measured: output_padding < stride, output_shape at most stride − 1 cells past the full output, SAME clamped', () => {
  const x1 = [1, 1, 3];
  const outcome = (attributes: OnnxAttributes, w = [1, 1, 3]) => onnxRuntimeOutcome({ attributes, inputShape: x1, weightShape: w });
  // PyTorch ConvTranspose1d k3 s1 d2 output_padding 1, and k2 s2 d3 output_padding 2: the text and tconv accept them.
  assert.deepEqual(planLayer(fromOnnx({ attributes: { dilations: [2], output_padding: [1] }, inputShape: x1, weightShape: [1, 1, 3] })).outputShape, [1, 1, 8]);
  assert.deepEqual(outcome({ dilations: [2], output_padding: [1] }), { accepted: false, axis: 0, reason: 'output_padding 1 is not less than stride 1 (onnxruntime bounds it by the stride alone)' });
  assert.equal(outcome({ strides: [2], dilations: [3], output_padding: [2] }, [1, 1, 2]).accepted, false);
  assert.deepEqual(outcome({ strides: [2], dilations: [3], output_padding: [1] }, [1, 1, 2]), { accepted: true, output: [9] });
  // output_shape: i 3, k 3, s 3 → full 9; 10 and 11 are reachable in both, 12 only with dilation ≥ 4 in tconv.
  assert.deepEqual(outcome({ strides: [3], output_shape: [11] }), { accepted: true, output: [11] });
  assert.match((outcome({ strides: [3], dilations: [4], output_shape: [12 + 6] }) as { reason: string }).reason, /^output_shape 18 asks for 3 cell\(s\) past \(i − 1\)·s \+ K = 15, but onnxruntime allows at most stride − 1 = 2$/);
  // SAME_* with K + op < s: onnxruntime min(i·s, (i − 1)s + K + op); the text (and tconv) i·s.
  assert.deepEqual(outcome({ strides: [3], auto_pad: 'SAME_UPPER' }, [1, 1, 1]), { accepted: true, output: [7] });
  assert.deepEqual(planLayer(fromOnnx({ attributes: { strides: [3], auto_pad: 'SAME_UPPER' }, inputShape: x1, weightShape: [1, 1, 1] })).outputShape, [1, 1, 9]);
});

test('onnxRuntimeDifference: one sentence where onnxruntime 1.30 and the operator text differ, null elsewhere', () => {
  const diff = (attributes: OnnxAttributes, x = [1, 1, 3], w = [1, 1, 3]) => onnxRuntimeDifference({ attributes, inputShape: x, weightShape: w });
  assert.equal(diff({ strides: [3], auto_pad: 'SAME_UPPER' }, [1, 1, 3], [1, 1, 1]),
    'onnxruntime 1.30 outputs 7, not 9: with auto_pad SAME_UPPER and kernel + output_padding < stride it gives min(i·s, (i − 1)·s + K + op) where the operator text gives i·s');
  assert.equal(diff({ strides: [3, 1], auto_pad: 'SAME_LOWER' }, [1, 1, 3, 3], [1, 1, 2, 2]),
    'onnxruntime 1.30 outputs 8, not 9 on axis 0: with auto_pad SAME_LOWER and kernel + output_padding < stride it gives min(i·s, (i − 1)·s + K + op) where the operator text gives i·s');
  assert.equal(diff({ dilations: [2], output_padding: [1] }), 'onnxruntime 1.30 refuses this node: output_padding 1 is not less than stride 1 (onnxruntime bounds it by the stride alone)');
  assert.equal(diff({ strides: [2], auto_pad: 'SAME_UPPER' }), null);
  assert.equal(diff({ strides: [3], output_shape: [10] }), null);
  assert.equal(onnxRuntimeDifference({ op: 'Conv', attributes: {}, inputShape: [1, 1, 5], weightShape: [1, 1, 3] }), null);
  // Shared refusals throw fromOnnx's error.
  assert.throws(() => onnxRuntimeOutcome({ attributes: { output_shape: [1, 1, 5] }, inputShape: [1, 1, 3], weightShape: [1, 1, 3] }), /^TconvError: output_shape \(\[1, 1, 5\]\) has 3 values/);
});
