/**
 * Weight packing for the wasm kernels: per combo and group, A[row block][tap][ci][4] — MR = 4 output channels
 * interleaved so the MR × NR tile reads one 16-byte row per K step. Rows past M are zero. Done once per
 * (weights, plan) for prepared weights, or every call into the scratch block (index.ts).
 */
import type { Problem } from './problem.ts';
import { phaseTap, transformKernel, transformSubKernel } from './winograd.ts';

/**
 * Writes the packed weights of every combo and group into `dest` (combo after combo, groups inside), reading the
 * weight in runs so both sides stay in L1. (Walking the packed order instead read the weight one line per value with
 * power-of-two strides: 11 of 14 ms of dcgan-1's ∂X call, 25 ms for dcgan-3's forward weights.)
 * @example
 * packWeights(problem, weight, new Float32Array(packedSize(problem)))
 */
export function packWeights(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  if (problem.layout === 'dense') {
    // A conv weight (Cout, Cin, k…) is already the dense layout's Cout rows of K floats (dense.ts): a copy.
    dest.set(weight);
    return;
  }
  if (problem.layout === 'winograd') {
    packWinograd(problem, weight, dest);
    return;
  }
  if (problem.layout === 'winograd-strided') {
    packWinogradStrided(problem, weight, dest);
    return;
  }
  if (problem.layout === 'winograd-transposed') {
    packWinogradTransposed(problem, weight, dest);
    return;
  }
  const { m, combos, packedFloats, groups } = problem;
  const mtiles = Math.ceil(m / 4);
  // Rows past M (the last row block's padding) are zero.
  let base = 0;
  combos.forEach((combo, s) => {
    for (let g = 0; g < groups; g++) {
      for (let co = m; co < mtiles * 4; co++) {
        const row = base + g * packedFloats[s]! + (co >> 2) * combo.k * 4 + (co & 3);
        for (let kk = 0; kk < combo.k; kk++) dest[row + kk * 4] = 0;
      }
    }
    base += groups * packedFloats[s]!;
  });
  if (problem.kind === 'convTranspose') packTransposed(problem, weight, dest);
  else packConv(problem, weight, dest);
}

/**
 * A conv's weight (Cout, Cin/g, k…): output channel by output channel and tap by tap, each channel's values read in
 * order (kSp apart) and written to its tap's K rows, lane co mod 4 (2× faster than the transposed order below on the
 * unprepared 1×1 convs of a MatMul: 8 vs 16.5 µs for 64×32).
 */
function packConv(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m, kernel, groups } = problem;
  const kSp = kernel[0] * kernel[1] * kernel[2];
  const { tapAt, tapK, tapGroup } = tapTables(problem);
  for (let g = 0; g < groups; g++) {
    for (let co = 0; co < m; co++) {
      const lane = co & 3;
      const block = co >> 2;
      for (let kidx = 0; kidx < kSp; kidx++) {
        const at = tapAt[kidx]!;
        if (at < 0) continue;
        const to = at + g * tapGroup[kidx]! + block * tapK[kidx]! * 4 + lane;
        let from = (g * m + co) * cinG * kSp + kidx;
        for (let ci = 0; ci < cinG; ci++) {
          dest[to + ci * 4] = weight[from]!;
          from += kSp;
        }
      }
    }
  }
}

/**
 * A transposed weight (Cin, Cout/g, k…): row block by row block (MR output channels), input channel by input
 * channel: the block's values for one input channel are one run of the weight, and they go to one line per kernel
 * tap, so both sides stay in L1.
 */
function packTransposed(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m, kernel, groups } = problem;
  const kSp = kernel[0] * kernel[1] * kernel[2];
  const mtiles = Math.ceil(m / 4);
  const { tapAt, tapK, tapGroup } = tapTables(problem);
  for (let g = 0; g < groups; g++) {
    for (let mt = 0; mt < mtiles; mt++) {
      const rows = Math.min(4, m - mt * 4);
      for (let ci = 0; ci < cinG; ci++) {
        for (let r = 0; r < rows; r++) {
          const from = ((g * cinG + ci) * m + mt * 4 + r) * kSp;
          for (let kidx = 0; kidx < kSp; kidx++) {
            const at = tapAt[kidx]!;
            if (at >= 0) dest[at + g * tapGroup[kidx]! + mt * tapK[kidx]! * 4 + ci * 4 + r] = weight[from + kidx]!;
          }
        }
      }
    }
  }
}

/**
 * The winograd layout's weights (kernels/wasm/winograd-task.ts): each 3×3 kernel's U = G g Gᵀ in float64, rounded
 * once to float32, as 16 matrices U[ξ][row block][ci][4] that the f32_gemm tile reads like packed weights (K = Cin);
 * rows past M are zero. Done when weights are packed: once for prepared weights.
 */
