/**
 * Turns a plan into the wasm kernels' work description: combos (one per combination of per-axis phases of a
 * transposed conv, one for an ordinary conv: the plan's gather phases), the layout, the K/N blocking and the tasks.
 * Computed once per (plan, threads) and cached; nothing here depends on the tensors' values. Terms: docs/glossary.md.
 */
import type { GatherPhase } from '../../../shape/phases.ts';
import type { Plan } from '../../../shape/plan.ts';
import {
  LAYOUT_BATCH_MINOR, LAYOUT_CHANNEL_VECTORS, LAYOUT_DENSE, LAYOUT_DIRECT, LAYOUT_PACKED, LAYOUT_WINOGRAD, LAYOUT_WINOGRAD_STRIDED, LAYOUT_WINOGRAD_TRANSPOSED, MR, NR, WS_PANELS, WS_TILE_ARGS, TILE_ARGS_BYTES,
} from './layout.ts';
import {
  tileStep, winogradFits, winogradK, winogradPays, winogradStridedFits, winogradStridedPays, winogradTasks, winogradTransposedFits,
  winogradTransposedPays,
} from './winograd.ts';
import { denseFits, denseTasks } from './dense.ts';

/** One axis of a combo is a gather phase of the plan (src/shape/phases.ts). */
export type ComboAxis = GatherPhase;

export interface Combo {
  /** [D, H, W]. */
  readonly axes: readonly [ComboAxis, ComboAxis, ComboAxis];
  readonly taps: number;
  /** K = cinG · taps. */
  readonly k: number;
  /** GEMM columns: batch · ∏ count. */
  readonly columns: number;
}

/**
 * How a problem's GEMM columns are ordered and read (docs/glossary.md "layout"): `packed` columns (n, position)
 * packed per panel; `batch-minor` columns (position, n) packed per panel; `direct` the input read in place;
 * `channel-vectors` columns (n, position), vectors along output channels, the input read in place; `winograd` a
 * stride-1 3×3 conv as F(2×2, 3×3) over 2×2 output tiles; `winograd-strided` a k4 s2 conv as F(3×3, 2×2) over its
 * input's 4 phases; `winograd-transposed` a k4 s2 transposed conv as F(3×3, 2×2) per output phase (winograd.ts);
 * `dense` a conv with one output per image as a dense layer, its rows read in place (dense.ts).
 */
export type WasmLayout = 'packed' | 'batch-minor' | 'direct' | 'channel-vectors' | 'winograd' | 'winograd-strided' | 'winograd-transposed' | 'dense';

/** The header's int32 code of each layout (layout.ts), converted here and nowhere else. */
export const LAYOUT_CODE: Readonly<Record<WasmLayout, number>> = {
  packed: LAYOUT_PACKED, 'batch-minor': LAYOUT_BATCH_MINOR, direct: LAYOUT_DIRECT, 'channel-vectors': LAYOUT_CHANNEL_VECTORS,
  winograd: LAYOUT_WINOGRAD, 'winograd-strided': LAYOUT_WINOGRAD_STRIDED, 'winograd-transposed': LAYOUT_WINOGRAD_TRANSPOSED,
  dense: LAYOUT_DENSE,
};

export interface Problem {
  readonly kind: Plan['kind'];
  readonly layout: WasmLayout;
  readonly combos: readonly Combo[];
  /** [D, H, W] of input, output and kernel (1D/2D promoted with leading 1s). */
  readonly inSize: readonly [number, number, number];
  readonly outSize: readonly [number, number, number];
  readonly kernel: readonly [number, number, number];
  readonly groups: number;
  readonly cinG: number;
  readonly m: number;
  /** K rows per chunk and columns per task (multiple of NR). */
  readonly kc: number;
  readonly nc: number;
  /** TASK_INTS per task, see src/engine/backends/wasm/layout.ts. */
  readonly tasks: Int32Array;
  /** Floats of packed weights per group of each combo (M rounded up to MR × K; winograd: 16 × M rounded × Cin). */
  readonly packedFloats: readonly number[];
  /** Direct layout: zeros before each input row (each W phase segment, when split) and the padded row length (0 otherwise). */
  readonly padLeft: number;
  /** Direct layout of a conv strided along W: the W phases each padded row is split into (1: not split). */
  readonly splitStep: number;
  readonly paddedW: number;
  /** Winograd layouts: the conv's top padding (with padLeft: where their tasks read the unpadded input from; 0 otherwise). */
  readonly padTop: number;
  /** Direct layout, per combo: the byte offset of each K row (tap, ci) in the padded input from its row base. */
  readonly kOffsets: readonly Int32Array[];
  /** Identifies the packed-weight layout (two plans with the same key share packed weights); the prepared weights' slot key. */
  readonly packKey: string;
}

