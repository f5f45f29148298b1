/**
 * The exact fusions a model session makes while compiling its plan (src/onnx/compiled.ts), and how a fused step runs:
 * - Relu, LeakyRelu, Clip, Tanh or Sigmoid after a node whose float32 output feeds nothing else runs in place on
 *   that output, in the same step (when the output's buffer is the node's own; else the activation's op runs);
 * - a same-shape float32 Add followed by Relu, LeakyRelu, Tanh or Sigmoid runs as one step: one pass writing act(a + b)
 *   when the activation is the sum's only reader, else the sum and act(sum) both (HiFi-GAN's residual blocks, where
 *   the sum also feeds the next Add);
 * - a Conv or ConvTranspose whose output only such an Add reads, with a value made before the layer (a residual),
 *   takes the Add (and its activation) into its step: the add kernel sums in place into the layer's output;
 * - a plain same-shape Add calls the add kernel directly, and an Add/Sub/Mul/Div by a constant scalar the affine
 *   kernel with the op's own map (and the activation after it, if any: HiFi-GAN's Div by 2 + LeakyRelu);
 * - x · Sigmoid(x) (SiLU as PyTorch exports it) runs as one pass;
 * - GroupNorm as PyTorch exports it (Reshape → InstanceNormalization → Reshape → Mul γ → Add β) runs as one pass,
 *   with the SiLU after it, if any, applied as it stores;
 * - a Transpose of the last two axes read only by a MatMul (an attention's Qᵀ and Aᵀ) is folded into the product: the
 *   MatMul's kernel reads that operand stored transposed (the same products in the same order: the same bits).
 * All compute what the separate nodes compute, up to float32 rounding (SiLU's x / (1 + e⁻ˣ) and GroupNorm's A·x + B
 * are rounded once instead of at each node; the activations exactly: they run the same backend's element-wise kernels,
 * src/engine/elementwise.ts, as the unfused ops). Whatever a pattern does not match exactly (types, constant
 * parameters, other readers) is left unfused.
 */
import type { ElementwiseKernels } from '../engine/elementwise.ts';
import type { Activation } from '../engine/ops/activation.ts';
import { elementwiseKernels } from '../engine/select.ts';
import { sameShape } from '../tensor/tensor.ts';
import type { InferredGraph } from './graph.ts';
import { type OnnxNode, floatAttr, intsAttr } from './model.ts';
import { scalarAffine } from './ops/arithmetic.ts';
import { runMatMul } from './ops/matmul.ts';
import { sizeOf } from './ops/util.ts';
import { lookupOp } from './ops/index.ts';
import type { OpDefinition, ResidualAdd, RunContext, Shape } from './ops/types.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

/** An in-place float32 pass fused after a step (the activation), applied to its output 0 with the run's kernels. */
type FloatPass = (data: Float32Array, kernels: ElementwiseKernels) => void;

export type StepKind =
  | { readonly type: 'op' }
  /**
   * An Add of two float32 values of its output's shape, with nothing fused after it: the Add op's own same-shape path
   * (the run's add kernel) called without the op's broadcasting and type checks (HiFi-GAN's residual sums).
   */
  | { readonly type: 'add' }
  /** The op, then `pass` in place on output 0 (or, when that is not a float32 buffer of ours, the activation's op). */
  | {
    readonly type: 'activation'; readonly pass: FloatPass; readonly activation: OnnxNode; readonly bounds: readonly (OnnxTensor | undefined)[];
    /** The same activation for the engine to apply inside the step's Conv/ConvTranspose call (Relu, LeakyRelu, Tanh, Sigmoid), else null. */
    readonly engine: Activation | null;
  }
  /**
   * Add, then `activation` (as `engine`) on the sum with the run's element-wise kernels; `both`: the sum is read by
   * others too, and the step writes it as its first output and the activation's as its second.
   */
  | { readonly type: 'addActivation'; readonly activation: OnnxNode; readonly engine: Activation; readonly both: boolean }
  /**
   * A Conv or ConvTranspose whose output only an Add reads, with a value made before the layer (a residual): the layer
   * writes its output, the add kernel adds the residual in place (the Add's operand order) and applies `engine`, the
   * activation after the Add, if any; `both`: the sum is read by others too, and the step writes it as its first
   * output and the activation's as its second (as addActivation). `residual` is the residual's index in the step's
   * inputs (after the layer's), `first` whether it is the Add's first operand.
   */
  | {
    readonly type: 'residual'; readonly add: OnnxNode; readonly residual: number; readonly first: boolean;
    readonly activation: OnnxNode | null; readonly engine: Activation | null; readonly both: boolean;
  }
  /**
   * Add, Sub, Mul or Div of a float32 value of the output's shape (input `input`) and a constant float32 scalar, as
   * the op's own fast path computes it (out = factor·x + offset, or x / factor + offset when `divide`), then
   * `engine`, the activation after it, if any, in place (HiFi-GAN's mean of two branches, Div by 2, and LeakyRelu).
   */
  | {
    readonly type: 'affine'; readonly input: 0 | 1; readonly factor: number; readonly offset: number; readonly divide: boolean;
    readonly activation: OnnxNode | null; readonly engine: Activation | null;
  }
  /** x · Sigmoid(x) in one pass; otherwise the Sigmoid node and then the Mul node. */
  | { readonly type: 'silu'; readonly mul: OnnxNode }
  /** GroupNorm as PyTorch exports it, in one pass (with the SiLU after it when `silu`); otherwise its nodes in turn. */
  | { readonly type: 'groupNorm'; readonly norm: GroupNorm; readonly chain: readonly ChainLink[]; readonly silu: SiluNodes | null }
  /** `matmul` with the step's Transpose folded in: its input `transposed` (0: A, 1: B) is the Transpose's input. */
  | { readonly type: 'matmulTransposed'; readonly matmul: OnnxNode; readonly transposed: 0 | 1 };

