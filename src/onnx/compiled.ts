/**
 * A planned graph compiled into a step list, so a run does only the work: each node resolved once to its op, its
 * inputs and outputs as slots of an array (not names in a Map), the slots to free after it precomputed, and the
 * shapes to check its outputs against. Runs recycle the float32 buffers of freed intermediates (a BufferArena kept
 * by the caller) and let element-wise ops write over an input that dies at their node. With `fuse` (a model session
 * asks for it; runModel does not), the fusions of fusions.ts are made while compiling, and Concats along their
 * outer-most axis read their inputs where their producers wrote them (concat-views.ts).
 */
import { BufferArena } from './buffer-arena.ts';
import { type Placement, planConcatViews } from './concat-views.ts';
import { invalidModel } from './errors.ts';
import { sameShape } from '../tensor/tensor.ts';
import { type FusionDraft, type StepKind, fuseInto, runFused } from './fusions.ts';
import type { InferredGraph } from './graph.ts';
import type { OnnxNode } from './model.ts';
import { lookupOp } from './ops/index.ts';
import { elementwiseKernels } from '../engine/select.ts';
import type { Activation } from '../engine/ops/activation.ts';
import type { OpDefinition, ResidualAdd, RunContext, RunOptions, Shape } from './ops/types.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

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
  /** Where output 0 is written: a slice of a shared buffer that a Concat reads without copying (concat-views.ts), else null. */
  readonly place: Placement | null;
  /** A Concat whose inputs were written into its output's slice: the step only hands that slice on. */
  readonly view: boolean;
  /** A view's inputs that keep their own buffer (concat-views.ts `copied`): copied into their slice, once per root buffer. */
  readonly fills: readonly Fill[];
}

interface Fill {
  /** Index into the step's inputs. */
  readonly input: number;
  readonly place: Placement;
  /** Number of the copied value (its slot in the run's record of filled slices). */
  readonly id: number;
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
  /** Elements of each shared buffer that placed values are sliced from (concat-views.ts). */
  readonly rootLengths: readonly number[];
  /** Values copied into their slice by the views that read them. */
  readonly copiedCount: number;
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

  const drafts: FusionDraft[] = [];
  const absorbed = new Set<OnnxNode>();
  for (const node of live) {
    if (absorbed.has(node)) continue;
    const draft: FusionDraft = { node, inputs: node.inputs, outputs: node.outputs, fused: [], kind: { type: 'op' } };
    if (options.fuse) fuseInto(draft, graph, soleConsumer, absorbed);
    drafts.push(draft);
  }

  const lastUse = new Map<string, number>();
  drafts.forEach((d, index) => {
    for (const name of d.inputs) if (name) lastUse.set(name, index);
  });
  // Exact in either case (a slice holds the same values the copy would); the session's compiled runs do it.
  const concat = options.fuse
    ? planConcatViews(drafts, graph, keep, lastUse)
    : { places: new Map<string, Placement>(), rootLengths: [], views: new Set<number>(), copied: new Set<string>() };
  const copiedIds = new Map([...concat.copied].map((name, id) => [name, id]));
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
      place: d.outputs.length === 1 && !concat.copied.has(d.outputs[0]!) ? (concat.places.get(d.outputs[0]!) ?? null) : null,
      view: concat.views.has(index),
      fills: concat.views.has(index)
        ? d.inputs.flatMap((name, input) => (copiedIds.has(name) ? [{ input, place: concat.places.get(name)!, id: copiedIds.get(name)! }] : []))
        : [],
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
  return {
    graph, steps, slotCount: slots.size, inputs, inputSlots: new Set(inputs.values()), constants, outputs, pinned,
    rootLengths: concat.rootLengths, copiedCount: copiedIds.size,
  };
}


/**
 * Runs a compiled graph on its inputs (checked by collectInputs, the budgets by checkRunBudgets).
 * @example
 * runCompiled(compileGraph(graph), values, { backend: 'wasm' }).get('y')
 */
