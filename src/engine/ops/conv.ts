/** Ordinary convolution forward (cross-correlation, as PyTorch), 1D/2D/3D. */
import type { Tensor } from '../../tensor/tensor.ts';
import type { PreparedWeights } from '../prepared-weights.ts';
import type { EngineLayerOptions } from './plan-from-tensors.ts';
import { runLayer } from './run-layer.ts';

/**
 * input (N, Cin, spatial…), weight (Cout, Cin/groups, k…), bias (Cout) or null → output (N, Cout, spatial…).
 * @example
 * const y = conv(tensor([1, 1, 4], [1, 2, 3, 4]), tensor([1, 1, 2], [1, 1]), null, { stride: 2 });
 * // y.shape → [1, 1, 2]; y.data → [3, 7]
 */
export function conv(input: Tensor, weight: Tensor | PreparedWeights, bias: Tensor | null | undefined, options: EngineLayerOptions = {}): Tensor {
  return runLayer('conv', input, weight, bias, options);
}
