// Conventions against the real runtimes: hundreds of seeded random ConvTranspose nodes per run, in onnxruntime-node
// 1.30 (models written directly with protobufjs) and in tfjs-core 4.22 on the cpu backend. Shapes, refusals and
// values must agree with tconv, or differ exactly where tconv says the runtime differs (onnxRuntimeDifference, the
// tconv lint warning). A fresh seed each run; TCONV_SEED=… replays one; every failure message carries the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { convTranspose, createRng, randomTensor, tensor, type Tensor } from '../../src/engine/index.ts';
import { closeEnough, relativeL2Error } from '../../src/tensor/compare.ts';
import { fromOnnx, onnxRuntimeDifference, onnxRuntimeOutcome, type OnnxAttributes, type OnnxNodeArgs } from '../../src/shape/conventions/onnx.ts';
import { fromTfjs, type TfjsTransposeArgs } from '../../src/shape/conventions/tfjs.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { translate } from '../../src/shape/translate.ts';
import { AttributeType, type RawAttribute } from '../../src/onnx/schema.ts';
import { floatTensorProto } from '../../src/onnx/tensor-proto.ts';
import { buildModel, node } from '../onnx/build-model.ts';

await tf.setBackend('cpu');
ort.env.logLevel = 'fatal';

const SEED = Number(process.env.TCONV_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seedNote = `(seed ${SEED}; replay with TCONV_SEED=${SEED})`;
/** Nodes per runtime and run; TCONV_TRIALS=… for a deeper run. */
const TRIALS = Number(process.env.TCONV_TRIALS ?? 400);

type Rng = ReturnType<typeof createRng>;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const pick = <T>(rng: Rng, values: readonly T[]): T => values[Math.floor(rng.next() * values.length)]!;
const repeat = <T>(n: number, f: (a: number) => T): T[] => Array.from({ length: n }, (_, a) => f(a));

/** A random ConvTranspose node: ordinary forms, edge forms (K + op < s, op ≥ s, negative totals) and forms ONNX refuses. */
function randomOnnxNode(rng: Rng): OnnxNodeArgs & { bias: boolean } {
  const rank = pick(rng, [1, 1, 2, 2, 3]);
  const group = pick(rng, [1, 1, 2]);
  const cin = group * int(rng, 1, 2);
  const m = int(rng, 1, 2);
  const input = repeat(rank, () => int(rng, 1, rank === 3 ? 3 : 5));
  const kernel = repeat(rank, () => int(rng, 1, rank === 3 ? 3 : 4));
  const stride = repeat(rank, () => int(rng, 1, 4));
  const dilation = repeat(rank, () => pick(rng, [1, 1, 2, 3]));
  const attributes: Record<string, unknown> = {};
  if (rng.next() < 0.8) attributes.strides = stride;
  if (rng.next() < 0.6) attributes.dilations = dilation;
  const s = (a: number) => (attributes.strides ? stride[a]! : 1);
  const d = (a: number) => (attributes.dilations ? dilation[a]! : 1);
  if (group > 1) attributes.group = group;
  if (rng.next() < 0.2) attributes.kernel_shape = kernel;
  if (rng.next() < 0.5) attributes.output_padding = repeat(rank, (a) => int(rng, 0, Math.max(s(a), d(a))));
  const op = (a: number) => (attributes.output_padding as number[] | undefined)?.[a] ?? 0;
  const full = (a: number) => (input[a]! - 1) * s(a) + d(a) * (kernel[a]! - 1) + 1 + op(a);
  const form = pick(rng, ['none', 'pads', 'pads', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'output_shape', 'output_shape', 'nc', 'padsWithSame']);
  if (form === 'pads') attributes.pads = repeat(2 * rank, () => int(rng, 0, 3));
  if (form === 'SAME_UPPER' || form === 'SAME_LOWER' || form === 'VALID') attributes.auto_pad = form;
  if (form === 'output_shape' || form === 'nc' || form === 'padsWithSame') {
    const sizes = repeat(rank, (a) => full(a) - int(rng, -s(a), 3));
    attributes.output_shape = form === 'nc' ? [1, m * group, ...sizes] : sizes;
    if (rng.next() < 0.5) attributes.auto_pad = pick(rng, ['NOTSET', 'SAME_UPPER', 'SAME_LOWER']);
  }
  if (form === 'padsWithSame') {
    attributes.auto_pad = pick(rng, ['SAME_UPPER', 'SAME_LOWER']);
    attributes.pads = repeat(2 * rank, () => int(rng, 0, 1));
  }
  return {
    op: 'ConvTranspose', attributes: attributes as OnnxAttributes, bias: rng.next() < 0.5,
    inputShape: [int(rng, 1, 2), cin, ...input], weightShape: [cin, m, ...kernel],
  };
}

function attributeProtos(attributes: OnnxAttributes): RawAttribute[] {
  return Object.entries(attributes).map(([name, value]) => typeof value === 'string'
    ? { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) }
    : typeof value === 'number' ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.INTS, ints: [...(value as number[])] });
}

