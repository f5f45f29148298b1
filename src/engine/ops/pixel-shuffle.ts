/**
 * Pixel shuffle (sub-pixel upsampling), torch.nn.PixelShuffle generalised to 1D/2D/3D: channel c·r^R + Σ rₐ·r^(R−1−a)
 * at spatial position (h, w, …) moves to channel c at (h·r + r₀, w·r + r₁, …). pixelUnshuffle is its inverse.
 */
import { TconvError } from '../../shape/errors.ts';
import { checkInteger } from '../../shape/params.ts';
import { type Tensor, tensor } from '../../tensor/tensor.ts';

/**
 * @example
 * pixelShuffle(tensor([1, 4, 1, 1], [1, 2, 3, 4]), 2).data // → [1, 2, 3, 4]   (shape [1, 1, 2, 2])
 */
export function pixelShuffle(input: Tensor, factor: number): Tensor {
  return shuffle(input, factor, 'shuffle');
}

/** The inverse of pixelShuffle: (N, C, H·r, W·r) → (N, C·r², H, W). */
export function pixelUnshuffle(input: Tensor, factor: number): Tensor {
  return shuffle(input, factor, 'unshuffle');
}

function shuffle(input: Tensor, factor: number, direction: 'shuffle' | 'unshuffle'): Tensor {
  const r = checkInteger('factor', factor, 'positive', 'use a whole factor such as 2');
  const rank = input.shape.length - 2;
  if (rank < 1 || rank > 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'input', value: input.shape,
      rule: 'must have 3 to 5 dimensions (N, C, spatial…)', hint: 'pass an NCW, NCHW or NCDHW tensor',
    });
  }
  const [n, channels, ...spatial] = input.shape as [number, number, ...number[]];
  const group = r ** rank;
  // Work in the shuffled (small-channel, large-space) coordinates whichever way we go.
  const c = direction === 'shuffle' ? channels / group : channels;
  if (direction === 'shuffle' && channels % group !== 0) {
    throw new TconvError({
      code: 'groups-mismatch', parameter: 'input', value: input.shape,
      rule: `has ${channels} channels, not divisible by factor^${rank} = ${group}`, hint: `give the input a multiple of ${group} channels`,
    });
  }
  if (direction === 'unshuffle' && spatial.some((s) => s % r !== 0)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'input', value: input.shape,
      rule: `has spatial sizes not divisible by the factor ${r}`, hint: `crop or pad the input to a multiple of ${r}`,
    });
  }
  const small = direction === 'shuffle' ? spatial : spatial.map((s) => s / r);
  const large = small.map((s) => s * r);
  const outShape = direction === 'shuffle' ? [n, c, ...large] : [n, c * group, ...small];
  const out = tensor(outShape);
  const smallSize = small.reduce((a, b) => a * b, 1);
  const largeSize = smallSize * group;
  const position = new Array<number>(rank).fill(0);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let l = 0; l < largeSize; l++) {
        // Decode the large-grid position, split it into (small position, sub-pixel) per axis.
        let rest = l;
        for (let a = rank - 1; a >= 0; a--) { position[a] = rest % large[a]!; rest = Math.floor(rest / large[a]!); }
        let sub = 0;
        let s = 0;
        for (let a = 0; a < rank; a++) { sub = sub * r + (position[a]! % r); s = s * small[a]! + Math.floor(position[a]! / r); }
        const packed = ((b * c + ch) * group + sub) * smallSize + s;
        const spread = (b * c + ch) * largeSize + l;
        if (direction === 'shuffle') out.data[spread] = input.data[packed]!;
        else out.data[packed] = input.data[spread]!;
      }
    }
  }
  return out;
}
