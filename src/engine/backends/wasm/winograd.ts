/**
 * The winograd layouts of the wasm conv (layout.ts LAYOUT_WINOGRAD and LAYOUT_WINOGRAD_STRIDED,
 * kernels/wasm/winograd-task.ts): which layers they apply to, the rules that choose them, their tasks, workspace and
 * weight transforms. `winograd`, F(2×2, 3×3): a 2×2 output tile of a stride-1 3×3 conv from a 4×4 input tile with 16
 * multiplies per (input channel, output channel) instead of 36. `winograd-strided`, F(3×3, 2×2): a 3×3 output tile of
 * a k4 s2 conv (∂X of a k4 s2 transposed conv) from 4×4 tiles of its input's 4 phases, 16 multiplies per (phase
 * channel, output channel) instead of 36 (docs/kernels.md).
 */
import type { GatherPhase } from '../../../shape/phases.ts';
import type { Plan } from '../../../shape/plan.ts';
import { MR, NR, WS_WINOGRAD } from './layout.ts';

/** A stride-1, undilated, ungrouped 2D 3×3 conv: what F(2×2, 3×3) computes (any batch and padding). */
export function winogradFits(plan: Plan): boolean {
  return plan.kind === 'conv' && plan.rank === 2 && plan.groups === 1
    && plan.axes.every((a) => a.kernel === 3 && a.stride === 1 && a.dilation === 1 && a.padBegin >= 0 && a.padEnd >= 0 && a.output > 0);
}

/** A k4 s2 undilated, ungrouped 2D conv: F(3×3, 2×2) over its input's 4 phases (any batch and padding). */
export function winogradStridedFits(plan: Plan): boolean {
  return plan.kind === 'conv' && plan.rank === 2 && plan.groups === 1
    && plan.axes.every((a) => a.kernel === 4 && a.stride === 2 && a.dilation === 1 && a.padBegin >= 0 && a.padEnd >= 0 && a.output > 0);
}

/** A combo's axes as winograd-transposed reads them ([D, H, W], problem.ts Combo). */
type PhaseAxes = readonly { readonly axes: readonly [GatherPhase, GatherPhase, GatherPhase] }[];

/**
 * A k4 s2 undilated, ungrouped 2D transposed conv whose output phases each read two neighbouring inputs per axis (taps at
 * offsets o and o + 1): F(3×3, 2×2) per phase (any batch, padding and output padding).
 */
export function winogradTransposedFits(plan: Plan, combos: PhaseAxes): boolean {
  return plan.kind === 'convTranspose' && plan.rank === 2 && plan.groups === 1 && combos.length > 0
    && plan.axes.every((a) => a.kernel === 4 && a.stride === 2 && a.dilation === 1 && a.output > 0)
    && combos.every((c) => c.axes.slice(1).every((a) => a.taps.length === 2 && a.inputStep === 1 && a.outputStep === 2
      && Math.abs(a.inputOffsets[0]! - a.inputOffsets[1]!) === 1));
}

/** The kernel index of the tap that reads offset min + y (y = 0, 1) of a phase axis: the 2×2 sub-kernel's row or column y. */
export function phaseTap(axis: GatherPhase, y: number): number {
  const low = Math.min(...axis.inputOffsets);
  return axis.taps[axis.inputOffsets.indexOf(low + y)]!;
}

/** Outputs per tile along each axis: 2 for F(2×2, 3×3), 3 for F(3×3, 2×2). */
export const tileStep = (plan: Plan): 2 | 3 => (plan.axes[0]!.kernel === 4 ? 3 : 2);

/** Output tiles of a plan (all images). */
function tileCount(plan: Plan): number {
  const step = tileStep(plan);
  return plan.batch * Math.ceil(plan.axes[0]!.output / step) * Math.ceil(plan.axes[1]!.output / step);
}

/**
 * The rule of `winograd-strided`, from the shape: K = 4·Cin of at least 128, 32 output channels or more, and 3×3 tiles
 * that waste little (at least 3/4 of the tiles' outputs are the layer's: a 4×4 output in 3×3 tiles computes 36 for
 * 16). Same-process A/B against the layout without it on the bench suite's ∂X convs (docs/kernels.md): dcgan-3, -4
 * and superres (K 256–1024, outputs 8² to 128²) 1.1–1.4× at one thread; dcgan-2 (4×4 outputs) 0.57–0.79×, pix2pix's
 * encoder (K ≤ 128, ≤ 32 channels out) 0.17–0.45×.
 */
