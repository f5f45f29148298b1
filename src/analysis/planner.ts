/**
 * Decoder planning: stacks of transposed convolutions that take a size `from` to exactly `to` in a given number of
 * layers, ranked checkerboard-free first (every layer even by the evenness rule), then by cost (FLOPs for the given
 * channels), then by receptive field (larger first: more context per output).
 * A dynamic programme over (layer, intermediate size) keeps the best partial stacks per state, so the search stays
 * small however many layers are asked for.
 */
import { TconvError, budgetOption, workLimit } from '../shape/errors.ts';
import { effectiveKernel, pytorchTransposedOutputSize } from '../shape/formulas.ts';
import { checkInteger, type Rank } from '../shape/params.ts';
import { isEvenByRule } from '../shape/phases.ts';
import { receptiveField } from './receptive-field.ts';
import type { ConvStackLayer } from './stack.ts';

export interface PlanDecoderOptions {
  /** Spatial size of the decoder's input (same on every axis). */
  readonly from: number;
  /** Spatial size to reach exactly. */
  readonly to: number;
  /** Number of transposed layers. */
  readonly layers: number;
  /** Spatial axes (FLOPs scale with kernel^rank and size^rank). Default 2. */
  readonly rank?: Rank;
  readonly maxKernel?: number;
  readonly maxStride?: number;
  /** Channels before each layer and after the last (layers + 1 values), or one number for all. Default 1. */
  readonly channels?: number | readonly number[];
  /** Stacks to return (default 10). */
  readonly limit?: number;
  /** Also consider stride-1 layers (size-keeping refinements). Default false: every layer upsamples. */
  readonly allowStride1?: boolean;
  /**
   * Search budget (default DEFAULT_MAX_PLAN_CANDIDATES): candidate layers tried, bounded before the search as
   * Σ over layers of (sizes reachable there) × (layers per size). Refused up front when the bounds pass it.
   */
  readonly maxCandidates?: number;
}

/** Default search budget of planDecoder, in candidate layers (a bound; the search itself prunes): seconds at most. */
export const DEFAULT_MAX_PLAN_CANDIDATES = 200_000_000;

export interface DecoderLayer {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly input: number;
  readonly output: number;
  readonly even: boolean;
  readonly flops: number;
}

export interface DecoderPlan {
  readonly layers: readonly DecoderLayer[];
  /** Every layer even: no checkerboard from the geometry. */
  readonly even: boolean;
  readonly unevenLayers: number;
  readonly flops: number;
  /** Largest receptive field of an output, in decoder-input pixels per axis. */
  readonly receptiveField: number;
  /** The stack as analysis layers (for stackOverlap, receptiveField, render). */
  readonly stack: readonly ConvStackLayer[];
}

/** A partial stack as a linked list (shared prefixes, no copying while searching). */
interface Partial {
  readonly layer: DecoderLayer | null;
  readonly parent: Partial | null;
  readonly uneven: number;
  readonly flops: number;
}

const better = (a: { uneven: number; flops: number }, b: { uneven: number; flops: number }): number => a.uneven - b.uneven || a.flops - b.flops;

function layersOf(p: Partial): DecoderLayer[] {
  const out: DecoderLayer[] = [];
  for (let n: Partial | null = p; n?.layer; n = n.parent) out.push(n.layer);
  return out.reverse();
}

/** Inserts into a list kept sorted and at most `keep` long; false when the candidate is worse than all kept. */
function offer(list: Partial[], candidate: Partial, keep: number): boolean {
  if (list.length === keep && better(candidate, list[keep - 1]!) >= 0) return false;
  let i = list.length;
  while (i > 0 && better(candidate, list[i - 1]!) < 0) i--;
  list.splice(i, 0, candidate);
  if (list.length > keep) list.pop();
  return true;
}

/**
 * @example
 * planDecoder({ from: 4, to: 64, layers: 4 })[0]!.layers.map((l) => `k${l.kernel} s${l.stride} p${l.padding}`)
 * // → ['k2 s2 p0', 'k2 s2 p0', 'k2 s2 p0', 'k2 s2 p0']
 */
