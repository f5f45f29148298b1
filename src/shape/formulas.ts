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

/**
 * Receptive field of an ordinary conv, one axis: the output interval [a, b] reads the input interval
 * [a·s − padBegin, b·s − padBegin + d(k − 1)] (before clipping to the input).
 */
export function convInputInterval(a: number, b: number, axis: AxisArgs): { start: number; end: number } {
  return { start: a * axis.stride - axis.padBegin, end: b * axis.stride - axis.padBegin + axis.dilation * (axis.kernel - 1) };
}

/**
 * Receptive field of a transposed conv, one axis (design.md): the output interval [a, b] is fed by the inputs
 * [⌈(a + padBegin − d(k − 1))/s⌉, ⌊(b + padBegin)/s⌋] (exact hull for d = 1; clip to the input). Output o sits at
 * full index o + padBegin = i·s + k·d.
 */
export function transposedInputInterval(a: number, b: number, axis: AxisArgs): { start: number; end: number } {
  const K = effectiveKernel(axis.kernel, axis.dilation);
  return { start: Math.ceil((a + axis.padBegin - (K - 1)) / axis.stride), end: Math.floor((b + axis.padBegin) / axis.stride) };
}

/** Where samples sit on a grid: coordinate of sample 0 (`start`) and the distance between samples (`jump`). */
export interface Alignment {
  readonly start: number;
  readonly jump: number;
}

/** Conv alignment: start' = start + J((K − 1)/2 − padBegin), J' = J·s (Araujo, Norris & Sim, 2019). */
export function convAlignment(previous: Alignment, kernel: number, stride: number, dilation: number, padBegin: number): Alignment {
  const K = effectiveKernel(kernel, dilation);
  return { start: previous.start + previous.jump * ((K - 1) / 2 - padBegin), jump: previous.jump * stride };
}

/** Transposed alignment: start' = start + J(padBegin − (K − 1)/2)/s, J' = J/s. k4 s2 p1 → start −¼, J ½. */
export function transposedAlignment(previous: Alignment, kernel: number, stride: number, dilation: number, padBegin: number): Alignment {
  const K = effectiveKernel(kernel, dilation);
  return { start: previous.start + (previous.jump * (padBegin - (K - 1) / 2)) / stride, jump: previous.jump / stride };
}

/**
 * Upsampling by an integer factor r (nearest or bilinear resize with half-pixel centres, or pixel shuffle): each input
 * cell splits into r cells, so start' = start + J(1/r − 1)/2, J' = J/r.
 */
export function upsampleAlignment(previous: Alignment, factor: number): Alignment {
  return { start: previous.start + (previous.jump * (1 / factor - 1)) / 2, jump: previous.jump / factor };
}

/** Upsampling output size: out = in·r (nearest/bilinear resize with an integer scale, pixel shuffle). */
export function upsampleOutputSize(input: number, factor: number): number {
  return input * factor;
}

/**
 * Splits a total padding into (begin, end) the way ONNX does: SAME_UPPER puts the larger half at the end,
 * SAME_LOWER and NOTSET at the start: SAME_UPPER: begin = ⌊t/2⌋, end = t − ⌊t/2⌋; otherwise: end = ⌊t/2⌋,
 * begin = t − ⌊t/2⌋. A negative total (the output is larger than the full output) adds every extra cell at the
 * end — begin = 0, end = t — whatever auto_pad says: ONNX's test_convtranspose_output_shape (t = −1, NOTSET) expects
 * it there, and ONNX Runtime 1.30 does the same for SAME_UPPER and for t < −1.
 */
export function splitTotalPadding(total: number, upper: boolean): { begin: number; end: number } {
  if (total < 0) return { begin: 0, end: total };
  const half = Math.floor(total / 2);
  return upper ? { begin: half, end: total - half } : { begin: total - half, end: half };
}

/** TF/Keras/tfjs/ONNX `same` ordinary conv output: ⌈i / s⌉. */
export function sameConvOutputSize(input: number, stride: number): number {
  return Math.ceil(input / stride);
}

/** TF `same` ordinary conv total padding: max(0, (⌈i/s⌉ − 1)·s + K − i); TF puts ⌊total/2⌋ at the start. */
export function sameConvTotalPadding(input: number, kernel: number, stride: number, dilation: number): number {
  return Math.max(0, (sameConvOutputSize(input, stride) - 1) * stride + effectiveKernel(kernel, dilation) - input);
}

/**
 * tfjs conv3d `same` padding before the input: ⌊((⌈i/s⌉ − 1)·s + K − i)/2⌋, **not** clamped at 0 as its 2D op (and
 * TF) clamp the total (tfjs 4.22 conv_util get3DPadAndOutInfo): negative when K < s and i is near a multiple of s.
 */
export function tfjsSame3dPadBefore(input: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor(((sameConvOutputSize(input, stride) - 1) * stride + effectiveKernel(kernel, dilation) - input) / 2);
}

/** TF/tfjs `valid` ordinary conv output: ⌈(i − K + 1) / s⌉. */
export function validConvOutputSize(input: number, kernel: number, stride: number, dilation: number): number {
  return Math.ceil((input - effectiveKernel(kernel, dilation) + 1) / stride);
}

/** tfjs ordinary conv output with explicit pads (default rounding: truncate): trunc((i − K + begin + end)/s + 1). */
export function tfjsExplicitPadConvOutputSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number): number {
  return Math.trunc((input - kernel + padBegin + padEnd) / stride + 1);
}

/**
 * Keras `deconv_output_length` with output_padding given: (i − 1)·s + K − 2·pad + op,
 * where pad = ⌊K/2⌋ for `same`, 0 for `valid`.
 */
export function kerasTransposedOutputSizeWithPadding(
  input: number, kernel: number, stride: number, dilation: number, same: boolean, outputPadding: number,
): number {
  const k = effectiveKernel(kernel, dilation);
  return (input - 1) * stride + k - 2 * (same ? Math.floor(k / 2) : 0) + outputPadding;
}

/**
 * Receptive field of an upsampling layer by r, one axis. Nearest and pixel shuffle: [a, b] reads [⌊a/r⌋, ⌊b/r⌋].
 * Bilinear (half-pixel centres): output o blends ⌊(o + ½)/r − ½⌋ and the next input (before clipping).
 */
export function upsampleInputInterval(a: number, b: number, factor: number, mode: 'nearest' | 'bilinear'): { start: number; end: number } {
  if (mode === 'nearest') return { start: Math.floor(a / factor), end: Math.floor(b / factor) };
  return { start: Math.floor((a + 0.5) / factor - 0.5), end: Math.floor((b + 0.5) / factor - 0.5) + 1 };
}
