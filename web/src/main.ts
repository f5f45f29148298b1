/**
 * The tconv explorer. State (in the URL) → library calls → cards. Nothing here computes a size, a phase or an
 * overlap: explainLayer answers at once on this thread (it is cheap at any size); everything whose cost grows with
 * the input — overlap maps, stacks, engine pictures — runs in the worker (worker-client.ts), so no input blocks the page.
 */
import { explainLayer, type Alternative, type ExplainReport } from '../../src/analysis/explain.ts';
import { layerOverlap } from '../../src/analysis/overlap.ts';
import { receptiveField, type ReceptiveField } from '../../src/analysis/receptive-field.ts';
import type { StackSpec } from '../../src/analysis/stack.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { buildControls, LABELS, type LayerField } from './controls.ts';
import { card, el, times } from './dom.ts';
import { PRESETS, type Preset } from './presets.ts';
import { type ExplorerState, type LayerState, LAYER_FIELDS, queryToState, stateToQuery } from './state.ts';
import { ANIMATION_TITLE, animationCard } from './views/animation.ts';
import { answerView, verdictSentence } from './views/answer.ts';
import { EVIDENCE_TITLE, evidenceCard } from './views/evidence.ts';
import { type HeatmapData, MAX_GRID, heatmapOf } from './heatmap-data.ts';
import { EXPLAIN_OPTIONS, type SuggestedFix, suggestedFix } from './fix.ts';
import { FIX_TITLE, PHASES_TITLE, fixCard, phasesCard } from './views/layer.ts';
import { heatmapView } from './views/overlap.ts';
import { tapDiagram } from './views/pictures.ts';
import { stackCard, stackEditor, toStackSpec } from './views/stack.ts';
import { trainCard } from './views/train.ts';
import { ask } from './worker-client.ts';

let state: ExplorerState = queryToState(location.search);
let activePreset: Preset | undefined = PRESETS.find((p) => sameLayer(p.layer, state.layer));
/** A field whose text is not a number (empty, or half typed): the page says so instead of showing an old answer. */
let problem: { field: LayerField; message: string } | null = null;

function sameLayer(a: LayerState, b: LayerState): boolean {
  return LAYER_FIELDS.every((f) => a[f] === b[f]);
}

function layerSpec(layer: LayerState): LayerSpec {
  return {
    kind: 'convTranspose', rank: layer.rank, input: layer.input, kernel: layer.kernel, stride: layer.stride, padding: layer.padding,
    dilation: layer.dilation, outputPadding: layer.outputPadding, groups: layer.groups, inChannels: layer.inChannels, outChannels: layer.outChannels,
  };
}

/** The layer alone as a one-channel stack, for the engine pictures (channels do not change the pattern). */
function layerAsStack(layer: LayerState): StackSpec {
  const { input, rank, kernel, stride, padding, dilation, outputPadding } = layer;
  return { input, rank, channels: 1, layers: [{ kind: 'convTranspose', kernel, stride, padding, dilation, outputPadding, outChannels: 1 }] };
}

/** Library names in error texts → the labels on the page ("outputPadding" → "output padding"). */
function worded(text: string): string {
  let out = text.replace(/\blayers\[\d+\]\./g, '');
  for (const field of LAYER_FIELDS) out = out.replace(new RegExp(`\\b${field}\\b(\\[\\d+\\])?`, 'g'), LABELS[field].toLowerCase());
  return out;
}

/** Which control an error belongs to: "outputPadding[1]" → outputPadding. */
function fieldOf(parameter: string): LayerField | 'general' {
  const name = parameter.replace(/^layers\[\d+\]\./, '').replace(/\[\d+\]$/, '').replace(/^pads\..*/, 'padding');
  return (LAYER_FIELDS as readonly string[]).includes(name) ? (name as LayerField) : 'general';
}

