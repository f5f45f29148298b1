/**
 * The exact fusions a model session makes while compiling its plan (src/onnx/compiled.ts), and how a fused step runs:
 * - Relu, LeakyRelu, Clip, Tanh or Sigmoid after a node whose float32 output feeds nothing else runs in place on
 *   that output, in the same step (when the output's buffer is the node's own; else the activation's op runs);
 * - x · Sigmoid(x) (SiLU as PyTorch exports it) runs as one pass;
 * - GroupNorm as PyTorch exports it (Reshape → InstanceNormalization → Reshape → Mul γ → Add β) runs as one pass.
 * All compute what the separate nodes compute, up to float32 rounding (SiLU's x / (1 + e⁻ˣ) and GroupNorm's A·x + B
 * are rounded once instead of at each node; the activations exactly). Whatever a pattern does not match exactly
 * (types, constant parameters, other readers) is left unfused.
 */
import { type Activation, leakyReluInto, reluInto } from '../engine/ops/activation.ts';
import { sameShape } from '../tensor/tensor.ts';
import type { InferredGraph } from './graph.ts';
import { type OnnxNode, floatAttr } from './model.ts';
import { fastExp, fastSigmoid, fastTanh } from './ops/fast-math.ts';
import { lookupOp } from './ops/index.ts';
import { blockMoments } from './ops/normalization.ts';
import type { OpDefinition, RunContext, Shape } from './ops/types.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

/** An in-place float32 pass fused after a step (the activation), applied to its output 0. */
type FloatPass = (data: Float32Array) => void;

export type StepKind =
  | { readonly type: 'op' }
  /** The op, then `pass` in place on output 0 (or, when that is not a float32 buffer of ours, the activation's op). */
  | {
    readonly type: 'activation'; readonly pass: FloatPass; readonly activation: OnnxNode; readonly bounds: readonly (OnnxTensor | undefined)[];
    /** The same activation for the engine to apply inside the step's Conv/ConvTranspose call (Relu, LeakyRelu), else null. */
    readonly engine: Activation | null;
  }
  /** x · Sigmoid(x) in one pass; otherwise the Sigmoid node and then the Mul node. */
  | { readonly type: 'silu'; readonly mul: OnnxNode }
  /** GroupNorm as PyTorch exports it, in one pass; otherwise its five nodes in turn. */
  | { readonly type: 'groupNorm'; readonly norm: GroupNorm; readonly chain: readonly ChainLink[] };

/** GroupNorm's numbers: G groups of consecutive channels, InstanceNormalization's scale and bias per group, then γ and β per channel. */
interface GroupNorm {
  readonly groups: number;
  readonly epsilon: number;
  readonly scale: Float64Array;
  readonly bias: Float64Array;
  readonly gamma: Float64Array;
  readonly beta: Float64Array;
}

/** A node run after the one before it in a fused chain: its inputs are that node's output or constants. */
interface ChainLink {
  readonly node: OnnxNode;
  readonly inputs: readonly (OnnxTensor | 'previous' | undefined)[];
}


/** What a step of the compiled graph becomes while fusing: its first node, the names it reads and writes, the nodes it absorbed. */
export interface FusionDraft {
  node: OnnxNode;
  inputs: readonly string[];
  outputs: readonly string[];
  fused: OnnxNode[];
  kind: StepKind;
}

/**
 * Makes `draft` (one node so far) absorb the nodes after it that one of the fusions covers, adding them to
 * `absorbed`. `soleConsumer` names the one node that reads a value, when exactly one does and it is not a graph output.
 */
export function fuseInto(draft: FusionDraft, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined, absorbed: Set<OnnxNode>): void {
  const { node } = draft;
  const out = node.outputs[0];
  if (!out || graph.types.get(out) !== DataType.FLOAT) return;
  if (node.opType === 'Reshape') {
    const found = matchGroupNorm(node, graph, soleConsumer);
    if (!found) return;
    for (const link of found.chain) {
      absorbed.add(link.node);
      draft.fused.push(link.node);
    }
    draft.outputs = found.chain[found.chain.length - 1]!.node.outputs;
    draft.kind = { type: 'groupNorm', norm: found.norm, chain: found.chain };
    return;
  }
  if (node.opType === 'Sigmoid') {
    const x = node.inputs[0];
    const mul = soleConsumer(out);
    if (!x || mul?.opType !== 'Mul' || mul.inputs.length !== 2 || !mul.inputs.includes(x) || !mul.inputs.includes(out)) return;
    if (graph.constants.has(x) || sameShape(graph.shapes.get(x), graph.shapes.get(mul.outputs[0] ?? '')) === false) return;
    absorbed.add(mul);
    draft.fused.push(mul);
    draft.outputs = mul.outputs;
    draft.kind = { type: 'silu', mul };
    return;
  }
  if (node.outputs.length !== 1) return;
  const activation = soleConsumer(out);
  if (!activation || activation.inputs[0] !== out || activation.outputs.length !== 1) return;
  const pass = activationPass(activation, graph);
  if (!pass) return;
  absorbed.add(activation);
  draft.fused.push(activation);
  draft.outputs = activation.outputs;
  // The activation's other inputs (Clip's bounds) are constants: the fallback hands them to the op.
  draft.kind = {
    type: 'activation', pass, activation, bounds: activation.inputs.map((name) => graph.constants.get(name)),
    engine: node.opType === 'Conv' || node.opType === 'ConvTranspose' ? engineActivation(activation) : null,
  };
}

