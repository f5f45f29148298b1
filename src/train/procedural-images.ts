/**
 * The demo's data, drawn here so nothing is downloaded: grey images of hard-edged discs and rectangles on a flat
 * background. Piecewise constant on purpose: wherever the target is flat, any stride-periodic pattern in a decoder's
 * output is an artifact, which is what the checkerboard measure reads (checkerboard-measure.ts).
 */
import { createRng } from '../tensor/rng.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';

/**
 * count images of size × size in one (count, 1, size, size) tensor, values in [0, 1].
 * @example
 * drawShapes({ count: 4, size: 32, seed: 1 }).shape // → [4, 1, 32, 32]
 */
export function drawShapes(args: { readonly count: number; readonly size: number; readonly seed: number }): Tensor {
  const { count, size } = args;
  const rng = createRng(args.seed);
  const out = tensor([count, 1, size, size]);
  for (let n = 0; n < count; n++) {
    const image = out.data.subarray(n * size * size, (n + 1) * size * size);
    image.fill(rng.uniform(0.05, 0.35));
    const shapes = rng.int(1, 3);
    for (let s = 0; s < shapes; s++) {
      const value = rng.uniform(0.55, 1);
      const cx = rng.uniform(0.2, 0.8) * size;
      const cy = rng.uniform(0.2, 0.8) * size;
      const r = rng.uniform(0.12, 0.3) * size;
      const disc = rng.next() < 0.5;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const dx = x + 0.5 - cx;
          const dy = y + 0.5 - cy;
          const inside = disc ? dx * dx + dy * dy <= r * r : Math.abs(dx) <= r && Math.abs(dy) <= 0.7 * r;
          if (inside) image[y * size + x] = value;
        }
      }
    }
  }
  return out;
}
