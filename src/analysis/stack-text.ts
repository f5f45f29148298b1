/**
 * A one-line way to write a stack, shared by the CLI and the web explorer:
 *   "convT k4 s2 p1 x4"                       four DCGAN-style layers
 *   "conv k3 s2 p1 c8, shuffle 2, bilinear 2, convT k3 s2 p1 op1"
 * Layers are separated by "," or ";"; "x4" (or "×4") repeats a layer. Words: convT (also deconv, convTranspose),
 * conv, nearest N, bilinear N, shuffle N (pixel shuffle). Parameters: k kernel, s stride, p padding, op
 * outputPadding, d dilation, g groups, c output channels; per-axis values as 3x5 (k3x5).
 */
import { TconvError } from '../shape/errors.ts';
import type { PerAxis } from '../shape/params.ts';
import type { ConvStackLayer, StackLayer } from './stack.ts';

const KINDS: Record<string, StackLayer['kind'] | 'nearest' | 'bilinear'> = {
  convt: 'convTranspose', convtranspose: 'convTranspose', deconv: 'convTranspose', tconv: 'convTranspose',
  conv: 'conv', nearest: 'nearest', bilinear: 'bilinear', shuffle: 'pixelShuffle', pixelshuffle: 'pixelShuffle',
};

const PARAMS: Record<string, keyof ConvStackLayer | 'outChannels'> = {
  k: 'kernel', s: 'stride', p: 'padding', op: 'outputPadding', d: 'dilation', g: 'groups', c: 'outChannels',
};

function bad(parameter: string, value: string, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'usage', parameter, value, rule, hint });
}

/** Layers a stack's text may expand to (its analysis has its own, smaller budget: resolveStack's maxLayers). */
export const MAX_TEXT_LAYERS = 100_000;

/**
 * @example
 * parseStack('convT k4 s2 p1 x2, nearest 2')
 * // → [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }, { … same }, { kind: 'resize', mode: 'nearest', scale: 2 }]
 */
export function parseStack(text: string, parameter = 'stack'): StackLayer[] {
  if (typeof text !== 'string') throw bad(parameter, text, 'must be text', 'write layers such as "convT k4 s2 p1 x4"');
  const layers: StackLayer[] = [];
  const items = text.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw bad(parameter, text, 'lists no layer', 'write layers such as "convT k4 s2 p1 x4"');
  for (const item of items) {
    const words = item.split(/\s+/);
    let repeat = 1;
    const last = words[words.length - 1]!;
    const rep = /^[x×*](\d+)$/i.exec(last);
    if (rep && words.length > 1) { repeat = Number(rep[1]); words.pop(); }
    const kind = KINDS[words[0]!.toLowerCase()];
    if (!kind) throw bad(parameter, item, `starts with "${words[0]}", which is not a layer type`, 'start each layer with convT, conv, nearest, bilinear or shuffle');
    let layer: StackLayer;
    if (kind === 'nearest' || kind === 'bilinear' || kind === 'pixelShuffle') {
      const factor = /^s?(\d+)$/.exec(words[1] ?? '');
      if (!factor || words.length > 2) throw bad(parameter, item, 'needs one whole factor', `write e.g. "${words[0]} 2"`);
      layer = kind === 'pixelShuffle' ? { kind, factor: Number(factor[1]) } : { kind: 'resize', mode: kind, scale: Number(factor[1]) };
    } else {
      const spec: Record<string, PerAxis> = {};
      for (const word of words.slice(1)) {
        const m = /^(op|[kspdgc])(\d+(?:[x×]\d+){0,2})$/i.exec(word);
        if (!m) throw bad(parameter, item, `has "${word}", which is not a parameter`, 'use k4, s2, p1, op1, d2, g2 or c64 (per axis: k3x5)');
        const values = m[2]!.split(/[x×]/).map(Number);
        spec[PARAMS[m[1]!.toLowerCase()]!] = values.length === 1 ? values[0]! : values;
      }
      if (spec.kernel === undefined) throw bad(parameter, item, 'has no kernel size', 'add k and the size, e.g. "convT k4 s2 p1"');
      const { outChannels, groups, ...rest } = spec;
      layer = {
        kind, kernel: rest.kernel!, ...rest,
        ...(groups !== undefined ? { groups: groups as number } : {}),
        ...(outChannels !== undefined ? { outChannels: outChannels as number } : {}),
      } as ConvStackLayer;
    }
    // Checked before the copies are made: "x99999999999" would otherwise fill the heap.
    if (layers.length + repeat > MAX_TEXT_LAYERS) {
      throw bad(parameter, item, `makes the stack longer than ${MAX_TEXT_LAYERS} layers`, 'repeat a layer fewer times');
    }
    for (let i = 0; i < repeat; i++) layers.push(layer);
  }
  return layers;
}
