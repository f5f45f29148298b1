/**
 * The graph as tconv runs it: nodes in a checked topological order (cycles, dangling names and unsupported ops are
 * refused up front), then shape inference through every node, folding constant sub-graphs (Constant → Reshape
 * shapes, Resize scales) so later nodes can read them.
 */
import { TconvError } from '../shape/errors.ts';
import { MAX_TENSOR_ELEMENTS } from '../shape/plan.ts';
import { RuntimeValueNeeded, invalidModel } from './errors.ts';
import type { OnnxModel, OnnxNode } from './model.ts';
import { SUPPORTED_OPS, lookupOp } from './ops/index.ts';
import type { OpDefinition, Shape } from './ops/types.ts';
import { DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

export interface ShapeOptions {
  /** Shapes of the graph inputs by name; default: the declared shapes, with symbolic or unknown sizes set by `dims`. */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
  /** Values for symbolic dimensions (e.g. { batch: 4 }); any other unknown size is 1. */
  readonly dims?: Readonly<Record<string, number>>;
  /**
   * Lint mode: instead of refusing the model, skip nodes with unsupported operators (and nodes that depend on their
   * outputs), listing them in `skipped`.
   */
  readonly partial?: boolean;
  /**
   * Values of graph inputs known when planning (runModel gives every input's value): shape-like slots (Reshape's
   * shape, Resize's scales or sizes, Slice's starts…) read them, and small sub-graphs on them fold.
   */
  readonly inputValues?: ReadonlyMap<string, OnnxTensor>;
}

export interface SkippedNode {
  readonly node: string;
  readonly opType: string;
  readonly reason: 'unsupported operator' | 'depends on a skipped node' | 'depends on a run-time value';
  /** For 'depends on a run-time value': the slot and the value it needs (e.g. Reshape#2.shape ← "shape"). */
  readonly needs?: { readonly slot: string; readonly value: string };
}

export interface InferredGraph {
  readonly model: OnnxModel;
  /** Nodes in execution order. */
  readonly order: readonly OnnxNode[];
  readonly shapes: ReadonlyMap<string, Shape>;
  readonly types: ReadonlyMap<string, number>;
  /** Initializers and values folded at load time. */
  readonly constants: ReadonlyMap<string, OnnxTensor>;
  /** The resolved shape of every graph input the caller feeds. */
  readonly inputShapes: ReadonlyMap<string, Shape>;
  /** Nodes left out in partial mode, in execution order (empty otherwise). */
  readonly skipped: readonly SkippedNode[];
}

/** Graph inputs up to this size are known when planning (runModel gives their values). */
const MAX_INPUT_CONSTANT_ELEMENTS = 1 << 16;

/** Folding is for small shape arithmetic; larger constant results are left to run time. */
const MAX_FOLD_ELEMENTS = 1 << 20;

/**
 * Orders the nodes so every input is produced before use (Kahn's algorithm); refuses cycles and unknown names.
 * @example
 * executionOrder(model).map((n) => n.opType) // → ['ConvTranspose', 'Relu']
 */
export function executionOrder(model: OnnxModel): OnnxNode[] {
  const producer = new Map<string, OnnxNode>();
  const available = new Set<string>([...model.initializers.keys(), ...model.inputs.map((v) => v.name)]);
  for (const node of model.nodes) {
    for (const [j, out] of node.outputs.entries()) {
      if (out === '') continue;
      if (producer.has(out) || available.has(out)) {
        throw invalidModel(`${node.name}.output[${j}]`, out, 'is produced twice (every value must have exactly one producer)');
      }
      producer.set(out, node);
    }
  }
  const waiting = new Map<OnnxNode, number>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of model.nodes) {
    let missing = 0;
    for (const [j, name] of node.inputs.entries()) {
      if (name === '' || available.has(name)) continue;
      if (!producer.has(name)) {
        throw invalidModel(`${node.name}.input[${j}]`, name, 'is not a graph input, an initializer or the output of any node');
      }
      missing++;
      const list = consumers.get(name) ?? [];
      list.push(node);
      consumers.set(name, list);
    }
    waiting.set(node, missing);
  }
  // A queue read by index: shift() would make a hostile file of many independent nodes quadratic.
  const ready = model.nodes.filter((n) => waiting.get(n) === 0);
  const order: OnnxNode[] = [];
  for (let head = 0; head < ready.length; head++) {
    const node = ready[head]!;
    order.push(node);
    for (const out of node.outputs) {
      for (const consumer of consumers.get(out) ?? []) {
        const left = waiting.get(consumer)! - 1;
        waiting.set(consumer, left);
        if (left === 0) ready.push(consumer);
      }
    }
  }
  if (order.length !== model.nodes.length) {
    const done = new Set(order);
    const stuck = model.nodes.filter((n) => !done.has(n)).map((n) => n.name);
    throw invalidModel('graph.node', stuck.slice(0, 5), `form a cycle (${stuck.length} node(s) wait on each other's outputs)`);
  }
  for (const [i, output] of model.outputs.entries()) {
    if (!producer.has(output.name) && !available.has(output.name)) {
      throw invalidModel(`graph.output[${i}]`, output.name, 'is not produced by any node');
    }
  }
  return order;
}

