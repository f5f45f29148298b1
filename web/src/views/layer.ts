/** The single-layer cards: output size with the formula filled in, the verdict, phases and taps, alternatives. */
import type { Alternative, ExplainReport } from '../../../src/analysis/explain.ts';
import { card, el, times } from '../dom.ts';
import type { Preset } from '../presets.ts';

export function outputSizeCard(report: ExplainReport, preset: Preset | undefined): HTMLElement {
  const formulas = report.formulas.map((f, a) =>
    el('div', {}, report.rank > 1 ? `axis ${a}: ` : '', el('span', { class: 'formula', text: f.filled })));
  const claim = preset?.articleClaims !== undefined && report.outputShape.every((n) => n !== preset.articleClaims)
    ? el('p', { id: 'article-claim' },
      el('span', { class: 'claim', text: `The article says ${times(report.outputShape.map(() => preset.articleClaims!))}` }),
      `; the exact size is ${times(report.outputShape)}. ${preset.note}`)
    : preset ? el('p', { text: preset.note }) : null;
  return card('output-card', 'Output size',
    el('div', { class: 'big' }, `${times(report.inputShape)} → `, el('span', { id: 'output-size', text: times(report.outputShape) })),
    el('div', { class: 'formula', text: report.formulas[0]!.formula }),
    ...formulas, claim);
}

export function verdictCard(report: ExplainReport): HTMLElement {
  const even = !report.checkerboard;
  const verdict = even
    ? `Even: every interior output receives ${report.overlapLevels[0] ?? 0} contributions (no checkerboard)`
    : report.overlapRatio === Infinity
      ? 'Holes: some outputs receive no taps at all (worse than a checkerboard)'
      : `Checkerboard: interior overlap ${report.overlapLevels.join(':')} (max/min ${report.overlapRatio.toFixed(2)})`;
  return card('verdict-card', 'Checkerboard verdict',
    el('p', { id: 'verdict', class: even ? 'verdict-even' : 'verdict-uneven', 'data-checkerboard': String(!even), text: verdict }),
    el('ul', {}, ...report.reasons.map((r) => el('li', { text: r }))));
}

export function phasesCard(report: ExplainReport, tapDiagram: Node | null): HTMLElement {
  const rows = report.phaseDetails.flatMap((axis, a) => axis.map((phase) => el('tr', {},
    el('td', { text: report.rank > 1 ? String(a) : '–' }),
    el('td', { text: `o ≡ ${phase.outputResidue} (mod ${report.plan.axes[a]!.stride})` }),
    el('td', { text: phase.taps.join(', ') || 'none' }),
    el('td', { class: 'tap-count', text: String(phase.taps.length) }),
    el('td', { text: String(phase.receptiveField) }))));
  return card('phases-card', 'Phases and taps',
    el('p', { text: 'Output o takes the kernel taps k with o + padding ≡ k·dilation (mod stride): one sub-kernel per phase. Unequal tap counts are the checkerboard.' }),
    el('table', { id: 'phase-table' },
      el('thead', {}, el('tr', {}, ...['axis', 'phase', 'taps', 'count', 'receptive field'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...rows)),
    tapDiagram);
}

export function alternativesCard(report: ExplainReport, apply: (alt: Alternative) => void): HTMLElement {
  const sets = report.alternatives.map((set) => {
    const choices = set.perAxis[0] ?? [];
    return el('div', {},
      el('h3', { text: `${set.purpose === 'same size' ? 'Keep' : 'Reach'} ${times(set.outputShape)} without a checkerboard` }),
      choices.length === 0 ? el('p', { text: 'No artifact-free single layer within the search bounds.' }) : el('div', {},
        ...choices.map((alt) => {
          const button = el('button', { class: 'alternative', 'data-kernel': alt.kernel, 'data-stride': alt.stride,
            text: `k${alt.kernel} s${alt.stride} p${alt.padding}${alt.outputPadding ? ` op${alt.outputPadding}` : ''}${alt.dilation > 1 ? ` d${alt.dilation}` : ''} → ${alt.output}` });
          button.addEventListener('click', () => apply(alt));
          return button;
        })));
  });
  const sweep = el('table', { id: 'kernel-sweep' },
    el('thead', {}, el('tr', {}, ...['kernel', 'output', 'taps per phase', 'verdict'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...report.kernelSweep.map((entry) => el('tr', {},
      el('td', { text: entry.kernel.join('×') }), el('td', { text: times(entry.outputShape) }),
      el('td', { text: entry.phases.map((p) => p.join('/')).join(' · ') }),
      el('td', { class: entry.checkerboard ? 'verdict-uneven' : 'verdict-even', text: entry.checkerboard ? 'checkerboard' : 'even' })))));
  return card('alternatives-card', 'Nearest artifact-free layers', ...sets, el('h3', { text: 'Same layer, nearby kernel sizes' }), sweep);
}
