/**
 * The checkerboard measure of decoder outputs (docs/training.md). On the stride grid, split the output into
 * period × period cells; keep the cells where the target is constant on the cell and a one-pixel margin around it
 * (so an edge's legitimate blur is not counted). A flat target wants a flat cell, so the output's deviation from
 * its cell mean there is artifact.
 * - 'phases' (the checkerboard measure): per image, average that deviation over the flat cells at each of the
 *   period² cell positions (phases); the RMS of these phase means over positions and images. A pattern that repeats
 *   with the stride survives the average; non-periodic noise averages out.
 * - 'cells': the RMS of the deviation itself over the flat cells (periodic and non-periodic detail alike).
 * Both are in image units (targets span [0, 1]); 0 means a flat output wherever the target is flat.
 */
import type { Tensor } from '../tensor/tensor.ts';

/** The per-phase sums, kept between calls (the demo measures every step); grown only for a larger period. */
let phaseScratch = new Float64Array(4);

/**
 * @example
 * checkerboardMeasure(output, target, 2) // → e.g. 0.003 (RMS of the per-phase mean deviations on flat regions)
 */
export function checkerboardMeasure(output: Tensor, target: Tensor, period = 2, mode: 'cells' | 'phases' = 'phases'): number {
  const [n, c, h, w] = target.shape as [number, number, number, number];
  let sum = 0;
  let cells = 0;
  let images = 0;
  let phaseSum = 0;
  const phases = period * period;
  if (phaseScratch.length < phases) phaseScratch = new Float64Array(phases);
  const phase = phaseScratch;
  for (let image = 0; image < n * c; image++) {
    const base = image * h * w;
    phase.fill(0, 0, phases);
    let imageCells = 0;
    for (let y0 = period; y0 + 2 * period <= h; y0 += period) {
      for (let x0 = period; x0 + 2 * period <= w; x0 += period) {
        if (!flat(target.data, base, w, y0 - 1, x0 - 1, period + 2)) continue;
        let mean = 0;
        for (let y = y0; y < y0 + period; y++) for (let x = x0; x < x0 + period; x++) mean += output.data[base + y * w + x]!;
        mean /= period * period;
        for (let y = y0; y < y0 + period; y++) {
          for (let x = x0; x < x0 + period; x++) {
            const d = output.data[base + y * w + x]! - mean;
            sum += d * d;
            phase[(y - y0) * period + (x - x0)]! += d;
          }
        }
        cells++;
        imageCells++;
      }
    }
    if (imageCells > 0) {
      for (let p = 0; p < phases; p++) phaseSum += (phase[p]! / imageCells) ** 2;
      images++;
    }
  }
  if (mode === 'phases') return images > 0 ? Math.sqrt(phaseSum / (images * period * period)) : 0;
  return cells > 0 ? Math.sqrt(sum / (cells * period * period)) : 0;
}

function flat(data: Float32Array, base: number, width: number, y0: number, x0: number, side: number): boolean {
  const value = data[base + y0 * width + x0]!;
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) if (data[base + y * width + x] !== value) return false;
  return true;
}
