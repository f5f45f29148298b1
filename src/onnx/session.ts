/**
 * A model session: what runModel does, for a model run many times (as onnxruntime's InferenceSession is). The
 * convolution weights of the model's initializers are packed once (the engine's prepareWeights: copied, so nothing
 * can make them stale), and the plan of each input shape — shapes, rules, budgets — is made once and reused, when it
 * does not depend on the input values (a Reshape's shape fed as an input does: such models are planned every run,
 * as runModel plans them). The model is rewritten once (BatchNormalization and Muls by a scalar folded into convolutions: rewrite.ts),
 * each plan compiled once into a step list with its activations, SiLUs and group norms fused (compiled.ts,
 * fusions.ts), and the runs recycle the buffers of freed intermediates (buffer-arena.ts).
 */
import { type PreparedWeights, prepareWeights } from '../engine/index.ts';
import { TconvError } from '../shape/errors.ts';
import { BufferArena } from './buffer-arena.ts';
import { type CompiledGraph, compileGraph, runCompiled } from './compiled.ts';
import { type ExecuteOptions, type InputValue, checkRunBudgets, collectInputs } from './execute.ts';
import { inferShapes } from './graph.ts';
import { foldIntoConvolutions } from './rewrite.ts';
import type { OnnxModel } from './model.ts';
import type { OnnxTensor } from './tensor-proto.ts';

export interface ModelSession {
  /** Runs the model on these inputs (the same checks and results as runModel). */
  run(inputs: Readonly<Record<string, InputValue>>, options?: Pick<ExecuteOptions, 'onNodeRun'>): Map<string, OnnxTensor>;
  /** Frees the packed weights; the session cannot run afterwards. */
  dispose(): void;
}

export interface SessionOptions extends ExecuteOptions {
  /**
   * Rewrite the graph for speed when the session is made (default true): BatchNormalization and Muls by a constant
   * scalar folded into the convolution before them, activations, SiLU and GroupNorm fused (src/onnx/rewrite.ts, fusions.ts). The results equal the
   * unrewritten graph's up to float32 rounding; false runs each node as runModel does, bit for bit.
   */
  readonly fuse?: boolean;
}

/** Plans kept per session (one per distinct set of input shapes; the oldest is dropped first). */
const MAX_PLANS = 8;

/**
 * @example
 * const session = createSession(model, { backend: 'native', threads: 2 });
 * for (const frame of frames) session.run({ z: frame });
 * session.dispose();
 */
export function createSession(original: OnnxModel, options: SessionOptions = {}): ModelSession {
  const fuse = options.fuse ?? true;
  const model = fuse ? foldIntoConvolutions(original) : original;
  const preparedWeights = new Map<string, PreparedWeights>();
  for (const node of model.nodes) {
    if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') continue;
    const name = node.inputs[1] ?? '';
    const w = model.initializers.get(name);
    if (!w || preparedWeights.has(name) || w.shape.length < 3) continue;
    preparedWeights.set(name, prepareWeights({ shape: w.shape, data: w.data instanceof Float32Array ? w.data : Float32Array.from(w.data) }));
  }
  // The options of a run without a listener, made once (a run with onNodeRun adds it to a copy).
  const runOptionsOf = { ...options, preparedWeights };
  const plans = new Map<string, CompiledGraph | null>();
  const arena = new BufferArena();
  let disposed = false;

  /** The plan for these input shapes, or null when it depends on the input values (then planned per run). */
  const planFor = (values: ReadonlyMap<string, OnnxTensor>): CompiledGraph | null => {
    // The inputs come in the model's order, so their shapes alone name the plan.
    let key = '';
    for (const value of values.values()) key += `${value.shape.join(',')};`;
    if (plans.has(key)) return plans.get(key)!;
    const inputShapes = Object.fromEntries([...values].map(([k, v]) => [k, v.shape]));
    let plan: CompiledGraph | null = null;
    try {
      const graph = inferShapes(model, { inputShapes });
      checkRunBudgets(graph, options);
      plan = compileGraph(graph, { fuse });
    } catch {
      plan = null; // needs the input values (or is refused: the planning with them in run() says why)
    }
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
    return plan;
  };

  return {
    run(inputs, runOptions = {}) {
      if (disposed) throw new TconvError({ code: 'usage', parameter: 'session', value: 'disposed', rule: 'cannot run after dispose()', hint: 'create a new session' });
      const values = collectInputs(model, inputs);
      let plan = planFor(values);
      if (!plan) {
        const graph = inferShapes(model, { inputShapes: Object.fromEntries([...values].map(([k, v]) => [k, v.shape])), inputValues: values });
        checkRunBudgets(graph, options);
        plan = compileGraph(graph, { fuse });
      }
      const listener = runOptions.onNodeRun ?? options.onNodeRun;
      return runCompiled(plan, values, listener ? { ...runOptionsOf, onStep: listener } : runOptionsOf, arena);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const w of preparedWeights.values()) w.dispose();
      preparedWeights.clear();
      plans.clear();
      arena.clear();
    },
  };
}