type Outcome = { accepted: true; shape: readonly number[]; data: Float32Array } | { accepted: false; message: string };

async function runOrt(args: OnnxNodeArgs, x: Float32Array, w: Float32Array, b: Float32Array | null): Promise<Outcome> {
  const initializers = [floatTensorProto('w', args.weightShape!, w), ...(b ? [floatTensorProto('b', [b.length], b)] : [])];
  const bytes = buildModel({
    nodes: [node('ConvTranspose', ['x', 'w', ...(b ? ['b'] : [])], ['y'], attributeProtos(args.attributes))],
    initializers, inputs: [{ name: 'x', shape: args.inputShape }], opset: 17,
  });
  try {
    const session = await ort.InferenceSession.create(bytes);
    const y = (await session.run({ x: new ort.Tensor('float32', x, args.inputShape) })).y!;
    return { accepted: true, shape: y.dims, data: y.data as Float32Array };
  } catch (error) {
    return { accepted: false, message: (error as Error).message };
  }
}

function planOrError(make: () => Plan): Plan | TconvError {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof TconvError)) throw error;
    return error;
  }
}

test(`onnxruntime-node 1.30: random ConvTranspose nodes agree with tconv in shape, refusal and value, or differ where tconv says ${seedNote}`, async () => {
  const rng = createRng(SEED);
  const tally = { agree: 0, bothRefuse: 0, predictedDifference: 0 };
  for (let trial = 0; trial < TRIALS; trial++) {
    const args = randomOnnxNode(rng);
    const where = `${seedNote} node ${trial}: ${JSON.stringify({ attributes: args.attributes, X: args.inputShape, W: args.weightShape })}`;
    const x = randomTensor(args.inputShape, SEED + trial);
    const w = randomTensor(args.weightShape!, SEED + trial + 1);
    const b = args.bias ? randomTensor([args.weightShape![1]! * ((args.attributes.group as number | undefined) ?? 1)], SEED + trial + 2).data : null;
    const theirs = await runOrt(args, x.data, w.data, b);
    const ours = planOrError(() => planLayer(fromOnnx(args)));
    // tconv's model of onnxruntime: the same refusals as fromOnnx, then onnxruntime's own sizes or refusal.
    let predicted: ReturnType<typeof onnxRuntimeOutcome> | TconvError;
    try { predicted = onnxRuntimeOutcome(args); } catch (error) { predicted = error as TconvError; }
    if (predicted instanceof TconvError || !predicted.accepted) {
      assert.equal(theirs.accepted, false, `onnxruntime accepts a node tconv predicts it refuses ${where}`);
    } else {
      assert.ok(theirs.accepted, `onnxruntime refuses a node tconv predicts it accepts (${!theirs.accepted && theirs.message}) ${where}`);
      assert.deepEqual(theirs.shape.slice(2), predicted.output, `onnxruntime's size ${where}`);
    }
    if (ours instanceof TconvError) {
      // Whatever tconv refuses, onnxruntime refuses too.
      assert.equal(theirs.accepted, false, `tconv refuses (${ours.message}) what onnxruntime accepts ${where}`);
      tally.bothRefuse++;
      continue;
    }
    const difference = onnxRuntimeDifference(args);
    if (!theirs.accepted || !sameShape(theirs.shape, ours.outputShape)) {
      assert.ok(difference, `tconv gives ${ours.outputShape.join('×')} and says nothing, onnxruntime ${theirs.accepted ? theirs.shape.join('×') : 'refuses'} ${where}`);
      tally.predictedDifference++;
      continue;
    }
    assert.equal(difference, null, where);
    const y = convTranspose(x, w, b ? tensor([b.length], b) : null, { ...fromOnnx(args), backend: 'reference' });
    assert.ok(closeEnough(y.data, theirs.data), `values differ: relative L2 ${relativeL2Error(y.data, theirs.data)} ${where}`);
    tally.agree++;
  }
  if (process.env.TCONV_TALLY) console.log(JSON.stringify(tally));
  // Each kind of outcome occurs, so the run checked something of each.
  assert.ok(tally.agree > 100 && tally.bothRefuse > 20 && tally.predictedDifference > 5, `${JSON.stringify(tally)} ${seedNote}`);
});

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A random canonical transposed-conv layer, extra cells past the full output included (up to max(s, d) − 1). */
function randomCanonicalLayer(rng: Rng, options: { rank: number; dilation: boolean; groups: boolean }): LayerSpec {
  const { rank } = options;
  const groups = options.groups ? pick(rng, [1, 2]) : 1;
  const stride = repeat(rank, () => int(rng, 1, 4));
  const dilation = repeat(rank, () => (options.dilation ? pick(rng, [1, 2, 3, 4]) : 1));
  const begin = repeat(rank, (a) => (rng.next() < 0.2 ? -int(rng, 0, Math.max(stride[a]!, dilation[a]!) - 1) : int(rng, 0, 2)));
  const end = repeat(rank, (a) => int(rng, -(Math.max(stride[a]!, dilation[a]!) - 1), 2));
  return {
    kind: 'convTranspose', input: repeat(rank, () => int(rng, 1, rank === 3 ? 3 : 5)), kernel: repeat(rank, () => int(rng, 1, 4)),
    stride, dilation, groups, inChannels: groups * int(rng, 1, 2), outChannels: groups * int(rng, 1, 2), batch: int(rng, 1, 2),
    pads: { begin, end: end.map((e) => Math.max(e, 0)) }, outputPadding: end.map((e) => Math.max(-e, 0)),
  };
}

