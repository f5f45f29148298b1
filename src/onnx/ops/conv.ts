/**
 * ConvTranspose and Conv nodes: ONNX attributes go through the ONNX convention (src/shape/conventions/onnx.ts) to a
 * canonical LayerSpec once; shape inference plans it, execution hands it to the engine.
 */
import { convTranspose, conv } from '../../engine/index.ts';
import { type BoundLayer, bindLayer } from '../../engine/ops/bound-layer.ts';
import type { PreparedWeights } from '../../engine/prepared-weights.ts';
import { fromOnnx, type OnnxAttributes } from '../../shape/conventions/onnx.ts';
import type { Activation } from '../../engine/ops/activation.ts';
import type { LayerOptions, LayerSpec } from '../../shape/params.ts';
import { sameShape } from '../../tensor/tensor.ts';
import { type Plan, planLayer } from '../../shape/plan.ts';
import { TconvError } from '../../shape/errors.ts';
import { invalidModel } from '../errors.ts';
import type { OnnxNode } from '../model.ts';
import type { OnnxTensor } from '../tensor-proto.ts';
import { DataType } from '../schema.ts';
import type { OpDefinition, RunContext, RunOptions, Shape } from './types.ts';
import { asFloat32, floatTensor, required } from './util.ts';

const NEEDS = 'X and W (and optionally B)';

/** The node as a canonical layer spec for the given input and weight shapes. */
export function nodeLayerSpec(node: OnnxNode, inputShape: Shape, weightShape: Shape, hasBias: boolean): LayerSpec {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of node.attributes) attributes[name] = value;
  try {
    const spec = fromOnnx({ op: node.opType as 'ConvTranspose' | 'Conv', attributes: attributes as OnnxAttributes, inputShape, weightShape });
    return { ...spec, bias: hasBias };
  } catch (error) {
    // Name the node: in a model the user needs to know which layer is at fault.
    if (error instanceof TconvError) {
      throw new TconvError({ code: error.code, parameter: `${node.name}.${error.parameter}`, value: error.value, rule: error.rule, hint: error.hint });
    }
    throw error;
  }
}

/** Plans a ConvTranspose/Conv node (checks every rule before anything is allocated). */
export function planNode(node: OnnxNode, inputShape: Shape, weightShape: Shape, biasShape: Shape | undefined): Plan {
  const spec = nodeLayerSpec(node, inputShape, weightShape, biasShape !== undefined);
  const plan = planLayer(spec);
  if (biasShape !== undefined && (biasShape.length !== 1 || biasShape[0] !== plan.outChannels)) {
    throw invalidModel(`${node.name}.B`, [...biasShape], `must be [${plan.outChannels}], one bias per output channel`);
  }
  return plan;
}

function layerOptions(spec: LayerSpec): LayerOptions {
  const { kernel, stride, padding, outputPadding, dilation, groups, pads } = spec;
  return { kernel, stride, padding, outputPadding, dilation, groups, pads };
}

type EngineOptions = LayerOptions & { readonly backend: RunOptions['backend']; readonly threads: RunOptions['threads'] };

/**
 * The engine options of a node for these shapes, remembered per node (nodes are immutable parts of a model): a model
 * run many times resolves each node's ONNX attributes once per shape, not on every call, and recognises the shapes
 * by comparing them (no key is spelled per call).
 */
const resolved = new WeakMap<OnnxNode, Resolved>();

interface Resolved {
  readonly x: Shape;
  readonly w: Shape;
  readonly b: Shape | undefined;
  readonly backend: RunOptions['backend'];
  readonly threads: RunOptions['threads'];
  readonly options: EngineOptions;
  /** Elements of the output (a compiled run hands the engine a buffer of this size). */
  readonly outputLength: number;
}

function resolve(node: OnnxNode, x: Shape, w: Shape, b: Shape | undefined, backend: RunOptions['backend'], threads: RunOptions['threads']): Resolved {
  const known = resolved.get(node);
  if (known && known.backend === backend && known.threads === threads && sameShape(known.x, x) && sameShape(known.w, w)
    && (b === undefined ? known.b === undefined : known.b !== undefined && sameShape(known.b, b))) {
    return known;
  }
  const spec = nodeLayerSpec(node, x, w, b !== undefined);
  const outputLength = planNode(node, x, w, b).outputShape.reduce((n, d) => n * d, 1);
  const entry = { x: [...x], w: [...w], b: b && [...b], backend, threads, options: { ...layerOptions(spec), backend, threads }, outputLength };
  resolved.set(node, entry);
  return entry;
}

