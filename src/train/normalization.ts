/**
 * Normalisation layers with trainable scale γ and shift β, forward and backward, as PyTorch defines them:
 *   batch     BatchNorm: per channel over (N, spatial); training mode uses the batch's statistics (biased variance)
 *             and updates the running ones (momentum, unbiased variance); eval mode uses the running statistics
 *   group     GroupNorm(G): per sample and group of C/G channels; γ, β per channel
 *   instance  InstanceNorm (affine): GroupNorm with one channel per group
 *   layer     LayerNorm over the trailing axes `normalizedShape`; γ, β per element of that shape
 * All four are one computation: x is cut into blocks that share a mean μ and rstd r = 1/√(var + ε), and
 * y = γ_p · x̂ + β_p with x̂ = (x − μ)·r and p the element's parameter index. With g = γ_p·∂Y, the backward of a block
 * whose statistics came from it is ∂X = r·(g − mean(g) − x̂·mean(g·x̂)); with fixed statistics (BatchNorm eval)
 * ∂X = r·g. ∂γ_p = Σ ∂Y·x̂ and ∂β_p = Σ ∂Y over the elements with index p. Statistics and sums in float64.
 */
import { TconvError } from '../shape/errors.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import type { Module } from './modules.ts';
import { type Parameter, parameter } from './optimizers.ts';

export type NormKind = 'batch' | 'group' | 'instance' | 'layer';

export interface NormOptions {
  /** Channels (batch, group, instance) — the length of γ and β. */
  readonly channels?: number;
  /** group: the number of groups G (channels divisible by G). */
  readonly groups?: number;
  /** layer: the trailing axes normalised together (PyTorch's normalized_shape); γ and β have this shape. */
  readonly normalizedShape?: readonly number[];
  /** Added to the variance (default 1e-5, PyTorch's). */
  readonly eps?: number;
  /** batch: running = (1 − momentum)·running + momentum·batch statistic (default 0.1, PyTorch's). */
  readonly momentum?: number;
}

interface NormBuffers {
  readonly shape: readonly number[];
  readonly blocks: Segment[][];
  readonly normalized: Float64Array;
  readonly rstd: Float64Array;
  readonly output: Tensor;
  readonly gradInput: Tensor;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array;
}

/** A run of elements of one block: `length` values from `start`, parameter index param + i·paramStep. */
interface Segment {
  readonly start: number;
  readonly length: number;
  readonly param: number;
  readonly paramStep: number;
}

