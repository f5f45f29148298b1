/**
 * What convTranspose and conv share: plan from the tensors, check weight and bias, pick the backend, and only then
 * allocate the output and run.
 */
import type { LayerKind } from '../../shape/params.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { tensor } from '../../tensor/tensor.ts';
import { getBackend } from '../select.ts';
import { type EngineLayerOptions, checkBias, checkData, checkTensor, checkThreads, planFromTensors } from './plan-from-tensors.ts';

export function runLayer(
  kind: LayerKind, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: EngineLayerOptions,
): Tensor {
  // JavaScript callers get a named error for a missing or malformed tensor or thread count, not a TypeError.
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (bias != null) checkTensor('bias', bias);
  checkThreads(options.threads);
  const plan = planFromTensors(kind, input.shape, weight.shape, { ...options, bias: bias != null });
  checkBias(plan, bias);
  checkData('input', input);
  checkData('weight', weight);
  if (bias != null) checkData('bias', bias);
  const backend = getBackend(options.backend ?? 'auto');
  const output = tensor(plan.outputShape);
  const args = { plan, input: input.data, weight: weight.data, bias: bias?.data ?? null, output: output.data, threads: options.threads };
  if (kind === 'convTranspose') backend.convTranspose(args);
  else backend.conv(args);
  return output;
}
