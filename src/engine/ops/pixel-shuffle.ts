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
  // Padded to three spatial axes (leading axes of size 1 and factor 1), so one loop nest serves 1D, 2D and 3D; the
  // innermost loop runs along the last axis: contiguous in the packed tensor, every r-th cell in the spread one.
  const pad = 3 - rank;
  const [s0, s1, s2] = [...new Array<number>(pad).fill(1), ...small] as [number, number, number];
  const [r0, r1, r2] = [...new Array<number>(pad).fill(1), ...new Array<number>(rank).fill(r)] as [number, number, number];
  const l1 = s1 * r1;
  const l2 = s2 * r2;
  const from = input.data;
  const to = out.data;
  const shuffling = direction === 'shuffle';
  for (let bc = 0; bc < n * c; bc++) {
    for (let q0 = 0; q0 < r0; q0++) {
      for (let q1 = 0; q1 < r1; q1++) {
        for (let q2 = 0; q2 < r2; q2++) {
          const packedSub = (bc * group + (q0 * r1 + q1) * r2 + q2) * smallSize;
          for (let i0 = 0; i0 < s0; i0++) {
            for (let i1 = 0; i1 < s1; i1++) {
              const packed = packedSub + (i0 * s1 + i1) * s2;
              const spread = bc * largeSize + ((i0 * r0 + q0) * l1 + i1 * r1 + q1) * l2 + q2;
              if (shuffling) for (let i2 = 0; i2 < s2; i2++) to[spread + i2 * r2] = from[packed + i2]!;
              else for (let i2 = 0; i2 < s2; i2++) to[packed + i2] = from[spread + i2 * r2]!;
            }
          }
        }
      }
    }
  }
  return out;
}
