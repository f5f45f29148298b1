/** What every ONNX operator implementation provides: shape inference (at load time) and execution. */
import type { BackendChoice, Residual } from '../../engine/backend.ts';
import type { Activation } from '../../engine/ops/activation.ts';
import type { PreparedWeights } from '../../engine/prepared-weights.ts';
import type { OnnxNode } from '../model.ts';
import type { OnnxTensor } from '../tensor-proto.ts';

export type Shape = readonly number[];

export interface InferContext {
  readonly node: OnnxNode;
  readonly opset: number;
  /** Shape of each input; undefined for an omitted optional input (empty name). */
  readonly shapes: readonly (Shape | undefined)[];
  /** Element type (ONNX DataType) of each input; undefined for an omitted optional input. */
  readonly types: readonly (number | undefined)[];
  /** Value of input i when it is known when planning (an initializer, a folded value, or a graph input's value given to the run). */
  constant(i: number): OnnxTensor | undefined;
}

export interface RunOptions {
  readonly backend?: BackendChoice;
  readonly threads?: number;
  /** Weights packed once for repeated runs (a model session), by the name of the value they hold. */
  readonly preparedWeights?: ReadonlyMap<string, PreparedWeights>;
}

export interface RunContext {
  readonly node: OnnxNode;
  readonly opset: number;
  readonly inputs: readonly (OnnxTensor | undefined)[];
  readonly options: RunOptions;
  /**
   * A float32 buffer of `length` elements for the op's result, of which the op writes every element: the buffer of
   * one of the `reusable` inputs when it dies at this node and nothing else holds it (so the op must read each
   * element before it writes that element), else one recycled from the run's freed intermediates, else a new one.
   * Absent outside a compiled run: ops then allocate (see floatOutput in util.ts).
   */
  readonly floatBuffer?: (length: number, reusable: readonly number[]) => Float32Array;
  /**
   * Set by a fused step on a Conv or ConvTranspose node only (src/onnx/fusions.ts): the activation of the node after
   * it, which the engine applies after the bias in the same call. No other op receives it.
   */
  readonly activation?: Activation;
  /**
   * Set by a residual step on a Conv or ConvTranspose node only (src/onnx/fusions.ts): the residual Add after it, which
   * a bound layer whose backend takes it adds in the same call; the op sets `taken` when it did.
   */
  readonly residual?: ResidualAdd;
}

/** A residual for the layer's call (engine Residual) with the shape it must have; `taken`: the output holds the sum. */
export interface ResidualAdd extends Residual {
  readonly shape: Shape;
  taken: boolean;
}

export interface OpDefinition {
  /** Output shapes (and element types) from input shapes. */
  infer(ctx: InferContext): readonly { shape: Shape; dataType: number }[];
  run(ctx: RunContext): readonly OnnxTensor[];
  /** Output values computable at load time from constant inputs (Constant, shape arithmetic); optional. */
  readonly foldable?: boolean;
  /** Output values computable at load time from input shapes alone (Shape); optional. */
  evaluate?(ctx: InferContext): readonly OnnxTensor[];
}
