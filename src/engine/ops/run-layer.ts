/**
 * What convTranspose and conv share: plan from the tensors, check weight, bias, the caller's output buffer and the
 * activation, pick the backend, and only then allocate the output (unless the caller gave one) and run.
 */
import type { LayerKind } from '../../shape/params.ts';
import { type Tensor, sizeOf } from '../../tensor/tensor.ts';
import { PreparedWeights, preparedParts, toFloat32 } from '../prepared-weights.ts';
import { getBackend } from '../select.ts';
import { checkActivation } from './activation.ts';
import { type EngineLayerOptions, checkBias, checkData, checkOut, checkTensor, checkThreads, planFromTensors } from './plan-from-tensors.ts';
import { memoPlan } from './plan-memo.ts';

export function runLayer(
  kind: LayerKind, input: Tensor, weight: Tensor | PreparedWeights, bias: Tensor | null | undefined, options: EngineLayerOptions,
): Tensor {
  // JavaScript callers get a named error for a missing or malformed tensor or thread count, not a TypeError.
  checkTensor('input', input);
  const prepared = weight instanceof PreparedWeights ? preparedParts(weight) : null;
  if (!prepared) checkTensor('weight', weight);
  if (bias != null) checkTensor('bias', bias);
  checkThreads(options.threads);
  const hasBias = bias != null;
  // Prepared weights remember the plans of their recent calls (plan-memo.ts): no key is spelled on a repeat.
  const plan = prepared
    ? memoPlan(prepared.plans, kind, input.shape, hasBias, options, () => planFromTensors(kind, input.shape, weight.shape, { ...options, bias: hasBias }))
    : planFromTensors(kind, input.shape, weight.shape, { ...options, bias: hasBias });
  checkBias(plan, bias);
  // Other numeric arrays are converted here, once, so every backend sees the same Float32Arrays (or the same error).
  const x = { shape: input.shape, data: toFloat32('input', input.data) };
  const w = { shape: weight.shape, data: prepared ? prepared.data : toFloat32('weight', (weight as Tensor).data) };
  const b = bias == null ? null : { shape: bias.shape, data: toFloat32('bias', bias.data) };
  checkData('input', x);
  checkData('weight', w);
  if (b) checkData('bias', b);
  const out = checkOut(options.out, plan, { input: x.data, weight: w.data, bias: b?.data ?? null });
  const activation = checkActivation(options.activation);
  const backend = getBackend(options.backend ?? 'auto');
  // The plan's shape is frozen already: tensor() would copy and freeze it again.
  const output: Tensor = { shape: plan.outputShape, data: out ?? new Float32Array(sizeOf(plan.outputShape)) };
  const args = {
    plan, input: x.data, weight: w.data, bias: b?.data ?? null, output: output.data, threads: options.threads,
    packs: prepared?.slot ?? null, activation,
  };
  if (kind === 'convTranspose') backend.convTranspose(args);
  else backend.conv(args);
  return output;
}
