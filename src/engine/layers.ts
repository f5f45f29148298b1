/**
 * Layer objects mirroring torch.nn.ConvTranspose1d/2d/3d and torch.nn.Conv1d/2d/3d, so PyTorch snippets translate
 * line for line:
 *   nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)  →  new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 })
 *   layer(x, output_size=[64, 64])                      →  layer.forward(x, [64, 64])
 * Weights start from PyTorch's default init (same distribution, seeded; see src/tensor/init.ts).
 */
import { TconvError } from '../shape/errors.ts';
import { type PerAxis, type Rank, checkInteger, perAxis } from '../shape/params.ts';
import { type Plan, planLayer } from '../shape/plan.ts';
import { pytorchOutputPadding } from '../shape/conventions/pytorch.ts';
import { effectiveKernel } from '../shape/formulas.ts';
import { pytorchDefaultInit } from '../tensor/init.ts';
import { createRng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BackendChoice } from './backend.ts';
import { convTranspose } from './ops/conv-transpose.ts';
import { conv } from './ops/conv.ts';
import { checkThreads, planFromTensors } from './ops/plan-from-tensors.ts';
import { fastSameBits } from './registry.ts';
import { type PreparedWeights, prepareWeights, preparedMatches } from './prepared-weights.ts';

export interface ConvLayerOptions {
  readonly stride?: PerAxis;
  readonly padding?: PerAxis;
  readonly dilation?: PerAxis;
  readonly groups?: number;
  /** Learnable bias (default true, as in PyTorch). */
  readonly bias?: boolean;
  /** Seed of the initial weights; without one, seeds come from a global sequence (see manualSeed). */
  readonly seed?: number;
  readonly backend?: BackendChoice;
  readonly threads?: number;
}

export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  readonly outputPadding?: PerAxis;
}

// Layers built without a seed draw one from here, like torch's global generator: reproducible per process.
let seedSource = createRng(0);

/** Restarts the seeds of layers built without one (torch.manual_seed). */
export function manualSeed(seed: number): void {
  seedSource = createRng(seed);
}

abstract class ConvLayerBase {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly backend: BackendChoice;
  readonly threads: number | undefined;
  /**
   * Replace freely (e.g. with trained weights) or edit `weight.data` in place; forward checks the shape and always
   * uses the weights as they are then: it compares them bit for bit with the copy it packed from (a read of the
   * weights, cheaper than packing them again) and repacks only when they differ. See docs/weights.md.
   */
  weight: Tensor;
  bias: Tensor | null;
  /** The packed copy of `weight` the last forward used (released by dispose()). */
  private prepared: PreparedWeights | null = null;

  protected constructor(
    protected readonly rank: Rank,
    transposed: boolean,
    inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvTransposeLayerOptions,
  ) {
    const hint = `see torch.nn.${this.torchName()}`;
    const perAxisOptions = { kernelSize, stride: options.stride, padding: options.padding, dilation: options.dilation, outputPadding: options.outputPadding };
    for (const [name, value] of Object.entries(perAxisOptions)) {
      if (Array.isArray(value) && value.length !== rank) {
        throw new TconvError({
          code: 'invalid-rank', parameter: name, value,
          rule: `has ${value.length} values, but ${this.torchName()} has ${rank} spatial ${rank === 1 ? 'axis' : 'axes'}`,
          hint: rank === 1 ? 'give one number' : `give one number or ${rank} values`,
        });
      }
    }
    this.inChannels = checkInteger('inChannels', inChannels, 'positive', hint);
    this.outChannels = checkInteger('outChannels', outChannels, 'positive', hint);
    this.kernelSize = perAxis('kernelSize', kernelSize, rank, 1, 'positive', hint);
    this.stride = perAxis('stride', options.stride, rank, 1, 'positive', hint);
    this.padding = perAxis('padding', options.padding, rank, 0, 'nonNegative', hint);
    this.dilation = perAxis('dilation', options.dilation, rank, 1, 'positive', hint);
    this.groups = checkInteger('groups', options.groups ?? 1, 'positive', hint);
    this.backend = options.backend ?? 'auto';
    checkThreads(options.threads); // refused when built, as torch refuses bad arguments, not at the first forward
    this.threads = options.threads;
    // Probe the remaining rules (groups vs channels, output_padding) on an input large enough for any padding,
    // so the constructor fails like torch's does, with plan.ts's errors.
    const probe = this.kernelSize.map((k, a) => effectiveKernel(k, this.dilation[a]!) + 2 * this.padding[a]!);
    const plan = planLayer({
      kind: transposed ? 'convTranspose' : 'conv', input: probe, inChannels: this.inChannels, outChannels: this.outChannels,
      kernel: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding], dilation: [...this.dilation],
      outputPadding: transposed ? options.outputPadding : undefined, groups: this.groups, rank,
    });
    const seed = options.seed ?? seedSource.int(0, 2 ** 32 - 1);
    const init = pytorchDefaultInit({ weightShape: plan.weightShape, outChannels: this.outChannels, bias: options.bias ?? true, seed });
    this.weight = init.weight;
    this.bias = init.bias;
  }

  protected abstract torchName(): string;

  /** Accepts (N, C, spatial…) or, as torch does, unbatched (C, spatial…). */
  protected batched(x: Tensor): { input: Tensor; unbatch: (y: Tensor) => Tensor } {
    if (x.shape.length === this.rank + 2) return { input: x, unbatch: (y) => y };
    if (x.shape.length === this.rank + 1) {
      return { input: { shape: [1, ...x.shape], data: x.data }, unbatch: (y) => ({ shape: y.shape.slice(1), data: y.data }) };
    }
    throw new TconvError({
      code: 'invalid-rank', parameter: 'input.shape', value: [...x.shape],
      rule: `has ${x.shape.length} dimensions, but ${this.torchName()} takes ${this.rank + 2} (N, C, ${this.rank} spatial) or ${this.rank + 1} (unbatched)`,
      hint: `give an input of shape [N, C, ${['W', 'H, W', 'D, H, W'][this.rank - 1]}], or use the layer class of the input's rank`,
    });
  }

  /** The prepared copy of the current weights: kept while they are bit for bit what it was made from. */
  protected preparedWeight(): PreparedWeights {
    const current = this.prepared;
    if (current && !current.disposed && preparedMatches(current, this.weight.data, fastSameBits())) return current;
    current?.dispose();
    this.prepared = prepareWeights(this.weight);
    return this.prepared;
  }

  /**
   * Frees the layer's packed weights now (native and wasm memory) instead of when the layer is garbage-collected.
   * The layer stays usable: the next forward packs again.
   * @example
   * const up = new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 }); up.forward(x); up.dispose();
   */
  dispose(): void {
    this.prepared?.dispose();
    this.prepared = null;
  }

  protected engineOptions() {
    return {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
      backend: this.backend, threads: this.threads,
    };
  }
}