export function winogradStridedPays(plan: Plan): boolean {
  if (!winogradStridedFits(plan)) return false;
  const [h, w] = plan.axes;
  const used = (h!.output * w!.output) / (9 * Math.ceil(h!.output / 3) * Math.ceil(w!.output / 3));
  return 4 * plan.inChannels >= 128 && plan.outChannels >= 32 && used >= 0.75;
}

/**
 * The rule of `winograd-transposed`, from the shape: 64+ channels in and 32+ out, with the 3×3 tiles of the output
 * phases at least 9/10 used, or at least 3/4 used with 256+ channels in and 128+ out (the GEMMs then outweigh the
 * transforms). Same-process A/B against the layout without it on the suite's k4 s2 layers (docs/kernels.md, t1 / t2):
 * superres 64→64 @128² (tiles 98% used) 1.12 / 1.00–1.14 CPU, dcgan-3 256→128 @8² (79%) 1.14 / 1.24, dcgan-4 128→64
 * @16² (79%) 1.06 / 0.90 (left out); dcgan-2 (4×4 phases, 44%) 0.73, dcgan-5 (3 out) 0.30, the zoo's dcgan and
 * pix2pix decoders (3–64 channels) 0.16–0.52.
 */
export function winogradTransposedPays(plan: Plan, combos: PhaseAxes): boolean {
  if (!winogradTransposedFits(plan, combos)) return false;
  const outputs = combos.reduce((sum, c) => sum + c.axes[1].outputCount * c.axes[2].outputCount, 0);
  const computed = combos.reduce((sum, c) => sum + 9 * Math.ceil(c.axes[1].outputCount / 3) * Math.ceil(c.axes[2].outputCount / 3), 0);
  const used = outputs / computed;
  const cin = plan.inChannels, cout = plan.outChannels;
  return cin >= 64 && cout >= 32 && (used >= 0.9 || (used >= 0.75 && cin >= 256 && cout >= 128));
}

/**
 * The rule from the shape (never a timing trial, so a layer gives the same bits on every run and thread count): the
 * transforms cost per tile and channel what the GEMM saves per pair of channels, so it pays from enough channels in
 * and out — at least 8 each and 24 together — and from 16 output tiles (an 8×8 output: the smallest measured; a panel
 * of 8 tiles is then full). Same-process A/B against the direct layout on the zoo's 3×3 layers (docs/kernels.md):
 * 1.05–1.46× at one thread on every layer the rule picks; 8→8 channels 0.94–0.96×, 4 or fewer channels on either side
 * 0.35–1.0×.
 */
export function winogradPays(plan: Plan): boolean {
  if (!winogradFits(plan)) return false;
  const cin = plan.inChannels, cout = plan.outChannels;
  return cin >= 8 && cout >= 8 && cin + cout >= WINOGRAD_MIN_CHANNEL_SUM && tileCount(plan) >= 16;
}

/** Channels in plus out from which the winograd layout is chosen (with 8 or more on each side). */
export const WINOGRAD_MIN_CHANNEL_SUM = 24;

/** The transformed input of a task's tiles (16 × Cin × tiles floats) stays within this (L1; 128 KiB measured 1.0–1.2× slower on ldm's 16-channel layers). */
const V_BYTES = 32 * 1024;

/**
 * Tasks (layout.ts TASK_INTS each: 0, 0, first tile, end tile, first row block, end row block): tile ranges of
 * `tilesPerTask` (a multiple of NR, the V budget's), fewer tiles while the threads would get under 4 tasks each, then
 * row blocks split (each such task transforms its tiles' input again: a small part of its work).
 */
