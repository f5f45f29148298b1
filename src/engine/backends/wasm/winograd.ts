/**
 * The winograd layout of the wasm conv (layout.ts LAYOUT_WINOGRAD, kernels/wasm/winograd-task.ts): which layers it
 * applies to, the rule that chooses it, its tasks and its workspace. F(2×2, 3×3): a 2×2 output tile from a 4×4 input
 * tile with 16 multiplies per (input channel, output channel) instead of 36 (docs/kernels.md).
 */
import type { Plan } from '../../../shape/plan.ts';
import { MR, NR, WS_WINOGRAD } from './layout.ts';

/** A stride-1, undilated, ungrouped 2D 3×3 conv: what F(2×2, 3×3) computes (any batch and padding). */
export function winogradFits(plan: Plan): boolean {
  return plan.kind === 'conv' && plan.rank === 2 && plan.groups === 1
    && plan.axes.every((a) => a.kernel === 3 && a.stride === 1 && a.dilation === 1 && a.padBegin >= 0 && a.padEnd >= 0 && a.output > 0);
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
  const [h, w] = plan.axes;
  const tiles = plan.batch * Math.ceil(h!.output / 2) * Math.ceil(w!.output / 2);
  return cin >= 8 && cout >= 8 && cin + cout >= WINOGRAD_MIN_CHANNEL_SUM && tiles >= 16;
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
export function winogradTasks(plan: Plan, threads: number): { tasks: Int32Array; tilesPerTask: number } {
  const [h, w] = plan.axes;
  const tiles = plan.batch * Math.ceil(h!.output / 2) * Math.ceil(w!.output / 2);
  const cin = plan.inChannels;
  const blocks = Math.ceil(plan.outChannels / MR);
  let per = Math.max(NR, Math.floor(V_BYTES / (64 * cin) / NR) * NR);
  per = Math.min(per, Math.ceil(tiles / NR) * NR);
  const want = 4 * threads;
  while (threads > 1 && per > NR && Math.ceil(tiles / per) < want) per -= NR;
  const tileTasks = Math.ceil(tiles / per);
  const blockSplits = threads > 1 ? Math.min(blocks, Math.ceil(want / tileTasks)) : 1;
  const blocksPer = Math.ceil(blocks / blockSplits);
  const tasks: number[] = [];
  for (let t = 0; t < tiles; t += per) {
    for (let b = 0; b < blocks; b += blocksPer) tasks.push(0, 0, t, Math.min(tiles, t + per), b, Math.min(blocks, b + blocksPer), 0, 0);
  }
  return { tasks: Int32Array.from(tasks), tilesPerTask: per };
}

/**
 * Bytes of one thread's workspace (kernels/wasm/winograd-task.ts): the scratch before WS_WINOGRAD, then the 16 GEMMs' outputs of one row block (16 × MR × tiles floats) and the transformed
 * input (16 × Cin × tiles floats).
 */
export function winogradWorkspaceBytes(cin: number, tilesPerTask: number): number {
  return Math.ceil((WS_WINOGRAD + 4 * 16 * tilesPerTask * (MR + cin)) / 64) * 64;
}

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