/** A library error in the page's words: "Output padding 2 must be smaller than stride (2) …; use output padding 0 or 1." */
function errorText(error: unknown): { field: LayerField | 'general'; message: string } {
  const e = error as { parameter?: string; value?: unknown; rule?: string; hint?: string };
  if (typeof e.parameter === 'string' && typeof e.rule === 'string') {
    const field = fieldOf(e.parameter);
    const label = field === 'general' ? worded(e.parameter) : LABELS[field];
    return { field, message: `${label} ${JSON.stringify(e.value)} ${worded(e.rule)}; ${worded(e.hint ?? '')}.` };
  }
  return { field: 'general', message: error instanceof Error ? error.message : String(error) };
}

const controls = buildControls({
  change(field, value) {
    problem = null;
    activePreset = undefined;
    commit({ ...state, layer: { ...state.layer, [field]: value }, focus: null });
  },
  invalid(field, message) {
    problem = { field, message };
    schedule();
  },
  preset(preset) {
    problem = null;
    activePreset = preset;
    // A preset sets the stack (its decoder) or clears it: a stack left over from another preset would contradict it.
    commit({ layer: { ...preset.layer }, stack: preset.stack ? preset.stack.map((l) => ({ ...l })) : [], focus: null }, { push: true });
    action = `Preset ${preset.label}.`;
  },
  addToStack() {
    const { kernel, stride, padding, outputPadding, dilation } = state.layer;
    if (dilation !== 1) {
      controls.showError('general', 'The stack builder has no dilation: set dilation 1 to add this layer.');
      return;
    }
    const stack = [...state.stack, { kind: 'convTranspose' as const, kernel, stride, padding, outputPadding, mode: 'nearest' as const }];
    action = `Added k${kernel} s${stride} p${padding} to the stack: ${stack.length} layer${stack.length === 1 ? '' : 's'}.`;
    commit({ ...state, stack });
  },
});
document.getElementById('controls')!.append(controls.element);

function commit(next: ExplorerState, options: { push?: boolean } = {}): void {
  state = next;
  const url = `${location.pathname}?${stateToQuery(state)}`;
  if (options.push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  schedule();
}

/** Redraws once per burst of changes in the same task (Chromium already delivers slider input once a frame). */
let scheduled = false;
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => { scheduled = false; render(); });
}

/** What the user just did ("Preset DCGAN k4 s2 p1."), said before the new answer in the live region. */
let action = '';
let lastAnnounced = '';
function announce(text: string): void {
  const said = action ? `${action} ${text}` : text;
  action = '';
  if (said === lastAnnounced) return;
  lastAnnounced = said;
  document.getElementById('live')!.textContent = said;
}

function applyAlternative(alt: Alternative): void {
  action = `Applied k${alt.kernel} s${alt.stride} p${alt.padding}.`;
  problem = null;
  activePreset = undefined;
  commit({ ...state, layer: { ...state.layer, kernel: alt.kernel, stride: alt.stride, padding: alt.padding, outputPadding: alt.outputPadding, dilation: alt.dilation }, focus: null }, { push: true });

}

function heatmapCard(report: ExplainReport, layer: LayerState): HTMLElement {
  const body = el('div', { id: 'heatmap-body', 'data-pending': 'true' },
    el('p', { class: 'note progress', id: 'heatmap-progress', text: `Counting the contributions of ${times(report.outputShape)} outputs in the worker…` }));
  let rf: ReceptiveField | null | undefined;
  const field = (): ReceptiveField | null => {
    if (rf === undefined) {
      try {
        const { kernel, stride, padding, dilation, outputPadding } = layer;
        rf = receptiveField({ input: report.inputShape, rank: report.plan.rank, layers: [{ kind: 'convTranspose', kernel, stride, padding, dilation, outputPadding }] });
      } catch {
        rf = null;
      }
    }
    return rf;
  };
  const show = (heat: HeatmapData): void => {
    delete body.dataset.pending;
    body.replaceChildren(heatmapView('heatmap', heat, report.inputShape, field, state.focus,
      (focus) => { state = { ...state, focus }; history.replaceState(null, '', `${location.pathname}?${stateToQuery(state)}`); }));
    body.dataset.done = 'true';
  };
  // A small output is counted here in a few milliseconds (no round trip); anything larger in the worker.
  if (report.outputShape.every((n) => n <= MAX_GRID) && report.inputShape.every((n) => n <= MAX_GRID)) {
    show(heatmapOf(layerOverlap(report.plan)));
    return card('heatmap-card', 'Overlap heatmap: contributions per output', body);
  }
  void ask('layer-heatmap', { job: 'layerOverlap', layer: layerSpec(layer) }).then((response) => {
    if (!response.ok) {
      delete body.dataset.pending;
      body.replaceChildren(el('p', { id: 'heatmap-skipped', class: 'refused', text: response.error }));
      return;
    }
    if (response.result.kind === 'heatmap') show(response.result.heatmap);
  });
  return card('heatmap-card', 'Overlap heatmap: contributions per output', body);
}

