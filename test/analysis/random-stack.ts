/** Random mixed stacks (conv, transposed conv, resize, pixel shuffle) from a seed, small enough to brute-force. */
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import type { StackLayer, StackSpec } from '../../src/analysis/stack.ts';
import { resolveStack } from '../../src/analysis/stack.ts';
import { TconvError } from '../../src/shape/errors.ts';

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(0, values.length - 1)]!;

function randomLayer(rng: Rng, channels: number, rank: number): StackLayer {
  const kind = pick(rng, ['convTranspose', 'convTranspose', 'conv', 'resize', 'pixelShuffle'] as const);
  if (kind === 'resize') return { kind, mode: pick(rng, ['nearest', 'bilinear'] as const), scale: rng.int(1, 3) };
  if (kind === 'pixelShuffle') {
    const factor = rng.int(1, 2);
    return channels % factor ** rank === 0 ? { kind, factor } : { kind: 'resize', mode: 'nearest', scale: factor };
  }
  const kernel = rng.int(1, 5);
  const stride = rng.int(1, 3);
  const dilation = rng.int(1, 2);
  const K = dilation * (kernel - 1) + 1;
  const padding = rng.int(0, Math.max(0, Math.floor((K - 1) / 2)));
  const outChannels = pick(rng, [1, 2, 4]);
  if (kind === 'conv') return { kind, kernel, stride, dilation, padding, outChannels };
  return { kind, kernel, stride, dilation, padding, outputPadding: rng.int(0, Math.max(stride, dilation) - 1), outChannels };
}

/** A random stack that resolves (layers that would leave no output are redrawn). */
export function randomStack(seed: number, options: { rank?: 1 | 2; layers?: number; input?: number } = {}): StackSpec {
  const rng = createRng(seed);
  const rank = options.rank ?? 1;
  const count = options.layers ?? rng.int(1, 4);
  for (let attempt = 0; ; attempt++) {
    const channels = pick(rng, [1, 2, 4]);
    const layers: StackLayer[] = [];
    let c = channels;
    for (let i = 0; i < count; i++) {
      const layer = randomLayer(rng, c, rank);
      layers.push(layer);
      if (layer.kind === 'conv' || layer.kind === 'convTranspose') c = layer.outChannels ?? c;
      else if (layer.kind === 'pixelShuffle') c /= layer.factor ** rank;
    }
    const spec: StackSpec = { input: options.input ?? rng.int(3, 9), rank, channels, layers };
    try {
      const stack = resolveStack(spec);
      if (stack.outputSize.reduce((a, b) => a * b, 1) <= 4096) return spec;
    } catch (error) {
      if (!(error instanceof TconvError) || attempt > 200) throw error;
    }
  }
}
