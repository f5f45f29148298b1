/**
 * Per-layer backward: each module's forward keeps what its backward needs, and backward(∂L/∂Y) adds the parameter
 * gradients into its Parameters and returns ∂L/∂X. A decoder is a chain, so a Sequential of modules is the whole
 * graph — no tape, no graph tracing (add and concat have functional backwards in ops-backward.ts for skip
 * connections written by hand). docs/training.md says why.
 *
 * Every module owns its forward output, its ∂X and its scratch: made at the first step, reused while the input shape
 * stays, replaced when it changes. So a step after the first allocates no tensors, and a returned output or ∂X is
 * the module's buffer, overwritten by its next forward or backward (copy it to keep it).
 */
import type { EngineLayerOptions } from '../engine/ops/plan-from-tensors.ts';
import { conv } from '../engine/ops/conv.ts';
import { convTranspose } from '../engine/ops/conv-transpose.ts';
import type { ResizeOptions } from '../engine/ops/resize.ts';
import { TconvError } from '../shape/errors.ts';
import { type Tensor, sameShape } from '../tensor/tensor.ts';
import { ConvBackward } from './conv-backward-layer.ts';
import { type ActivationName, activation, activationBackward } from './ops-backward.ts';
import { type Parameter, parameter } from './optimizers.ts';
import { ResizeLayer } from './resize-layer.ts';
import { ShuffleLayer } from './shuffle-layer.ts';
import { TensorSlot } from './tensor-slot.ts';

export interface Module {
  readonly name: string;
  forward(x: Tensor): Tensor;
  /** ∂L/∂X of the last forward; adds into the parameters' grad. */
  backward(gradOutput: Tensor): Tensor;
  parameters(): readonly Parameter[];
}

/** The last forward's input, or a named error when backward comes first. */
function saved<T>(value: T | null, module: string): T {
  if (value === null) {
    throw new TconvError({ code: 'usage', parameter: `${module}.backward`, value: 'no forward', rule: 'was called before forward', hint: 'call forward(x) first' });
  }
  return value;
}

function accumulate(p: Parameter, g: Tensor | null): void {
  if (!g) return;
  for (let i = 0; i < g.data.length; i++) p.grad[i] = p.grad[i]! + g.data[i]!;
}

/** Options of a (transposed) convolution module: the layer's options without kernel, plus the engine backend. */
export type ConvModuleOptions = Omit<EngineLayerOptions, 'kernel' | 'bias'>;

/** A transposed or ordinary convolution with trainable weight (PyTorch layout) and optional bias. */
export class ConvModule implements Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private input: Tensor | null = null;
  private back: ConvBackward | null = null;
  /** The output of the last forward, the input shape it was for and the engine options that write into it. */
  private output: { readonly inputShape: readonly number[]; readonly options: EngineLayerOptions } | null = null;

  /**
   * @example
   * const up = new ConvModule('up', 'convTranspose', randomTensor([8, 4, 4, 4], 1), tensor([4]), { stride: 2, padding: 1 });
   * up.forward(randomTensor([2, 8, 5, 5], 2)).shape // → [2, 4, 10, 10]
   */
  constructor(readonly name: string, readonly kind: 'convTranspose' | 'conv', weight: Tensor, bias: Tensor | null, readonly options: ConvModuleOptions = {}) {
    this.weight = parameter(`${name}.weight`, weight);
    this.bias = bias ? parameter(`${name}.bias`, bias) : null;
  }

  /** The returned output is this module's buffer, overwritten by the next forward. */
  forward(x: Tensor): Tensor {
    this.input = x;
    const run = this.kind === 'convTranspose' ? convTranspose : conv;
    const held = this.output;
    if (held && sameShape(held.inputShape, x.shape)) return run(x, this.weight.value, this.bias?.value ?? null, held.options);
    // The first forward of a shape lets the engine allocate the output (it knows the size), then keeps it.
    const y = run(x, this.weight.value, this.bias?.value ?? null, { ...this.options, out: undefined });
    this.output = { inputShape: [...x.shape], options: { ...this.options, out: y.data } };
    return y;
  }

  /**
   * The returned ∂L/∂X is this module's buffer, overwritten by the next backward: the layer before consumes it first.
   */
  backward(gradOutput: Tensor): Tensor {
    const input = saved(this.input, this.name);
    const g = this.backwardFor(input).run(input.data, this.weight.value.data, gradOutput.data);
    accumulate(this.weight, g.weight);
    if (this.bias) accumulate(this.bias, g.bias);
    return g.input;
  }

  /** The backward object the last backward used (null before the first): its buffers and their bytes. */
  get layerBackward(): ConvBackward | null {
    return this.back;
  }

  /**
   * The layer's backward with its buffers, made at the first backward and kept while the input shape stays (a new
   * shape, such as a smaller last batch, makes a new one).
   */
  backwardFor(input: Tensor): ConvBackward {
    if (this.back && sameShape(this.back.plan.inputShape, input.shape)) return this.back;
    this.back = new ConvBackward(this.kind, input.shape, this.weight.value.shape, { ...this.options, bias: this.bias !== null });
    return this.back;
  }

  parameters(): readonly Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