/** The Sigmoid and Mul of a SiLU, x · Sigmoid(x). */
interface SiluNodes {
  readonly sigmoid: OnnxNode;
  readonly mul: OnnxNode;
}

/**
 * GroupNorm's numbers: G groups of consecutive channels and, per channel, InstanceNormalization's scale and bias of
 * its group folded into γ and β: scale = s·γ, shift = b·γ + β (in float64, rounded once to float32).
 */
interface GroupNorm {
  readonly groups: number;
  readonly epsilon: number;
  readonly scale: Float32Array;
  readonly shift: Float32Array;
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
    // The SiLU after it (the LDM decoder's every norm but the attention's) is applied as the norm stores.
    const silu = matchSilu(draft.outputs[0]!, graph, soleConsumer);
    if (silu) {
      absorbed.add(silu.sigmoid);
      absorbed.add(silu.mul);
      draft.fused.push(silu.sigmoid, silu.mul);
      draft.outputs = silu.mul.outputs;
    }
    draft.kind = { type: 'groupNorm', norm: found.norm, chain: found.chain, silu: silu ?? null };
    return;
  }
  if (node.opType === 'Transpose') {
    const found = matchTransposedProduct(node, graph, soleConsumer);
    if (!found) return;
    absorbed.add(found.matmul);
    draft.fused.push(found.matmul);
    draft.inputs = found.matmul.inputs.map((name, i) => (i === found.transposed ? node.inputs[0]! : name));
    draft.outputs = found.matmul.outputs;
    draft.kind = { type: 'matmulTransposed', ...found };
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
  if (node.opType === 'Add') {
    const found = matchAddActivation(node, graph, soleConsumer);
    if (found) {
      absorbed.add(found.activation);
      draft.fused.push(found.activation);
      draft.outputs = found.both ? [out, ...found.activation.outputs] : found.activation.outputs;
      draft.kind = { type: 'addActivation', ...found };
      return;
    }
  }
  if (node.opType === 'Add' && sameShapeSum(node, graph)) draft.kind = { type: 'add' };
  if (node.outputs.length !== 1) return;
  if ((node.opType === 'Conv' || node.opType === 'ConvTranspose') && fuseResidual(draft, graph, soleConsumer, absorbed)) return;
  if (fuseScalarAffine(draft, graph, soleConsumer, absorbed)) return;
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
 * A float32 Transpose that swaps the last two axes (the others in place) of a value of rank ≥ 2, whose result a
 * MatMul alone reads, as one operand, while its other operand is known before the Transpose runs (a constant, a graph
 * input or a value made earlier in the order: the fused step runs where the Transpose did).
 */
function matchTransposedProduct(transpose: OnnxNode, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined): { matmul: OnnxNode; transposed: 0 | 1 } | undefined {
  const x = transpose.inputs[0];
  const shape = graph.shapes.get(x ?? '');
  const out = transpose.outputs[0]!;
  if (!x || !shape || shape.length < 2 || transpose.outputs.length !== 1 || graph.types.get(x) !== DataType.FLOAT) return undefined;
  const rank = shape.length;
  const perm = intsAttr(transpose, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || perm.some((p, i) => p !== (i < rank - 2 ? i : 2 * rank - 3 - i))) return undefined;
  const matmul = soleConsumer(out);
  if (matmul?.opType !== 'MatMul' || (matmul.domain !== '' && matmul.domain !== 'ai.onnx') || matmul.inputs.length !== 2 || matmul.outputs.length !== 1) return undefined;
  const transposed = matmul.inputs[0] === out ? 0 : 1;
  const other = matmul.inputs[1 - transposed]!;
  if (matmul.inputs[transposed] !== out || other === out || graph.types.get(other) !== DataType.FLOAT) return undefined;
  const at = graph.order.indexOf(transpose);
  const producer = graph.order.findIndex((n) => n.outputs.includes(other));
  if (producer > at && !graph.constants.has(other)) return undefined;
  return { matmul, transposed };
}

/**
 * Sigmoid(y) and Mul(y, Sigmoid(y)) when they are y's only readers (y no graph output) and the Sigmoid's result is read
 * by that Mul alone; float32 throughout.
 */
function matchSilu(y: string, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined): SiluNodes | undefined {
  const readers = readersOf(graph, y);
  if (readers.length !== 2 || graph.model.outputs.some((o) => o.name === y)) return undefined;
  const sigmoid = readers.find((n) => n.opType === 'Sigmoid' && n.inputs[0] === y && n.outputs.length === 1);
  const mul = sigmoid ? soleConsumer(sigmoid.outputs[0]!) : undefined;
  if (!sigmoid || !mul || mul.opType !== 'Mul' || !readers.includes(mul) || mul.inputs.length !== 2 || mul.outputs.length !== 1) return undefined;
  if (!mul.inputs.includes(y) || !mul.inputs.includes(sigmoid.outputs[0]!)) return undefined;
  if (graph.types.get(mul.outputs[0]!) !== DataType.FLOAT || !sameShape(graph.shapes.get(mul.outputs[0]!), graph.shapes.get(y))) return undefined;
  return { sigmoid, mul };
}

/** The nodes that read each value, by graph (built once per graph, when a fusion first asks). */
const readersByGraph = new WeakMap<InferredGraph, Map<string, OnnxNode[]>>();

function readersOf(graph: InferredGraph, name: string): readonly OnnxNode[] {
  let readers = readersByGraph.get(graph);
  if (!readers) {
    readers = new Map();
    for (const node of graph.order) {
      for (const input of node.inputs) {
        if (!input) continue;
        const list = readers.get(input);
        if (list) list.push(node);
        else readers.set(input, [node]);
      }
    }
    readersByGraph.set(graph, readers);
  }
  return readers.get(name) ?? [];
}

/**
 * Conv/ConvTranspose → Add(output, r) (r made before the layer runs: a constant, a graph input or an earlier node's
 * value), the Add's activation after it when the add kernel applies one: absorbed into the layer's step.
 */
function fuseResidual(draft: FusionDraft, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined, absorbed: Set<OnnxNode>): boolean {
  const { node } = draft;
  const out = node.outputs[0]!;
  const add = soleConsumer(out);
  if (add?.opType !== 'Add' || !sameShapeSum(add, graph)) return false;
  const first = add.inputs[1] === out;
  const r = add.inputs[first ? 0 : 1]!;
  if (r === out) return false;
  const at = graph.order.indexOf(node);
  const producer = graph.order.findIndex((n) => n.outputs.includes(r));
  if (producer > at && !graph.constants.has(r)) return false;
  const found = matchAddActivation(add, graph, soleConsumer);
  absorbed.add(add);
  draft.fused.push(add);
  if (found) {
    absorbed.add(found.activation);
    draft.fused.push(found.activation);
  }
  draft.inputs = [...node.inputs, r];
  draft.outputs = !found ? add.outputs : found.both ? [add.outputs[0]!, ...found.activation.outputs] : found.activation.outputs;
  draft.kind = {
    type: 'residual', add, residual: node.inputs.length, first,
    activation: found?.activation ?? null, engine: found?.engine ?? null, both: found?.both ?? false,
  };
  return true;
}

/**
 * A float32 Add/Sub/Mul/Div of a value of the output's shape and a constant scalar, which the op computes on the
 * affine kernel (ops/arithmetic.ts scalarAffine), with the activation after it when the kernels apply one.
 */
function fuseScalarAffine(draft: FusionDraft, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined, absorbed: Set<OnnxNode>): boolean {
  const { node } = draft;
  if (!['Add', 'Sub', 'Mul', 'Div'].includes(node.opType) || (node.domain !== '' && node.domain !== 'ai.onnx') || node.inputs.length !== 2) return false;
  const out = node.outputs[0]!;
  const shape = graph.shapes.get(out);
  if (!shape || sizeOf(shape) < 2) return false;
  const input = graph.constants.has(node.inputs[1]!) ? 0 : 1;
  const x = node.inputs[input]!;
  const scalar = graph.constants.get(node.inputs[1 - input]!);
  if (!scalar || scalar.dataType !== DataType.FLOAT || scalar.data.length !== 1 || graph.constants.has(x)) return false;
  if (graph.types.get(x) !== DataType.FLOAT || !sameShape(graph.shapes.get(x), shape)) return false;
  const map = scalarAffine(node.opType.toLowerCase() as 'add' | 'sub' | 'mul' | 'div', input === 1, Number(scalar.data[0]));
  if (!map) return false;
  const reader = soleConsumer(out);
  const engine = reader && reader.inputs[0] === out && reader.outputs.length === 1 ? engineActivation(reader) : null;
  if (reader && engine) {
    absorbed.add(reader);
    draft.fused.push(reader);
    draft.outputs = reader.outputs;
  }
  draft.kind = { type: 'affine', input, ...map, activation: engine ? reader! : null, engine };
  return true;
}

/** An Add (of the default domain) of two float32 values of its output's shape. */
function sameShapeSum(add: OnnxNode, graph: InferredGraph): boolean {
  const shape = graph.shapes.get(add.outputs[0] ?? '');
  if (add.inputs.length !== 2 || add.outputs.length !== 1 || !shape || (add.domain !== '' && add.domain !== 'ai.onnx')) return false;
  return add.inputs.every((name) => graph.types.get(name) === DataType.FLOAT && sameShape(graph.shapes.get(name), shape));
}

/**
 * An Add of two float32 values of its output's shape, whose sum an activation the kernels apply reads (as its only
 * reader, or beside others: `both`).
 */
function matchAddActivation(add: OnnxNode, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined): { activation: OnnxNode; engine: Activation; both: boolean } | undefined {
  const sum = add.outputs[0]!;
  if (!sameShapeSum(add, graph)) return undefined;
  const activation = readersOf(graph, sum).find((reader) =>
    reader.inputs[0] === sum && reader.outputs.length === 1 && graph.types.get(reader.outputs[0]!) === DataType.FLOAT && engineActivation(reader) !== null);
  if (!activation) return undefined;
  // A Sigmoid whose result multiplies the sum is SiLU's: left to its own step, which fuses the Mul.
  if (activation.opType === 'Sigmoid' && readersOf(graph, activation.outputs[0]!).some((reader) => reader.opType === 'Mul' && reader.inputs.includes(sum))) return undefined;
  return { activation, engine: engineActivation(activation)!, both: soleConsumer(sum) !== activation };
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
  const groupOf = (c: number): number => Math.floor(c / (channels / groups));
  return {
    norm: {
      groups, epsilon,
      scale: Float32Array.from(gamma, (g, c) => scale[groupOf(c)]! * g),
      shift: Float32Array.from(beta, (b, c) => bias[groupOf(c)]! * gamma[c]! + b),
    },
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
    case 'LeakyRelu':
    case 'Tanh':
    case 'Sigmoid': {
      const activation = engineActivation(node)!;
      return (data, kernels) => kernels.map(activation, data, data);
    }
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

/** An activation node as the engine's layer calls apply it (src/engine/ops/activation.ts), or null for others. */
function engineActivation(node: OnnxNode): Activation | null {
  switch (node.opType) {
    case 'Relu': return { kind: 'relu' };
    case 'LeakyRelu': return { kind: 'leakyRelu', alpha: floatAttr(node, 'alpha', 0.01) };
    case 'Tanh': return { kind: 'tanh' };
    case 'Sigmoid': return { kind: 'sigmoid' };
    default: return null;
  }
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
export type OpContext = (node: OnnxNode, args: readonly (OnnxTensor | undefined)[], activation?: Activation, residual?: ResidualAdd) => RunContext;

/**
 * Runs a step of any kind: `node`'s op, then what was fused after it. `ours` says whether a result's buffer belongs to
 * this step alone (an activation may then overwrite it).
 */
export function runFused(node: OnnxNode, op: OpDefinition, kind: StepKind, args: readonly (OnnxTensor | undefined)[], context: OpContext, ours: (data: OnnxTensor['data']) => boolean): readonly OnnxTensor[] {
  if (kind.type === 'silu') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      const ctx = context(node, args);
      const out = ctx.floatBuffer!(x.data.length, [0]);
      elementwiseKernels(ctx.options.backend).map({ kind: 'silu' }, x.data, out);
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
    }
    const [s] = op.run(context(node, args));
    const mulInputs = kind.mul.inputs.map((name) => (name === node.inputs[0] ? x : s));
    return lookupOp('Mul', '')!.run(context(kind.mul, mulInputs));
  }
  if (kind.type === 'addActivation') return runAddActivation(node, op, kind, args, context);
  if (kind.type === 'residual') return runResidual(node, op, kind, args, context, ours);
  if (kind.type === 'affine') {
    const x = args[kind.input];
    if (x && x.data instanceof Float32Array) {
      const ctx = context(node, args);
      const kernels = elementwiseKernels(ctx.options.backend);
      const out = ctx.floatBuffer!(x.data.length, [kind.input]);
      kernels.affine(x.data, kind.factor, kind.offset, kind.divide, out);
      if (kind.engine) kernels.map(kind.engine, out, out);
      return [floatResult(x.shape, out)];
    }
    const [y] = op.run(context(node, args));
    return kind.activation ? lookupOp(kind.activation.opType, kind.activation.domain)!.run(context(kind.activation, [y])) : [y!];
  }
  if (kind.type === 'add') {
    const [a, b] = args;
    if (a && b && a.data instanceof Float32Array && b.data instanceof Float32Array && a.data.length === b.data.length && sameShape(a.shape, b.shape)) {
      const ctx = context(node, args);
      // The buffer of an operand that dies here may take the sum: the kernel reads each element before writing it.
      const out = ctx.floatBuffer!(a.data.length, [0, 1]);
      elementwiseKernels(ctx.options.backend).add(a.data, b.data, out, null);
      return [floatResult(a.shape, out)];
    }
    return op.run(context(node, args));
  }
  if (kind.type === 'matmulTransposed') return runMatMul(context(kind.matmul, args), kind.transposed === 0, kind.transposed === 1);
  if (kind.type === 'groupNorm') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      const ctx = context(node, args);
      const out = ctx.floatBuffer!(x.data.length, [0]);
      groupNorm(kind.norm, x, out, elementwiseKernels(ctx.options.backend), kind.silu ? { kind: 'silu' } : null);
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
    }
    let previous = op.run(context(node, args))[0]!;
    for (const link of kind.chain) {
      previous = lookupOp(link.node.opType, link.node.domain)!.run(context(link.node, link.inputs.map((t) => (t === 'previous' ? previous : t))))[0]!;
    }
    if (!kind.silu) return [previous];
    const { sigmoid, mul } = kind.silu;
    const y = previous;
    const [s] = lookupOp('Sigmoid', '')!.run(context(sigmoid, [y]));
    return lookupOp('Mul', '')!.run(context(mul, mul.inputs.map((name) => (name === sigmoid.inputs[0] ? y : s))));
  }
  // The engine's convolutions apply Relu, LeakyRelu, Tanh and Sigmoid as they store their output: no second pass.
  if (kind.type === 'activation' && kind.engine) return op.run(context(node, args, kind.engine));
  const ctx = context(node, args);
  const outputs = op.run(ctx);
  if (kind.type === 'op') return outputs;
  const y = outputs[0]!;
  if (y.dataType === DataType.FLOAT && y.data instanceof Float32Array && ours(y.data)) {
    kind.pass(y.data, elementwiseKernels(ctx.options.backend));
    return [y];
  }
  const activation = kind.activation;
  return lookupOp(activation.opType, activation.domain)!.run(context(activation, kind.bounds.map((bound, i) => (i === 0 ? y : bound))));
}


