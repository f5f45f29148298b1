// The one argument of every tile: a struct in the calling thread's workspace (layout.ts WS_TILE_ARGS), filled by the
// task runner and read by the tile, instead of a positional list. Fields that hold for a whole row or task are
// written once; a tile call rewrites only the ones that move (its weights, output and input addresses).
// @unmanaged: plain memory, never allocated here (the kernels never allocate), viewed with changetype.

/** f32_gemm tiles: C (+)= A·B over one packed panel, C stored at the panel's column output indices. */
@unmanaged export class GemmTileArgs {
  /** Packed weights of the tile's MR channels: 16 bytes per K row (layout.ts, pack.ts). */
  a: usize = 0;
  /** (first A row, row count) pairs: the A rows the packed panel's rows pair with, in panel order. */
  segments: usize = 0;
  segmentCount: i32 = 0;
  /** The packed panel: NR floats per K row. */
  b: usize = 0;
  /** Output address of the tile's first channel (column offsets come from `columns`). */
  out: usize = 0;
  /** Bytes between the outputs of consecutive channels. */
  channelBytes: usize = 0;
  /** int32 output index of each of the panel's NR columns. */
  columns: usize = 0;
  /** Columns of the panel that exist (1…NR): the NR remainder. */
  validColumns: i32 = 0;
  /** 1 when the NR outputs are consecutive in memory (whole-vector stores). */
  contiguous: i32 = 0;
  /** Channels of the tile that exist (1…MR): the row remainder. */
  rows: i32 = 0;
  /** Bias of the tile's first channel, 0 = none. */
  bias: usize = 0;
  /** 0: the first K chunk (start from the bias); 1: a later chunk (add to the output). */
  accumulate: i32 = 0;
  /** Applied as the tile stores (the last K chunk only): ACT_NONE, ACT_RELU or ACT_LEAKY_RELU (layout.ts), with its slope. */
  activation: i32 = 0;
  alpha: f64 = 0;
}

/**
 * f32_direct tiles: one output row of one phase along W, tile after tile, B read in place from the W-padded input
 * (N, D, H, C, Wp). The K order is tap-major, channels inside, as the packed weights.
 */
@unmanaged export class DirectTileArgs {
  /** Packed weights of the tile's MR channels: 16 bytes per K row. */
  a: usize = 0;
  /** Bias of the tile's first channel, 0 = none. */
  bias: usize = 0;
  /** Output address of the tile's first channel and the row's first output. */
  out: usize = 0;
  /** Outputs of the row along W (at least the tile's width). */
  width: i32 = 0;
  /** Elements between consecutive outputs along W (the phase's output step). */
  outStep: i32 = 0;
  channelBytes: usize = 0;
  rows: i32 = 0;
  /** K rows when every D and H tap of the output row is inside the input (one flat loop), else −1. */
  flatK: i32 = 0;
  /** int32[K]: byte offset of each K row (tap, ci) from `rowBase` (flat loop). */
  kOffsets: usize = 0;
  /** Address of the first input of output row (jd, jh) in the padded input (flat loop). */
  rowBase: usize = 0;
  // The bounds-checked loop (rows with a D or H tap outside the input):
  /** The padded input of the task's image and group. */
  input: usize = 0;
  /** jd·inStepD and jh·inStepH: the row's input coordinate before the tap offset. */
  baseD: i32 = 0;
  baseH: i32 = 0;
  inD: i32 = 0;
  inH: i32 = 0;
  /** Floats between padded input rows (C·Wp). */
  rowFloats: i32 = 0;
  /** Padded-row index of the row's first input (the left padding). */
  start: i32 = 0;
  tapsD: i32 = 0;
  tapsH: i32 = 0;
  tapsW: i32 = 0;
  /** int32 input offset per tap, one table per axis. */
  offsetsD: usize = 0;
  offsetsH: usize = 0;
  offsetsW: usize = 0;
  cinG: i32 = 0;
  /** Bytes between channels of one padded row (Wp floats). */
  channelStride: usize = 0;
  /** Bytes of packed A per tap (cinG rows). */
  tapBytes: usize = 0;
  /** Applied to the outputs as they are stored: ACT_NONE, ACT_RELU or ACT_LEAKY_RELU (layout.ts), with its slope. */
  activation: i32 = 0;
  alpha: f64 = 0;
}
