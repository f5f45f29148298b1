/**
 * The stack builder: add and remove layers (transposed conv, conv, resize, pixel shuffle), see the shapes flow and
 * the compounded overlap, and the stack run on pictures. Shapes and overlap come from src/analysis (resolveStack,
 * stackOverlap) in the worker, so a long stack on a large input never blocks the page.
 */
import type { StackLayer, StackSpec } from '../../../src/analysis/stack.ts';
import { card, el } from '../dom.ts';
import type { ArtifactWeights } from '../engine-worker.ts';
import type { StackLayerKind, StackLayerState } from '../state.ts';
import { ask } from '../worker-client.ts';
import { enginePicture, spreadText } from './evidence.ts';
import { imagePanel } from './image.ts';
import { heatmapView } from './overlap.ts';

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
    const n = index + 1;
    const update = (patch: Partial<StackLayerState>): void => onChange(layers.map((l, i) => (i === index ? { ...l, ...patch } : l)));
    const kind = el('select', { 'aria-label': `layer ${n} type`, 'data-field': 'kind', 'data-key': `stack-${index}-kind` },
      ...(Object.keys(KIND_LABELS) as StackLayerKind[]).map((k) => el('option', { value: k, selected: k === layer.kind, text: KIND_LABELS[k] })));
    kind.addEventListener('change', () => update({ kind: kind.value as StackLayerKind }));
    const number = (field: 'kernel' | 'stride' | 'padding' | 'outputPadding', label: string): HTMLElement => {
      const input = el('input', { type: 'number', min: field === 'kernel' || field === 'stride' ? 1 : 0, value: layer[field], 'aria-label': `layer ${n} ${label}`, 'data-field': field, 'data-key': `stack-${index}-${field}` });
      input.addEventListener('change', () => { if (input.value.trim() !== '') update({ [field]: Number(input.value) }); });
      return el('label', {}, label, input);
    };
    const fields = layer.kind === 'resize' || layer.kind === 'pixelShuffle'
      ? [number('stride', 'factor')]
      : [number('kernel', 'kernel'), number('stride', 'stride'), number('padding', 'padding'), ...(layer.kind === 'convTranspose' ? [number('outputPadding', 'output padding')] : [])];
    if (layer.kind === 'resize') {
      const mode = el('select', { 'aria-label': `layer ${n} resize mode`, 'data-key': `stack-${index}-mode` },
        el('option', { value: 'nearest', selected: layer.mode === 'nearest', text: 'nearest' }),
        el('option', { value: 'bilinear', selected: layer.mode === 'bilinear', text: 'bilinear' }));
      mode.addEventListener('change', () => update({ mode: mode.value as 'nearest' | 'bilinear' }));
      fields.push(mode);
    }
    const remove = el('button', { type: 'button', 'aria-label': `remove layer ${n}`, 'data-key': `stack-remove-${index}`, text: '✕' });
    remove.addEventListener('click', () => onChange(layers.filter((_, i) => i !== index)));
    return el('li', { class: 'stack-layer', 'data-index': index }, kind, ...fields, remove);
  });
  const add = (kind: StackLayerKind, patch: Partial<StackLayerState>, label: string): HTMLElement => {
    const button = el('button', { type: 'button', 'data-key': `stack-add-${kind}`, text: `+ ${label}` });
    button.addEventListener('click', () => onChange([...layers, { kind, kernel: 3, stride: 2, padding: 1, outputPadding: 1, mode: 'nearest', ...patch }]));
    return button;
  };
  const clear = el('button', { type: 'button', 'data-key': 'stack-clear', text: 'Clear the stack' });
  clear.addEventListener('click', () => onChange([]));
  return el('div', { id: 'stack-editor' }, rows.length ? el('ol', { class: 'stack-layers' }, ...rows) : null, el('div', { class: 'stack-buttons' },
    add('convTranspose', {}, 'transposed conv'),
    add('conv', { stride: 1, outputPadding: 0 }, 'conv'),
    add('resize', { kernel: 1, padding: 0, outputPadding: 0 }, 'resize ×2'),
    add('pixelShuffle', { kernel: 1, padding: 0, outputPadding: 0 }, 'pixel shuffle ×2'),
    layers.length ? clear : null));
}