/** The B panel of one thread holds at most this many floats (kc · nc ≤ PANEL_FLOATS, i.e. 256 KiB). */
export const PANEL_FLOATS = 64 * 1024;
/** K rows per chunk at most; a larger K is split (the output then accumulates over chunks). */
export const KC_MAX = 2048;
const NC_MAX = 256;
const A_BLOCK_BYTES = 512 * 1024;
const OUT_BLOCK_BYTES = 256 * 1024;
const REREAD_INPUT_BYTES = 256 * 1024;

const UNIT: ComboAxis = { outputCount: 1, firstOutput: 0, outputStep: 1, inputStep: 1, taps: [0], inputOffsets: [0] };

function three<T>(values: readonly T[], fill: T): [T, T, T] {
  const out = [...values];
  while (out.length < 3) out.unshift(fill);
  return out as [T, T, T];
}

/** Per-axis combo axes: the plan's gather phases that have outputs. */
function axisOptions(plan: Plan): ComboAxis[][] {
  return plan.gather.map((axis) => axis.filter((p) => p.outputCount > 0));
}

/**
 * @example
 * const plan = planLayer({ kind: 'convTranspose', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 8, outChannels: 4 });
 * describeProblem(plan, 1).combos.length // → 4 phases, 2×2 taps each
 * describeProblem(plan, 1, undefined, false) // the layout chosen were there no winograd layout (A/B scripts)
 */