/** W with zero taps added before / after each spatial axis (what translate's F.pad(W, …) does). */
function padWeight(w: Tensor, grow: readonly (readonly [number, number])[]): Tensor {
  const t = tf.pad(tf.tensor(w.data, [...w.shape]), [[0, 0], [0, 0], ...grow.map(([b, a]) => [b, a] as [number, number])]);
  return tensor(t.shape, t.dataSync() as Float32Array);
}

test(`translate writes ONNX nodes onnxruntime-node 1.30 runs to tconv's output ${seedNote}`, async () => {
  const rng = createRng(SEED ^ 0x5bd1e995);
  let grown = 0;
  for (let trial = 0; trial < TRIALS / 2; trial++) {
    const spec = randomCanonicalLayer(rng, { rank: pick(rng, [1, 2, 3]), dilation: true, groups: true });
    const plan = planOrError(() => planLayer(spec));
    if (plan instanceof TconvError) continue;
    const where = `${seedNote} layer ${trial}: ${JSON.stringify(spec)}`;
    const form = translate({ convention: 'canonical', spec }).onnx;
    const x = randomTensor(plan.inputShape, SEED + trial);
    const w = randomTensor(plan.weightShape, SEED + trial + 1);
    const b = randomTensor([plan.outChannels], SEED + trial + 2);
    // Taps prepended move the pads' begin by d each; the rest were appended.
    const pads = form.parameters!.attributes.pads!;
    const grow = plan.axes.map((x, a) => {
      const before = (pads[a]! - x.padBegin) / x.dilation;
      return [before, form.weightShape[a + 2]! - x.kernel - before] as const;
    });
    if (grow.some(([b, a]) => b + a > 0)) grown++;
    const theirs = await runOrt(form.parameters!, x.data, padWeight(w, grow).data, b.data);
    assert.ok(theirs.accepted, `onnxruntime refuses ${form.code}: ${!theirs.accepted && theirs.message} ${where}`);
    assert.deepEqual(theirs.shape, plan.outputShape, where);
    const ours = convTranspose(x, w, b, { ...spec, backend: 'reference' });
    assert.ok(closeEnough(ours.data, theirs.data), `${form.code}: relative L2 ${relativeL2Error(ours.data, theirs.data)} ${where}`);
  }
  assert.ok(grown > 0 || TRIALS < 100, `no layer needed output_padding ≥ stride ${seedNote}`);
});

