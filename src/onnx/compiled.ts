/**
 * A planned graph compiled into a step list, so a run does only the work: each node resolved once to its op, its
 * inputs and outputs as slots of an array (not names in a Map), the slots to free after it precomputed, and the
 * shapes to check its outputs against. Runs recycle the float32 buffers of freed intermediates (an arena kept by the
 * caller) and let element-wise ops write over an input that dies at their node.
 *
 * With `fuse`, a few exact fusions are made while compiling (a model session asks for them; runModel does not):
 * - Relu, LeakyRelu, Clip, Tanh or Sigmoid after a node whose float32 output feeds nothing else runs in place on
 *   that output, in the same step (when the output's buffer is the node's own; else the activation's op runs);
 * - x · Sigmoid(x) (SiLU as PyTorch exports it) runs as one pass;
 * - GroupNorm as PyTorch exports it (Reshape → InstanceNormalization → Reshape → Mul γ → Add β) runs as one pass.
 * All compute what the separate nodes compute, up to one float32 rounding (SiLU: x / (1 + e⁻ˣ) is rounded once
 * instead of twice).
 */
import { invalidModel } from './errors.ts';
import type { InferredGraph } from './graph.ts';
import { type OnnxNode, floatAttr } from './model.ts';
import { fastExp, fastSigmoid, fastTanh } from './ops/fast-math.ts';
import { leakyReluInto, reluInto } from './ops/elementwise.ts';
import { lookupOp } from './ops/index.ts';
import type { OpDefinition, RunContext, RunOptions, Shape } from './ops/types.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

/** An in-place float32 pass fused after a step (the activation), applied to its output 0. */
type FloatPass = (data: Float32Array) => void;

interface Step {
  readonly node: OnnxNode;
  readonly op: OpDefinition;
  /** Slot of each input, -1 for an omitted optional input. */
  readonly inputs: Int32Array;
  /** Slot of each output, -1 for an unused one. */
  readonly outputs: Int32Array;
  /** Shape each output must have (undefined: not inferred). */
  readonly expected: readonly (Shape | undefined)[];
  /** For each input: its slot is freed after this step (its last use), so an element-wise op may write over it. */
  readonly dies: readonly boolean[];
  /** Slots freed after this step. */
  readonly frees: Int32Array;
  /** Nodes fused into this step after `node` (reported with it), with what they do. */
  readonly fused: readonly OnnxNode[];
  readonly kind: StepKind;
}

type StepKind =
  | { readonly type: 'op' }
  /** The op, then `pass` in place on output 0 (or, when that is not a float32 buffer of ours, the activation's op). */
  | { readonly type: 'activation'; readonly pass: FloatPass; readonly activation: OnnxNode; readonly bounds: readonly (OnnxTensor | undefined)[] }
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

export interface CompiledGraph {
  readonly graph: InferredGraph;
  readonly steps: readonly Step[];
  readonly slotCount: number;
  /** Graph inputs and their slots. */
  readonly inputs: ReadonlyMap<string, number>;
  /** The graph's inputs stay with the caller: dropping them frees nothing. */
  readonly inputSlots: ReadonlySet<number>;
  /** Constants (initializers, folded values) read by the steps, by slot. */
  readonly constants: readonly (readonly [number, OnnxTensor])[];
  readonly outputs: readonly (readonly [string, number])[];
  /** Buffers of the constants: never recycled, never written. */
  readonly pinned: ReadonlySet<ArrayBufferLike>;
}

/**
 * Float32 buffers of freed intermediates, by length, for the next step (or run) that needs one of that length. It
 * holds at most as many bytes as the largest run so far had alive at once (a run frees more than it takes: the
 * engine's convolutions allocate their own outputs), so a session keeps at most twice its peak.
 */
export class BufferArena {
  private readonly free = new Map<number, Float32Array[]>();
  private heldBytes = 0;
  private limitBytes = 0;

