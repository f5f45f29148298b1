/**
 * The tconv explorer. State (in the URL) → library calls → cards. Nothing here computes a size, a phase or an
 * overlap: explainLayer, layerOverlap, stackOverlap and receptiveField do, exactly as for the CLI.
 */
import { explainLayer, type Alternative, type ExplainReport } from '../../src/analysis/explain.ts';
import { layerOverlap, stackOverlap } from '../../src/analysis/overlap.ts';
import { receptiveField } from '../../src/analysis/receptive-field.ts';
import { resolveStack } from '../../src/analysis/stack.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { card, el, times } from './dom.ts';
import { PRESETS, type Preset } from './presets.ts';
import { type ExplorerState, type LayerState, LAYER_FIELDS, queryToState, stateToQuery } from './state.ts';
import { animationCard } from './views/animation.ts';
import { alternativesCard, outputSizeCard, phasesCard, verdictCard } from './views/layer.ts';
import { overlapCard } from './views/overlap.ts';
import { stackEditor, toStackSpec } from './views/stack.ts';
import { imagePanel } from './views/image.ts';
import { tapDiagram } from './views/pictures.ts';

const MAX_IMAGE_INPUT = 256;
const MAX_IMAGE_OUTPUT = 2048;

let state: ExplorerState = queryToState(location.search);
let activePreset: Preset | undefined = PRESETS.find((p) => sameLayer(p.layer, state.layer));

const LABELS: Record<(typeof LAYER_FIELDS)[number], string> = {
  rank: 'Dimensions', input: 'Input size', kernel: 'Kernel size', stride: 'Stride', padding: 'Padding', dilation: 'Dilation',
  outputPadding: 'Output padding', groups: 'Groups', inChannels: 'In channels', outChannels: 'Out channels',
};

function sameLayer(a: LayerState, b: LayerState): boolean {
  return LAYER_FIELDS.every((f) => a[f] === b[f]);
}

function layerSpec(layer: LayerState): LayerSpec {
  return {
    kind: 'convTranspose', rank: layer.rank, input: layer.input, kernel: layer.kernel, stride: layer.stride, padding: layer.padding,
    dilation: layer.dilation, outputPadding: layer.outputPadding, groups: layer.groups, inChannels: layer.inChannels, outChannels: layer.outChannels,
  };
}

