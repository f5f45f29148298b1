/**
 * "What even means", shown rather than asserted: the layer run by the engine (in the worker) on a constant input with
 * constant weights (the overlap itself), random weights (a pattern can appear even when the layer is even) and ICNR
 * weights (every phase the same sub-kernel: the pattern is gone). Numbers are artifactImage's interior spread.
 */
import type { StackSpec } from '../../../src/analysis/stack.ts';
import { card, el } from '../dom.ts';
import type { ArtifactWeights } from '../engine-worker.ts';
import { ask } from '../worker-client.ts';
import { drawGrey } from './canvas.ts';

const KINDS: { weights: ArtifactWeights; title: string; what: string }[] = [
  { weights: 'constant', title: 'Constant weights', what: 'every weight 1: the picture is the overlap itself' },
  { weights: 'positive', title: 'Random weights', what: 'random positive weights (seed 1), like a fresh or learned layer' },
  { weights: 'icnr', title: 'ICNR weights', what: 'ICNR initialisation: every phase the same sub-kernel' },
];

/** The library's names in a refusal, in the page's words ("shape[2] (3) is not a multiple…" → "Kernel size 3 is not…"). */
function worded(text: string): string {
  return text.replace(/^shape\[\d+\] \((\d+)\)/, 'Kernel size $1').replace(/^layers\[\d+\]\.stride \(([^)]*)\)/, 'Stride $1');
}

export const EVIDENCE_TITLE = 'What “even” means';

export const spreadText = (spread: number): string => `interior varies by ${(spread * 100).toFixed(1)}% of its mean`;

/** One engine picture: a canvas, then its numbers, or the library's refusal in its place. */
export function enginePicture(slot: string, id: string, spec: StackSpec, weights: ArtifactWeights, describe: (spread: number) => string): { canvas: HTMLCanvasElement; note: HTMLElement } {
  const canvas = el('canvas', { id, role: 'img', 'aria-label': 'engine output on a constant input', 'data-pending': 'true' });
  const note = el('p', { class: 'note', id: `${id}-note`, text: 'Running in the worker…' });
  void ask(slot, { job: 'artifact', spec, seed: 1, weights }).then((response) => {
    delete canvas.dataset.pending;
    if (!response.ok) {
      canvas.hidden = true;
      note.textContent = worded(response.error);
      note.classList.add('refused');
      canvas.dataset.refused = 'true';
      return;
    }
    if (response.result.kind !== 'picture') return;
    const { shape, values, interiorSpread = 0, backend, ms } = response.result;
    drawGrey(canvas, shape, values, 200);
    canvas.dataset.done = 'true';
    canvas.dataset.spread = String(interiorSpread);
    canvas.setAttribute('aria-label', `${shape.join('×')} engine output: ${spreadText(interiorSpread)}`);
    note.textContent = `${describe(interiorSpread)} (${backend} backend, ${ms.toFixed(0)} ms)`;
  });
  return { canvas, note };
}

export function evidenceCard(spec: StackSpec, even: boolean): HTMLElement {
  const figures = KINDS.map((kind) => {
    const { canvas, note } = enginePicture(`evidence-${kind.weights}`, `evidence-${kind.weights}`, spec, kind.weights,
      (spread) => `${kind.what}: ${spreadText(spread)}.`);
    return el('figure', { class: 'evidence' }, el('figcaption', {}, el('strong', { text: kind.title })), canvas, note);
  });
  return card('evidence-card', EVIDENCE_TITLE,
    el('p', { id: 'even-meaning' },
      el('strong', { text: 'Even' }), ' means equal overlap for constant weights: with every weight equal, every interior output sums the same number of inputs. ',
      'It does not promise a flat picture: with random or learned weights each phase has its own sub-kernel, and their different sums can print a pattern with the stride’s period. ',
      el('a', { href: 'https://arxiv.org/abs/1707.02937', text: 'ICNR initialisation' }), ' gives every phase the same sub-kernel and removes it (the kernel must be a multiple of the stride).'),
    el('p', { class: even ? 'verdict-even' : 'verdict-uneven', id: 'evidence-summary',
      text: even
        ? 'This layer is even: the constant-weight picture is flat inside; random weights may still show a pattern; ICNR weights do not.'
        : 'This layer is uneven: even constant weights print the checkerboard (ICNR needs a kernel that is a multiple of the stride).' }),
    el('div', { class: 'evidence-row' }, ...figures),
    el('p', { class: 'note', text: 'Each picture: the layer run by the engine on a constant input, one channel, grey scaled to its own range (black = its minimum, white = its maximum).' }));
}