  /** Raises the bound on held bytes to a run's peak of live bytes. */
  allow(peakLiveBytes: number): void {
    this.limitBytes = Math.max(this.limitBytes, peakLiveBytes);
  }

  take(length: number): Float32Array | undefined {
    const list = this.free.get(length);
    const buffer = list?.pop();
    if (buffer) this.heldBytes -= buffer.byteLength;
    return buffer;
  }

  give(buffer: Float32Array): void {
    if (this.heldBytes + buffer.byteLength > this.limitBytes) return; // left to the garbage collector
    const list = this.free.get(buffer.length);
    if (list) list.push(buffer);
    else this.free.set(buffer.length, [buffer]);
    this.heldBytes += buffer.byteLength;
  }

  /** Bytes held for reuse (not alive in any run). */
  get bytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.free.clear();
    this.heldBytes = 0;
  }
}

export interface CompiledRunOptions extends RunOptions {
  readonly onStep?: (event: { readonly node: OnnxNode; readonly fused: readonly OnnxNode[]; readonly ms: number; readonly liveBytes: number }) => void;
}

/**
 * @example
 * const compiled = compileGraph(inferShapes(model, { inputShapes: { x: [1, 3, 8, 8] } }), { fuse: true });
 * runCompiled(compiled, new Map([['x', tensor]]), { backend: 'native' }, new BufferArena());
 */
export function compileGraph(graph: InferredGraph, options: { readonly fuse?: boolean } = {}): CompiledGraph {
  const { model } = graph;
  const slots = new Map<string, number>();
  const slotOf = (name: string): number => {
    let slot = slots.get(name);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(name, slot);
    }
    return slot;
  };
  const inputs = new Map<string, number>();
  for (const name of graph.inputShapes.keys()) inputs.set(name, slotOf(name));
  const keep = new Set(model.outputs.map((o) => o.name));
  const live = graph.order.filter((node) => !node.outputs.every((o) => o === '' || graph.constants.has(o))); // the rest folded at load time
  // Consumers of each value among the nodes that run (fusions need a value read by exactly one node, once).
  const readers = new Map<string, number>();
  for (const node of live) for (const name of node.inputs) if (name) readers.set(name, (readers.get(name) ?? 0) + 1);
  const consumerOf = new Map<string, OnnxNode>();
  for (const node of live) for (const name of node.inputs) if (name) consumerOf.set(name, node);
  const soleConsumer = (name: string): OnnxNode | undefined => (readers.get(name) === 1 && !keep.has(name) ? consumerOf.get(name) : undefined);

  interface Draft { node: OnnxNode; inputs: readonly string[]; outputs: readonly string[]; fused: OnnxNode[]; kind: StepKind }
  const drafts: Draft[] = [];
  const absorbed = new Set<OnnxNode>();
  for (const node of live) {
    if (absorbed.has(node)) continue;
    const draft: Draft = { node, inputs: node.inputs, outputs: node.outputs, fused: [], kind: { type: 'op' } };
    if (options.fuse) fuseInto(draft, graph, soleConsumer, absorbed);
    drafts.push(draft);
  }

  const lastUse = new Map<string, number>();
  drafts.forEach((d, index) => {
    for (const name of d.inputs) if (name) lastUse.set(name, index);
  });
  const constants: [number, OnnxTensor][] = [];
  const steps = drafts.map((d, index): Step => {
    const inputSlots = Int32Array.from(d.inputs, (name) => {
      if (name === '') return -1;
      const known = slots.has(name);
      const slot = slotOf(name);
      const constant = graph.constants.get(name);
      if (!known && constant) constants.push([slot, constant]);
      return slot;
    });
    const freed = new Set<number>();
    const dies = d.inputs.map((name) => {
      const dying = name !== '' && lastUse.get(name) === index && !keep.has(name) && !graph.constants.has(name);
      if (dying) freed.add(slots.get(name)!);
      return dying;
    });
    return {
      node: d.node,
      op: lookupOp(d.node.opType, d.node.domain)!,
      inputs: inputSlots,
      outputs: Int32Array.from(d.outputs, (name) => (name === '' ? -1 : slotOf(name))),
      expected: d.outputs.map((name) => graph.shapes.get(name)),
      dies,
      frees: Int32Array.from(freed),
      fused: d.fused,
      kind: d.kind,
    };
  });
  const outputs = model.outputs.map((o) => [o.name, slotOf(o.name)] as const);
  // Graph outputs that are constants (or a graph input passed through) are read from their slots too.
  for (const [name, slot] of outputs) {
    const constant = graph.constants.get(name);
    if (constant && !constants.some(([s]) => s === slot)) constants.push([slot, constant]);
  }
  const pinned = new Set<ArrayBufferLike>();
  for (const t of graph.constants.values()) pinned.add(t.data.buffer);
  return { graph, steps, slotCount: slots.size, inputs, inputSlots: new Set(inputs.values()), constants, outputs, pinned };
}

