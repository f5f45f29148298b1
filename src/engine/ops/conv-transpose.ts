/** Transposed convolution forward (the adjoint of conv), 1D/2D/3D, PyTorch layouts and meanings. */
import type { Tensor } from '../../tensor/tensor.ts';
import type { PreparedWeights } from '../prepared-weights.ts';
import type { EngineLayerOptions } from './plan-from-tensors.ts';
import { runLayer } from './run-layer.ts';

/**
 * input (N, Cin, spatial…), weight (Cin, Cout/groups, k…), bias (Cout) or null → output (N, Cout, spatial…).
 * @example
 * const y = convTranspose(tensor([1, 1, 3], [1, 2, 3]), tensor([1, 1, 2], [1, 1]), null, { stride: 2 });
 * // y.shape → [1, 1, 6]; y.data → [1, 1, 2, 2, 3, 3]
 */
export function convTranspose(input: Tensor, weight: Tensor | PreparedWeights, bias: Tensor | null | undefined, options: EngineLayerOptions = {}): Tensor {
  return runLayer('convTranspose', input, weight, bias, options);
}
