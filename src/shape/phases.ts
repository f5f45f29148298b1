/**
 * The polyphase split of a transposed convolution, one axis at a time. This is the one function the fast kernels,
 * the analysis and the explorer share (design.md, "The one idea").
 *
 * Output o sits at full-output index f = o + padBegin. Input i reaches f through tap k when f = i·s + k·d, so the
 * outputs split into s phases by r = f mod s, and phase r is fed by the taps with k·d ≡ r (mod s).
 */
import { gcd } from './formulas.ts';

export interface Phase {
  /** o mod s for the outputs of this phase (phases are listed in this order). */
  readonly outputResidue: number;
  /** (o + padBegin) mod s: the residue of the full-output index. */
  readonly residue: number;
  /** Kernel indices feeding this phase, ascending. Empty: the phase is a hole (bias only). */
  readonly taps: readonly number[];
  /** Output j of the phase (0 ≤ j < outputCount) is output index firstOutput + s·j. */
  readonly firstOutput: number;
  readonly outputCount: number;
  /** Tap taps[t] reads input j + inputOffsets[t] for the phase's output j (skip it when outside the input). */
  readonly inputOffsets: readonly number[];
}

export interface AxisPhases {
  readonly stride: number;
  readonly phases: readonly Phase[];
  /** Every phase has the same number of taps: no checkerboard along this axis. */
  readonly even: boolean;
  /** Phases with no taps at all (gcd(d, s) > 1): whole rows of bias-only outputs. */
  readonly holes: number;
  readonly minTaps: number;
  readonly maxTaps: number;
}

export interface PhaseAxisArgs {
  readonly input: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly output: number;
}

/**
 * @example
 * polyphase({ input: 32, kernel: 7, stride: 2, dilation: 1, padBegin: 3, output: 63 }).phases.map((p) => p.taps)
 * // → [[1, 3, 5], [0, 2, 4, 6]]   (output 0 sits at full index 3, an odd phase)
 */
export function polyphase(axis: PhaseAxisArgs): AxisPhases {
  const { kernel, stride: s, dilation: d, padBegin, output } = axis;
  // Taps grouped by residue of k·d in one pass: O(kernel + stride), not O(kernel · stride) (65536² at the limits).
  const byResidue = new Map<number, number[]>();
  for (let k = 0; k < kernel; k++) {
    const r = (k * d) % s;
    const list = byResidue.get(r);
    if (list) list.push(k);
    else byResidue.set(r, [k]);
  }
  const phases: Phase[] = [];
  for (let rho = 0; rho < s; rho++) {
    const residue = (((rho + padBegin) % s) + s) % s;
    const taps = [...(byResidue.get(residue) ?? [])];
    // f = rho + padBegin + s·j = i·s + k·d  ⇒  i = j + (rho + padBegin − k·d)/s, an exact division.
    const inputOffsets = taps.map((k) => (rho + padBegin - k * d) / s);
    const outputCount = rho < output ? Math.ceil((output - rho) / s) : 0;
    phases.push({ outputResidue: rho, residue, taps, firstOutput: rho, outputCount, inputOffsets });
  }
  const counts = phases.map((p) => p.taps.length);
  const minTaps = counts.reduce((a, b) => Math.min(a, b), Infinity);
  const maxTaps = counts.reduce((a, b) => Math.max(a, b), 0);
  return { stride: s, phases, even: minTaps === maxTaps, holes: counts.filter((c) => c === 0).length, minTaps, maxTaps };
}

/**
 * One axis of either op as the kernels compute it, a gather: output j of a phase is firstOutput + outputStep·j and
 * reads input inputStep·j + inputOffsets[t] through tap taps[t] (skipped outside the input). A transposed conv has one
 * such phase per stride residue (its polyphase split, outputStep s, inputStep 1); an ordinary conv has one phase
 * (outputStep 1, inputStep s, offsets k·d − padBegin). The wasm and native kernels and the analysis read this table;
 * the reference backend keeps the direct definitions (scatter and window) so that it checks them independently.
 */
export interface GatherPhase {
  readonly firstOutput: number;
  readonly outputCount: number;
  readonly outputStep: number;
  readonly inputStep: number;
  readonly taps: readonly number[];
  readonly inputOffsets: readonly number[];
}

/**
 * @example
 * gatherPhases('conv', { input: 9, kernel: 3, stride: 2, dilation: 1, padBegin: 1, output: 5 })
 * // → [{ firstOutput: 0, outputCount: 5, outputStep: 1, inputStep: 2, taps: [0, 1, 2], inputOffsets: [-1, 0, 1] }]
 */
export function gatherPhases(kind: 'convTranspose' | 'conv', axis: PhaseAxisArgs, split?: AxisPhases): GatherPhase[] {
  if (kind === 'conv') {
    const taps = Array.from({ length: axis.kernel }, (_, k) => k);
    // Output o reads input o·s + k·d − padBegin.
    const inputOffsets = taps.map((k) => k * axis.dilation - axis.padBegin);
    return [{ firstOutput: 0, outputCount: axis.output, outputStep: 1, inputStep: axis.stride, taps, inputOffsets }];
  }
  const { stride, phases } = split ?? polyphase(axis);
  return phases.map((p) => ({ firstOutput: p.firstOutput, outputCount: p.outputCount, outputStep: stride, inputStep: 1, taps: p.taps, inputOffsets: p.inputOffsets }));
}

/** Evenness rule with dilation: even iff s = 1, or k mod s = 0 and gcd(d, s) = 1. */
export function isEvenByRule(kernel: number, stride: number, dilation: number): boolean {
  return stride === 1 || (kernel % stride === 0 && gcd(dilation, stride) === 1);
}