/** torch.nn.ConvTransposeNd. */
abstract class ConvTransposeNd extends ConvLayerBase {
  readonly outputPadding: readonly number[];

  protected constructor(rank: Rank, inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvTransposeLayerOptions = {}) {
    super(rank, true, inChannels, outChannels, kernelSize, options);
    this.outputPadding = perAxis('outputPadding', options.outputPadding, rank, 0, 'nonNegative', `see torch.nn.${this.torchName()}`);
  }

  /**
   * y = layer(x) or layer(x, output_size): an outputSize (spatial, or with N and C) picks outputPadding as torch does.
   * @example
   * const up = new ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, seed: 1 });
   * up.forward(randomTensor([1, 16, 32, 32], 2), [64, 64]).shape // → [1, 8, 64, 64]
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const { input, unbatch } = this.batched(x);
    const outputPadding = outputSize === undefined ? this.outputPadding : pytorchOutputPadding({
      input: input.shape.slice(2), kernel: this.kernelSize, stride: this.stride, padding: this.padding,
      dilation: this.dilation, outputSize,
    });
    const options = { ...this.engineOptions(), outputPadding };
    return unbatch(convTranspose(input, this.preparedWeight(), this.bias, options));
  }

  /** The plan this layer runs for an input shape (N, C, spatial…). */
  plan(inputShape: readonly number[]): Plan {
    return planFromTensors('convTranspose', inputShape, this.weight.shape, { ...this.engineOptions(), outputPadding: this.outputPadding, bias: this.bias !== null });
  }
}

/** torch.nn.ConvNd (padding_mode 'zeros'). */
abstract class ConvNd extends ConvLayerBase {
  protected constructor(rank: Rank, inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvLayerOptions = {}) {
    super(rank, false, inChannels, outChannels, kernelSize, options);
  }

  /**
   * @example
   * new Conv2d(3, 8, 3, { padding: 1, seed: 1 }).forward(randomTensor([2, 3, 9, 9], 2)).shape // → [2, 8, 9, 9]
   */
  forward(x: Tensor): Tensor {
    const { input, unbatch } = this.batched(x);
    return unbatch(conv(input, this.preparedWeight(), this.bias, this.engineOptions()));
  }

  plan(inputShape: readonly number[]): Plan {
    return planFromTensors('conv', inputShape, this.weight.shape, { ...this.engineOptions(), bias: this.bias !== null });
  }
}

export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvTransposeLayerOptions) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'ConvTranspose1d'; }
}

export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvTransposeLayerOptions) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'ConvTranspose2d'; }
}

export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvTransposeLayerOptions) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'ConvTranspose3d'; }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvLayerOptions) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'Conv1d'; }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvLayerOptions) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'Conv2d'; }
}

export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options?: ConvLayerOptions) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
  protected torchName(): string { return 'Conv3d'; }
}
