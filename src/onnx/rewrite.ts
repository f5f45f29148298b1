/**
 * Graph rewrites a model session makes once, when it is created: each inference-mode BatchNormalization, and each Mul
 * by a constant scalar (ESRGAN's residual scaling), folded into the Conv or ConvTranspose before it. The model is not
 * changed; a rewritten copy is returned, whose nodes keep their names (errors name the same nodes) and whose results
 * equal the original's up to float32 rounding.
 */
import { floatAttr, intAttr, type OnnxModel, type OnnxNode } from './model.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

/**
 * BatchNormalization in inference form is y = a·x + b per channel (a = scale/√(var + ε), b = B − a·mean), a Mul by a
 * constant scalar s is y = s·x (a = s, b = 0); after a convolution whose output feeds nothing else,
 * a·(W∗x + c) + b = (a·W)∗x + (a·c + b): the weights of each output channel scaled by a, the bias a·c + b. Computed
 * in float64 from the stored values and rounded once, so the results differ from the unfolded pair's by float32
 * rounding (the products a·W are rounded before the sums, not after: ~1e-7 relative). Folded only when the weights,
 * the bias and the statistics or the scalar are initializers of the right sizes (anything else is left to the op,
 * which checks it), and a scalar only when finite (s·W would turn 0·∞ into NaNs the pair does not give).
 * @example
 * foldIntoConvolutions(model).nodes.some((n) => n.opType === 'BatchNormalization') // → false for a DCGAN generator
 */
export function foldIntoConvolutions(model: OnnxModel): OnnxModel {
  const readers = new Map<string, number>();
  for (const node of model.nodes) for (const name of node.inputs) if (name) readers.set(name, (readers.get(name) ?? 0) + 1);
  const producer = new Map<string, OnnxNode>();
  for (const node of model.nodes) for (const name of node.outputs) if (name) producer.set(name, node);
  const graphOutputs = new Set(model.outputs.map((o) => o.name));
  const initializers = new Map(model.initializers);
  // Values known at load: the initializers and Constant nodes' tensors (exporters write ESRGAN's 0.2 as a Constant).
  const known = new Map(model.initializers);
  for (const node of model.nodes) {
    const value = node.opType === 'Constant' && (node.domain === '' || node.domain === 'ai.onnx') ? constantTensor(node) : undefined;
    if (value && node.outputs[0]) known.set(node.outputs[0], value);
  }
  const names = new Set<string>([...model.initializers.keys(), ...model.inputs.map((v) => v.name)]);
  for (const node of model.nodes) for (const name of [...node.inputs, ...node.outputs]) names.add(name);
  const replaced = new Map<OnnxNode, OnnxNode>();
  const removed = new Set<OnnxNode>();
  for (const after of model.nodes) {
    if ((after.opType !== 'BatchNormalization' && after.opType !== 'Mul') || (after.domain !== '' && after.domain !== 'ai.onnx')) continue;
    // A Mul's convolution may be either operand.
    const inputs = after.opType === 'Mul' ? after.inputs.slice(0, 2) : after.inputs.slice(0, 1);
    const conv = inputs.map((name) => producer.get(name)).find((p) => p?.opType === 'Conv' || p?.opType === 'ConvTranspose');
    if (!conv || replaced.has(conv) || removed.has(conv)) continue;
    const folded = foldOne(conv, after, known, readers, graphOutputs, names);
    if (!folded) continue;
    for (const [name, tensor] of folded.initializers) {
      initializers.set(name, tensor);
      known.set(name, tensor);
      names.add(name);
    }
    replaced.set(conv, folded.node);
    removed.add(after);
  }
  if (removed.size === 0) return model;
  const nodes = model.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...model, nodes, initializers };
}