export function winogradTasks(plan: Plan, threads: number, phases?: PhaseAxes): { tasks: Int32Array; tilesPerTask: number } {
  // winograd-transposed: the tiles of each output phase (combo), 3×3 over its outputs.
  const tilesOf = phases
    ? phases.map((c) => plan.batch * Math.ceil(c.axes[1].outputCount / 3) * Math.ceil(c.axes[2].outputCount / 3))
    : [tileCount(plan)];
  const tiles = Math.max(...tilesOf);
  const taskCount = (per: number) => tilesOf.reduce((sum, t) => sum + Math.ceil(t / per), 0);
  const cin = winogradK(plan);
  const blocks = Math.ceil(plan.outChannels / MR);
  let per = Math.max(NR, Math.floor(V_BYTES / (64 * cin) / NR) * NR);
  per = Math.min(per, Math.ceil(tiles / NR) * NR);
  const want = 4 * threads;
  while (threads > 1 && per > NR && taskCount(per) < want) per -= NR;
  const tileTasks = taskCount(per);
  const blockSplits = threads > 1 ? Math.min(blocks, Math.ceil(want / tileTasks)) : 1;
  const blocksPer = Math.ceil(blocks / blockSplits);
  const tasks: number[] = [];
  tilesOf.forEach((phaseTiles, combo) => {
    for (let t = 0; t < phaseTiles; t += per) {
      for (let b = 0; b < blocks; b += blocksPer) tasks.push(combo, 0, t, Math.min(phaseTiles, t + per), b, Math.min(blocks, b + blocksPer), 0, 0);
    }
  });
  return { tasks: Int32Array.from(tasks), tilesPerTask: per };
}

/**
 * Bytes of one thread's workspace (kernels/wasm/winograd-task.ts): the scratch before WS_WINOGRAD, then the 16
 * GEMMs' outputs of a task's row blocks (at most 16 × M rounded to MR × tiles floats) and the transformed input
 * (16 × K × tiles floats).
 */
export function winogradWorkspaceBytes(k: number, m: number, tilesPerTask: number): number {
  return Math.ceil((WS_WINOGRAD + 4 * 16 * tilesPerTask * (Math.ceil(m / MR) * MR + k)) / 64) * 64;
}

/** The GEMMs' K: the input channels (winograd, winograd-transposed), or the 4 phases' (winograd-strided). */
export const winogradK = (plan: Plan): number => (plan.kind === 'conv' && tileStep(plan) === 3 ? 4 : 1) * plan.inChannels;

/** G of F(2×2, 3×3) (points 0, 1, −1, ∞): U = G g Gᵀ, 4×4 from 3×3. */
const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]] as const;

/** U = G g Gᵀ of one 3×3 kernel (row-major, the 9 values from `from` on) in float64: `out[4·i + j]` is U[i][j]. */
export function transformKernel(g: Float32Array, from: number, out: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    // Row i of G g, then its product with Gᵀ.
    const gi = G[i]!;
    const r0 = gi[0] * g[from]! + gi[1] * g[from + 3]! + gi[2] * g[from + 6]!;
    const r1 = gi[0] * g[from + 1]! + gi[1] * g[from + 4]! + gi[2] * g[from + 7]!;
    const r2 = gi[0] * g[from + 2]! + gi[1] * g[from + 5]! + gi[2] * g[from + 8]!;
    for (let j = 0; j < 4; j++) {
      const gj = G[j]!;
      out[4 * i + j] = r0 * gj[0] + r1 * gj[1] + r2 * gj[2];
    }
  }
}

/**
 * G of F(3×3, 2×2) (points 0, 1, −1, ∞; its last row negated, as the input transform is F(2×2, 3×3)'s Bᵀ, whose last
 * row is the negative of this tile's): U = G g Gᵀ, 4×4 from 2×2.
 */
const G3 = [[1, 0], [0.5, 0.5], [0.5, -0.5], [0, -1]] as const;

/** U = G g Gᵀ of a 2×2 sub-kernel (g00, g01, g10, g11) in float64: `out[4·i + j]` is U[i][j]. */
export function transformSubKernel(g00: number, g01: number, g10: number, g11: number, out: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    const gi = G3[i]!;
    const r0 = gi[0] * g00 + gi[1] * g10;
    const r1 = gi[0] * g01 + gi[1] * g11;
    for (let j = 0; j < 4; j++) out[4 * i + j] = r0 * G3[j]![0] + r1 * G3[j]![1];
  }
}