export function describeProblem(plan: Plan, threads: number, forced?: WasmLayout, allowWinograd = true): Problem {
  const options = three(axisOptions(plan), [UNIT]);
  const cinG = plan.inChannels / plan.groups;
  const m = plan.outChannels / plan.groups;
  const combos: Combo[] = [];
  for (const d of options[0]) {
    for (const h of options[1]) {
      for (const w of options[2]) {
        const taps = d.taps.length * h.taps.length * w.taps.length;
        combos.push({ axes: [d, h, w], taps, k: cinG * taps, columns: plan.batch * d.outputCount * h.outputCount * w.outputCount });
      }
    }
  }
  const maxK = Math.max(1, ...combos.map((s) => s.k));
  const kc = Math.min(maxK, KC_MAX);
  let nc = Math.max(8, Math.min(NC_MAX, Math.floor(PANEL_FLOATS / kc / 8) * 8));
  // Enough tasks for every thread to get several (dynamic scheduling evens out the rest).
  const units = (size: number) => combos.reduce((sum, s) => sum + Math.ceil(s.columns / size), 0) * plan.groups;
  while (threads > 1 && nc > 8 && units(nc) < 4 * threads) nc -= 8;
  // Batch-minor columns make small spatial phases exact (each panel = one position × 8 images: no partial taps).
  const minInner = Math.min(...combos.map((s) => s.axes[2].outputCount * s.axes[1].outputCount));
  const batchMinor = plan.batch >= 8 && minInner < 64;

  // Direct when every phase is at least 8 wide and reads the input contiguously along W (not a strided conv), unless
  // the phases are small and the batch large (batch-minor columns are exact there) or the overlapping last
  // tile of each row would recompute more than 1/8 of the row (e.g. 28 wide: 32 computed).
  const tileW = m === 1 ? 16 : 8;
  const overlapWaste = Math.max(...combos.map((s) => {
    const w = s.axes[2].outputCount;
    const t = w >= tileW ? tileW : 8;
    return (Math.ceil(w / t) * t - w) / w;
  }));
  // And unless the packed weights of all phases exceed A_BLOCK_BYTES (then direct tasks would re-read the input per
  // block of channels, while GEMM packs each input panel once for all channels; e.g. HiFi-GAN's 8 phases × K 1024).
  const sumK = combos.reduce((sum, s) => sum + s.k, 0);
  // Re-reading is cheap while one image's input (per group) stays cache-resident: direct then still wins (dcgan-3,
  // 64 KiB per image: direct 31 vs GEMM 29 GFLOP/s at 1 thread, measured on a Xeon; HiFi-GAN's 512 KiB does not).
  const imageBytes = 4 * cinG * plan.axes.reduce((p, a) => p * a.input, 1);
  const weightsFit = 16 * sumK * Math.ceil(m / 4) <= A_BLOCK_BYTES || imageBytes <= REREAD_INPUT_BYTES;
  // A conv strided along W (its one combo) reads the input split by W phase in the direct layout (splitW below).
  const directOk = combos.every((s) => (s.axes[2].inputStep === 1 || plan.kind === 'conv') && s.axes[2].outputCount >= 8);
  // Channel vectors where an 8-column panel would be part empty (phases under 8 outputs: pix2pix's 2×2 phases) or its
  // per-call packing is long for its K (a 3D kernel's 27+ taps of ≤ 16 channels: unet3d's 4³ convs), with 8 channels
  // to fill the vectors; the zoo's other packed layers ran as fast or faster packed (16 taps of 16 channels at 4×4
  // outputs: 10% slower; docs/perf-log.md, 2026-12-07 wasm-zoo).
  const maxColumns = Math.max(...combos.map((s) => s.columns));
  const maxTaps = Math.max(...combos.map((s) => s.taps));
  const channelVectors = !batchMinor && m >= 8 && (maxColumns < 8 || (cinG <= 16 && maxTaps >= 27));
  const gemm: WasmLayout = batchMinor ? 'batch-minor' : channelVectors ? 'channel-vectors' : 'packed';
  const chosen: WasmLayout = batchMinor || overlapWaste > 0.125 || !weightsFit ? gemm : 'direct';
  // Dense wherever it fits unless another layout is forced (its sums have their own order: a rule, never timing);
  // forced where it does not fit, the layer's own choice.
  if ((!forced || forced === 'dense') && denseFits(plan)) return denseProblem(plan, threads, combos, cinG, m);
  const force = forced === 'dense' ? undefined : forced;
  // A forced layout applies where it can: direct needs directOk, winograd a stride-1 3×3 conv (winograd.ts); the
  // others read any shape. Unforced, winograd where its rule says it pays.
  // A forced winograd layout that does not fit leaves the layer its own choice (winograd's rule included).
  const forcedWinograd = force === 'winograd' || force === 'winograd-strided' || force === 'winograd-transposed';
  const fits = force === 'winograd' ? winogradFits(plan) : force === 'winograd-strided' ? winogradStridedFits(plan)
    : force === 'winograd-transposed' && winogradTransposedFits(plan, combos);
  const wino = fits || ((!force || forcedWinograd) && allowWinograd
    && (winogradPays(plan) || winogradStridedPays(plan) || winogradTransposedPays(plan, combos)));
  const other = forcedWinograd ? undefined : force;
  const layout: WasmLayout = !wino ? (!directOk ? (other === 'direct' || !other ? gemm : other) : other ?? chosen)
    : plan.kind === 'convTranspose' ? 'winograd-transposed' : tileStep(plan) === 3 ? 'winograd-strided' : 'winograd';
  if (layout === 'winograd' || layout === 'winograd-strided' || layout === 'winograd-transposed') return winogradProblem(plan, threads, combos, cinG, m, layout);
  const rowBlocks = Math.ceil(m / MR);
  const tasks: number[] = [];
  if (layout === 'direct') {
    // Row blocks per task: their packed weights for all combos (16 bytes per K row and tile) stay within ~128 KiB
    // (L2), reused over the task's rows. Rows per task: the output they cover (all phases: every element of the
    // region is written by the same task, while its cache lines are resident) stays within ~256 KiB.
    const blocksPerTask = Math.max(1, Math.floor(A_BLOCK_BYTES / (16 * Math.max(1, sumK))));
    const maxRows = Math.max(...combos.map((s) => s.axes[0].outputCount * s.axes[1].outputCount));
    const rowBytes = combos.reduce((sum, s) => sum + s.axes[2].outputCount, 0) * 4 * Math.min(m, blocksPerTask * 4);
    let rowsPer = Math.max(1, Math.min(maxRows, Math.floor(OUT_BLOCK_BYTES / rowBytes)));
    const count = (r: number) => plan.groups * plan.batch * Math.ceil(rowBlocks / blocksPerTask) * Math.ceil(maxRows / r);
    while (threads > 1 && rowsPer > 1 && count(rowsPer) < 8 * threads) rowsPer = Math.ceil(rowsPer / 2);
    for (let g = 0; g < plan.groups; g++) {
      for (let n = 0; n < plan.batch; n++) {
        for (let mt = 0; mt < rowBlocks; mt += blocksPerTask) {
          for (let r = 0; r < maxRows; r += rowsPer) tasks.push(0, g, n, mt, Math.min(rowBlocks, mt + blocksPerTask), r, Math.min(maxRows, r + rowsPer), 0);
        }
      }
    }
  } else if (layout === 'channel-vectors') {
    // Columns per task: a multiple of the tile's 4 positions, small enough for every thread to get several tasks.
    let per = 64;
    const count = (size: number) => combos.reduce((sum, s) => sum + Math.ceil(s.columns / size), 0) * plan.groups;
    while (threads > 1 && per > 4 && count(per) < 4 * threads) per -= 4;
    combos.forEach((s, index) => {
      for (let g = 0; g < plan.groups; g++) {
        for (let c = 0; c < s.columns; c += per) tasks.push(index, g, c, Math.min(s.columns, c + per), 0, 0, 0, 0);
      }
    });
  } else {
    combos.forEach((s, index) => {
      for (let g = 0; g < plan.groups; g++) {
        for (let c = 0; c < s.columns; c += nc) tasks.push(index, g, c, Math.min(s.columns, c + nc), 0, 0, 0, 0);
      }
    });
  }
  // W padding so every W tap of every 8-wide block reads inside the padded row.
  const inW = plan.axes[plan.axes.length - 1]!.input;
  const split = layout === 'direct' ? splitW(combos, inW) : null;
  const direct = split?.combos ?? combos;
  const offsetsW = combos.flatMap((s) => s.axes[2].inputOffsets);
  const padLeft = split ? split.left : layout === 'direct' ? Math.max(0, ...offsetsW.map((o) => -o)) : 0;
  const reach = layout === 'direct' ? Math.max(inW, ...combos.flatMap((s) => s.axes[2].inputOffsets.map((o) => s.axes[2].outputCount + o))) : 0;
  // Split rows: `step` segments of segW floats, each its phase's values after padLeft zeros (pad-input.ts).
  const paddedW = !split ? padLeft + reach : split.step * (padLeft + split.reach);
  const mPadded = Math.ceil(m / MR) * MR;
  return {
    kind: plan.kind, layout, combos: direct, splitStep: split?.step ?? 1,
    inSize: three(plan.axes.map((a) => a.input), 1),
    outSize: three(plan.axes.map((a) => a.output), 1),
    kernel: three(plan.axes.map((a) => a.kernel), 1),
    groups: plan.groups, cinG, m, kc, nc, tasks: Int32Array.from(tasks),
    packedFloats: combos.map((s) => mPadded * s.k),
    padLeft, paddedW: layout === 'direct' ? paddedW : 0, padTop: 0,
    kOffsets: layout === 'direct' ? direct.map((s) => kOffsetsOf(s, plan, cinG, paddedW)) : [],
    packKey: `wasm|${JSON.stringify([plan.kind, plan.groups, cinG, m, plan.weightShape, combos.map((s) => s.axes.map((a) => a.taps))])}`,
  };
}

