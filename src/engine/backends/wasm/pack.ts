/**
 * Weight packing for the wasm kernels: per combo and group, A[row block][tap][ci][4] — MR = 4 output channels
 * interleaved so the MR × NR tile reads one 16-byte row per K step. Rows past M are zero. Done once per
 * (weights, plan) for prepared weights, or every call into the scratch block (index.ts).
 */
import type { Problem } from './problem.ts';

/**
 * Writes the packed weights of every combo and group into `dest` (combo after combo, groups inside).
 * @example
 * packWeights(problem, weight, new Float32Array(packedSize(problem)))
 */
export function packWeights(problem: Problem, weight: Float32Array, dest: Float32Array): void {
  const { cinG, m, kernel, combos, packedFloats } = problem;
  const groups = problem.groups;
  const kSp = kernel[0] * kernel[1] * kernel[2];
  const transposed = problem.kind === 'convTranspose';
  const mtiles = Math.ceil(m / 4);
  let base = 0;
  combos.forEach((combo, s) => {
    const [d, h, w] = combo.axes;
    for (let g = 0; g < groups; g++) {
      let p = base + g * packedFloats[s]!;
      for (let mt = 0; mt < mtiles; mt++) {
        for (const kd of d.taps) {
          for (const kh of h.taps) {
            for (const kw of w.taps) {
              const kidx = (kd * kernel[1] + kh) * kernel[2] + kw;
              for (let ci = 0; ci < cinG; ci++) {
                for (let r = 0; r < 4; r++) {
                  const co = mt * 4 + r;
                  dest[p++] = co >= m ? 0
                    : weight[transposed ? ((g * cinG + ci) * m + co) * kSp + kidx : ((g * m + co) * cinG + ci) * kSp + kidx]!;
                }
              }
            }
          }
        }
      }
    }
    base += groups * packedFloats[s]!;
  });
}

/** Floats of all packed weights of a problem. */
export function packedSize(problem: Problem): number {
  return problem.packedFloats.reduce((sum, f) => sum + f * problem.groups, 0);
}
