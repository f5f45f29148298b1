// Conventions against the real runtimes: hundreds of seeded random ConvTranspose nodes per run, in onnxruntime-node
// 1.30 (models written directly with protobufjs) and in tfjs-core 4.22 on the cpu backend. Shapes, refusals and
// values must agree with tconv, or differ exactly where tconv says the runtime differs (onnxRuntimeDifference, the
// tconv lint warning). A fresh seed each run; TCONV_SEED=… replays one; every failure message carries the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { convTranspose, createRng, randomTensor, tensor } from '../../src/engine/index.ts';
import { closeEnough, relativeL2Error } from '../../src/tensor/compare.ts';
import { fromOnnx, onnxRuntimeDifference, onnxRuntimeOutcome, type OnnxAttributes, type OnnxNodeArgs } from '../../src/shape/conventions/onnx.ts';
import { fromTfjs, type TfjsTransposeArgs } from '../../src/shape/conventions/tfjs.ts';
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
void translate;
void fromTfjs;
export type { TfjsTransposeArgs };
