/**
 * Presets: the article's three examples (with what the article claims), and layers from real decoders.
 * The claims are quoted, not computed: the page shows them beside the library's true sizes.
 */
import type { LayerState, StackLayerState } from './state.ts';

export interface Preset {
  readonly id: string;
  readonly label: string;
  readonly layer: LayerState;
  /** What the widely read article says the output is (a square side), for the article presets. */
  readonly articleClaims?: number;
  readonly stack?: readonly StackLayerState[];
  readonly note: string;
}

const base: LayerState = { rank: 2, input: 32, kernel: 3, stride: 1, padding: 1, dilation: 1, outputPadding: 0, groups: 1, inChannels: 3, outChannels: 3 };
const up = (kernel: number, stride: number, padding: number, outputPadding = 0): StackLayerState =>
  ({ kind: 'convTranspose', kernel, stride, padding, outputPadding, mode: 'nearest' });

export const PRESETS: readonly Preset[] = [
  { id: 'article-k3', label: 'Article: k3 s1 p1', layer: { ...base }, articleClaims: 34, note: 'A stride-1 transposed conv with padding (k−1)/2 keeps the size: the padding is removed from the output.' },
  { id: 'article-k5', label: 'Article: k5 s1 p2', layer: { ...base, kernel: 5, padding: 2 }, articleClaims: 36, note: 'Same rule: k5 with padding 2 keeps 32×32.' },
  { id: 'article-k7', label: 'Article: k7 s2 p3', layer: { ...base, kernel: 7, stride: 2, padding: 3 }, articleClaims: 66, note: '(32−1)·2 − 2·3 + 7 = 63, and 7 is not divisible by 2: a checkerboard.' },
  { id: 'dcgan', label: 'DCGAN k4 s2 p1', layer: { ...base, input: 8, kernel: 4, stride: 2, padding: 1, inChannels: 256, outChannels: 128 },
    stack: [up(4, 2, 1), up(4, 2, 1), up(4, 2, 1), up(4, 2, 1)], note: 'k4 s2 p1 doubles the size and every phase gets 2 taps per axis: even.' },
  { id: 'unet', label: 'U-Net up k2 s2', layer: { ...base, input: 28, kernel: 2, stride: 2, padding: 0, inChannels: 512, outChannels: 256 },
    stack: [up(2, 2, 0), up(2, 2, 0), up(2, 2, 0)], note: 'k2 s2: each output gets exactly one tap, no overlap at all.' },
  { id: 'superres', label: 'Super-resolution k9 s3 p3', layer: { ...base, input: 32, kernel: 9, stride: 3, padding: 3, inChannels: 64, outChannels: 3 },
    stack: [up(9, 3, 3)], note: 'k9 s3: 9 is divisible by 3, every phase gets 3 taps per axis.' },
];
