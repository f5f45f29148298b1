/**
 * Parameters and optimizers with torch.optim's update rules (SGD with momentum, Adam), updating in place. Each
 * optimizer allocates its state once, at construction: a step allocates nothing.
 */
import { TconvError } from '../shape/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** A trainable tensor and its accumulated gradient (same length; zeroGrad clears it). */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Float32Array;
}

/** @example parameter('up.weight', randomTensor([4, 2, 4, 4], 1)).grad.length // → 128 */
export function parameter(name: string, value: Tensor): Parameter {
  return { name, value, grad: new Float32Array(value.data.length) };
}

export interface Optimizer {
  step(): void;
  zeroGrad(): void;
}

export interface SgdOptions {
  readonly lr: number;
  /** torch's momentum (default 0): buf = momentum·buf + g, p −= lr·buf. */
  readonly momentum?: number;
}

/** @example const opt = sgd(layer.parameters(), { lr: 0.1, momentum: 0.9 }); opt.zeroGrad(); …backward…; opt.step(); */
export function sgd(parameters: readonly Parameter[], options: SgdOptions): Optimizer {
  const lr = positive('lr', options.lr);
  const momentum = options.momentum ?? 0;
  if (!(momentum >= 0 && momentum < 1)) throw invalid('momentum', momentum, 'must be in [0, 1)', 'use e.g. 0.9, or 0 for plain SGD');
  const buffers = parameters.map((p) => new Float32Array(p.grad.length));
  let first = true;
  return {
    step() {
      parameters.forEach((p, i) => {
        const buf = buffers[i]!;
        const w = p.value.data;
        for (let j = 0; j < w.length; j++) {
          // torch initialises the buffer with the first gradient (no dampening).
          const v = momentum === 0 ? p.grad[j]! : first ? p.grad[j]! : momentum * buf[j]! + p.grad[j]!;
          buf[j] = v;
          w[j] = w[j]! - lr * v;
        }
      });
      first = false;
    },
    zeroGrad: () => zero(parameters),
  };
}

export interface AdamOptions {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

/** torch.optim.Adam (no weight decay, no amsgrad): bias-corrected first and second moments. */
export function adam(parameters: readonly Parameter[], options: AdamOptions): Optimizer {
  const lr = positive('lr', options.lr);
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = options;
  for (const [name, value] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(value >= 0 && value < 1)) throw invalid(name, value, 'must be in [0, 1)', `use torch's default ${name === 'beta1' ? 0.9 : 0.999}`);
  }
  const m = parameters.map((p) => new Float64Array(p.grad.length));
  const v = parameters.map((p) => new Float64Array(p.grad.length));
  let t = 0;
  return {
    step() {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      parameters.forEach((p, i) => {
        const mi = m[i]!;
        const vi = v[i]!;
        const w = p.value.data;
        for (let j = 0; j < w.length; j++) {
          const g = p.grad[j]!;
          mi[j] = beta1 * mi[j]! + (1 - beta1) * g;
          vi[j] = beta2 * vi[j]! + (1 - beta2) * g * g;
          w[j] = w[j]! - (lr * (mi[j]! / c1)) / (Math.sqrt(vi[j]! / c2) + eps);
        }
      });
    },
    zeroGrad: () => zero(parameters),
  };
}

function zero(parameters: readonly Parameter[]): void {
  for (const p of parameters) p.grad.fill(0);
}

function positive(name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw invalid(name, value, 'must be a positive number', 'use e.g. 0.01');
  return value;
}

function invalid(parameter: string, value: unknown, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'invalid-value', parameter, value, rule, hint });
}
