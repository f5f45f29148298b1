/**
 * Runs a model: infer shapes with the real input shapes (every rule and the memory budget are checked before
 * anything is allocated), then execute the nodes in order, dropping each intermediate after its last use.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { TconvError, budgetOption, workLimit } from '../shape/errors.ts';
import { DEFAULT_MEMORY_LIMIT_BYTES } from '../shape/plan.ts';
import { type InferredGraph, inferShapes } from './graph.ts';
import { type OnnxModel, type OnnxNode, intAttr } from './model.ts';
import { type CompiledRunOptions, compileGraph, runCompiled } from './compiled.ts';
import type { RunOptions } from './ops/types.ts';
import { DATA_TYPE_NAMES, DataType } from './schema.ts';
import type { OnnxTensor } from './tensor-proto.ts';

export interface ExecuteOptions extends RunOptions {
  /** Refuse models whose values would need more bytes than this in total (default 4 GiB). */
  readonly memoryLimitBytes?: number;
  /**
   * Refuse models whose convolutions need more work than this (default DEFAULT_MAX_FLOPS; Infinity for none).
   * A layer counts its FLOPs, and at least 2 × output elements × taps per output: a kernel far larger than its
   * input costs what its output visits, not only its multiply-adds.
   */
  readonly maxFlops?: number;
  /** Called after each node has run (profiles: `npm run bench -- --models`); costs a clock read per node. */
  readonly onNodeRun?: (event: NodeRunEvent) => void;
}

export interface NodeRunEvent {
  readonly node: OnnxNode;
  /** Wall time of the node's kernel. */
  readonly ms: number;
  /**
   * Bytes of the run's tensors alive right after the node's outputs were made and before its spent inputs were
   * dropped: the graph's inputs (the caller holds them for the whole run) and the intermediates alive, not
   * initializers or folded constants. Memory is counted once: a value written over an input that dies at its node,
   * a Reshape's output and a session's Concat slices (src/onnx/concat-views.ts) add nothing to the buffer they
   * share. Their maximum is the run's peak.
   */
  readonly liveBytes: number;
  /** Nodes a model session fused into this one's step (an activation, SiLU's Mul); their time is in `ms`. */
  readonly fused: readonly OnnxNode[];
}

export type InputValue = OnnxTensor | Tensor;

/**
 * @example
 * const outputs = runModel(model, { [model.inputs[0].name]: tensor([1, 3, 7, 6]) }, { backend: 'reference' });
 * outputs.get(model.outputs[0].name).shape // → [1, 4, 20, 12]
 */
export function runModel(model: OnnxModel, inputs: Readonly<Record<string, InputValue>>, options: ExecuteOptions = {}): Map<string, OnnxTensor> {
  const values = collectInputs(model, inputs);
  // Planned once the inputs are known: shape-like inputs (a Reshape's shape fed as a graph input) have their values.
  const graph = inferShapes(model, { inputShapes: Object.fromEntries([...values].map(([k, v]) => [k, v.shape])), inputValues: values });
  checkRunBudgets(graph, options);
  return executeGraph(graph, values, options);
}

/** The given inputs checked against the model's (names, sizes, element types), as ONNX tensors by name. */
export function collectInputs(model: OnnxModel, inputs: Readonly<Record<string, InputValue>>): Map<string, OnnxTensor> {
  checkTensorValues(model);
  for (const name of Object.keys(inputs)) {
    if (!model.inputs.some((v) => v.name === name)) {
      throw new TconvError({
        code: 'usage', parameter: 'inputs', value: name, rule: 'is not an input of the model',
        hint: `the model takes ${model.inputs.map((v) => `"${v.name}"`).join(', ') || 'no inputs'}`,
      });
    }
  }
  const values = new Map<string, OnnxTensor>();
  for (const input of model.inputs) {
    const given = inputs[input.name];
    if (given === undefined) {
      throw new TconvError({ code: 'usage', parameter: 'inputs', value: input.name, rule: 'is an input of the model but was not given', hint: 'give a tensor for every model input' });
    }
    const size = given.shape.reduce((a, b) => a * b, 1);
    if (given.data.length !== size) {
      throw new TconvError({ code: 'usage', parameter: `input "${input.name}"`, value: `${given.data.length} values`, rule: `does not fill its shape [${given.shape.join(', ')}]`, hint: 'give one value per element' });
    }
    if ('dataType' in given) checkInputType(input, given.dataType);
    values.set(input.name, 'dataType' in given ? given : { name: input.name, dataType: DataType.FLOAT, shape: given.shape, data: given.data });
  }
  return values;
}

/**
 * Executes a planned graph on its inputs: the nodes in order (folded ones skipped), each intermediate dropped after
 * its last use. The budgets must have been checked (checkRunBudgets).
 */
export function executeGraph(graph: InferredGraph, inputs: ReadonlyMap<string, OnnxTensor>, options: ExecuteOptions = {}): Map<string, OnnxTensor> {
  return runCompiled(compileGraph(graph), inputs, withStepEvents(options));
}