/** The winograd layouts' problem: tasks, packed-weight size and the padding their tasks apply as they read (winograd.ts). */
function winogradProblem(plan: Plan, threads: number, combos: Combo[], cinG: number, m: number, layout: 'winograd' | 'winograd-strided' | 'winograd-transposed'): Problem {
  const [h, w] = plan.axes;
  const transposed = layout === 'winograd-transposed';
  const { tasks, tilesPerTask } = winogradTasks(plan, threads, transposed ? combos : undefined);
  const k = winogradK(plan);
  return {
    kind: plan.kind, layout, combos, splitStep: 1,
    inSize: three(plan.axes.map((a) => a.input), 1),
    outSize: three(plan.axes.map((a) => a.output), 1),
    kernel: three(plan.axes.map((a) => a.kernel), 1),
    groups: 1, cinG, m, kc: k, nc: tilesPerTask, tasks,
    // winograd-transposed: each phase's transformed sub-kernels (its combo's weights).
    packedFloats: (transposed ? combos : [combos[0]!]).map(() => 16 * Math.ceil(m / MR) * MR * k),
    padLeft: transposed ? 0 : w!.padBegin, paddedW: 0, padTop: transposed ? 0 : h!.padBegin,
    kOffsets: [],
    packKey: `wasm|${layout}|${JSON.stringify([cinG, m, plan.weightShape, transposed ? combos.map((s) => s.axes.map((a) => a.taps)) : 0])}`,
  };
}

