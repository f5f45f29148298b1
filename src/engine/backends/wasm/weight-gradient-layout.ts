// The int32 header of the wasm weight-gradient kernel (kernels/wasm/weight-gradient.ts), written by
// src/train/weight-gradient-wasm.ts: one struct across the JS↔WASM boundary. Plain `export const`, so the file is
// valid TypeScript and AssemblyScript (as layout.ts). Spatial axes are padded to three (D, H, W), unit axes in front.

export const WG_BATCH = 0;
export const WG_CIN = 1; // input channels of the transposed layer, all groups
export const WG_COUT = 2; // output channels, all groups
export const WG_GROUPS = 3;
/** 1: the tile's rows are input channels (X, read in place), its columns output channels (∂Y, packed); 0: the other way. */
export const WG_ROWS_FROM_X = 4;
export const WG_X = 5; // byte address of X (N, Cin, D, H, W)
export const WG_GRAD_OUTPUT = 6; // byte address of ∂Y (N, Cout, D, H, W)
export const WG_GRAD_WEIGHT = 7; // byte address of ∂W (Cin, Cout/groups, kD, kH, kW)
export const WG_WORKSPACE = 8; // byte address of the workspace (weightGradientWorkspaceBytes)
export const WG_KC = 9; // K rows (batch · positions) per chunk: bounds the packed panels
export const WG_IN = 10; // + a: input size on axis a
export const WG_OUT = 13; // + a: output size on axis a
export const WG_KERNEL = 16; // + a: kernel size on axis a
export const WG_STRIDE = 19; // + a: stride on axis a (the output step of every tap's pairs)
export const WG_RANGES = 22; // + a: byte address of int32[kernel_a · RANGE_INTS]: each tap's pairs on axis a
export const WG_TASK_COUNT = 25; // tasks: one per (group, tap), each writes its own cells of ∂W
export const WG_NEXT_TASK = 26; // atomic: the next task to take
export const WG_WORKSPACE_BYTES = 27; // bytes of one thread's workspace (thread t's is at WG_WORKSPACE + t·this)
export const WG_TAP_MAJOR = 29; // byte address of the tap-major gradient (groups, taps, rows, columns): the tiles' output
export const WG_HEADER_INTS = 32;

/** A tap's pairs on one axis (the per-phase correlation's range): input j + firstInput meets output firstOutput + stride·j for j < count. */
export const R_FIRST_INPUT = 0;
export const R_FIRST_OUTPUT = 1;
export const R_COUNT = 2;
export const RANGE_INTS = 3;

/** Tile: rows × columns of ∂W per call; rows read 4-wide packed panels, columns 8-wide ones. */
export const WG_MR = 4;
export const WG_NR = 8;
/**
 * Workspace of one thread: the tile's argument struct, then the two K-position tables (kc int32 each) and the
 * columns panel (all columns, padded to 8, · kc floats).
 */
export const WG_WS_TILE_ARGS = 0;
export const WG_WS_TABLES = 64;