/** A float32 result (a function of the module, not a closure per call: tsx names each closure it makes). */
function floatResult(shape: Shape, data: Float32Array): OnnxTensor {
  return { name: '', dataType: DataType.FLOAT, shape, data };
}

/**
 * A layer with its residual Add (and the Add's activation): the layer's output buffer, when it is this step's own,
 * takes the sum in place; else the layer, the Add and the activation ops in turn.
 */
function runResidual(
  node: OnnxNode, op: OpDefinition, kind: Extract<StepKind, { type: 'residual' }>, args: readonly (OnnxTensor | undefined)[],
  context: OpContext, ours: (data: OnnxTensor['data']) => boolean,
): readonly OnnxTensor[] {
  const layerArgs = args.slice(0, kind.residual);
  const r = args[kind.residual];
  // A backend that takes the residual adds it in the layer's call (wasm: before the output leaves its memory), with
  // the Add's activation unless the sum has other readers.
  const residual: ResidualAdd | undefined = r && r.data instanceof Float32Array
    ? { data: r.data, shape: r.shape, first: kind.first, activation: kind.both ? null : kind.engine, taken: false }
    : undefined;
  const ctx = context(node, layerArgs, undefined, residual);
  const [y] = op.run(ctx);
  if (y && residual?.taken && y.data instanceof Float32Array) {
    if (!kind.both) return [floatResult(y.shape, y.data)];
    const out = ctx.floatBuffer!(y.data.length, [0]);
    elementwiseKernels(ctx.options.backend).map(kind.engine!, y.data, out);
    return [floatResult(y.shape, y.data), floatResult(y.shape, out)];
  }
  if (y && r && y.data instanceof Float32Array && r.data instanceof Float32Array && sameShape(y.shape, r.shape) && ours(y.data)) {
    const kernels = elementwiseKernels(ctx.options.backend);
    const a = kind.first ? r.data : y.data;
    const b = kind.first ? y.data : r.data;
    if (!kind.both) {
      kernels.add(a, b, y.data, kind.engine);
      return [floatResult(y.shape, y.data)];
    }
    kernels.add(a, b, y.data, null);
    // The layer's input, when it dies here, may take the activation: the layer and the sum are done reading it.
    const out = ctx.floatBuffer!(y.data.length, [0]);
    kernels.map(kind.engine!, y.data, out);
    return [floatResult(y.shape, y.data), floatResult(y.shape, out)];
  }
  const [sum] = lookupOp('Add', '')!.run(context(kind.add, kind.first ? [r, y] : [y, r]));
  if (!kind.activation) return [sum!];
  const [activated] = lookupOp(kind.activation.opType, kind.activation.domain)!.run(context(kind.activation, [sum]));
  return kind.both ? [sum!, activated!] : [activated!];
}