/** The dense layout's problem: one combo (K = Cin·taps), its weights copied as they lie (Cout rows of K floats). */
function denseProblem(plan: Plan, threads: number, combos: Combo[], cinG: number, m: number): Problem {
  return {
    kind: plan.kind, layout: 'dense', combos, splitStep: 1,
    inSize: three(plan.axes.map((a) => a.input), 1),
    outSize: three(plan.axes.map((a) => a.output), 1),
    kernel: three(plan.axes.map((a) => a.kernel), 1),
    groups: 1, cinG, m, kc: combos[0]!.k, nc: 0, tasks: denseTasks(plan, threads),
    packedFloats: [m * combos[0]!.k], padLeft: 0, paddedW: 0, padTop: 0, kOffsets: [],
    packKey: `wasm|dense|${JSON.stringify(plan.weightShape)}`,
  };
}

/**
 * A conv strided along W (step s > 1) as the direct layout reads it: each padded input row holds s segments, segment
 * p the values x[p], x[p + s], … after the row's zeros on the left, so tap offset o (phase p = o mod s, shift
 * q = floor(o / s)) reads segment p at j + q — contiguous in the output index j, as the direct tiles need. The W
 * axis becomes unit-step with offsets p · segW + q (segW = padLeft + reach, where padLeft and reach are taken over
 * the shifts q); the sum over taps keeps its order. Null when no axis needs it (unit step, transposed phases).
 */
function splitW(combos: readonly Combo[], inW: number): { step: number; left: number; reach: number; combos: Combo[] } | null {
  const step = combos[0]?.axes[2].inputStep ?? 1;
  if (step === 1 || combos.length !== 1) return null;
  const [d, h, w] = combos[0]!.axes;
  const shifts = w.inputOffsets.map((o) => Math.floor(o / step));
  const left = Math.max(0, ...shifts.map((q) => -q));
  const reach = Math.max(Math.ceil(inW / step), ...shifts.map((q) => w.outputCount + q));
  const segW = left + reach;
  const inputOffsets = w.inputOffsets.map((o, t) => (o - step * shifts[t]!) * segW + shifts[t]!);
  return { step, left, reach, combos: [{ ...combos[0]!, axes: [d, h, { ...w, inputStep: 1, inputOffsets }] }] };
}

/**
 * Bytes of one thread's workspace in the packed and batch-minor layouts (mirrors openTask in
 * kernels/wasm/packed-task.ts): the zero bytes, tile arguments and task state (layout.ts WS_*), the panels (kc rows ×
 * NR columns each), segment lists (2 ints per row at most), per-panel counts and flags and 5 column tables.
 */
export function workspaceBytes(kc: number, nc: number): number {
  const panels = Math.ceil(nc / NR);
  const bytes = WS_PANELS + 4 * (panels * kc * NR + panels * kc * 2 + 2 * panels + 5 * nc);
  return Math.ceil(bytes / 64) * 64;
}

/**
 * The channel-vectors layout's workspace (kernels/wasm/channel-task.ts): the zero bytes, its 4 positions' table
 * (24 ints) and the tap table of 9 ints per tap.
 */
export function channelWorkspaceBytes(combos: readonly Combo[]): number {
  const taps = Math.max(1, ...combos.map((s) => s.taps));
  return Math.ceil((WS_TILE_ARGS + 4 * (24 + 9 * taps)) / 64) * 64;
}

/** The direct layout's workspace: the zero bytes and the tile arguments only (it packs nothing). */
export const DIRECT_WORKSPACE_BYTES = Math.ceil((WS_TILE_ARGS + TILE_ARGS_BYTES) / 64) * 64;

/**
 * Padded input is (N, D, H, C, Wp): row (xd, xh) starts at ((xd·H + xh)·C)·Wp and channel ci of it ci·Wp later.
 * K row (tap (td, th, tw), ci) of output row (jd, jh) reads ((jd·sD + offD)·H + jh·sH + offH)·C·Wp + ci·Wp + offW:
 * the row base plus this table's entry.
 */
function kOffsetsOf(sub: Combo, plan: Plan, cinG: number, paddedW: number): Int32Array {
  const [d, h, w] = sub.axes;
  const inH = plan.axes.length >= 2 ? plan.axes[plan.axes.length - 2]!.input : 1;
  const rowStride = plan.inChannels * paddedW;
  const out = new Int32Array(sub.k);
  let i = 0;
  for (const od of d.inputOffsets) {
    for (const oh of h.inputOffsets) {
      for (const ow of w.inputOffsets) {
        for (let ci = 0; ci < cinG; ci++) out[i++] = 4 * ((od * inH + oh) * rowStride + ci * paddedW + ow);
      }
    }
  }
  return out;
}