/** NCHW ↔ NHWC (any rank) and PyTorch (Cin, Cout, k…) → tfjs [k…, Cout, Cin], with tfjs's own transpose. */
const channelsLast = (rank: number) => [0, ...repeat(rank, (a) => a + 2), 1];
const channelsFirst = (rank: number) => [0, rank + 1, ...repeat(rank, (a) => a + 1)];
const tfjsFilter = (rank: number) => [...repeat(rank, (a) => a + 2), 1, 0];

function runTfjs(args: TfjsTransposeArgs, x: Tensor, w: Tensor): { shape: number[]; data: Float32Array } | { error: string } {
  const rank = args.filterShape.length - 2;
  try {
    const y = tf.tidy(() => {
      const xs = tf.transpose(tf.tensor(x.data, [...x.shape]), channelsLast(rank));
      const f = tf.transpose(tf.tensor(w.data, [...w.shape]), tfjsFilter(rank));
      const strides = args.strides as number[];
      const out = rank === 2
        ? tf.conv2dTranspose(xs as tf.Tensor4D, f as tf.Tensor4D, args.outputShape as [number, number, number, number], strides as [number, number], args.pad as never)
        : tf.conv3dTranspose(xs as tf.Tensor5D, f as tf.Tensor5D, args.outputShape as [number, number, number, number, number], strides as [number, number, number], args.pad as 'same' | 'valid');
      return tf.transpose(out, channelsFirst(rank));
    });
    const result = { shape: y.shape, data: y.dataSync() as Float32Array };
    y.dispose();
    return result;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The forward conv tfjs differentiates: its output shape from outputShape (tfjs itself never compares it with x),
 * or the error tfjs throws when that conv has no output at all.
 */
function tfjsForwardShape(args: TfjsTransposeArgs): number[] | string {
  const rank = args.filterShape.length - 2;
  try {
    return forwardShape(args, rank);
  } catch (error) {
    return (error as Error).message;
  }
}

function forwardShape(args: TfjsTransposeArgs, rank: number): number[] {
  return tf.tidy(() => {
    const input = tf.zeros([...args.outputShape]);
    const filter = tf.zeros([...args.filterShape.slice(0, rank), args.filterShape[rank]!, args.filterShape[rank + 1]!]);
    const y = rank === 2
      ? tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, args.strides as [number, number], args.pad as never)
      : tf.conv3d(input as tf.Tensor5D, filter as tf.Tensor5D, args.strides as [number, number, number], args.pad as 'same' | 'valid');
    return y.shape.slice(1, rank + 1);
  });
}

test(`tfjs 4.22 cpu: random conv2dTranspose / conv3dTranspose calls agree with tconv in shape, refusal and value ${seedNote}`, () => {
  const rng = createRng(SEED ^ 0x27d4eb2f);
  const tally = { agree: 0, unreachable: 0, shifted: 0 };
  for (let trial = 0; trial < TRIALS / 2; trial++) {
    const rank = pick(rng, [2, 3, 3]);
    const [batch, cin, cout] = [int(rng, 1, 2), int(rng, 1, 2), int(rng, 1, 2)];
    const input = repeat(rank, () => int(rng, 1, rank === 3 ? 3 : 4));
    const kernel = repeat(rank, () => int(rng, 1, 4));
    const stride = repeat(rank, () => int(rng, 1, 4));
    const pad = rank === 3 || rng.next() < 0.6 ? pick(rng, ['same', 'valid'] as const)
      : rng.next() < 0.5 ? int(rng, 0, 2) : [[0, 0], ...repeat(rank, () => [int(rng, 0, 2), int(rng, 0, 2)] as [number, number]), [0, 0]] as [number, number][];
    // Mostly sizes tfjs's forward conv maps back to x (so tconv accepts them), sometimes one cell off.
    const size = input.map((i, a) => {
      const [k, s] = [kernel[a]!, stride[a]!];
      const lo = pad === 'valid' ? (i - 1) * s + k : pad === 'same' ? (i - 1) * s + 1 : Math.max(1, (i - 1) * s + 1);
      const hi = pad === 'valid' ? lo + s - 1 : i * s + (typeof pad === 'string' ? 0 : k);
      return Math.max(1, int(rng, lo, hi) + (rng.next() < 0.1 ? pick(rng, [-1, 1]) : 0));
    });
    const args: TfjsTransposeArgs = {
      xShape: [batch, ...input, cin], filterShape: [...kernel, cout, cin], outputShape: [batch, ...size, cout], strides: stride, pad,
    };
    const where = `${seedNote} call ${trial}: ${JSON.stringify(args)}`;
    const x = randomTensor([batch, cin, ...input], SEED + trial);
    const w = randomTensor([cin, cout, ...kernel], SEED + trial + 1);
    const theirs = runTfjs(args, x, w);
    const ours = planOrError(() => planLayer(fromTfjs(args)));
    if (ours instanceof TconvError) {
      if (/past the end of the full output/.test(ours.message)) {
        // A numeric pad sizes every axis with the first axis's kernel and stride, so tfjs accepts sizes that run
        // more than max(stride, dilation) − 1 cells past the full output of another axis: no canonical layer.
        assert.equal(typeof args.pad, 'number', `${ours.message} ${where}`);
        tally.unreachable++;
      } else {
        // tfjs differentiates a forward conv that does not give x's size back: it reads the wrong cells or throws.
        assert.equal(ours.code, 'output-shape-unreachable', `${ours.message} ${where}`);
        assert.notDeepEqual(tfjsForwardShape(args), input, where);
        tally.unreachable++;
      }
      continue;
    }
    assert.ok(!('error' in theirs), `tfjs throws (${'error' in theirs && theirs.error}) where tconv accepts ${where}`);
    assert.deepEqual(theirs.shape, ours.outputShape, where);
    const y = convTranspose(x, w, null, { ...fromTfjs(args), backend: 'reference' });
    assert.ok(closeEnough(y.data, theirs.data), `values differ: relative L2 ${relativeL2Error(y.data, theirs.data)} ${where}`);
    tally.agree++;
    // conv3dTranspose 'same' with kernel < stride: zero cells before the output (tfjs does not clamp its pad).
    if (ours.axes.some((a) => a.padBegin < 0)) {
      assert.ok(rank === 3 && pad === 'same', where);
      tally.shifted++;
    }
  }
  if (process.env.TCONV_TALLY) console.log(JSON.stringify(tally));
  assert.ok(tally.agree > 60 && tally.shifted > 3 && tally.unreachable > 3, `${JSON.stringify(tally)} ${seedNote}`);
});

test(`translate writes tfjs calls (2D and 3D) that tfjs 4.22 cpu computes to tconv's output ${seedNote}`, () => {
  const rng = createRng(SEED ^ 0x165667b1);
  let checked = 0;
  for (let trial = 0; trial < TRIALS / 2; trial++) {
    const rank = pick(rng, [2, 3, 3]);
    const spec = randomCanonicalLayer(rng, { rank, dilation: false, groups: false });
    const plan = planOrError(() => planLayer(spec));
    if (plan instanceof TconvError) continue;
    const where = `${seedNote} layer ${trial}: ${JSON.stringify(spec)}`;
    const form = translate({ convention: 'canonical', spec }).tfjs;
    if (form.parameters === null) {
      // Only cells before the output that conv3dTranspose 'same' does not make at this size are refused.
      assert.ok(plan.axes.some((a) => a.padBegin < 0) && /cannot add cells before the output/.test(form.note), `${form.note} ${where}`);
      continue;
    }
    const x = randomTensor(plan.inputShape, SEED + trial);
    const w = randomTensor(plan.weightShape, SEED + trial + 1);
    const theirs = runTfjs(form.parameters, x, w);
    assert.ok(!('error' in theirs), `${form.code}: ${'error' in theirs && theirs.error} ${where}`);
    let y = tensor(theirs.shape, theirs.data);
    if (form.crop) {
      const crop = form.crop;
      const sliced = tf.slice(tf.tensor(y.data, [...y.shape]), [0, 0, ...crop.begin], [-1, -1, ...plan.outputShape.slice(2)]);
      y = tensor(sliced.shape, sliced.dataSync() as Float32Array);
    }
    assert.deepEqual(y.shape, plan.outputShape, `${form.code} ${where}`);
    const ours = convTranspose(x, w, null, { ...spec, backend: 'reference' });
    assert.ok(closeEnough(ours.data, y.data), `${form.code}: relative L2 ${relativeL2Error(ours.data, y.data)} ${where}`);
    checked++;
  }
  assert.ok(checked > TRIALS / 8, `only ${checked} layers checked ${seedNote}`);
});
