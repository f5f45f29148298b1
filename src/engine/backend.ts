/**
 * The contract every compute backend fulfils. Backends receive a resolved plan and flat float32 buffers
 * (NC[D]HW activations, PyTorch weight layouts, see design.md) and write every element of `output`.
 * Calls are synchronous: threaded backends block on their workers (allowed in Node and in Web Workers).
 */
import type { Plan } from '../shape/plan.ts';
import type { ElementwiseKernels } from './elementwise.ts';
import type { Activation } from './ops/activation.ts';
import type { PackSlot } from './prepared-weights.ts';

export type BackendName = 'reference' | 'wasm' | 'native';
export type BackendChoice = BackendName | 'auto';

export interface KernelArgs {
  readonly plan: Plan;
  readonly input: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  /** Fully overwritten by the backend (callers may poison it to catch unwritten elements). */
  readonly output: Float32Array;
  /** Worker threads to use; backends without threads ignore it. */
  readonly threads?: number;
  /**
   * Where packed forms of these weights may be kept across calls: given only for prepared weights (a private copy
   * nobody can edit). Without it a backend keeps nothing derived from `weight` past the call (docs/weights.md).
   */
  readonly packs?: PackSlot | null;
  /** Applied to every output element after the bias (ops/activation.ts defines it exactly); none when absent. */
  readonly activation?: Activation | null;
  /** Added after the activation, only for backends with `takesResidual` (a model's residual Add in the layer's call). */
  readonly residual?: Residual | null;
}

/**
 * A residual added to a layer's output in the layer's call: output = f(a + b), with a, b the residual and the output
 * in the order `first` says (the Add's operands), the bits of the backend's elementwise.add(a, b, output, f).
 */
export interface Residual {
  /** Of the output's length. */
  readonly data: Float32Array;
  /** Whether the residual is the Add's first operand. */
  readonly first: boolean;
  readonly activation: Activation | null;
}

export interface Availability {
  readonly available: boolean;
  /** Why (not) — shown by `tconv doctor`. */
  readonly reason: string;
}

export interface Backend {
  readonly name: BackendName;
  availability(): Availability;
  convTranspose(args: KernelArgs): void;
  conv(args: KernelArgs): void;
  /**
   * Its element-wise kernels (src/engine/elementwise.ts), which must compute the activations exactly as its layer
   * calls' `activation` does; absent: the JavaScript ones (elementwiseKernels in select.ts).
   */
  readonly elementwise?: ElementwiseKernels;
  /** Takes KernelArgs.residual: adds it to the output before the output leaves its memory (wasm: no copy out and back in). */
  readonly takesResidual?: boolean;
}

/**
 * The cores the runtime reports, at least 1: os.availableParallelism() in Node, navigator.hardwareConcurrency in
 * browsers (the default thread count of the threaded backends and of training's native ∂W).
 */
export function availableCores(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, n);
}
