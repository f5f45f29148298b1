/**
 * Every size formula of tconv, per spatial axis, each with its formula beside it.
 * Canonical padding is (padBegin, padEnd): what is removed from each end of the full output.
 * PyTorch's (padding p, output_padding op) is padBegin = p, padEnd = p − op.
 */

/** Dilated ("effective") kernel extent: K = d·(k − 1) + 1. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/** Transposed conv, full (uncropped) output: (i − 1)·s + K. */
export function fullTransposedSize(input: number, kernel: number, stride: number, dilation: number): number {
  return (input - 1) * stride + effectiveKernel(kernel, dilation);
}

/** Transposed conv: out = (i − 1)·s + K − padBegin − padEnd. */
export function transposedOutputSize(a: AxisArgs): number {
  return fullTransposedSize(a.input, a.kernel, a.stride, a.dilation) - a.padBegin - a.padEnd;
}

/** PyTorch transposed conv: out = (i − 1)·s − 2p + d·(k − 1) + op + 1. */
export function pytorchTransposedOutputSize(
  input: number, kernel: number, stride: number, padding: number, dilation: number, outputPadding: number,
): number {
  return (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/** Ordinary conv: out = ⌊(i + padBegin + padEnd − K) / s⌋ + 1. */
export function convOutputSize(a: AxisArgs): number {
  return Math.floor((a.input + a.padBegin + a.padEnd - effectiveKernel(a.kernel, a.dilation)) / a.stride) + 1;
}

/** Undoing a strided conv of input i: op = (i + 2p − K) mod s (Dumoulin & Visin, relationship 14). */
export function outputPaddingToRestore(input: number, kernel: number, stride: number, padding: number, dilation: number): number {
  const k = effectiveKernel(kernel, dilation);
  return (((input + 2 * padding - k) % stride) + stride) % stride;
}

/**
 * PyTorch `output_size`: valid sizes run from (i − 1)s − 2p + K to that + s − 1.
 * (torch's _output_padding uses s − 1, not max(s, d) − 1, although output_padding itself may reach max(s, d) − 1.)
 */
export function pytorchOutputSizeRange(
  input: number, kernel: number, stride: number, padding: number, dilation: number,
): { min: number; max: number } {
  const min = pytorchTransposedOutputSize(input, kernel, stride, padding, dilation, 0);
  return { min, max: min + stride - 1 };
}

/** Keras/TF/tfjs `same` transposed output: i·s. */
export function sameTransposedOutputSize(input: number, stride: number): number {
  return input * stride;
}

/** Keras/TF `valid` transposed output: i·s + max(K − s, 0). */
export function validTransposedOutputSize(input: number, kernel: number, stride: number, dilation: number): number {
  return input * stride + Math.max(effectiveKernel(kernel, dilation) - stride, 0);
}

/** Total padding that makes a transposed conv produce `target`: s(i − 1) + op + K − target (may be negative). */
export function totalPaddingFor(input: number, kernel: number, stride: number, dilation: number, target: number, outputPadding = 0): number {
  return fullTransposedSize(input, kernel, stride, dilation) + outputPadding - target;
}

/** Number of kernel taps of phase r (full-output index ≡ r mod s) when d = 1: ⌊(k − 1 − r)/s⌋ + 1 (0 if r ≥ k). */
export function tapsInPhase(kernel: number, stride: number, residue: number): number {
  return residue >= kernel ? 0 : Math.floor((kernel - 1 - residue) / stride) + 1;
}

export interface AxisArgs {
  readonly input: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly padEnd: number;
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