/**
 * Reshape [N, C, …] → [N, G, rest] → InstanceNormalization (constant scale and bias) → Reshape back to [N, C, …] →
 * Mul by a constant γ per channel → Add a constant β per channel, each read by the next node only; float32 throughout.
 */
function matchGroupNorm(reshape: OnnxNode, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined): { norm: GroupNorm; chain: ChainLink[] } | undefined {
  const x = graph.shapes.get(reshape.inputs[0] ?? '');
  const grouped = graph.shapes.get(reshape.outputs[0] ?? '');
  if (!x || !grouped || x.length < 3 || grouped.length !== 3 || grouped[0] !== x[0]) return undefined;
  const channels = x[1]!;
  const groups = grouped[1]!;
  if (groups < 1 || channels % groups !== 0) return undefined;
  const norm = soleConsumer(reshape.outputs[0]!);
  if (norm?.opType !== 'InstanceNormalization' || norm.inputs[0] !== reshape.outputs[0] || norm.outputs.length !== 1) return undefined;
  const back = soleConsumer(norm.outputs[0] ?? '');
  if (back?.opType !== 'Reshape' || back.inputs[0] !== norm.outputs[0] || !sameShape(graph.shapes.get(back.outputs[0] ?? ''), x)) return undefined;
  const mul = soleConsumer(back.outputs[0] ?? '');
  const gamma = mul?.opType === 'Mul' ? otherPerChannel(mul, back.outputs[0]!, x, graph) : undefined;
  const add = mul ? soleConsumer(mul.outputs[0] ?? '') : undefined;
  const beta = add?.opType === 'Add' ? otherPerChannel(add, mul!.outputs[0]!, x, graph) : undefined;
  if (!gamma || !beta || !sameShape(graph.shapes.get(add!.outputs[0] ?? ''), x)) return undefined;
  const perGroup = (i: number): Float64Array | undefined => {
    const t = graph.constants.get(norm.inputs[i] ?? '');
    return t && t.dataType === DataType.FLOAT && t.data.length === groups ? Float64Array.from(t.data) : undefined;
  };
  const scale = perGroup(1);
  const bias = perGroup(2);
  const epsilon = norm.attributes.get('epsilon') ?? 1e-5;
  if (!scale || !bias || typeof epsilon !== 'number') return undefined;
  if ([norm, back, mul!, add!].some((n) => n.outputs.some((o) => graph.types.get(o) !== DataType.FLOAT))) return undefined;
  const link = (node: OnnxNode, previous: string): ChainLink => ({
    node, inputs: node.inputs.map((name) => (name === previous ? 'previous' : graph.constants.get(name))),
  });
  return {
    norm: { groups, epsilon, scale, bias, gamma, beta },
    chain: [link(norm, reshape.outputs[0]!), link(back, norm.outputs[0]!), link(mul!, back.outputs[0]!), link(add!, mul!.outputs[0]!)],
  };
}

/** The other input of a two-input node, when it is a float32 constant of one value per channel of `x` (axis 1). */
function otherPerChannel(node: OnnxNode, input: string, x: Shape, graph: InferredGraph): Float64Array | undefined {
  if (node.inputs.length !== 2 || node.outputs.length !== 1) return undefined;
  const other = node.inputs[0] === input ? node.inputs[1] : node.inputs[1] === input ? node.inputs[0] : undefined;
  const t = other ? graph.constants.get(other) : undefined;
  if (!t || t.dataType !== DataType.FLOAT || t.shape.length > x.length) return undefined;
  const aligned = [...new Array<number>(x.length - t.shape.length).fill(1), ...t.shape];
  if (!aligned.every((d, axis) => d === (axis === 1 ? x[1] : 1))) return undefined;
  return Float64Array.from(t.data);
}


/** The in-place float32 loop of an activation node, when its parameters are known at planning; else undefined. */
function activationPass(node: OnnxNode, graph: InferredGraph): FloatPass | undefined {
  switch (node.opType) {
    case 'Relu':
      return (data) => reluInto(data, data);
    case 'LeakyRelu': {
      const alpha = floatAttr(node, 'alpha', 0.01);
      return (data) => leakyReluInto(data, data, alpha);
    }
    case 'Tanh':
      return (data) => {
        for (let i = 0; i < data.length; i++) data[i] = fastTanh(data[i]!);
      };
    case 'Sigmoid':
      return (data) => {
        for (let i = 0; i < data.length; i++) data[i] = fastSigmoid(data[i]!);
      };
    case 'Clip': {
      const bounds = knownClipBounds(node, graph);
      if (!bounds) return undefined;
      const [low, high] = bounds;
      return (data) => {
        for (let i = 0; i < data.length; i++) data[i] = Math.min(Math.max(data[i]!, low), high);
      };
    }
    default:
      return undefined;
  }
}

