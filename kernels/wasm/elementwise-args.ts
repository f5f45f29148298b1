// The one argument of every element-wise kernel (elementwise.ts): a struct in wasm memory written by the JS side
// (src/engine/backends/wasm/elementwise.ts) or the tester, read by the kernels and, for a threaded job, by every
// thread. Which fields a kernel reads is said beside each field. @unmanaged: plain memory, never allocated here.

@unmanaged export class ElementwiseArgs {
  /** Input (map, prelu, group norm) or first operand (add). */
  x: usize = 0;
  /** Second operand (add) or the per-channel slopes (prelu). */
  b: usize = 0;
  /** Output; may equal x or b (every vector is loaded before it is stored). */
  out: usize = 0;
  /** Elements (map, add, prelu, affine), blocks (group norm) or rows (softmax; matmul: rows of x and out;
   * up2x: input rows): the job's units. */
  units: i32 = 0;
  /** Units per task of a threaded job (the last task takes the rest). */
  unitsPerTask: i32 = 0;
  /** Which kernel a threaded job runs (layout.ts EW_*). */
  kernel: i32 = 0;
  /** Activation code applied last (layout.ts ACT_*): map, add and group norm. */
  activation: i32 = 0;
  /** leakyRelu's slope for negative values, multiplied in float64 and rounded once. */
  alpha: f64 = 0;
  /**
   * prelu and group norm: elements per channel, and channels (element i is in channel (i / inner) mod channels);
   * softmax: inner is a row's length; matmul: inner is n (out's and b's row length), channels is k (x's); up2x: inner is
   * a row's width.
   */
  inner: i32 = 0;
  channels: i32 = 0;
  /** group norm: elements per block (the statistics' extent: channels / groups channels). */
  blockSize: i32 = 0;
  epsilon: f64 = 0;
  /** group norm: per-channel scale and shift (float32), 0 = none (1 and 0). */
  scale: usize = 0;
  shift: usize = 0;
  /** affine: out = factor·x + offset, or x/factor + offset when divide is 1 (float64, rounded once). */
  factor: f64 = 0;
  offset: f64 = 0;
  divide: i32 = 0;
}