export class NormModule implements Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  /** batch: the running statistics (start 0 and 1). */
  readonly runningMean: Float32Array | null;
  readonly runningVar: Float32Array | null;
  /** batch: training mode (batch statistics, running ones updated) or eval (running statistics). */
  training = true;
  private readonly eps: number;
  private readonly momentum: number;
  private readonly groups: number;
  private readonly normalizedShape: readonly number[];
  /** Buffers of the last input shape (block layout, x̂, rstd, Y, ∂X, ∂γ and ∂β sums), reused while the shape stays. */
  private buffers: NormBuffers | null = null;
  private last: { buffers: NormBuffers; fixed: boolean } | null = null;

  /**
   * @example
   * const gn = new NormModule('gn', 'group', { channels: 8, groups: 2 });
   * const y = gn.forward(x); const dx = gn.backward(dy); // gn.weight.grad, gn.bias.grad hold ∂γ, ∂β
   */
  constructor(readonly name: string, readonly kind: NormKind, options: NormOptions) {
    this.eps = checkedNumber(`${name}.eps`, options.eps ?? 1e-5, (v) => v > 0, 'must be above 0');
    this.momentum = checkedNumber(`${name}.momentum`, options.momentum ?? 0.1, (v) => v >= 0 && v <= 1, 'must be from 0 to 1');
    if (kind === 'layer') {
      const shape = options.normalizedShape ?? [];
      if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
        throw new TconvError({ code: 'invalid-value', parameter: `${name}.normalizedShape`, value: [...shape], rule: 'must be one or more whole sizes ≥ 1', hint: 'give the trailing axes to normalise, e.g. [C, H, W]' });
      }
      this.normalizedShape = [...shape];
      this.groups = 1;
    } else {
      const channels = checkedNumber(`${name}.channels`, options.channels ?? 0, (v) => Number.isInteger(v) && v >= 1, 'must be a whole number ≥ 1');
      this.normalizedShape = [channels];
      this.groups = kind === 'group' ? options.groups ?? 1 : kind === 'instance' ? channels : 1;
      if (!Number.isInteger(this.groups) || this.groups < 1 || channels % this.groups !== 0) {
        throw new TconvError({ code: 'invalid-value', parameter: `${name}.groups`, value: this.groups, rule: `must divide the channels (${channels})`, hint: 'use a divisor of the channel count' });
      }
    }
    const size = this.normalizedShape.reduce((a, b) => a * b, 1);
    this.weight = parameter(`${name}.weight`, tensor(this.normalizedShape, new Float32Array(size).fill(1)));
    this.bias = parameter(`${name}.bias`, tensor(this.normalizedShape));
    this.runningMean = kind === 'batch' ? new Float32Array(size) : null;
    this.runningVar = kind === 'batch' ? new Float32Array(size).fill(1) : null;
  }

  /** The returned output is this module's buffer, overwritten by the next forward (as its statistics' buffers are). */
  forward(x: Tensor): Tensor {
    const buffers = this.buffersFor(x.shape);
    const { blocks, normalized, rstd, output: out } = buffers;
    const fixed = this.kind === 'batch' && !this.training;
    const gamma = this.weight.value.data;
    const beta = this.bias.value.data;
    blocks.forEach((segments, b) => {
      let mean: number;
      let variance: number;
      let count = 0;
      if (fixed) {
        mean = this.runningMean![b]!;
        variance = this.runningVar![b]!;
      } else {
        let sum = 0;
        for (const s of segments) for (let i = s.start; i < s.start + s.length; i++) sum += x.data[i]!;
        count = segments.reduce((n, s) => n + s.length, 0);
        mean = sum / count;
        let sq = 0;
        for (const s of segments) for (let i = s.start; i < s.start + s.length; i++) sq += (x.data[i]! - mean) ** 2;
        variance = sq / count;
        if (this.kind === 'batch') {
          // PyTorch's running variance is the unbiased one.
          this.runningMean![b] = (1 - this.momentum) * this.runningMean![b]! + this.momentum * mean;
          this.runningVar![b] = (1 - this.momentum) * this.runningVar![b]! + this.momentum * (count > 1 ? (sq / (count - 1)) : variance);
        }
      }
      const r = 1 / Math.sqrt(variance + this.eps);
      rstd[b] = r;
      for (const s of segments) {
        for (let i = 0; i < s.length; i++) {
          const at = s.start + i;
          const p = s.param + i * s.paramStep;
          const n = (x.data[at]! - mean) * r;
          normalized[at] = n;
          out.data[at] = gamma[p]! * n + beta[p]!;
        }
      }
    });
    this.last = { buffers, fixed };
    return out;
  }

  private buffersFor(shape: readonly number[]): NormBuffers {
    const held = this.buffers;
    if (held && held.shape.length === shape.length && held.shape.every((d, i) => d === shape[i])) return held;
    const blocks = this.blocksOf(shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const params = this.weight.value.data.length;
    this.buffers = {
      shape: [...shape], blocks, normalized: new Float64Array(size), rstd: new Float64Array(blocks.length), output: tensor(shape), gradInput: tensor(shape),
      gradWeight: new Float64Array(params), gradBias: new Float64Array(params),
    };
    return this.buffers;
  }

  /** The returned ∂L/∂X is this module's buffer, overwritten by the next backward (the layer before consumes it first). */
  backward(gradOutput: Tensor): Tensor {
    const last = this.last;
    if (!last) {
      throw new TconvError({ code: 'usage', parameter: `${this.name}.backward`, value: 'no forward', rule: 'was called before forward', hint: 'call forward(x) first' });
    }
    const { shape, blocks, normalized, rstd, gradInput: dx, gradWeight: dGamma, gradBias: dBeta } = last.buffers;
    if (gradOutput.shape.length !== shape.length || !gradOutput.shape.every((d, i) => d === shape[i])) {
      throw new TconvError({
        code: 'invalid-value', parameter: 'gradOutput.shape', value: [...gradOutput.shape],
        rule: `must be the last forward's shape [${shape.join(', ')}]`, hint: 'pass ∂L/∂Y for the forward that was run',
      });
    }
    const gamma = this.weight.value.data;
    dGamma.fill(0);
    dBeta.fill(0);
    const dy = gradOutput.data;
    blocks.forEach((segments, b) => {
      const r = rstd[b]!;
      let meanG = 0;
      let meanGx = 0;
      let count = 0;
      for (const s of segments) {
        for (let i = 0; i < s.length; i++) {
          const at = s.start + i;
          const p = s.param + i * s.paramStep;
          const g = gamma[p]! * dy[at]!;
          meanG += g;
          meanGx += g * normalized[at]!;
          dGamma[p] = dGamma[p]! + dy[at]! * normalized[at]!;
          dBeta[p] = dBeta[p]! + dy[at]!;
        }
        count += s.length;
      }
      meanG /= count;
      meanGx /= count;
      for (const s of segments) {
        for (let i = 0; i < s.length; i++) {
          const at = s.start + i;
          const g = gamma[s.param + i * s.paramStep]! * dy[at]!;
          dx.data[at] = last.fixed ? r * g : r * (g - meanG - normalized[at]! * meanGx);
        }
      }
    });
    for (let p = 0; p < gamma.length; p++) {
      this.weight.grad[p] = this.weight.grad[p]! + dGamma[p]!;
      this.bias.grad[p] = this.bias.grad[p]! + dBeta[p]!;
    }
    return dx;
  }

  parameters(): readonly Parameter[] {
    return [this.weight, this.bias];
  }

  /** The blocks that share statistics, each as its runs of elements, for an input of this shape. */
  private blocksOf(shape: readonly number[]): Segment[][] {
    if (this.kind === 'layer') {
      const block = this.normalizedShape;
      const lead = shape.length - block.length;
      if (lead < 0 || !block.every((d, i) => shape[lead + i] === d)) throw this.shapeError(shape, `end in the normalised shape [${block.join(', ')}]`);
      const size = block.reduce((a, b) => a * b, 1);
      const count = shape.slice(0, lead).reduce((a, b) => a * b, 1);
      return Array.from({ length: count }, (_, n) => [{ start: n * size, length: size, param: 0, paramStep: 1 }]);
    }
    const channels = this.normalizedShape[0]!;
    const minRank = this.kind === 'batch' ? 2 : 3;
    if (shape.length < minRank || shape[1] !== channels) throw this.shapeError(shape, `be (N, ${channels}${minRank === 3 ? ', spatial…' : ', …'})`);
    const batch = shape[0]!;
    const spatial = shape.slice(2).reduce((a, b) => a * b, 1);
    if (this.kind === 'batch') {
      return Array.from({ length: channels }, (_, c) => Array.from({ length: batch }, (_, n) => ({ start: (n * channels + c) * spatial, length: spatial, param: c, paramStep: 0 })));
    }
    const perGroup = channels / this.groups;
    const blocks: Segment[][] = [];
    for (let n = 0; n < batch; n++) {
      for (let g = 0; g < this.groups; g++) {
        blocks.push(Array.from({ length: perGroup }, (_, i) => {
          const c = g * perGroup + i;
          return { start: (n * channels + c) * spatial, length: spatial, param: c, paramStep: 0 };
        }));
      }
    }
    return blocks;
  }

  private shapeError(shape: readonly number[], rule: string): TconvError {
    return new TconvError({ code: 'invalid-value', parameter: `${this.name}.input.shape`, value: [...shape], rule: `must ${rule}`, hint: `make the ${this.kind} norm for this layer's shape` });
  }
}

function checkedNumber(name: string, value: number, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new TconvError({ code: 'invalid-value', parameter: name, value, rule, hint: 'see docs/training.md for the normalisation options' });
  }
  return value;
}