/** An Add step with its activation: float32 operands of one shape on the run's kernels, else the two ops in turn. */
function runAddActivation(node: OnnxNode, op: OpDefinition, kind: Extract<StepKind, { type: 'addActivation' }>, args: readonly (OnnxTensor | undefined)[], context: OpContext): readonly OnnxTensor[] {
  const [a, b] = args;
  if (a && b && a.dataType === DataType.FLOAT && b.dataType === DataType.FLOAT && a.data instanceof Float32Array && b.data instanceof Float32Array && sameShape(a.shape, b.shape)) {
    const ctx = context(node, args);
    const kernels = elementwiseKernels(ctx.options.backend);
    const n = a.data.length;
    if (!kind.both) {
      const out = ctx.floatBuffer!(n, [0, 1]);
      kernels.add(a.data, b.data, out, kind.engine);
      return [floatResult(a.shape, out)];
    }
    const sum = ctx.floatBuffer!(n, [0, 1]);
    kernels.add(a.data, b.data, sum, null);
    const out = ctx.floatBuffer!(n, []);
    kernels.map(kind.engine, sum, out);
    return [floatResult(a.shape, sum), floatResult(a.shape, out)];
  }
  const [sum] = op.run(context(node, args));
  const activation = kind.activation;
  const [out] = lookupOp(activation.opType, activation.domain)!.run(context(activation, [sum]));
  return kind.both ? [sum!, out!] : [out!];
}

/**
 * GroupNorm in one pass on the run's backend's kernels: each group's mean and (biased) variance as
 * InstanceNormalization takes them, then per channel y = A·x + B, rounded once. `out` may be x's buffer.
 */
function groupNorm(norm: GroupNorm, x: OnnxTensor, out: Float32Array, kernels: ElementwiseKernels, f: Activation | null): void {
  const channels = x.shape[1]!;
  const inner = x.data.length / (x.shape[0]! * channels);
  const blockSize = (channels / norm.groups) * inner;
  if (blockSize === 0) return;
  const args = { blocks: x.data.length / blockSize, blockSize, channels, inner, epsilon: norm.epsilon, scale: norm.scale, shift: norm.shift };
  kernels.groupNorm(x.data as Float32Array, args, f, out);
}