const FIELD_WORDS: Record<string, string> = { kernel: 'kernel', stride: 'stride', padding: 'padding', outputPadding: 'output padding', scale: 'factor', factor: 'factor', dilation: 'dilation' };

/** The library's names in a stack error, in the builder's words: "layers[1].outputPadding" → "layer 2 output padding". */
function worded(text: string): string {
  return text
    .replace(/layers\[(\d+)\]\.(\w+)(\[\d+\])?/g, (_, i: string, field: string) => `layer ${Number(i) + 1} ${FIELD_WORDS[field] ?? field}`)
    .replace(/\boutputPadding\b/g, 'output padding');
}

const list = (values: readonly number[]): string => (values.length <= 1 ? String(values[0] ?? 0) : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`);

export function stackCard(spec: StackSpec, editor: HTMLElement): HTMLElement {
  if (spec.layers.length === 0) {
    return card('stack-card', 'Stack builder', editor,
      el('p', { id: 'stack-empty', text: 'The stack is empty: add a layer with the buttons above, or “Add this layer to the stack” beside the controls.' }));
  }
  const body = el('div', { id: 'stack-body', 'data-pending': 'true' }, el('p', { class: 'note', text: 'Analysing the stack in the worker…' }));
  void ask('stack', { job: 'stackOverlap', spec }).then((response) => {
    if (!response.ok) {
      body.replaceChildren(el('p', { class: 'error', id: 'stack-error', text: worded(response.error) }));
      delete body.dataset.pending;
      return;
    }
    if (response.result.kind !== 'stack') return;
    const { flow, steps, heatmap } = response.result.stack;
    const verdict = heatmap.even
      ? 'Even overlap: with constant weights every interior output of the stack receives the same number of contributions. Random weights (the picture below) can still print a pattern of the strides’ period; ICNR initialisation removes it.'
      : heatmap.ratio === Infinity
        ? 'Holes: some interior outputs receive nothing.'
        : `Uneven overlap: interior outputs receive ${list(heatmap.levels.slice(0, 6))}${heatmap.levels.length > 6 ? ' …' : ''} contributions (the most ${heatmap.ratio.toFixed(2)}× the fewest) — a checkerboard even with constant weights.`;
    const weights = el('select', { id: 'stack-artifact-weights', 'aria-label': 'weights of the stack picture', 'data-key': 'stack-artifact-weights' },
      el('option', { value: 'positive', text: 'random weights' }), el('option', { value: 'icnr', text: 'ICNR weights' }), el('option', { value: 'constant', text: 'constant weights' }));
    const artifactSlot = el('div', {});
    const drawArtifact = (): void => {
      const { canvas, note } = enginePicture('stack-artifact', 'artifact-canvas', spec, weights.value as ArtifactWeights, (spread) => `Constant input, ${weights.selectedOptions[0]?.text ?? ''}: ${spreadText(spread)}.`);
      artifactSlot.replaceChildren(canvas, note);
    };
    weights.addEventListener('change', drawArtifact);
    drawArtifact();
    body.replaceChildren(
      el('p', { id: 'stack-flow', class: 'big-ish', text: flow.join(' → ') }),
      el('p', { id: 'stack-verdict', class: heatmap.even ? 'verdict-even' : 'verdict-uneven', 'data-even': String(heatmap.even), text: verdict }),
      el('ol', { class: 'stack-steps' }, ...steps.map((step) => el('li', {}, `after ${step.description}: `,
        el('span', { class: step.even ? 'verdict-even' : 'verdict-uneven', text: step.even ? 'even' : `uneven (${step.values.slice(0, 6).join(', ')}${step.values.length > 6 ? ' …' : ''})` })))),
      el('h3', { text: 'Compounded overlap' }),
      heatmapView('stack-heatmap', heatmap, [], null, null, () => {}),
      el('div', { class: 'pictures' },
        el('div', {}, el('h3', { text: 'The stack on a constant input' }), weights, artifactSlot),
        imagePanel(spec)));
    delete body.dataset.pending;
  });
  return card('stack-card', 'Stack builder', editor, body);
}
