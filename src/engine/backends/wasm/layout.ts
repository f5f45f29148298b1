// The int32 header passed across the JS↔WASM boundary: one struct instead of a long positional argument list.
// Plain `export const` so the same file is valid TypeScript (src/engine/backends/wasm) and AssemblyScript (kernels).
// All byte addresses are offsets into the one (shared) WebAssembly.Memory. Spatial axes are padded to three (D, H, W).

/** Header fields (int32 index). */
export const H_BATCH = 0;
export const H_CIN = 1; // input channels, all groups
export const H_CIN_G = 2; // input channels per group (cinG)
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
export const H_COMBOS = 14; // byte address of the combo table
export const H_TASKS = 15; // byte address of the task table
export const H_TASK_COUNT = 16;
export const H_NEXT_TASK = 17; // atomic: next task to take
export const H_DONE_TASKS = 18; // atomic: finished tasks
export const H_THREADS = 19; // threads taking part in this call (tid < H_THREADS)
export const H_WORKSPACE = 20; // byte address of thread 0's workspace; thread t uses H_WORKSPACE + t·H_WORKSPACE_BYTES
export const H_WORKSPACE_BYTES = 21;
export const H_KC = 22; // K rows per chunk (bounds the packed panels)
export const H_NC = 23; // columns per task (multiple of NR)
export const H_LAYOUT = 24; // LAYOUT_PACKED, LAYOUT_BATCH_MINOR or LAYOUT_DIRECT
export const H_ACTIVATION = 25; // conv layouts: ACT_NONE, ACT_RELU or ACT_LEAKY_RELU, applied as the tiles store (others: an element-wise job after the call)
export const H_PADDED = 26; // direct: byte address of the input copy padded along W (zeros either side)
export const H_PAD_LEFT = 27; // direct: zeros before each input row
export const H_PADDED_W = 28; // direct: padded row length
export const H_COMBO_COUNT = 29;
export const H_PAD_STEP = 30; // direct: W phases each padded row is split into (a strided conv's W stride), ≤ 1: not split
export const H_WEIGHT_GRADIENT = 31; // LAYOUT_WEIGHT_GRADIENT: byte address of the ∂W kernel's header (weight-gradient-layout.ts)
export const H_ALPHA = 32; // f64 in two int32s (8-byte aligned): leakyRelu's slope for H_ACTIVATION
export const H_PAD_TOP = 34; // winograd: the conv's top padding (zero rows above the input its tasks read in place; with H_PAD_LEFT)
export const HEADER_INTS = 36;

/**
 * One combo = one combination of per-axis phases (transposed) or the whole layer (conv): a stride-1 (transposed)
 * or strided (conv) correlation whose output j sits at outFirst + outStep·j and whose tap t reads input
 * inStep·j + offset[t] on each axis. Fields (int32 index, axis a = 0 D, 1 H, 2 W):
 */
export const C_COUNT = 0; // + a: outputs of the combo on axis a
export const C_OUT_FIRST = 3; // + a
export const C_OUT_STEP = 6; // + a
export const C_IN_STEP = 9; // + a
export const C_TAPS = 12; // + a: taps on axis a
export const C_OFFSETS = 15; // + a: byte address of an int32 array of input offsets, one per tap
export const C_WEIGHTS = 18; // byte address of the packed weights of group 0
export const C_GROUP_BYTES = 19; // bytes between the packed weights of consecutive groups
export const C_K = 20; // K = cinG · taps
export const C_COLUMNS = 21; // N = batch · ∏ count
export const C_K_OFFSETS = 22; // direct: byte address of int32[K], the input byte offset of each K row (tap, ci) from its row base
export const COMBO_INTS = 24;

/**
 * Task, packed and batch-minor layouts: combo, group, first column, end column.
 * Direct: 0, group, n, first row block (MR channels), end row block, first row, end row: those rows ((D, H)
 * positions) of every combo, so the phases that interleave in one output region are computed together.
 */
export const TASK_INTS = 8;
export const T_COMBO = 0;
export const T_GROUP = 1;
export const T_FIRST_COLUMN = 2; // packed, batch-minor
export const T_END_COLUMN = 3; // packed, batch-minor
export const T_N = 2; // direct
export const T_FIRST_BLOCK = 3; // direct
export const T_END_BLOCK = 4; // direct
export const T_FIRST_ROW = 5; // direct
export const T_END_ROW = 6; // direct
/** Winograd: T_FIRST_COLUMN and T_END_COLUMN count output tiles (n, tile row, tile column; winograd-transposed: of phase T_COMBO); then row blocks. */
export const T_WINOGRAD_FIRST_BLOCK = 4;
export const T_WINOGRAD_END_BLOCK = 5;

/**
 * The layouts (how GEMM columns are ordered and read; docs/glossary.md). All three run the same packed weights and
 * MR × NR tiles.
 * PACKED: columns (n, position); B packed per NR-column panel into the thread's workspace (any shape; exact at borders).
 * BATCH_MINOR: columns (position, n), packed like PACKED: each panel is one position of NR images (small phases, batch ≥ 8).
 * DIRECT: B read in place from a W-padded copy of the input — NR consecutive outputs along W of one phase read NR
 * consecutive inputs — for phases at least NR wide.
 * CHANNEL_VECTORS: columns (n, position) as PACKED, nothing packed per call: the vectors run along output channels
 * (two 4-channel blocks of the packed weights) and each of 4 positions' inputs is broadcast from the input in place,
 * for layers with few outputs per phase (kernels/wasm/channel-task.ts).
 */