/** Run options of a compiled run, reporting each step as a NodeRunEvent. */
export function withStepEvents(options: ExecuteOptions): CompiledRunOptions {
  // A step's event is a NodeRunEvent: the listener is handed on as it is.
  return options.onNodeRun ? { ...options, onStep: options.onNodeRun } : options;
}

/**
 * Refuses graph inputs and outputs that are not tensors (sequences, maps, optional values: their declared type has
 * no tensor type), before any data is read.
 * @example
 * checkTensorValues(readModel(bytes)) // throws for a model taking a sequence
 */
export function checkTensorValues(model: OnnxModel): void {
  for (const [kind, value] of [...model.inputs.map((v) => ['input', v] as const), ...model.outputs.map((v) => ['output', v] as const)]) {
    if (!value.notTensor) continue;
    throw new TconvError({
      code: 'unsupported', parameter: `${kind} "${value.name}"`, value: 'not a tensor',
      rule: 'is declared as a sequence, map or optional value; tconv runs tensors only',
      hint: 'give the model tensor inputs',
    });
  }
}

/** A fed tensor must have the element type the model declares (values are never reinterpreted). */
function checkInputType(input: OnnxModel['inputs'][number], given: number): void {
  if (input.elemType === 0 || input.elemType === given) return;
  const declared = DATA_TYPE_NAMES[input.elemType] ?? input.elemType;
  const bfloatBits = input.elemType === DataType.BFLOAT16 && given === DataType.UINT16;
  throw new TconvError({
    code: bfloatBits ? 'unsupported' : 'usage', parameter: `input "${input.name}"`, value: DATA_TYPE_NAMES[given] ?? given,
    rule: `is not the element type the model declares (${declared})`,
    hint: bfloatBits ? 'bfloat16 values stored as uint16 bits (as ONNX 1.12 test data does) are not reinterpreted: give a BFLOAT16 tensor' : `give a ${declared} tensor`,
  });
}

/** Default work budget of a model run: about a second on the native backend, tens of seconds on the reference. */
export const DEFAULT_MAX_FLOPS = 1e11;

/**
 * The memory and work budgets of a run, checked on inferred shapes before any value is allocated (runModel calls it;
 * callers that allocate inputs themselves call it first).
 * @example
 * checkRunBudgets(inferShapes(model, { inputShapes: { x: [1, 3, 64, 64] } }), { maxFlops: 1e9 })
 */
export function checkRunBudgets(graph: InferredGraph, options: Pick<ExecuteOptions, 'memoryLimitBytes' | 'maxFlops'> = {}): void {
  checkBudget(graph.shapes, budgetOption('memoryLimitBytes', options.memoryLimitBytes, DEFAULT_MEMORY_LIMIT_BYTES));
  checkFlops(graph, budgetOption('maxFlops', options.maxFlops, DEFAULT_MAX_FLOPS));
}

/** Work of the convolutions of a graph, as counted by the maxFlops budget. */
export function graphFlops(graph: InferredGraph): number {
  let flops = 0;
  const size = (shape: readonly number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);
  for (const node of graph.order) {
    if (node.opType !== 'ConvTranspose' && node.opType !== 'Conv') continue;
    const x = graph.shapes.get(node.inputs[0] ?? '');
    const w = graph.shapes.get(node.inputs[1] ?? '');
    const y = graph.shapes.get(node.outputs[0] ?? '');
    if (!x || !w || !y || w.length < 2) continue;
    const groups = Math.max(1, intAttr(node, 'group', 1));
    const taps = size(w.slice(2));
    // Transposed: weight (Cin, Cout/g, k…); each input meets Cout/g·taps outputs, each output Cin/g·taps inputs.
    const transposed = node.opType === 'ConvTranspose';
    const perInput = transposed ? w[1]! * taps : (w[0]! / groups) * taps;
    const perOutput = transposed ? (w[0]! / groups) * taps : w[1]! * taps;
    flops += Math.max(2 * size(x) * perInput, 2 * size(y) * perOutput);
  }
  return flops;
}

function checkBudget(shapes: ReadonlyMap<string, readonly number[]>, limit: number): void {
  let bytes = 0;
  for (const shape of shapes.values()) bytes += 4 * shape.reduce((a, b) => a * b, 1);
  if (bytes > limit) {
    throw new TconvError({
      code: 'memory-limit', parameter: 'model', value: `${(bytes / 1024 ** 2).toFixed(1)} MiB`,
      rule: `needs more memory for its values than the limit of ${(limit / 1024 ** 2).toFixed(1)} MiB`,
      hint: 'use a smaller input or batch, or raise memoryLimitBytes',
    });
  }
}

function checkFlops(graph: InferredGraph, limit: number): void {
  const flops = graphFlops(graph);
  if (flops > limit) {
    throw workLimit({ what: 'model', needed: flops, unit: 'FLOPs', limit, option: 'maxFlops', flag: '--max-flops', fix: 'use a smaller input or batch' });
  }
}