export class ActivationModule implements Module {
  private last: { input: Tensor; output: Tensor } | null = null;
  private readonly output = new TensorSlot();
  private readonly gradInput = new TensorSlot();
  constructor(readonly name: string, readonly activation: ActivationName, readonly slope?: number) {}
  forward(x: Tensor): Tensor {
    const output = activation(x, this.activation, this.slope, this.output.fit(x.shape));
    this.last = { input: x, output };
    return output;
  }
  backward(gradOutput: Tensor): Tensor {
    return activationBackward(gradOutput, saved(this.last, this.name), this.activation, this.slope, this.gradInput.fit(gradOutput.shape));
  }
  parameters(): readonly Parameter[] { return []; }
}

export class ResizeModule implements Module {
  /** The resize of the last input shape, with its tables and buffers. */
  private layer: ResizeLayer | null = null;
  constructor(readonly name: string, readonly options: ResizeOptions) {}
  forward(x: Tensor): Tensor {
    if (!this.layer || !sameShape(this.layer.inputShape, x.shape)) this.layer = new ResizeLayer(x.shape, this.options);
    return this.layer.forward(x);
  }
  backward(gradOutput: Tensor): Tensor {
    return saved(this.layer, this.name).backward(gradOutput);
  }
  parameters(): readonly Parameter[] { return []; }
}

/** Pixel shuffle ×factor (channels to space), or with direction 'unshuffle' its inverse (space to channels). */
export class PixelShuffleModule implements Module {
  /** The permutation of the last input shape, with its buffers. */
  private layer: ShuffleLayer | null = null;
  constructor(readonly name: string, readonly factor: number, readonly direction: 'shuffle' | 'unshuffle' = 'shuffle') {}
  forward(x: Tensor): Tensor {
    if (!this.layer || !sameShape(this.layer.inputShape, x.shape)) this.layer = new ShuffleLayer(x.shape, this.factor, this.direction);
    return this.layer.forward(x);
  }
  backward(gradOutput: Tensor): Tensor {
    return saved(this.layer, this.name).backward(gradOutput);
  }
  parameters(): readonly Parameter[] { return []; }
}

/**
 * Modules in a chain: forward in order, backward in reverse.
 * @example
 * const net = new Sequential('net', [up, new ActivationModule('act', 'relu')]);
 * const y = net.forward(x); net.backward(mseLoss(y, target).gradient);
 */
export class Sequential implements Module {
  constructor(readonly name: string, readonly modules: readonly Module[]) {}
  forward(x: Tensor): Tensor {
    let current = x;
    for (const m of this.modules) current = m.forward(current);
    return current;
  }
  backward(gradOutput: Tensor): Tensor {
    let current = gradOutput;
    for (let i = this.modules.length - 1; i >= 0; i--) current = this.modules[i]!.backward(current);
    return current;
  }
  parameters(): readonly Parameter[] {
    return this.modules.flatMap((m) => m.parameters());
  }
}