/**
 * A card further down the page, drawn just after the next paint so the answer and the heatmap reach the screen first
 * (the tap diagram alone is a few thousand SVG nodes); a placeholder with its title holds its place meanwhile.
 * (The evidence card's engine runs are asked for then too.)
 */
function afterPaint(id: string, title: string, draw: () => HTMLElement): HTMLElement {
  const placeholder = card(id, title, el('p', { class: 'note', text: 'Drawing…' }));
  requestAnimationFrame(() => setTimeout(() => {
    if (!placeholder.isConnected) return;
    // Focus parked on the placeholder's heading (its control was redrawn away) moves to the real card's.
    const focused = placeholder.contains(document.activeElement);
    const real = draw();
    placeholder.replaceWith(real);
    if (focused) real.querySelector<HTMLElement>(`#${id}-title`)?.focus();
  }, 0));
  return placeholder;
}

function layerDetails(report: ExplainReport, fix: () => SuggestedFix | null, layer: LayerState): HTMLElement[] {
  return [
    heatmapCard(report, layer),
    afterPaint('evidence-card', EVIDENCE_TITLE, () => evidenceCard(layerAsStack(layer), !report.checkerboard)),
    afterPaint('alternatives-card', FIX_TITLE, () => fixCard(report, fix(), layerSpec(layer), applyAlternative)),
    afterPaint('phases-card', PHASES_TITLE, () => phasesCard(report, tapDiagram(report.plan))),
    afterPaint('animation-card', ANIMATION_TITLE, () => animationCard(report)),
  ];
}

/**
 * Kernels, strides and dilations up to this are explained on the page's thread (a few milliseconds); larger ones
 * can take the library seconds (k = s = 65536: 6 s), so the worker explains them while the page shows progress.
 */
const EXPLAIN_HERE = 64;

const drawn = { details: '', stack: '' };
let explaining = '';