export const LAYOUT_PACKED = 0;
export const LAYOUT_BATCH_MINOR = 1;
export const LAYOUT_DIRECT = 2;
export const LAYOUT_CHANNEL_VECTORS = 5;
/**
 * WINOGRAD: a stride-1 3×3 conv as F(2×2, 3×3) (kernels/wasm/winograd-task.ts): per task a range of 2×2 output tiles,
 * their 4×4 input tiles transformed (Bᵀ d B) into the workspace, 16 GEMMs on the f32_gemm tile against the weights
 * transformed at pack time (G g Gᵀ), the output transform (Aᵀ m A) with bias and activation as it stores. Reads the
 * input in place, zero outside it (H_PAD_TOP, H_PAD_LEFT): no copy before the threads start.
 */
export const LAYOUT_WINOGRAD = 6;
/**
 * WINOGRAD_STRIDED: a k4 s2 conv as F(3×3, 2×2) (the same task, 3×3 output tiles): its input split into the 4
 * (row, column) phases, each shifted by the padding, so the conv is a stride-1 2×2 correlation over 4·Cin channels
 * (phase (a, b), channel ci: sub-kernel w[2i + a][2j + b]); H_KC holds K = 4·Cin; the tasks read the phases from the
 * input in place.
 */
export const LAYOUT_WINOGRAD_STRIDED = 7;
/**
 * WINOGRAD_TRANSPOSED: a k4 s2 transposed conv as F(3×3, 2×2) per output phase (the same task, 3×3 tiles of one phase's
 * outputs; T_COMBO names the phase): each phase is a stride-1 2×2 correlation of X (taps at offsets o, o + 1 on each
 * axis) whose outputs lie every second row and column; the combo's weights are its sub-kernel transformed at pack time.
 */
export const LAYOUT_WINOGRAD_TRANSPOSED = 8;
/**
 * DENSE: a conv whose kernel covers its input exactly (no padding, dilation 1, groups 1: one output position per
 * image), i.e. a dense layer out[n, co] = Σ_j X[n, j]·W[co, j] over j = (ci, taps), both rows contiguous as they lie
 * (kernels/wasm/dense-task.ts): the weights are copied as they are, not packed. Tasks: T_DENSE_* (4-channel blocks ×
 * images). Its sums run in their own order (4 lanes along K, then a fixed tree), so a shape rule chooses it.
 */
export const LAYOUT_DENSE = 9;
export const T_DENSE_FIRST_BLOCK = 2;
export const T_DENSE_END_BLOCK = 3;
export const T_DENSE_FIRST_IMAGE = 4;
export const T_DENSE_END_IMAGE = 5;
/** Not a conv layout: training's ∂W kernel (kernels/wasm/weight-gradient.ts), its tasks run by the same threads. */
export const LAYOUT_WEIGHT_GRADIENT = 3;

/** Register tile: MR output channels × NR columns (two f32x4 vectors). */
export const MR = 4;
export const NR = 8;

/**
 * A thread's workspace: 16 zero bytes (the source of out-of-range reads), the tile's argument struct, the packed
 * task's state, then (packed and batch-minor layouts) the panels, segment lists and column tables (problem.ts
 * workspaceBytes). Byte offsets; WS_PANELS keeps the panels at the same alignment modulo 64 as the workspace + 16.
 */
export const WS_TILE_ARGS = 16;
export const TILE_ARGS_BYTES = 128;
export const WS_TASK_STATE = 144;
export const TASK_STATE_BYTES = 128;
export const WS_PANELS = 272;
/**
 * The winograd layouts' workspace: 24 vectors of transform scratch at WS_PANELS and the tiling (68 bytes) after them, then from
 * WS_WINOGRAD on the GEMM outputs M[ξ][4 channels][nt tiles] and the transformed input V[ξ][panel][Cin][8 tiles]
 * (winograd.ts winogradWorkspaceBytes).
 */
export const WS_WINOGRAD = 768;

/**
 * Element-wise jobs (kernels/wasm/elementwise.ts): the header's H_LAYOUT is LAYOUT_ELEMENTWISE and H_WORKSPACE the
 * address of the job's ElementwiseArgs (kernels/wasm/elementwise-args.ts); a task is `unitsPerTask` units of it.
 */
export const LAYOUT_ELEMENTWISE = 4;
/** The element-wise kernels a job runs (ElementwiseArgs.kernel). */
export const EW_MAP = 0;
export const EW_ADD = 1;
export const EW_PRELU = 2;
export const EW_GROUP_NORM = 3;
export const EW_SOFTMAX = 4;
export const EW_AFFINE = 5;
export const EW_MATMUL = 6;
export const EW_UP2X = 7;
/** Activation codes (src/engine/ops/activation.ts ACTIVATION_CODES): none, relu, leakyRelu, tanh, sigmoid, silu. */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_TANH = 3;
export const ACT_SIGMOID = 4;
export const ACT_SILU = 5;
/** Byte offsets of ElementwiseArgs' fields (kernels/wasm/elementwise-args.ts; the check build's offsets are tested equal). */
export const EA_X = 0;
export const EA_B = 4;
export const EA_OUT = 8;
export const EA_UNITS = 12;
export const EA_UNITS_PER_TASK = 16;
export const EA_KERNEL = 20;
export const EA_ACTIVATION = 24;
export const EA_ALPHA = 32; // f64
export const EA_INNER = 40;
export const EA_CHANNELS = 44;
export const EA_BLOCK_SIZE = 48;
export const EA_EPSILON = 56; // f64
export const EA_SCALE = 64;
export const EA_SHIFT = 68;
export const EA_FACTOR = 72; // f64
export const EA_OFFSET = 80; // f64
export const EA_DIVIDE = 88;
export const ELEMENTWISE_ARGS_BYTES = 92;