/** Refuses every node whose operator tconv does not implement, naming all of them at once. */
export function checkSupported(model: OnnxModel): void {
  const missing = new Map<string, string[]>();
  for (const node of model.nodes) {
    if (lookupOp(node.opType, node.domain)) continue;
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
    missing.set(key, [...(missing.get(key) ?? []), node.name]);
  }
  if (missing.size === 0) return;
  const listed = [...missing].map(([op, nodes]) => `${op} (${nodes.length} node${nodes.length > 1 ? 's' : ''}: ${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ', …' : ''})`);
  throw new TconvError({
    code: 'unsupported', parameter: 'op_type', value: [...missing.keys()],
    rule: `names operators tconv does not run: ${listed.join('; ')}`,
    hint: `tconv runs ${SUPPORTED_OPS.join(', ')}; lint still reports the layers it knows`,
  });
}

/** Resolves the shape of each graph input from the options and the declared shape. */
function resolveInputShapes(model: OnnxModel, options: ShapeOptions): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const input of model.inputs) {
    const given = options.inputShapes?.[input.name];
    if (given !== undefined) {
      if (input.shape !== null) {
        const declared = input.shape;
        const mismatch = given.length !== declared.length || declared.some((d, a) => typeof d === 'number' && d !== given[a]);
        if (mismatch) {
          throw new TconvError({
            code: 'usage', parameter: `input "${input.name}"`, value: [...given],
            rule: `does not match the model's declared shape [${declared.map((d) => d ?? '?').join(', ')}]`,
            hint: 'give a tensor of the declared shape (symbolic sizes may be anything)',
          });
        }
      }
      shapes.set(input.name, given);
      continue;
    }
    if (input.shape === null) {
      throw new TconvError({
        code: 'usage', parameter: `input "${input.name}"`, value: null,
        rule: 'has no declared shape', hint: 'give the input tensor (or its shape) explicitly',
      });
    }
    shapes.set(input.name, input.shape.map((d) => (typeof d === 'number' ? d : typeof d === 'string' ? options.dims?.[d] ?? 1 : 1)));
  }
  return shapes;
}

/**
 * Infers every value's shape (and folds constants), checking each node's rules before anything runs.
 * @example
 * inferShapes(model).shapes.get(model.outputs[0].name) // → [1, 4, 20, 12]
 */
export function inferShapes(model: OnnxModel, options: ShapeOptions = {}): InferredGraph {
  const order = executionOrder(model);
  if (!options.partial) checkSupported(model);
  const skipped: SkippedNode[] = [];
  const inputShapes = resolveInputShapes(model, options);
  const shapes = new Map<string, Shape>(inputShapes);
  const types = new Map<string, number>(model.inputs.map((v) => [v.name, v.elemType || DataType.FLOAT]));
  const constants = new Map<string, OnnxTensor>(model.initializers);
  for (const [name, t] of model.initializers) {
    shapes.set(name, t.shape);
    types.set(name, t.dataType);
  }
  for (const [name, value] of options.inputValues ?? []) {
    // Shape-like inputs are small; large ones (images) are data, left to run time so folding never holds them.
    if (!inputShapes.has(name) || value.data.length > MAX_INPUT_CONSTANT_ELEMENTS) continue;
    constants.set(name, value);
    types.set(name, value.dataType);
  }
  for (const node of order) {
    const op = lookupOp(node.opType, node.domain);
    if (op === undefined || node.inputs.some((name) => name !== '' && !shapes.has(name))) {
      skipped.push({ node: node.name, opType: node.opType, reason: op === undefined ? 'unsupported operator' : 'depends on a skipped node' });
      continue;
    }
    const inputShapesOfNode = node.inputs.map((name) => (name === '' ? undefined : shapes.get(name)));
    const context = {
      node, opset: model.opset, shapes: inputShapesOfNode, types: node.inputs.map((name) => (name === '' ? undefined : types.get(name))),
      constant: (i: number) => (node.inputs[i] ? constants.get(node.inputs[i]!) : undefined),
    };
    let inferred: ReturnType<OpDefinition['infer']>;
    try {
      inferred = op.infer(context);
    } catch (error) {
      // Lint works from shapes alone: a size that depends on a run-time value is reported, not fatal.
      if (!(options.partial && error instanceof RuntimeValueNeeded)) throw error;
      skipped.push({ node: node.name, opType: node.opType, reason: 'depends on a run-time value', needs: { slot: error.parameter, value: error.input } });
      continue;
    }
    inferred.forEach((out, j) => {
      const name = node.outputs[j];
      if (!name) return;
      const count = out.shape.reduce((a, b) => a * b, 1);
      if (count > MAX_TENSOR_ELEMENTS) throw invalidModel(`${node.name}.output[${j}]`, [...out.shape], `would hold ${count} elements, over tconv's limit of ${MAX_TENSOR_ELEMENTS}`);
      shapes.set(name, out.shape);
      types.set(name, out.dataType);
    });
    const foldable = op.foldable && node.inputs.every((name) => name === '' || constants.has(name))
      && inferred.every((o) => o.shape.reduce((a, b) => a * b, 1) <= MAX_FOLD_ELEMENTS);
    if (foldable) {
      const values = op.run({ node, opset: model.opset, inputs: node.inputs.map((n) => (n === '' ? undefined : constants.get(n))), options: {} });
      values.forEach((v, j) => { if (node.outputs[j]) constants.set(node.outputs[j]!, v); });
    } else if (op.evaluate) {
      // Values that follow from shapes alone (Shape): known now that every shape is.
      op.evaluate(context).forEach((v, j) => { if (node.outputs[j]) constants.set(node.outputs[j]!, v); });
    }
  }
  return { model, order, shapes, types, constants, inputShapes, skipped };
}