/** The fusions: an activation folded into its producer, or x · Sigmoid(x) into one step. */
function fuseInto(draft: { node: OnnxNode; outputs: readonly string[]; fused: OnnxNode[]; kind: StepKind }, graph: InferredGraph, soleConsumer: (name: string) => OnnxNode | undefined, absorbed: Set<OnnxNode>): void {
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
  draft.kind = { type: 'activation', pass, activation, bounds: activation.inputs.map((name) => graph.constants.get(name)) };
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

function sameShape(a: Shape | undefined, b: Shape | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
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

/**
 * Runs a compiled graph on its inputs (checked by collectInputs, the budgets by checkRunBudgets).
 * @example
 * runCompiled(compileGraph(graph), values, { backend: 'wasm' }).get('y')
 */
export function runCompiled(compiled: CompiledGraph, inputs: ReadonlyMap<string, OnnxTensor>, options: CompiledRunOptions = {}, arena = new BufferArena()): Map<string, OnnxTensor> {
  const { graph, steps } = compiled;
  const values: (OnnxTensor | undefined)[] = new Array(compiled.slotCount);
  const pinned = new Set(compiled.pinned);
  let liveBytes = 0;
  for (const [name, slot] of compiled.inputs) {
    const value = inputs.get(name)!;
    values[slot] = value;
    pinned.add(value.data.buffer);
    liveBytes += value.data.byteLength;
  }
  for (const [slot, t] of compiled.constants) values[slot] = t;
  // Slots holding each buffer made by a step: recycled when none holds it, overwritten only when one does.
  const holders = new Map<ArrayBufferLike, number>();
  let peakBytes = 0;
  const wholeFloat = (data: OnnxTensor['data']): data is Float32Array =>
    data instanceof Float32Array && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const { onStep } = options;
  let step: Step | undefined;
  const floatBuffer = (length: number, reusable: readonly number[]): Float32Array => {
    for (const j of reusable) {
      const slot = step!.inputs[j]!;
      if (slot < 0 || !step!.dies[j]) continue;
      const t = values[slot]!;
      if (t.dataType === DataType.FLOAT && t.data.length === length && wholeFloat(t.data) && holders.get(t.data.buffer) === 1) return t.data;
    }
    return arena.take(length) ?? new Float32Array(length);
  };
  // A step's result may be overwritten when no other slot holds its buffer (or only an input dying here does).
  const ours = (data: OnnxTensor['data']): boolean => {
    if (pinned.has(data.buffer) || !wholeFloat(data)) return false;
    const held = holders.get(data.buffer) ?? 0;
    if (held === 0) return true;
    return held === 1 && step!.inputs.some((slot, j) => slot >= 0 && step!.dies[j] === true && values[slot]?.data.buffer === data.buffer);
  };
  const context = (node: OnnxNode, args: readonly (OnnxTensor | undefined)[]): RunContext => ({ node, opset: graph.model.opset, inputs: args, options, floatBuffer });
  for (step of steps) {
    const args: (OnnxTensor | undefined)[] = new Array(step.inputs.length);
    for (let j = 0; j < args.length; j++) {
      const slot = step.inputs[j]!;
      args[j] = slot < 0 ? undefined : values[slot];
    }
    const started = onStep ? performance.now() : 0;
    const outputs = runStep(step, args, context, ours);
    const ms = onStep ? performance.now() - started : 0;
    for (let j = 0; j < outputs.length; j++) {
      const slot = step.outputs[j] ?? -1;
      if (slot < 0) continue;
      const value = outputs[j]!;
      const expected = step.expected[j];
      if (expected && !sameShape(expected, value.shape)) {
        const name = step.fused.length > 0 ? step.fused[step.fused.length - 1]!.name : step.node.name;
        throw invalidModel(`${name}.output[${j}]`, [...value.shape], `differs from the inferred shape [${expected.join(', ')}] (a tconv bug; please report it)`);
      }
      liveBytes += value.data.byteLength - (values[slot]?.data.byteLength ?? 0);
      values[slot] = value;
      if (!pinned.has(value.data.buffer)) holders.set(value.data.buffer, (holders.get(value.data.buffer) ?? 0) + 1);
    }
    onStep?.({ node: step.node, fused: step.fused, ms, liveBytes });
    if (liveBytes > peakBytes) {
      peakBytes = liveBytes;
      arena.allow(peakBytes);
    }
    for (const slot of step.frees) {
      const value = values[slot];
      if (value === undefined) continue;
      values[slot] = undefined;
      const buffer = value.data.buffer;
      if (pinned.has(buffer)) {
        if (!compiled.inputSlots.has(slot)) liveBytes -= value.data.byteLength;
        continue;
      }
      liveBytes -= value.data.byteLength;
      const left = (holders.get(buffer) ?? 1) - 1;
      if (left > 0) {
        holders.set(buffer, left);
        continue;
      }
      holders.delete(buffer);
      if (value.dataType === DataType.FLOAT && wholeFloat(value.data)) arena.give(value.data);
    }
  }
  return new Map(compiled.outputs.map(([name, slot]) => [name, values[slot]!]));
}

function runStep(step: Step, args: readonly (OnnxTensor | undefined)[], context: (node: OnnxNode, args: readonly (OnnxTensor | undefined)[]) => RunContext, ours: (data: OnnxTensor['data']) => boolean): readonly OnnxTensor[] {
  const { kind } = step;
  if (kind.type === 'silu') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      const src = x.data;
      const out = context(step.node, args).floatBuffer!(src.length, [0]);
      // x · σ(x) = x / (1 + e⁻ˣ), rounded once.
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        out[i] = v / (1 + fastExp(-v));
      }
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: out }];
    }
    const [s] = step.op.run(context(step.node, args));
    const mulInputs = kind.mul.inputs.map((name) => (name === step.node.inputs[0] ? x : s));
    return lookupOp('Mul', '')!.run(context(kind.mul, mulInputs));
  }
  if (kind.type === 'groupNorm') {
    const x = args[0];
    if (x && x.dataType === DataType.FLOAT && x.data instanceof Float32Array) {
      return [{ name: '', dataType: DataType.FLOAT, shape: x.shape, data: groupNorm(kind.norm, x, context(step.node, args).floatBuffer!(x.data.length, [0])) }];
    }
    let previous = step.op.run(context(step.node, args))[0]!;
    for (const link of kind.chain) {
      previous = lookupOp(link.node.opType, link.node.domain)!.run(context(link.node, link.inputs.map((t) => (t === 'previous' ? previous : t))))[0]!;
    }
    return [previous];
  }
  const outputs = step.op.run(context(step.node, args));
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
    let mean = 0;
    for (let i = start; i < start + groupSize; i++) mean += src[i]!;
    mean /= groupSize;
    let variance = 0;
    for (let i = start; i < start + groupSize; i++) variance += (src[i]! - mean) ** 2;
    variance /= groupSize;
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
