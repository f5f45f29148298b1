/**
 * The stack builder: add and remove layers (transposed conv, conv, resize, pixel shuffle), see the shapes flow
 * and the compounded overlap pattern. Shapes and overlap come from src/analysis (resolveStack, stackOverlap).
 */
import type { StackLayer, StackSpec } from '../../../src/analysis/stack.ts';
import { el } from '../dom.ts';
import type { StackLayerKind, StackLayerState } from '../state.ts';

const KIND_LABELS: Record<StackLayerKind, string> = {
  convTranspose: 'transposed conv', conv: 'conv', resize: 'resize', pixelShuffle: 'pixel shuffle',
};

/** The library's stack description for the builder's layers (1 channel, or r^rank before a pixel shuffle). */
export function toStackSpec(input: number, rank: 1 | 2, layers: readonly StackLayerState[]): StackSpec {
  const spec: StackLayer[] = layers.map((layer, i): StackLayer => {
    if (layer.kind === 'resize') return { kind: 'resize', mode: layer.mode, scale: layer.stride };
    if (layer.kind === 'pixelShuffle') return { kind: 'pixelShuffle', factor: layer.stride };
    const next = layers[i + 1];
    const outChannels = next?.kind === 'pixelShuffle' ? next.stride ** rank : 1;
    return layer.kind === 'convTranspose'
      ? { kind: 'convTranspose', kernel: layer.kernel, stride: layer.stride, padding: layer.padding, outputPadding: layer.outputPadding, outChannels }
      : { kind: 'conv', kernel: layer.kernel, stride: layer.stride, padding: layer.padding, outChannels };
  });
  // A pixel shuffle first in the stack needs r^rank input channels.
  const channels = layers[0]?.kind === 'pixelShuffle' ? layers[0].stride ** rank : 1;
  return { input, rank, channels, layers: spec };
}

export function stackEditor(layers: StackLayerState[], onChange: (layers: StackLayerState[]) => void): HTMLElement {
  const rows = layers.map((layer, index) => {
    const update = (patch: Partial<StackLayerState>): void => onChange(layers.map((l, i) => (i === index ? { ...l, ...patch } : l)));
    const kind = el('select', { 'aria-label': `layer ${index + 1} type`, 'data-field': 'kind' },
      ...(Object.keys(KIND_LABELS) as StackLayerKind[]).map((k) => el('option', { value: k, selected: k === layer.kind, text: KIND_LABELS[k] })));
    kind.addEventListener('change', () => update({ kind: kind.value as StackLayerKind }));
    const number = (field: 'kernel' | 'stride' | 'padding' | 'outputPadding', label: string): HTMLElement => {
      const input = el('input', { type: 'number', min: field === 'kernel' || field === 'stride' ? 1 : 0, value: layer[field], 'aria-label': `layer ${index + 1} ${label}`, 'data-field': field });
      input.addEventListener('change', () => update({ [field]: Number(input.value) }));
      return el('label', {}, label, input);
    };
    const fields = layer.kind === 'resize' || layer.kind === 'pixelShuffle'
      ? [number('stride', 'factor')]
      : [number('kernel', 'kernel'), number('stride', 'stride'), number('padding', 'padding'), ...(layer.kind === 'convTranspose' ? [number('outputPadding', 'out pad')] : [])];
    if (layer.kind === 'resize') {
      const mode = el('select', { 'aria-label': `layer ${index + 1} resize mode` },
        el('option', { value: 'nearest', selected: layer.mode === 'nearest', text: 'nearest' }),
        el('option', { value: 'bilinear', selected: layer.mode === 'bilinear', text: 'bilinear' }));
      mode.addEventListener('change', () => update({ mode: mode.value as 'nearest' | 'bilinear' }));
      fields.push(mode);
    }
    const remove = el('button', { 'aria-label': `remove layer ${index + 1}`, text: '✕' });
    remove.addEventListener('click', () => onChange(layers.filter((_, i) => i !== index)));
    return el('div', { class: 'stack-layer', 'data-index': index }, el('strong', { text: `${index + 1}.` }), kind, ...fields, remove);
  });
  const add = (kind: StackLayerKind, patch: Partial<StackLayerState>, label: string): HTMLElement => {
    const button = el('button', { text: `+ ${label}` });
    button.addEventListener('click', () => onChange([...layers, { kind, kernel: 3, stride: 2, padding: 1, outputPadding: 1, mode: 'nearest', ...patch }]));
    return button;
  };
  return el('div', { id: 'stack-editor' }, ...rows, el('div', {},
    add('convTranspose', {}, 'transposed conv'),
    add('conv', { stride: 1, outputPadding: 0 }, 'conv'),
    add('resize', { kernel: 1, padding: 0, outputPadding: 0 }, 'resize ×2'),
    add('pixelShuffle', { kernel: 1, padding: 0, outputPadding: 0 }, 'pixel shuffle ×2')));
}