function packWinograd(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m } = problem;
  const blocks = Math.ceil(m / 4);
  const xiFloats = blocks * cinG * 4;
  dest.fill(0, 0, 16 * xiFloats);
  const u = new Float64Array(16);
  for (let co = 0; co < m; co++) {
    for (let ci = 0; ci < cinG; ci++) {
      transformKernel(weight, (co * cinG + ci) * 9, u);
      const at = (co >> 2) * cinG * 4 + ci * 4 + (co & 3);
      for (let xi = 0; xi < 16; xi++) dest[xi * xiFloats + at] = u[xi]!;
    }
  }
}

/**
 * The winograd-strided layout's weights: K = 4·Cin rows, row (2·a + b)·Cin + ci holding the 2×2 sub-kernel
 * w[co][ci][2i + a][2j + b] of phase (a, b) transformed (U = G g Gᵀ of F(3×3, 2×2), winograd.ts), as packWinograd.
 */
function packWinogradStrided(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m } = problem;
  const k = 4 * cinG;
  const xiFloats = Math.ceil(m / 4) * k * 4;
  dest.fill(0, 0, 16 * xiFloats);
  const u = new Float64Array(16);
  for (let co = 0; co < m; co++) {
    for (let ci = 0; ci < cinG; ci++) {
      const w = (co * cinG + ci) * 16;
      for (let phase = 0; phase < 4; phase++) {
        const g = w + 4 * (phase >> 1) + (phase & 1);
        transformSubKernel(weight[g]!, weight[g + 2]!, weight[g + 8]!, weight[g + 10]!, u);
        const at = (co >> 2) * k * 4 + (phase * cinG + ci) * 4 + (co & 3);
        for (let xi = 0; xi < 16; xi++) dest[xi * xiFloats + at] = u[xi]!;
      }
    }
  }
}

/**
 * The winograd-transposed layout's weights: per output phase (combo, in order), its 2×2 sub-kernel of the transposed
 * weight (Cin, Cout, 4, 4) — row y, column x the taps reading the phase's offsets min + y, min + x (winograd.ts
 * phaseTap) — transformed (U = G g Gᵀ of F(3×3, 2×2)) as packWinograd, K = Cin.
 */
function packWinogradTransposed(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m, combos } = problem;
  const xiFloats = Math.ceil(m / 4) * cinG * 4;
  dest.fill(0, 0, 16 * xiFloats * combos.length);
  const u = new Float64Array(16);
  combos.forEach((combo, s) => {
    const [, hAxis, wAxis] = combo.axes;
    const ky = [phaseTap(hAxis, 0), phaseTap(hAxis, 1)], kx = [phaseTap(wAxis, 0), phaseTap(wAxis, 1)];
    const base = s * 16 * xiFloats;
    for (let ci = 0; ci < cinG; ci++) {
      for (let co = 0; co < m; co++) {
        const w = (ci * m + co) * 16;
        transformSubKernel(weight[w + 4 * ky[0]! + kx[0]!]!, weight[w + 4 * ky[0]! + kx[1]!]!, weight[w + 4 * ky[1]! + kx[0]!]!, weight[w + 4 * ky[1]! + kx[1]!]!, u);
        const at = base + (co >> 2) * cinG * 4 + ci * 4 + (co & 3);
        for (let xi = 0; xi < 16; xi++) dest[xi * xiFloats + at] = u[xi]!;
      }
    }
  });
}

interface TapTables {
  /** Per kernel tap: its combo's packed block (group 0, row block 0, its tap's first K row); −1 for a tap no combo uses (a phase without outputs). */
  readonly tapAt: Int32Array;
  /** Per kernel tap: its combo's K. */
  readonly tapK: Int32Array;
  /** Per kernel tap: its combo's packed floats per group. */
  readonly tapGroup: Int32Array;
}

/** Made once per problem: training packs changed weights every step, and a step allocates nothing after the first. */
const tapTablesOf = new WeakMap<Problem, TapTables>();

function tapTables(problem: Problem): TapTables {
  const known = tapTablesOf.get(problem);
  if (known) return known;
  const { cinG, kernel, combos, packedFloats, groups } = problem;
  const kSp = kernel[0] * kernel[1] * kernel[2];
  const tapAt = new Int32Array(kSp).fill(-1);
  const tapK = new Int32Array(kSp);
  const tapGroup = new Int32Array(kSp);
  let base = 0;
  combos.forEach((combo, s) => {
    const [d, h, w] = combo.axes;
    let t = 0;
    for (const kd of d.taps) {
      for (const kh of h.taps) {
        for (const kw of w.taps) {
          const kidx = (kd * kernel[1] + kh) * kernel[2] + kw;
          tapAt[kidx] = base + 4 * (t++) * cinG;
          tapK[kidx] = combo.k;
          tapGroup[kidx] = packedFloats[s]!;
        }
      }
    }
    base += groups * packedFloats[s]!;
  });
  const tables = { tapAt, tapK, tapGroup };
  tapTablesOf.set(problem, tables);
  return tables;
}

/** Floats of all packed weights of a problem. */
export function packedSize(problem: Problem): number {
  return problem.packedFloats.reduce((sum, f) => sum + f * problem.groups, 0);
}