/** The options of one engine call with an output buffer and an activation, written out (no spread per call). */
function callOptions(o: EngineOptions, out: Float32Array | undefined, activation: Activation | undefined) {
  return {
    kernel: o.kernel, stride: o.stride, padding: o.padding, outputPadding: o.outputPadding, dilation: o.dilation, groups: o.groups,
    pads: o.pads, backend: o.backend, threads: o.threads, out, activation,
  };
}

/**
 * A compiled run's layer call, bound once per node (engine/ops/bound-layer.ts) and kept while the node is called with
 * the same input shape, prepared weights, bias value, activation, backend and threads: a repeated call then skips the
 * attribute resolution and the engine's per-call planning lookups and checks (the same plan, backend call and bits).
 */
interface Bound {
  readonly x: Shape;
  readonly weights: PreparedWeights;
  readonly bias: OnnxTensor | undefined;
  readonly activation: Activation | undefined;
  readonly backend: RunOptions['backend'];
  readonly threads: RunOptions['threads'];
  readonly layer: BoundLayer;
}

const bound = new WeakMap<OnnxNode, Bound>();

function boundLayer(kind: 'convTranspose' | 'conv', ctx: RunContext, x: OnnxTensor, w: OnnxTensor, weights: PreparedWeights, b: OnnxTensor | undefined): BoundLayer {
  const { node, activation } = ctx;
  const { backend, threads } = ctx.options;
  const known = bound.get(node);
  if (known && known.weights === weights && known.bias === b && known.activation === activation && known.backend === backend
    && known.threads === threads && sameShape(known.x, x.shape)) {
    return known.layer;
  }
  const { options } = resolve(node, x.shape, w.shape, b?.shape, backend, threads);
  const layer = bindLayer(kind, x.shape, weights, b === undefined ? null : { shape: b.shape, data: asFloat32(b) }, activation ? { ...options, activation } : options);
  bound.set(node, { x: [...x.shape], weights, bias: b, activation, backend, threads, layer });
  return layer;
}

function op(kind: 'convTranspose' | 'conv'): OpDefinition {
  return {
    infer: (ctx) => {
      const x = required(ctx.node, ctx.shapes, 0, NEEDS);
      const w = required(ctx.node, ctx.shapes, 1, NEEDS);
      return [{ shape: planNode(ctx.node, x, w, ctx.shapes[2]).outputShape, dataType: DataType.FLOAT }];
    },
    run: (ctx) => {
      const x = required(ctx.node, ctx.inputs, 0, NEEDS);
      const w = required(ctx.node, ctx.inputs, 1, NEEDS);
      const b = ctx.inputs[2];
      const prepared = ctx.options.preparedWeights?.get(ctx.node.inputs[1]!);
      if (prepared && ctx.floatBuffer) {
        // A session's compiled run: the call bound once.
        const layer = boundLayer(kind, ctx, x, w, prepared, b);
        const out = ctx.floatBuffer(layer.outputLength, []);
        const { residual } = ctx;
        if (residual && layer.takesResidual && sameShape(residual.shape, layer.plan.outputShape)) {
          layer.run(asFloat32(x), out, residual);
          residual.taken = true;
        } else {
          layer.run(asFloat32(x), out);
        }
        return [floatTensor(layer.plan.outputShape, out)];
      }
      const { options, outputLength } = resolve(ctx.node, x.shape, w.shape, b?.shape, ctx.options.backend, ctx.options.threads);
      const run = kind === 'convTranspose' ? convTranspose : conv;
      // In a compiled run the output goes into a recycled buffer (never one of this node's inputs: the engine reads
      // them while it writes) and a fused Relu/LeakyRelu is applied by the engine as it stores.
      const out = ctx.floatBuffer?.(outputLength, []);
      const y = run(
        { shape: x.shape, data: asFloat32(x) },
        prepared ?? { shape: w.shape, data: asFloat32(w) },
        b === undefined ? null : { shape: b.shape, data: asFloat32(b) },
        out || ctx.activation ? callOptions(options, out, ctx.activation) : options,
      );
      return [floatTensor(y.shape, y.data)];
    },
  };
}

export const ConvTranspose = op('convTranspose');
export const Conv = op('conv');