function render(): void {
  const started = performance.now();
  const before = document.activeElement as HTMLElement | null;
  const focusKey = before?.dataset?.key;
  const focusCard = before?.closest?.('section.card')?.id;
  controls.sync(state.layer, activePreset?.id);
  controls.clearErrors();
  const layer = state.layer;
  const key = JSON.stringify(layer);
  if (problem) showInvalid(problem);
  else if (Math.max(layer.kernel, layer.stride, layer.dilation) <= EXPLAIN_HERE) {
    explaining = '';
    try {
      const report = explainLayer(layerSpec(layer), EXPLAIN_OPTIONS);
      showLayer(report, () => suggestedFix(report, layerSpec(layer)), key);
    } catch (error) {
      showInvalid(errorText(error));
    }
  } else if (drawn.details !== key && explaining !== key) {
    explaining = key;
    drawn.details = '';
    document.getElementById('answer-body')!.replaceChildren(el('p', { id: 'explain-progress', class: 'note progress', text: `Working out a layer with kernel ${layer.kernel}, stride ${layer.stride} and dilation ${layer.dilation} in the worker…` }));
    document.getElementById('details')!.replaceChildren();
    void ask('explain', { job: 'explain', layer: layerSpec(layer) }).then((response) => {
      if (JSON.stringify(state.layer) !== key || problem) return;
      explaining = '';
      if (!response.ok) showInvalid(errorText(Object.assign(new Error(response.error), response)));
      else if (response.result.kind === 'explain') { const { report, fix } = response.result; showLayer(report, () => fix, key); }
      document.body.dataset.ready = 'true';
    });
  }
  const stackKey = JSON.stringify([state.layer.input, state.layer.rank, state.stack]);
  if (stackKey !== drawn.stack) {
    const editor = stackEditor(state.stack, (stack) => commit({ ...state, stack }));
    document.getElementById('stack')!.replaceChildren(stackCard(toStackSpec(state.layer.input, state.layer.rank, state.stack), editor));
    drawn.stack = stackKey;
  }
  // The control that had focus may have been redrawn: give focus to its new copy, or to its card's heading.
  if (before && before !== document.body && !before.isConnected) {
    const again = focusKey ? document.querySelector<HTMLElement>(`[data-key="${focusKey}"]`) : null;
    const fallback = focusCard ? document.getElementById(`${focusCard}-title`) : null;
    (again ?? fallback ?? document.getElementById('answer-title'))?.focus();
  }
  document.body.dataset.ready = 'true';
  // scripts/explorer-redraw.ts reads these to say where a redraw's time goes.
  performance.measure('tconv:render', { start: started });
}

/** A field that is not a number, or the library's refusal: said beside the field and in the answer's place. */
function showInvalid(failure: { field: LayerField | 'general'; message: string }): void {
  controls.showError(failure.field, failure.message);
  document.getElementById('answer-body')!.replaceChildren(el('div', { id: 'invalid-card', class: 'invalid' },
    el('p', { class: 'big', text: '—' }),
    el('p', { id: 'invalid-message', text: `Not a valid layer yet. ${failure.message}` })));
  document.getElementById('details')!.replaceChildren();
  drawn.details = '';
  explaining = '';
  announce(failure.message);
}

function showLayer(report: ExplainReport, fix: () => SuggestedFix | null, key: string): void {
  document.getElementById('answer-body')!.replaceChildren(answerView(report, activePreset));
  if (key !== drawn.details) {
    document.getElementById('details')!.replaceChildren(...layerDetails(report, fix, state.layer));
    drawn.details = key;
  }
  announce(`${times(report.inputShape)} to ${times(report.outputShape)}: ${verdictSentence(report).even ? 'even' : 'checkerboard'}.`);
  const weight = document.getElementById('weight-shape');
  if (weight) weight.textContent = `Weight shape: ${report.plan.weightShape.join('×')} (in channels × out channels per group × kernel).`;
}

window.addEventListener('popstate', () => {
  state = queryToState(location.search);
  activePreset = PRESETS.find((p) => sameLayer(p.layer, state.layer));
  problem = null;
  render();
});

render();
// The Train card depends on nothing above; drawn after the first paint, and it runs nothing until Start is pressed.
requestAnimationFrame(() => setTimeout(() => document.getElementById('train')!.append(trainCard()), 0));
void ask('engine', { job: 'engine' }).then((response) => {
  const status = document.getElementById('engine-status')!;
  if (!response.ok || response.result.kind !== 'engine') { status.textContent = 'The engine worker did not start.'; return; }
  const { backend, threads, singleThreadReason } = response.result;
  const engine = backend === 'wasm' ? 'WebAssembly' : backend;
  status.dataset.threads = String(threads);
  status.dataset.isolated = String(globalThis.crossOriginIsolated === true);
  status.textContent = threads > 1
    ? `Engine: ${engine} in a Web Worker, ${threads} threads (this page is cross-origin isolated).`
    : `Engine: ${engine} in a Web Worker, one thread: ${singleThreadReason || 'this machine has one core'}.`;
});
