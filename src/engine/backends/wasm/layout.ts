// The int32 header passed across the JS↔WASM boundary: one struct instead of a long positional argument list.
// Plain `export const` so the same file is valid TypeScript (src/engine/backends/wasm) and AssemblyScript (kernels).
// All byte addresses are offsets into the one (shared) WebAssembly.Memory. Spatial axes are padded to three (D, H, W).

/** Header fields (int32 index). */
export const H_BATCH = 0;
export const H_CIN = 1; // input channels, all groups
export const H_CIN_G = 2; // input channels per group
export const H_COUT = 3; // output channels, all groups
export const H_M = 4; // output channels per group: the GEMM's M
export const H_IN_D = 5;
export const H_IN_H = 6;
export const H_IN_W = 7;
export const H_OUT_D = 8;
export const H_OUT_H = 9;
export const H_OUT_W = 10;
export const H_INPUT = 11; // byte address of the input (N, Cin, D, H, W)
export const H_OUTPUT = 12; // byte address of the output (N, Cout, D, H, W)
export const H_BIAS = 13; // byte address of the bias (Cout), 0 = no bias
export const H_SUBS = 14; // byte address of the subproblem table
export const H_ITEMS = 15; // byte address of the work-item table
export const H_ITEM_COUNT = 16;
export const H_NEXT_ITEM = 17; // atomic: next work item to take
export const H_DONE_ITEMS = 18; // atomic: finished work items
export const H_THREADS = 19; // threads taking part in this call (tid < H_THREADS)
export const H_WORKSPACE = 20; // byte address of thread 0's workspace; thread t uses H_WORKSPACE + t·H_WORKSPACE_BYTES
export const H_WORKSPACE_BYTES = 21;
export const H_KC = 22; // K rows per chunk (bounds the packed-input panel)
export const H_NC = 23; // columns per work item (multiple of 8)
export const H_BATCH_INNER = 24; // 1: GEMM columns ordered (position, n); 0: (n, position)
export const H_MODE = 25; // MODE_GEMM or MODE_DIRECT
export const H_PADDED = 26; // direct: byte address of the input copy padded along W (zeros either side)
export const H_PAD_LEFT = 27; // direct: zeros before each input row
export const H_PADDED_W = 28; // direct: padded row length
export const H_SUB_COUNT = 29;
export const HEADER_INTS = 32;

/**
 * One subproblem = one polyphase phase combination (transposed) or the whole layer (conv): a stride-1 (transposed)
 * or strided (conv) correlation whose output j sits at outFirst + outStep·j and whose tap t reads input
 * inStep·j + offset[t] on each axis. Fields (int32 index, axis a = 0 D, 1 H, 2 W):
 */
export const S_COUNT = 0; // + a: outputs of the subproblem on axis a
export const S_OUT_FIRST = 3; // + a
export const S_OUT_STEP = 6; // + a
export const S_IN_STEP = 9; // + a
export const S_TAPS = 12; // + a: taps on axis a
export const S_OFFSETS = 15; // + a: byte address of an int32 array of input offsets, one per tap
export const S_WEIGHTS = 18; // byte address of the packed weights of group 0
export const S_GROUP_BYTES = 19; // bytes between the packed weights of consecutive groups
export const S_K = 20; // K = (Cin/groups) · taps
export const S_COLUMNS = 21; // N = batch · ∏ count
export const S_K_OFFSETS = 22; // direct: byte address of int32[K], the input byte offset of each K row (tap, ci) from its row base
export const SUB_INTS = 24;

/**
 * Work item, GEMM: subproblem, group, first column, end column.
 * Direct: 0, group, n, first 4-channel tile, end tile, first row, end row: those rows ((D, H) positions) of every
 * subproblem, so the phases that interleave in one output region are computed together.
 */
export const ITEM_INTS = 8;

/**
 * GEMM: the implicit GEMM with B packed per 8-column sliver (any shape; exact at borders and for batch-inner columns).
 * DIRECT: the same 4×8 tile and packed weights, but B read straight from a W-padded copy of the input — 8
 * consecutive outputs along W of one phase read 8 consecutive inputs — for phases at least 8 wide.
 */
export const MODE_GEMM = 0;
export const MODE_DIRECT = 1;

/** Register tile: MR output channels × NR columns (two f32x4 vectors). */
export const MR = 4;
export const NR = 8;
