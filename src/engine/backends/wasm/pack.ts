/**
 * Weight packing for the wasm kernels: per combo and group, A[row block][tap][ci][4] — MR = 4 output channels
 * interleaved so the MR × NR tile reads one 16-byte row per K step. Rows past M are zero. Done once per
 * (weights, plan) for prepared weights, or every call into the scratch block (index.ts).
 */
import type { Problem } from './problem.ts';

/**
 * Writes the packed weights of every combo and group into `dest` (combo after combo, groups inside).
 * Row block by row block (MR output channels), channel by channel: the weight's values of the block's channels for
 * one input channel are a few cache lines (a conv's four rows, or one run of a transposed weight), and they go to
 * one line per kernel tap; so both sides stay in L1. (Walking the packed order instead read the weight one line per
 * value with power-of-two strides: 11 of 14 ms of dcgan-1's ∂X call, 25 ms for dcgan-3's forward weights.)
 * @example
 * packWeights(problem, weight, new Float32Array(packedSize(problem)))
 */
export function packWeights(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m, kernel, combos, packedFloats } = problem;
  const groups = problem.groups;
  const kSp = kernel[0] * kernel[1] * kernel[2];
  const transposed = problem.kind === 'convTranspose';
  const mtiles = Math.ceil(m / 4);
  const { tapAt, tapK, tapGroup } = tapTables(problem);
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
  for (let g = 0; g < groups; g++) {
    for (let mt = 0; mt < mtiles; mt++) {
      const rows = Math.min(4, m - mt * 4);
      for (let ci = 0; ci < cinG; ci++) {
        for (let r = 0; r < rows; r++) {
          const co = mt * 4 + r;
          // Transposed weights are (Cin, Cout/g, k…), a conv's (Cout, Cin/g, k…).
          const from = (transposed ? (g * cinG + ci) * m + co : (g * m + co) * cinG + ci) * kSp;
          for (let kidx = 0; kidx < kSp; kidx++) {
            const at = tapAt[kidx]!;
            if (at >= 0) dest[at + g * tapGroup[kidx]! + mt * tapK[kidx]! * 4 + ci * 4 + r] = weight[from + kidx]!;
          }
        }
      }
    }
  }
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