/** An activation node as the engine's layer calls apply it (the same loops: src/engine/ops/activation.ts). */
function engineActivation(node: OnnxNode): Activation | null {
  if (node.opType === 'Relu') return { kind: 'relu' };
  if (node.opType === 'LeakyRelu') return { kind: 'leakyRelu', alpha: floatAttr(node, 'alpha', 0.01) };
  return null;
}

/** Clip's bounds when they are attributes or constant scalars (the op's own rules apply otherwise). */
function knownClipBounds(node: OnnxNode, graph: InferredGraph): [number, number] | undefined {
  if (graph.model.opset < 11) return [floatAttr(node, 'min', -3.4028234663852886e38), floatAttr(node, 'max', 3.4028234663852886e38)];
  const bound = (i: number, fallback: number): number | undefined => {
    const name = node.inputs[i];
    if (!name) return fallback;
    const t = graph.constants.get(name);
    return t && t.data.length === 1 ? t.data[0]! : undefined;
  };
  const low = bound(1, -Infinity);
  const high = bound(2, Infinity);
  return low === undefined || high === undefined ? undefined : [low, high];
}


/** How a fused step calls an op: its node and inputs to a RunContext (with the run's floatBuffer). */
export type OpContext = (node: OnnxNode, args: readonly (OnnxTensor | undefined)[], activation?: Activation) => RunContext;

/**
 * Runs a step of any kind: `node`'s op, then what was fused after it. `ours` says whether a result's buffer belongs to
 * this step alone (an activation may then overwrite it).
 */
export function runFused(node: OnnxNode, op: OpDefinition, kind: StepKind, args: readonly (OnnxTensor | undefined)[], context: OpContext, ours: (data: OnnxTensor['data']) => boolean): readonly OnnxTensor[] {
  if (kind.type === 'silu') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      const src = x.data;
      const out = context(node, args).floatBuffer!(src.length, [0]);
      // x · σ(x) = x / (1 + e⁻ˣ), rounded once.
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        out[i] = v / (1 + fastExp(-v));
      }
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
    }
    const [s] = op.run(context(node, args));
    const mulInputs = kind.mul.inputs.map((name) => (name === node.inputs[0] ? x : s));
    return lookupOp('Mul', '')!.run(context(kind.mul, mulInputs));
  }
  if (kind.type === 'groupNorm') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: groupNorm(kind.norm, x, context(node, args).floatBuffer!(x.data.length, [0])) }];
    }
    let previous = op.run(context(node, args))[0]!;
    for (const link of kind.chain) {
      previous = lookupOp(link.node.opType, link.node.domain)!.run(context(link.node, link.inputs.map((t) => (t === 'previous' ? previous : t))))[0]!;
    }
    return [previous];
  }
  // The engine's convolutions apply Relu and LeakyRelu as they store their output: no second pass.
  if (kind.type === 'activation' && kind.engine) return op.run(context(node, args, kind.engine));
  const outputs = op.run(context(node, args));
  if (kind.type === 'op') return outputs;
  const y = outputs[0]!;
  if (y.dataType === DataType.FLOAT && y.data instanceof Float32Array && ours(y.data)) {
    kind.pass(y.data);
    return [y];
  }
  const activation = kind.activation;
  return lookupOp(activation.opType, activation.domain)!.run(context(activation, kind.bounds.map((bound, i) => (i === 0 ? y : bound))));
}


/**
 * GroupNorm in one pass: each group's mean and (biased) variance in float64 as InstanceNormalization takes them, then
 * per channel y = A·x + B with A = a·γ, B = b·γ + β (a, b the normalisation's per-group factors), rounded once.
 * `out` may be x's buffer: a group's statistics are taken before the group is written.
 */
function groupNorm(norm: GroupNorm, x: OnnxTensor, out: Float32Array): Float32Array {
  const src = x.data;
  const channels = x.shape[1]!;
  const plane = src.length / (x.shape[0]! * channels);
  const perGroup = channels / norm.groups;
  const groupSize = perGroup * plane;
  for (let start = 0, group = 0; start < src.length; start += groupSize, group++) {
    const { mean, variance } = blockMoments(src, start, groupSize);
    const g = group % norm.groups;
    const a = norm.scale[g]! / Math.sqrt(variance + norm.epsilon);
    const b = norm.bias[g]! - a * mean;
    for (let k = 0; k < perGroup; k++) {
      const c = g * perGroup + k;
      const scale = a * norm.gamma[c]!;
      const shift = b * norm.gamma[c]! + norm.beta[c]!;
      const from = start + k * plane;
      for (let i = from; i < from + plane; i++) out[i] = scale * src[i]! + shift;
    }
  }
  return out;
}
