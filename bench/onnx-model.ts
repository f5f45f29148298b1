/**
 * Builds a one-node ONNX model (ConvTranspose with weight and bias as initializers) in memory, for ONNX Runtime.
 * Encoded by protobufjs from bench/onnx-subset.proto, ONNX's own field numbers.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Plan } from '../src/shape/index.ts';

const SCHEMA = fileURLToPath(new URL('./onnx-subset.proto', import.meta.url));
const FLOAT = 1;
const ATTRIBUTE_INTS = 7;
const ATTRIBUTE_INT = 2;
/** IR 8 / opset 17: read by every ONNX Runtime since 1.12, and ConvTranspose has not changed since opset 11. */
const IR_VERSION = 8;
const OPSET = 17;

let root: protobuf.Root | undefined;
const schema = (): protobuf.Root => (root ??= protobuf.loadSync(SCHEMA));

/**
 * ONNX ConvTranspose attributes of a plan. ONNX crops `pads` (begin…, end…) and appends `output_padding` at the
 * end, so a negative padEnd (extra cells) becomes output_padding.
 * @example
 * convTransposeAttributes(planLayer({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, padding: 0, outputPadding: 1 }))
 * // → { kernel_shape: [3, 3], strides: [2, 2], dilations: [1, 1], group: 1, pads: [0, 0, 0, 0], output_padding: [1, 1] }
 */
export function convTransposeAttributes(plan: Plan) {
  return {
    kernel_shape: plan.axes.map((a) => a.kernel),
    strides: plan.axes.map((a) => a.stride),
    dilations: plan.axes.map((a) => a.dilation),
    group: plan.groups,
    pads: [...plan.axes.map((a) => a.padBegin), ...plan.axes.map((a) => Math.max(a.padEnd, 0))],
    output_padding: plan.axes.map((a) => Math.max(-a.padEnd, 0)),
  };
}

const floatBytes = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

const valueInfo = (name: string, shape: readonly number[]) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((dimValue) => ({ dimValue })) } } },
});

/**
 * The serialized model: input "X" (plan.inputShape), output "Y" (plan.outputShape).
 * @example
 * const bytes = convTransposeModel(plan, weight, bias); // → Uint8Array for ort.InferenceSession.create(bytes)
 */
export function convTransposeModel(plan: Plan, weight: Float32Array, bias: Float32Array | null): Uint8Array {
  const Model = schema().lookupType('onnx.ModelProto');
  const attributes = Object.entries(convTransposeAttributes(plan)).map(([name, value]) =>
    typeof value === 'number' ? { name, type: ATTRIBUTE_INT, i: value } : { name, type: ATTRIBUTE_INTS, ints: value });
  const initializer = [{ name: 'W', dims: plan.weightShape, dataType: FLOAT, rawData: floatBytes(weight) }];
  if (bias) initializer.push({ name: 'B', dims: [plan.outChannels], dataType: FLOAT, rawData: floatBytes(bias) });
  const model = {
    irVersion: IR_VERSION,
    producerName: 'tconv-bench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'convtranspose',
      node: [{ opType: 'ConvTranspose', name: 'layer', input: bias ? ['X', 'W', 'B'] : ['X', 'W'], output: ['Y'], attribute: attributes }],
      initializer,
      input: [valueInfo('X', plan.inputShape)],
      output: [valueInfo('Y', plan.outputShape)],
    },
  };
  const problem = Model.verify(model);
  if (problem) throw new Error(`onnx model: ${problem}`);
  return Model.encode(Model.fromObject(model)).finish();
}
