// The int32 header of the wasm weight-gradient kernel (kernels/wasm/weight-gradient.ts), written by
// src/train/weight-gradient-wasm.ts: one struct across the JS↔WASM boundary. Plain `export const`, so the file is
// valid TypeScript and AssemblyScript (as layout.ts). Spatial axes are padded to three (D, H, W), unit axes in front.

export const WG_BATCH = 0;
export const WG_CIN = 1; // input channels of the transposed layer, all groups
export const WG_COUT = 2; // output channels, all groups
export const WG_GROUPS = 3;
export const WG_X = 4; // byte address of X (N, Cin, D, H, W)
export const WG_GRAD_OUTPUT = 5; // byte address of ∂Y (N, Cout, D, H, W)
export const WG_GRAD_WEIGHT = 6; // byte address of ∂W (Cin, Cout/groups, kD, kH, kW)
export const WG_WORKSPACE = 7; // byte address of thread 0's workspace
export const WG_KC = 8; // K rows (image, input position) per chunk: bounds the rows read per column panel
export const WG_IN = 9; // + a: input size on axis a
export const WG_OUT = 12; // + a: output size on axis a
export const WG_KERNEL = 15; // + a: kernel size on axis a
export const WG_STRIDE = 18; // + a
export const WG_DILATION = 21; // + a
export const WG_PAD_BEGIN = 24; // + a: cells cropped before the output (≥ 0)
export const WG_WORKSPACE_BYTES = 27; // one thread's workspace; thread t's is at WG_WORKSPACE + t · this
export const WG_TASKS_PER_GROUP = 28; // tasks per group: each takes a range of column blocks (8 columns each)
export const WG_BLOCKS_PER_TASK = 29; // column blocks per task (the last of a group may have fewer)
export const WG_HEADER_INTS = 32;

/** Tile: 4 input channels × 8 (output channel, tap) columns of ∂W per call. */
export const WG_MR = 4;
export const WG_NR = 8;
/** Workspace: the tile's argument struct, then X's offset of each K row of a chunk (int32[kc]), then one column panel (8 · kc floats). */
export const WG_WS_TILE_ARGS = 0;
export const WG_WS_TABLES = 64;
