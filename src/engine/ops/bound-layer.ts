/**
 * A layer call bound once, for a whole-model caller that repeats it with the same input shape, prepared weights,
 * bias, options and activation (a model session's compiled steps). Binding does what runLayer does before it runs —
 * plan, check the bias, the activation and the threads, pick the backend — so a repeated call only checks its two
 * buffers and calls the backend: the same plan, the same backend call, the same bits as conv()/convTranspose() with
 * `out`. HiFi-GAN's 41 small layers spent 3–9 µs of a 6–12 µs call in runLayer's per-call checks and lookups
 * (docs/perf-log.md, 2026-12-07 hifigan).
 */
import { TconvError } from '../../shape/errors.ts';
import type { LayerKind } from '../../shape/params.ts';
import type { Plan } from '../../shape/plan.ts';
import { type Tensor, sizeOf } from '../../tensor/tensor.ts';
import type { Backend, KernelArgs, Residual } from '../backend.ts';
import { type PreparedWeights, preparedParts, toFloat32 } from '../prepared-weights.ts';
import { getBackend } from '../select.ts';
import { type Activation, checkActivation } from './activation.ts';
import { type EngineLayerOptions, checkBias, checkData, checkOut, checkTensor, checkThreads, planFromTensors } from './plan-from-tensors.ts';
import { memoPlan } from './plan-memo.ts';

export interface BoundLayer {
  readonly plan: Plan;
  /** Elements of the input (the bound input shape's) and of the output (the plan's output shape). */
  readonly inputLength: number;
  readonly outputLength: number;
  /**
   * Runs the layer on `input` into `output` (every element written), as conv()/convTranspose() with `out: output`:
   * `input` must hold inputLength values, `output` outputLength and share no memory with the input or bias.
   */
  run(input: Float32Array, output: Float32Array, residual?: Residual): void;
  /** Whether run takes a residual (its backend's takesResidual): then the output holds f(a + b), KernelArgs.residual. */
  readonly takesResidual: boolean;
}

/**
 * @example
 * const w = prepareWeights(randomTensor([8, 8, 3], 1));
 * const layer = bindLayer('conv', [1, 8, 64], w, null, { padding: 1, backend: 'native', threads: 1 });
 * const y = new Float32Array(layer.outputLength);
 * layer.run(x.data, y); // the bits of conv(x, w, null, { padding: 1, out: y, … })
 */
export function bindLayer(
  kind: LayerKind, inputShape: readonly number[], weight: PreparedWeights, bias: Tensor | null, options: EngineLayerOptions,
): BoundLayer {
  if (bias != null) checkTensor('bias', bias);
  checkThreads(options.threads);
  const hasBias = bias != null;
  const shape = [...inputShape];
  const plan = memoPlan(preparedParts(weight).plans, kind, shape, hasBias, options, () => planFromTensors(kind, shape, weight.shape, { ...options, bias: hasBias }));
  checkBias(plan, bias);
  const b = bias == null ? null : toFloat32('bias', bias.data);
  if (bias != null) checkData('bias', { shape: bias.shape, data: b! });
  const activation: Activation | null = checkActivation(options.activation);
  const backend: Backend = getBackend(options.backend ?? 'auto');
  const { threads } = options;
  const inputLength = sizeOf(shape);
  const outputLength = sizeOf(plan.outputShape);
  const transposed = kind === 'convTranspose';
  const takesResidual = backend.takesResidual === true;
  return {
    plan, inputLength, outputLength, takesResidual,
    run(input, output, residual) {
      if (!(input instanceof Float32Array)) refuseData(input);
      if (input.length !== inputLength) checkData('input', { shape, data: input });
      // A size or an overlap that checkOut refuses (it names the rule); other calls skip its loop.
      if (output.length !== outputLength || output.buffer === input.buffer || (b !== null && output.buffer === b.buffer)) {
        checkOut(output, plan, { input, weight: null, bias: b });
      }
      if (residual !== undefined && (!takesResidual || residual.data.length !== outputLength)) refuseResidual(residual, backend, outputLength);
      const { data, slot } = preparedParts(weight); // refuses disposed weights, as runLayer does
      const args: KernelArgs = { plan, input, weight: data, bias: b, output, threads, packs: slot, activation, residual };
      if (transposed) backend.convTranspose(args);
      else backend.conv(args);
    },
  };
}

/** A caller handing a bound layer another kind of array (JavaScript callers: the types say Float32Array). */
function refuseData(input: unknown): never {
  throw new TconvError({
    code: 'invalid-value', parameter: 'input.data', value: ArrayBuffer.isView(input) ? input.constructor.name : typeof input,
    rule: 'must be a Float32Array (a bound layer takes its buffers as they are)', hint: 'convert it once with Float32Array.from',
  });
}

/** A residual the backend cannot add, or of another length than the output. */
function refuseResidual(residual: Residual, backend: Backend, outputLength: number): never {
  if (!backend.takesResidual) {
    throw new TconvError({
      code: 'unsupported', parameter: 'residual', value: backend.name,
      rule: 'only backends that take a residual add it in the layer\'s call (bound.takesResidual)', hint: 'add the residual after the call with the backend\'s elementwise.add',
    });
  }
  throw new TconvError({
    code: 'invalid-value', parameter: 'residual.data.length', value: residual.data.length,
    rule: `must equal the output's length, ${outputLength}`, hint: 'pass a residual of the output\'s shape',
  });
}
