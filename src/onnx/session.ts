/**
 * A model session: what runModel does, for a model run many times (as onnxruntime's InferenceSession is). The
 * convolution weights of the model's initializers are packed once (the engine's prepareWeights: copied, so nothing
 * can make them stale), and the plan of each input shape — shapes, rules, budgets — is made once and reused, when it
 * does not depend on the input values (a Reshape's shape fed as an input does: such models are planned every run,
 * as runModel plans them).
 */
import { type PreparedWeights, prepareWeights } from '../engine/index.ts';
import { TconvError } from '../shape/errors.ts';
import { type ExecuteOptions, type InputValue, checkRunBudgets, collectInputs, executeGraph } from './execute.ts';
import { type InferredGraph, inferShapes } from './graph.ts';
import type { OnnxModel } from './model.ts';
import type { OnnxTensor } from './tensor-proto.ts';

export interface ModelSession {
  /** Runs the model on these inputs (the same checks and results as runModel). */
  run(inputs: Readonly<Record<string, InputValue>>, options?: Pick<ExecuteOptions, 'onNodeRun'>): Map<string, OnnxTensor>;
  /** Frees the packed weights; the session cannot run afterwards. */
  dispose(): void;
}

/** Plans kept per session (one per distinct set of input shapes; the oldest is dropped first). */
const MAX_PLANS = 8;

/**
 * @example
 * const session = createSession(model, { backend: 'native', threads: 2 });
 * for (const frame of frames) session.run({ z: frame });
 * session.dispose();
 */
export function createSession(model: OnnxModel, options: ExecuteOptions = {}): ModelSession {
  const preparedWeights = new Map<string, PreparedWeights>();
  for (const node of model.nodes) {
    if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') continue;
    const name = node.inputs[1] ?? '';
    const w = model.initializers.get(name);
    if (!w || preparedWeights.has(name) || w.shape.length < 3) continue;
    preparedWeights.set(name, prepareWeights({ shape: w.shape, data: w.data instanceof Float32Array ? w.data : Float32Array.from(w.data) }));
  }
  const plans = new Map<string, InferredGraph | null>();
  let disposed = false;

  /** The plan for these input shapes, or null when it depends on the input values (then planned per run). */
  const planFor = (values: ReadonlyMap<string, OnnxTensor>): InferredGraph | null => {
    const inputShapes = Object.fromEntries([...values].map(([k, v]) => [k, v.shape]));
    const key = JSON.stringify(inputShapes);
    if (plans.has(key)) return plans.get(key)!;
    let plan: InferredGraph | null = null;
    try {
      plan = inferShapes(model, { inputShapes });
    } catch {
      plan = null; // needs the input values (or is refused: runModel's planning below says why)
    }
    if (plan) checkRunBudgets(plan, options);
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
    return plan;
  };

  return {
    run(inputs, runOptions = {}) {
      if (disposed) throw new TconvError({ code: 'usage', parameter: 'session', value: 'disposed', rule: 'cannot run after dispose()', hint: 'create a new session' });
      const values = collectInputs(model, inputs);
      let graph = planFor(values);
      if (!graph) {
        graph = inferShapes(model, { inputShapes: Object.fromEntries([...values].map(([k, v]) => [k, v.shape])), inputValues: values });
        checkRunBudgets(graph, options);
      }
      return executeGraph(graph, values, { ...options, ...runOptions, preparedWeights });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const w of preparedWeights.values()) w.dispose();
      preparedWeights.clear();
      plans.clear();
    },
  };
}