function foldOne(conv: OnnxNode, after: OnnxNode, initializers: ReadonlyMap<string, OnnxTensor>, readers: ReadonlyMap<string, number>, graphOutputs: ReadonlySet<string>, names: ReadonlySet<string>): { node: OnnxNode; initializers: [string, OnnxTensor][] } | undefined {
  if (conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose') return undefined;
  if (conv.domain !== '' && conv.domain !== 'ai.onnx') return undefined;
  const between = conv.outputs[0];
  if (conv.outputs.length !== 1 || !between || readers.get(between) !== 1 || graphOutputs.has(between)) return undefined;
  const group = safely(() => intAttr(conv, 'group', 1));
  if (group === undefined || group < 1) return undefined;
  const float = (name: string | undefined): OnnxTensor | undefined => {
    const t = name ? initializers.get(name) : undefined;
    return t && t.dataType === DataType.FLOAT ? t : undefined;
  };
  const w = float(conv.inputs[1]);
  if (!w || w.shape.length < 3) return undefined;
  const transposed = conv.opType === 'ConvTranspose';
  const outChannels = transposed ? w.shape[1]! * group : w.shape[0]!;
  if (transposed && w.shape[0]! % group !== 0) return undefined;
  const biasName = conv.inputs[2];
  const bias = biasName ? float(biasName) : undefined;
  if (biasName && (bias === undefined || bias.shape.length !== 1 || bias.data.length !== outChannels)) return undefined;
  const affine = after.opType === 'Mul' ? scalarProduct(after, between, w.shape.length, outChannels, float) : batchNorm(after, outChannels, float);
  if (!affine) return undefined;
  const { a, b } = affine;
  const weights = new Float32Array(w.data.length);
  const taps = w.data.length / (w.shape[0]! * w.shape[1]!);
  // Conv weights are (Cout, Cin/g, k…); transposed ones (Cin, Cout/g, k…), input channel i in group ⌊i/(Cin/g)⌋.
  const perGroupIn = w.shape[0]! / group;
  for (let i = 0; i < w.shape[0]!; i++) {
    for (let j = 0; j < w.shape[1]!; j++) {
      const c = transposed ? Math.floor(i / perGroupIn) * w.shape[1]! + j : i;
      const start = (i * w.shape[1]! + j) * taps;
      for (let t = start; t < start + taps; t++) weights[t] = a[c]! * w.data[t]!;
    }
  }
  const biases = Float32Array.from({ length: outChannels }, (_, c) => a[c]! * (bias ? bias.data[c]! : 0) + b[c]!);
  const wName = freshName(names, `${conv.inputs[1]}/folded:${after.name}`);
  const bName = freshName(names, `${conv.name}.B/folded:${after.name}`);
  return {
    node: { ...conv, inputs: [conv.inputs[0]!, wName, bName], outputs: [after.outputs[0]!] },
    initializers: [
      [wName, { name: wName, dataType: DataType.FLOAT, shape: w.shape, data: weights }],
      [bName, { name: bName, dataType: DataType.FLOAT, shape: [outChannels], data: biases }],
    ],
  };
}

type FloatInitializer = (name: string | undefined) => OnnxTensor | undefined;

/** An inference-mode BatchNormalization as y = a·x + b per channel, when its statistics are initializers. */
function batchNorm(bn: OnnxNode, outChannels: number, float: FloatInitializer): { a: Float64Array; b: Float64Array } | undefined {
  if (bn.outputs.slice(1).some((o) => o !== '') || bn.inputs.length !== 5) return undefined;
  const attrs = safely(() => ({ training: intAttr(bn, 'training_mode', 0), spatial: intAttr(bn, 'spatial', 1), epsilon: floatAttr(bn, 'epsilon', 1e-5) }));
  if (attrs === undefined || attrs.training !== 0 || attrs.spatial !== 1) return undefined;
  const stats = [1, 2, 3, 4].map((i) => float(bn.inputs[i]));
  if (stats.some((t) => !t || t.data.length !== outChannels)) return undefined;
  const [scale, shift, mean, variance] = stats as [OnnxTensor, OnnxTensor, OnnxTensor, OnnxTensor];
  // Per output channel: y = a·x + b, as the BatchNormalization op computes it.
  const a = new Float64Array(outChannels);
  const b = new Float64Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    a[c] = scale.data[c]! / Math.sqrt(variance.data[c]! + attrs.epsilon);
    b[c] = shift.data[c]! - a[c]! * mean.data[c]!;
  }
  return { a, b };
}

/**
 * A Mul of the convolution's output by a finite constant scalar (one element, of a rank that does not widen the
 * output's shape) as y = s·x + 0 per channel.
 */
function scalarProduct(mul: OnnxNode, between: string, rank: number, outChannels: number, float: FloatInitializer): { a: Float64Array; b: Float64Array } | undefined {
  if (mul.inputs.length !== 2 || mul.outputs.length !== 1 || mul.inputs[0] === mul.inputs[1]) return undefined;
  const s = float(mul.inputs[0] === between ? mul.inputs[1] : mul.inputs[0]);
  if (s?.data.length !== 1 || s.shape.length > rank || !Number.isFinite(s.data[0]!)) return undefined;
  return { a: new Float64Array(outChannels).fill(s.data[0]!), b: new Float64Array(outChannels) };
}

/** A Constant node's float32 tensor (`value`, or `value_float` as a scalar); undefined for anything else. */
function constantTensor(node: OnnxNode): OnnxTensor | undefined {
  const value = node.attributes.get('value');
  if (value !== undefined && typeof value === 'object' && 'data' in value) return value.dataType === DataType.FLOAT ? value : undefined;
  const float = node.attributes.get('value_float');
  return typeof float === 'number' ? { name: '', dataType: DataType.FLOAT, shape: [], data: Float32Array.of(float) } : undefined;
}

/** The attribute reads, or undefined when one is malformed (the op reports it when it runs). */
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A value name no other value of the model has. */
function freshName(taken: ReadonlySet<string>, base: string): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}#${n}`;
  return name;
}