export function planDecoder(options: PlanDecoderOptions): DecoderPlan[] {
  if (options === null || typeof options !== 'object') {
    throw new TconvError({ code: 'invalid-value', parameter: 'options', value: options as unknown, rule: 'must be an object', hint: 'give e.g. { from: 4, to: 64, layers: 4 }' });
  }
  const from = checkInteger('from', options.from, 'positive', 'give the decoder input size, e.g. 4');
  const to = checkInteger('to', options.to, 'positive', 'give the size to reach, e.g. 64');
  const count = checkInteger('layers', options.layers, 'positive', 'use 1 or more layers');
  const rank = options.rank ?? 2;
  const maxKernel = checkInteger('maxKernel', options.maxKernel ?? 7, 'positive', 'use a kernel limit of 1 or more');
  const maxStride = checkInteger('maxStride', options.maxStride ?? 4, 'positive', 'use a stride limit of 1 or more');
  const limit = checkInteger('limit', options.limit ?? 10, 'positive', 'ask for 1 or more stacks');
  const channels = typeof options.channels === 'number' || options.channels === undefined
    ? new Array<number>(count + 1).fill(options.channels ?? 1)
    : [...options.channels];
  if (channels.length !== count + 1) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'channels', value: options.channels,
      rule: `has ${channels.length} values but ${count} layers need ${count + 1} (before each layer and after the last)`,
      hint: `give ${count + 1} channel counts, e.g. ${[512, 256, 128, 64, 3].slice(0, count + 1).join(',')}`,
    });
  }
  channels.forEach((c, i) => {
    checkInteger(`channels[${i}]`, c, 'positive', 'use 1 or more channels');
  });
  const budget = budgetOption('maxCandidates', options.maxCandidates, DEFAULT_MAX_PLAN_CANDIDATES);
  const candidates = searchSize({ count, to, maxKernel, maxStride, allowStride1: options.allowStride1 ?? false }, budget);
  if (candidates > budget) {
    throw workLimit({ what: 'plan', needed: candidates, unit: 'candidate layers', limit: budget, option: 'maxCandidates', flag: '--max-candidates', fix: 'lower --max-kernel, --max-stride or --layers' });
  }

  const keep = Math.max(limit * 3, 30);
  let states = new Map<number, Partial[]>([[from, [{ layer: null, parent: null, uneven: 0, flops: 0 }]]]);
  const allowStride1 = options.allowStride1 ?? false;
  for (let l = 0; l < count; l++) {
    const remaining = count - l - 1;
    const next = new Map<number, Partial[]>();
    for (const [size, partials] of states) {
      for (const layer of transitions(size, maxKernel, maxStride, remaining === 0 ? to : null, to, allowStride1)) {
        if (!canReach(layer.output, to, remaining, maxKernel, maxStride, allowStride1)) continue;
        const flops = 2 * channels[l]! * channels[l + 1]! * size ** rank * layer.kernel ** rank;
        const step: DecoderLayer = { ...layer, flops };
        let list = next.get(layer.output);
        if (!list) {
          list = [];
          next.set(layer.output, list);
        }
        // partials are sorted and this step adds the same cost to each: stop at the first one not kept.
        for (const p of partials) {
          if (!offer(list, { layer: step, parent: p, uneven: p.uneven + (layer.even ? 0 : 1), flops: p.flops + flops }, keep)) break;
        }
      }
    }
    states = next;
  }
  const finals = (states.get(to) ?? []).map((p): DecoderPlan => {
    const layers = layersOf(p);
    const stack = layers.map((x): ConvStackLayer => ({ kind: 'convTranspose', kernel: x.kernel, stride: x.stride, padding: x.padding, outputPadding: x.outputPadding }));
    const rf = receptiveField({ input: from, rank: 1, layers: stack });
    return { layers, even: p.uneven === 0, unevenLayers: p.uneven, flops: p.flops, receptiveField: rf.axes[0]!.maxSize, stack };
  });
  finals.sort((a, b) => a.unevenLayers - b.unevenLayers || a.flops - b.flops || b.receptiveField - a.receptiveField);
  return finals.slice(0, limit);
}

/**
 * An upper bound of the candidate layers the search tries: per layer, (sizes reachable there, at most `to`) ×
 * (layers per size). Stops counting past `budget`.
 */
function searchSize(q: { count: number; to: number; maxKernel: number; maxStride: number; allowStride1: boolean }, budget: number): number {
  const first = q.allowStride1 ? 1 : 2;
  if (q.maxStride * q.maxKernel > budget) return q.maxStride * q.maxKernel;
  let perSize = 0;
  for (let stride = first; stride <= q.maxStride; stride++) {
    for (let kernel = Math.max(stride, q.allowStride1 && stride === 1 ? 2 : 1); kernel <= q.maxKernel; kernel++) {
      perSize += (Math.max(0, Math.ceil((kernel - stride) / 2)) + 1) * stride; // paddings × outputPaddings
    }
  }
  let sizes = 1;
  let total = 0;
  for (let l = 0; l < q.count && total <= budget; l++) {
    total += sizes * perSize;
    sizes = Math.min(q.to, sizes * perSize);
  }
  return total;
}

/** Whether `to` lies between the smallest and largest sizes `remaining` more layers can make from `size`. */
function canReach(size: number, to: number, remaining: number, maxKernel: number, maxStride: number, allowStride1: boolean): boolean {
  let low = size;
  let high = size;
  for (let r = 0; r < remaining; r++) {
    // Smallest growth: s = 1 keeps the size (p ≤ ⌈(K − 1)/2⌉ can shrink it by one at most), s = 2 gives ≥ 2n − 1.
    low = allowStride1 ? Math.max(1, low - 1) : 2 * low - 1;
    high = (high - 1) * maxStride + maxKernel + maxStride - 1;
    if (low > to) return false;
  }
  return low <= to && to <= high;
}

/**
 * Every sensible transposed layer from `size` to a size in [1, cap]: k ≥ s (k < s leaves bias-only holes),
 * s ≤ maxStride (s ≥ 2 unless stride-1 layers are allowed), 0 ≤ p ≤ ⌈(K − s)/2⌉ (more crops real outputs away),
 * 0 ≤ op < s with op > 0 only when p > 0 (op then restores a cropped row instead of adding a bias-only one).
 */
function* transitions(
  size: number, maxKernel: number, maxStride: number, exact: number | null, cap: number, allowStride1: boolean,
): Generator<Omit<DecoderLayer, 'flops'>> {
  for (let stride = allowStride1 ? 1 : 2; stride <= maxStride; stride++) {
    for (let kernel = Math.max(stride, allowStride1 && stride === 1 ? 2 : 1); kernel <= maxKernel; kernel++) {
      const K = effectiveKernel(kernel, 1);
      for (let padding = 0; padding <= Math.ceil((K - stride) / 2); padding++) {
        for (let outputPadding = 0; outputPadding < stride; outputPadding++) {
          if (outputPadding > 0 && padding === 0) continue;
          const output = pytorchTransposedOutputSize(size, kernel, stride, padding, 1, outputPadding);
          if (output < 1 || output > cap || (exact !== null && output !== exact)) continue;
          yield { kernel, stride, padding, outputPadding, input: size, output, even: isEvenByRule(kernel, stride, 1) };
        }
      }
    }
  }
}
