/** The single-layer cards below the answer: your layer beside the suggested fix, and the phases and their taps. */
import type { Alternative, ExplainReport } from '../../../src/analysis/explain.ts';
import { resizeConvAlternative } from '../../../src/analysis/subpixel.ts';
import type { LayerSpec } from '../../../src/shape/params.ts';
import { card, el, times } from '../dom.ts';
import type { SuggestedFix } from '../fix.ts';
import { overlapBars, verdictSentence } from './answer.ts';

const name = (a: { kernel: number; stride: number; padding: number; outputPadding: number; dilation: number }): string =>
  `k${a.kernel} s${a.stride} p${a.padding}${a.outputPadding ? ` op${a.outputPadding}` : ''}${a.dilation > 1 ? ` d${a.dilation}` : ''}`;

function side(title: string, report: ExplainReport, id: string): HTMLElement {
  const verdict = verdictSentence(report);
  return el('div', { class: 'compare-side', id },
    el('h3', { text: title }),
    el('p', { class: 'big-ish', text: `${times(report.inputShape)} → ${times(report.outputShape)}` }),
    el('p', { class: verdict.even ? 'verdict-even' : 'verdict-uneven', text: verdict.text }),
    overlapBars(report, `${id}-bars`, 260));
}

export function fixCard(report: ExplainReport, best: SuggestedFix | null, spec: LayerSpec, apply: (alt: Alternative) => void): HTMLElement {
  const axis = report.plan.axes[0]!;
  const yours = name({ kernel: axis.kernel, stride: axis.stride, padding: axis.padding ?? axis.padBegin, outputPadding: axis.outputPadding ?? 0, dilation: axis.dilation });
  const useButton = (alt: Alternative, key: string, text: string, cls = 'alternative'): HTMLButtonElement => {
    const button = el('button', { type: 'button', class: cls, 'data-kernel': alt.kernel, 'data-stride': alt.stride, 'data-key': key, text });
    button.addEventListener('click', () => apply(alt));
    return button;
  };
  let comparison: HTMLElement;
  if (!report.checkerboard) {
    comparison = el('p', { id: 'fix-none', text: 'This layer is already even: no fix needed for its shape. (Random weights can still print a pattern: see “What even means” below.)' });
  } else if (!best) {
    comparison = el('p', { id: 'fix-none', text: 'No artifact-free single layer within the search bounds: try the resize-convolution below.' });
  } else {
    comparison = el('div', {},
      el('div', { class: 'compare' }, side(`Your layer: ${yours}`, report, 'fix-yours'),
        side(`Suggested fix: ${name(best.alt)} (${best.purpose})`, best.report, 'fix-suggested')),
      useButton(best.alt, 'fix-use', `Use ${name(best.alt)}`, 'alternative primary'));
  }
  const others = report.alternatives.map((set) => {
    const choices = set.perAxis[0] ?? [];
    return el('div', {},
      el('h3', { text: `${set.purpose === 'same size' ? 'Keep' : 'Reach'} ${times(set.outputShape)} without a checkerboard` }),
      choices.length === 0 ? el('p', { text: 'No artifact-free single layer within the search bounds.' })
        : el('div', { class: 'choices' }, ...choices.map((alt, i) => useButton(alt, `alt-${set.purpose}-${i}`, `${name(alt)} → ${alt.output}`))));
  });
  let resize: HTMLElement | null = null;
  try {
    const rc = resizeConvAlternative(spec);
    const conv = rc.layers[1]!;
    const pads = conv.kind === 'conv' && conv.pads && typeof conv.pads === 'object' && 'begin' in conv.pads ? ` (pads ${conv.pads.begin.join(',')} before, ${conv.pads.end.join(',')} after)` : '';
    resize = el('p', { id: 'resize-conv' }, el('strong', { text: 'Or resize, then convolve: ' }),
      `nearest upsampling ×${report.plan.axes[0]!.stride}, then a 3×3 convolution${pads}, gives ${times(rc.output)} with no checkerboard from overlap (Odena et al.); it costs ${(rc.flops / rc.transposedFlops).toFixed(2)}× the transposed layer's arithmetic.`);
  } catch (error) {
    resize = el('p', { id: 'resize-conv', text: `Resize-convolution: ${error instanceof Error ? error.message : String(error)}` });
  }
  const sweep = el('table', { id: 'kernel-sweep' },
    el('caption', { text: 'The same layer with nearby kernel sizes' }),
    el('thead', {}, el('tr', {}, ...['kernel', 'output', 'taps per phase', 'verdict'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...report.kernelSweep.map((entry) => el('tr', {},
      el('td', { text: entry.kernel.join('×') }), el('td', { text: times(entry.outputShape) }),
      el('td', { text: entry.phases.map((p) => p.join('/')).join(' · ') }),
      el('td', { class: entry.checkerboard ? 'verdict-uneven' : 'verdict-even', text: entry.checkerboard ? 'checkerboard' : 'even' })))));
  return card('alternatives-card', FIX_TITLE, comparison,
    el('details', { class: 'more' }, el('summary', { text: 'More artifact-free layers, resize-convolution, nearby kernels' }), ...others, resize, el('div', { class: 'table-scroll' }, sweep)));
}

export const FIX_TITLE = 'Your layer vs the suggested fix';
export const PHASES_TITLE = 'Phases and taps: why the bars differ';

/** Phases listed per axis; a stride of 65536 has 65536 of them, all alike but for their taps. */
const MAX_PHASE_ROWS = 16;

export function phasesCard(report: ExplainReport, tapDiagram: Node | null): HTMLElement {
  const rows = report.phaseDetails.flatMap((axis, a) => {
    const shown = axis.slice(0, MAX_PHASE_ROWS).map((phase) => el('tr', {},
      el('td', { text: report.rank > 1 ? String(a) : '–' }),
      el('td', { text: `o mod ${report.plan.axes[a]!.stride} = ${phase.outputResidue}` }),
      el('td', { text: phase.taps.length > 24 ? `${phase.taps.slice(0, 24).join(', ')}, … (${phase.taps.length})` : phase.taps.join(', ') || 'none' }),
      el('td', { class: 'tap-count', text: String(phase.taps.length) }),
      el('td', { text: String(phase.receptiveField) })));
    const more = axis.length - shown.length;
    return more > 0 ? [...shown, el('tr', {}, el('td', { colspan: 5, class: 'note', text: `… and ${more} more phases on this axis` }))] : shown;
  });
  return card('phases-card', PHASES_TITLE,
    el('p', { text: 'A stride-s transposed convolution splits its outputs into s phases per axis (outputs o with the same o mod s). Each phase is fed by its own subset of the kernel’s taps — its sub-kernel. When the phases get different numbers of taps, neighbouring outputs sum different numbers of inputs: that is the checkerboard.' }),
    el('div', { class: 'table-scroll' }, el('table', { id: 'phase-table' },
      el('thead', {}, el('tr', {}, ...['axis', 'phase (outputs)', 'kernel taps', 'count', 'inputs read'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows))),
    el('div', { class: 'table-scroll' }, tapDiagram));
}
