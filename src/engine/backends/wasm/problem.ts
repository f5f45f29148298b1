/**
 * Turns a plan into the wasm kernels' work description: subproblems (one per polyphase phase combination of a
 * transposed conv, one for an ordinary conv: the plan's gather phases), the K/N blocking and the work items.
 * Computed once per (plan, threads) and cached; nothing here depends on the tensors' values.
 */
import type { GatherPhase } from '../../../shape/phases.ts';
import type { Plan } from '../../../shape/plan.ts';

/** One axis of a subproblem is a gather phase of the plan (src/shape/phases.ts). */
export type SubAxis = GatherPhase;

export interface Subproblem {
  /** [D, H, W]. */
  readonly axes: readonly [SubAxis, SubAxis, SubAxis];
  readonly taps: number;
  /** K = Cin/groups · taps. */
  readonly k: number;
  /** GEMM columns: batch · ∏ count. */
  readonly columns: number;
}

export type KernelMode = 'gemm' | 'direct';

export interface Problem {
  readonly kind: Plan['kind'];
  /** GEMM (packed panels, 4×8 tiles) or direct (per output channel, vectorised along W); see src/engine/backends/wasm/layout.ts. */
  readonly mode: KernelMode;
  readonly subs: readonly Subproblem[];
  /** [D, H, W] of input, output and kernel (1D/2D promoted with leading 1s). */
  readonly inSize: readonly [number, number, number];
  readonly outSize: readonly [number, number, number];
  readonly kernel: readonly [number, number, number];
  readonly groups: number;
  readonly cinG: number;
  readonly m: number;
  /** K rows per chunk and columns per work item (multiple of 8). */
  readonly kc: number;
  readonly nc: number;
  readonly batchInner: boolean;
  /** ITEM_INTS per item, see src/engine/backends/wasm/layout.ts. */
  readonly items: Int32Array;
  /** Floats of packed weights per group of each subproblem (M rounded up to 4 × K). */
  readonly packedFloats: readonly number[];
  /** Direct mode: zeros before each input row and the padded row length (0 in GEMM mode). */
  readonly padLeft: number;
  readonly paddedW: number;
  /** Direct mode, per subproblem: the byte offset of each K row (tap, ci) in the padded input from its row base. */
  readonly kOffsets: readonly Int32Array[];
  /** Identifies the packed-weight layout (two plans with the same key share packed weights). */
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

const UNIT: SubAxis = { outputCount: 1, firstOutput: 0, outputStep: 1, inputStep: 1, taps: [0], inputOffsets: [0] };

function three<T>(values: readonly T[], fill: T): [T, T, T] {
  const out = [...values];
  while (out.length < 3) out.unshift(fill);
  return out as [T, T, T];
}

/** Per-axis subproblem axes: the plan's gather phases that have outputs. */
function axisOptions(plan: Plan): SubAxis[][] {
  return plan.gather.map((axis) => axis.filter((p) => p.outputCount > 0));
}

/**
 * @example
 * const plan = planLayer({ kind: 'convTranspose', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 8, outChannels: 4 });
 * describeProblem(plan, 1).subs.length // → 4 phases, 2×2 taps each
 */
export function describeProblem(plan: Plan, threads: number, force?: KernelMode): Problem {
  const options = three(axisOptions(plan), [UNIT]);
  const cinG = plan.inChannels / plan.groups;
  const m = plan.outChannels / plan.groups;
  const subs: Subproblem[] = [];
  for (const d of options[0]) {
    for (const h of options[1]) {
      for (const w of options[2]) {
        const taps = d.taps.length * h.taps.length * w.taps.length;
        subs.push({ axes: [d, h, w], taps, k: cinG * taps, columns: plan.batch * d.outputCount * h.outputCount * w.outputCount });
      }
    }
  }
  const maxK = Math.max(1, ...subs.map((s) => s.k));
  const kc = Math.min(maxK, KC_MAX);
  let nc = Math.max(8, Math.min(NC_MAX, Math.floor(PANEL_FLOATS / kc / 8) * 8));
  // Enough items for every thread to get several (dynamic scheduling evens out the rest).
  const units = (size: number) => subs.reduce((sum, s) => sum + Math.ceil(s.columns / size), 0) * plan.groups;
  while (threads > 1 && nc > 8 && units(nc) < 4 * threads) nc -= 8;
  // Batch-inner columns make small spatial phases exact (each sliver = one position × 8 images: no partial taps).
  const minInner = Math.min(...subs.map((s) => s.axes[2].outputCount * s.axes[1].outputCount));
  const batchInner = plan.batch >= 8 && minInner < 64;

  // Direct when every phase is at least 8 wide and reads the input contiguously along W (not a strided conv), unless
  // the phases are small and the batch large (batch-inner GEMM columns are exact there) or the overlapping last
  // tile of each row would recompute more than 1/8 of the row (e.g. 28 wide: 32 computed).
  const tileW = m === 1 ? 16 : 8;
  const overlapWaste = Math.max(...subs.map((s) => {
    const w = s.axes[2].outputCount;
    const t = w >= tileW ? tileW : 8;
    return (Math.ceil(w / t) * t - w) / w;
  }));
  // And unless the packed weights of all phases exceed A_BLOCK_BYTES (then direct items would re-read the input per
  // block of channels, while GEMM packs each input panel once for all channels; e.g. HiFi-GAN's 8 phases × K 1024).
  const sumK = subs.reduce((sum, s) => sum + s.k, 0);
  // Re-reading is cheap while one image's input (per group) stays cache-resident: direct then still wins (dcgan-3,
  // 64 KiB per image: direct 31 vs GEMM 29 GFLOP/s at 1 thread, measured on a Xeon; HiFi-GAN's 512 KiB does not).
  const imageBytes = 4 * cinG * plan.axes.reduce((p, a) => p * a.input, 1);
  const weightsFit = 16 * sumK * Math.ceil(m / 4) <= A_BLOCK_BYTES || imageBytes <= REREAD_INPUT_BYTES;
  const directOk = subs.every((s) => s.axes[2].inputStep === 1 && s.axes[2].outputCount >= 8);
  const mode: KernelMode = !directOk ? 'gemm' : force ?? (batchInner || overlapWaste > 0.125 || !weightsFit ? 'gemm' : 'direct');
  const mtiles = Math.ceil(m / 4);
  const items: number[] = [];
  if (mode === 'direct') {
    // Tiles per item: their packed weights for all subproblems (16 bytes per K row and tile) stay within ~128 KiB
    // (L2), reused over the item's rows. Rows per item: the output they cover (all phases: every element of the
    // region is written by the same item, while its cache lines are resident) stays within ~256 KiB.
    const perBlock = Math.max(1, Math.floor(A_BLOCK_BYTES / (16 * Math.max(1, sumK))));
    const maxRows = Math.max(...subs.map((s) => s.axes[0].outputCount * s.axes[1].outputCount));
    const rowBytes = subs.reduce((sum, s) => sum + s.axes[2].outputCount, 0) * 4 * Math.min(m, perBlock * 4);
    let rowsPer = Math.max(1, Math.min(maxRows, Math.floor(OUT_BLOCK_BYTES / rowBytes)));
    const count = (r: number) => plan.groups * plan.batch * Math.ceil(mtiles / perBlock) * Math.ceil(maxRows / r);
    while (threads > 1 && rowsPer > 1 && count(rowsPer) < 8 * threads) rowsPer = Math.ceil(rowsPer / 2);
    for (let g = 0; g < plan.groups; g++) {
      for (let n = 0; n < plan.batch; n++) {
        for (let mt = 0; mt < mtiles; mt += perBlock) {
          for (let r = 0; r < maxRows; r += rowsPer) items.push(0, g, n, mt, Math.min(mtiles, mt + perBlock), r, Math.min(maxRows, r + rowsPer), 0);
        }
      }
    }
  } else {
    subs.forEach((s, index) => {
      for (let g = 0; g < plan.groups; g++) {
        for (let c = 0; c < s.columns; c += nc) items.push(index, g, c, Math.min(s.columns, c + nc), 0, 0, 0, 0);
      }
    });
  }
  // W padding so every W tap of every 8-wide block reads inside the padded row.
  const inW = plan.axes[plan.axes.length - 1]!.input;
  const offsetsW = subs.flatMap((s) => s.axes[2].inputOffsets);
  const padLeft = mode === 'direct' ? Math.max(0, ...offsetsW.map((o) => -o)) : 0;
  const reach = mode === 'direct' ? Math.max(inW, ...subs.flatMap((s) => s.axes[2].inputOffsets.map((o) => s.axes[2].outputCount + o))) : 0;
  const mPadded = Math.ceil(m / 4) * 4;
  return {
    kind: plan.kind, mode, subs,
    inSize: three(plan.axes.map((a) => a.input), 1),
    outSize: three(plan.axes.map((a) => a.output), 1),
    kernel: three(plan.axes.map((a) => a.kernel), 1),
    groups: plan.groups, cinG, m, kc, nc, batchInner, items: Int32Array.from(items),
    packedFloats: subs.map((s) => mPadded * s.k),
    padLeft, paddedW: mode === 'direct' ? padLeft + reach : 0,
    kOffsets: mode === 'direct' ? subs.map((s) => kOffsetsOf(s, plan, cinG, padLeft + reach)) : [],
    packKey: JSON.stringify([plan.kind, plan.groups, cinG, m, plan.weightShape, subs.map((s) => s.axes.map((a) => a.taps))]),
  };
}

/**
 * Bytes of one thread's workspace (mirrors runItem in kernels/wasm/kernels.ts): 16 zero bytes, the B panel
 * (kc rows × 8 columns per sliver), segment lists (2 ints per row at most), per-sliver flags and 5 column tables.
 */
export function workspaceBytes(kc: number, nc: number): number {
  const slivers = Math.ceil(nc / 8);
  const bytes = 16 + 4 * (slivers * kc * 8 + slivers * kc * 2 + 2 * slivers + 5 * nc);
  return Math.ceil(bytes / 64) * 64;
}

/**
 * Padded input is (N, D, H, C, Wp): row (xd, xh) starts at ((xd·H + xh)·C)·Wp and channel ci of it ci·Wp later.
 * K row (tap (td, th, tw), ci) of output row (jd, jh) reads ((jd·sD + offD)·H + jh·sH + offH)·C·Wp + ci·Wp + offW:
 * the row base plus this table's entry.
 */
function kOffsetsOf(sub: Subproblem, plan: Plan, cinG: number, paddedW: number): Int32Array {
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