function setState(next: ExplorerState, options: { push?: boolean } = {}): void {
  state = next;
  const url = `${location.pathname}?${stateToQuery(state)}`;
  if (options.push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  render();
}

/** Which control an error belongs to: "outputPadding[1]" → outputPadding. */
function fieldOf(parameter: string): string {
  const name = parameter.replace(/\[\d+\]$/, '').replace(/^pads\..*/, 'padding');
  return (LAYER_FIELDS as readonly string[]).includes(name) ? name : 'general';
}

function controls(): HTMLElement {
  const form = el('form', { id: 'layer-form', onsubmit: 'return false' });
  const rank = el('select', { id: 'field-rank', name: 'rank' },
    el('option', { value: '1', text: '1D', selected: state.layer.rank === 1 }), el('option', { value: '2', text: '2D', selected: state.layer.rank === 2 }));
  rank.addEventListener('change', () => setState({ ...state, layer: { ...state.layer, rank: rank.value === '1' ? 1 : 2 }, focus: null }));
  form.append(el('label', {}, LABELS.rank, rank));
  for (const field of LAYER_FIELDS) {
    if (field === 'rank') continue;
    const input = el('input', { type: 'number', id: `field-${field}`, name: field, value: state.layer[field], step: 1, 'aria-describedby': `error-${field}` });
    input.addEventListener('input', () => {
      if (input.value.trim() === '' || !Number.isFinite(Number(input.value))) return;
      activePreset = undefined;
      setState({ ...state, layer: { ...state.layer, [field]: Number(input.value) }, focus: null });
    });
    form.append(el('label', {}, LABELS[field], input), el('div', { class: 'error', id: `error-${field}`, role: 'alert' }));
  }
  form.append(el('div', { class: 'error', id: 'error-general', role: 'alert' }));
  const presets = el('div', { class: 'presets' }, el('h2', { text: 'Presets' }),
    ...PRESETS.map((preset) => {
      const button = el('button', { type: 'button', 'data-preset': preset.id, text: preset.label });
      button.addEventListener('click', () => {
        activePreset = preset;
        setState({ layer: { ...preset.layer }, stack: preset.stack ? preset.stack.map((l) => ({ ...l })) : state.stack, focus: null }, { push: true });
      });
      return button;
    }));
  return el('div', {}, el('fieldset', {}, el('legend', { text: 'Transposed convolution layer' }), form), presets);
}

function showError(error: unknown): void {
  const parameter = (error as { parameter?: string }).parameter ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const slot = document.getElementById(`error-${fieldOf(parameter)}`) ?? document.getElementById('error-general');
  if (slot) slot.textContent = message;
  document.querySelector(`#field-${fieldOf(parameter)}`)?.setAttribute('aria-invalid', 'true');
}

function clearErrors(): void {
  for (const node of document.querySelectorAll('.error')) node.textContent = '';
  for (const node of document.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

function applyAlternative(alt: Alternative): void {
  activePreset = undefined;
  setState({ ...state, layer: { ...state.layer, kernel: alt.kernel, stride: alt.stride, padding: alt.padding, outputPadding: alt.outputPadding, dilation: alt.dilation }, focus: null }, { push: true });
}

function layerResults(report: ExplainReport): HTMLElement[] {
  return [
    el('div', { class: 'grid2' }, outputSizeCard(report, activePreset), verdictCard(report)),
    phasesCard(report, tapDiagram(report.plan)),
    heatmapResult(report),
    animationCard(report.plan),
    alternativesCard(report, applyAlternative),
  ];
}

/** The heatmap card; for a layer too long to analyse position by position, the library's reason in its place. */
function heatmapResult(report: ExplainReport): HTMLElement {
  const title = 'Overlap heatmap and receptive field';
  try {
    const overlap = layerOverlap(report.plan);
    const { kernel, stride, padding, dilation, outputPadding } = state.layer;
    const rf = receptiveField({ input: report.inputShape, rank: report.plan.rank, layers: [{ kind: 'convTranspose', kernel, stride, padding, dilation, outputPadding }] });
    return overlapCard('heatmap-card', title, overlap, rf, report.inputShape, state.focus,
      (focus) => { state = { ...state, focus }; history.replaceState(null, '', `${location.pathname}?${stateToQuery(state)}`); });
  } catch (error) {
    return card('heatmap-card', title, el('p', { id: 'heatmap-skipped', text: error instanceof Error ? error.message : String(error) }));
  }
}

function stackResults(): HTMLElement {
  const editor = stackEditor(state.stack, (stack) => setState({ ...state, stack }));
  const spec = toStackSpec(state.layer.input, state.layer.rank, state.stack);
  let body: (HTMLElement | null)[] = [];
  try {
    const stack = resolveStack(spec);
    const overlap = stackOverlap(stack);
    const flow = [times(stack.inputSize), ...stack.layers.map((l) => times(l.outputSize))].join(' → ');
    const steps = el('ol', {}, ...overlap.steps.map((step) => el('li', {},
      `${step.description}: `, el('span', { class: step.even ? 'verdict-even' : 'verdict-uneven', text: step.even ? 'even' : `uneven ${step.values.join(':')}` }))));
    body = [
      el('p', { id: 'stack-flow', class: 'big', text: flow }),
      el('p', { id: 'stack-verdict', class: overlap.even ? 'verdict-even' : 'verdict-uneven', text: overlap.even ? 'The stack is even: no checkerboard.' : `The stack is uneven: interior overlap ${overlap.values.slice(0, 6).join(':')}${overlap.values.length > 6 ? '…' : ''} (max/min ${overlap.ratio.toFixed(2)}).` }),
      steps,
      overlapCard('stack-heatmap-card', 'Compounded overlap', overlap, null, stack.inputSize, null, () => {}),
      // The engine runs real tensors here: keep the pictures to sizes a page can draw and a worker can run quickly.
      Math.max(...stack.inputSize) <= MAX_IMAGE_INPUT && Math.max(...stack.layers.flatMap((l) => l.outputSize)) <= MAX_IMAGE_OUTPUT
        ? imagePanel(spec)
        : el('p', { id: 'image-skipped', text: `Pictures run for inputs up to ${MAX_IMAGE_INPUT} and outputs up to ${MAX_IMAGE_OUTPUT} per side; this stack is larger.` }),
    ];
  } catch (error) {
    body = [el('p', { class: 'error', id: 'stack-error', text: error instanceof Error ? error.message : String(error) })];
  }
  return card('stack-card', 'Stack builder', editor, ...body);
}

function render(): void {
  const controlsRoot = document.getElementById('controls')!;
  // Rebuild controls only when values changed from outside (preset, alternative, URL), to keep typing focus.
  const active = document.activeElement as HTMLInputElement | null;
  const typing = active?.closest?.('#layer-form') && active.name && Number(active.value) === state.layer[active.name as keyof LayerState];
  if (!typing) controlsRoot.replaceChildren(controls());
  clearErrors();
  const results = document.getElementById('results')!;
  try {
    const report = explainLayer(layerSpec(state.layer), { alternatives: 4 });
    results.replaceChildren(...layerResults(report));
  } catch (error) {
    showError(error);
    results.replaceChildren(card('invalid-card', 'This layer is not valid', el('p', { id: 'invalid-message', text: error instanceof Error ? error.message : String(error) })));
  }
  document.getElementById('stack')!.replaceChildren(stackResults());
}

window.addEventListener('popstate', () => { state = queryToState(location.search); activePreset = PRESETS.find((p) => sameLayer(p.layer, state.layer)); render(); });
render();
document.body.dataset.ready = 'true';