export function runCompiled(compiled: CompiledGraph, inputs: ReadonlyMap<string, OnnxTensor>, options: CompiledRunOptions = {}, arena = new BufferArena()): Map<string, OnnxTensor> {
  const { graph, steps, rootLengths } = compiled;
  const values: (OnnxTensor | undefined)[] = new Array(compiled.slotCount);
  // Buffers no step may recycle or overwrite: the constants' and the fed inputs'.
  const fed = new Set<ArrayBufferLike>();
  const pinned = (buffer: ArrayBufferLike): boolean => compiled.pinned.has(buffer) || fed.has(buffer);
  // Bytes of the distinct buffers alive: the fed inputs, then each buffer a step makes while a slot holds it.
  let liveBytes = 0;
  for (const [name, slot] of compiled.inputs) {
    const value = inputs.get(name)!;
    values[slot] = value;
    if (!fed.has(value.data.buffer)) liveBytes += value.data.byteLength;
    fed.add(value.data.buffer);
  }
  for (const [slot, t] of compiled.constants) values[slot] = t;
  // Slots holding each buffer made by a step: recycled when none holds it, overwritten only when one does.
  const holders = new Map<ArrayBufferLike, number>();
  // The shared buffers that Concat inputs are written into (concat-views.ts): made with their first value, recycled
  // when no slot holds a slice of them.
  const roots: (Float32Array | undefined)[] = new Array(rootLengths.length);
  const rootOf = new Map<ArrayBufferLike, number>();
  // Each root's allocations so far, and the allocation each copied value was last copied into: a root freed and made
  // again between two views that read a copied value needs the copy again.
  const rootMade = new Int32Array(rootLengths.length);
  const filledIn = new Int32Array(compiled.copiedCount);
  let peakBytes = 0;
  const wholeFloat = (data: OnnxTensor['data']): data is Float32Array =>
    data instanceof Float32Array && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const { onStep } = options;
  let step: Step | undefined;
  // The current step's slice (its output 0 is placed), and whether an op has taken it yet.
  let placed: Float32Array | null = null;
  let offered: Float32Array | null = null;
  const floatBuffer = (length: number, reusable: readonly number[]): Float32Array => {
    if (offered !== null && offered.length === length) {
      const slice = offered;
      offered = null;
      return slice;
    }
    for (const j of reusable) {
      const slot = step!.inputs[j]!;
      if (slot < 0 || !step!.dies[j]) continue;
      const t = values[slot]!;
      if (t.dataType === DataType.FLOAT && t.data.length === length && wholeFloat(t.data) && holders.get(t.data.buffer) === 1 && !rootOf.has(t.data.buffer)) return t.data;
    }
    return arena.take(length) ?? new Float32Array(length);
  };
  // A step's result may be overwritten when no other slot holds its buffer (or only an input dying here does).
  const ours = (data: OnnxTensor['data']): boolean => {
    if (data === placed) return true;
    if (pinned(data.buffer) || !wholeFloat(data) || rootOf.has(data.buffer)) return false;
    const held = holders.get(data.buffer) ?? 0;
    if (held === 0) return true;
    return held === 1 && step!.inputs.some((slot, j) => slot >= 0 && step!.dies[j] === true && values[slot]?.data.buffer === data.buffer);
  };
  const sliceOf = (place: Placement): Float32Array => {
    let root = roots[place.root];
    if (root === undefined) {
      const length = rootLengths[place.root]!;
      root = arena.take(length) ?? new Float32Array(length);
      roots[place.root] = root;
      rootOf.set(root.buffer, place.root);
      rootMade[place.root]!++;
    }
    return root.subarray(place.offset, place.offset + place.length);
  };
  // A placed value an op wrote elsewhere (it did not ask for a buffer, or asked for another size): copied into its slice.
  const settle = (value: OnnxTensor, slice: Float32Array): OnnxTensor => {
    slice.set(value.data);
    const buffer = value.data.buffer;
    if (wholeFloat(value.data) && !pinned(buffer) && !holders.has(buffer) && !rootOf.has(buffer)) arena.give(value.data);
    return { name: '', dataType: DataType.FLOAT, shape: value.shape, data: slice };
  };
  const context = (node: OnnxNode, args: readonly (OnnxTensor | undefined)[], activation?: Activation, residual?: ResidualAdd): RunContext =>
    ({ node, opset: graph.model.opset, inputs: args, options, floatBuffer, activation, residual });
  for (step of steps) {
    const args: (OnnxTensor | undefined)[] = new Array(step.inputs.length);
    for (let j = 0; j < args.length; j++) {
      const slot = step.inputs[j]!;
      args[j] = slot < 0 ? undefined : values[slot];
    }
    const started = onStep ? performance.now() : 0;
    placed = step.place === null ? null : sliceOf(step.place);
    for (const fill of step.fills) {
      if (filledIn[fill.id] === rootMade[fill.place.root]) continue;
      sliceOf(fill.place).set(args[fill.input]!.data);
      filledIn[fill.id] = rootMade[fill.place.root]!;
    }
    offered = placed;
    const outputs = step.view ? [joined(step, placed!, holders, options.backend)] : runFused(step.node, step.op, step.kind, args, context, ours);
    offered = null;
    const ms = onStep ? performance.now() - started : 0;
    for (let j = 0; j < outputs.length; j++) {
      const slot = step.outputs[j] ?? -1;
      if (slot < 0) continue;
      let value = outputs[j]!;
      const expected = step.expected[j];
      if (expected && !sameShape(expected, value.shape)) {
        const name = step.fused.length > 0 ? step.fused[step.fused.length - 1]!.name : step.node.name;
        throw invalidModel(`${name}.output[${j}]`, [...value.shape], `differs from the inferred shape [${expected.join(', ')}] (a tconv bug; please report it)`);
      }
      if (j === 0 && placed !== null && value.data !== placed && !step.view) value = settle(value, placed);
      values[slot] = value;
      const buffer = value.data.buffer;
      if (pinned(buffer)) continue;
      const held = holders.get(buffer) ?? 0;
      if (held === 0) liveBytes += buffer.byteLength;
      holders.set(buffer, held + 1);
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
      if (pinned(buffer)) continue;
      const left = (holders.get(buffer) ?? 1) - 1;
      if (left > 0) {
        holders.set(buffer, left);
        continue;
      }
      holders.delete(buffer);
      liveBytes -= buffer.byteLength;
      const root = rootOf.get(buffer);
      if (root !== undefined) {
        arena.give(roots[root]!);
        roots[root] = undefined;
        rootOf.delete(buffer);
      } else if (value.dataType === DataType.FLOAT && wholeFloat(value.data)) {
        arena.give(value.data);
      }
    }
  }
  placed = null;
  return new Map(compiled.outputs.map(([name, slot]) => [name, values[slot]!]));
}

/**
 * A Concat whose inputs were written into its slice: the slice is its output. An activation fused after it runs in
 * place when only the dying inputs hold the shared buffer (the planner checked they die here); otherwise (another
 * value shares their memory) on a copy.
 */
function joined(step: Step, slice: Float32Array, holders: ReadonlyMap<ArrayBufferLike, number>, backend: RunOptions['backend']): OnnxTensor {
  const { kind } = step;
  const shape = step.expected[0]!;
  if (kind.type !== 'activation') return { name: '', dataType: DataType.FLOAT, shape, data: slice };
  const data = holders.get(slice.buffer) === step.inputs.length ? slice : Float32Array.from(slice);
  kind.pass(data, elementwiseKernels(backend));
  return { name: '', dataType: DataType.FLOAT, shape, data };
}
