/**
 * The answer, first on every screen: input → output size, the verdict with its reason in one sentence, and the overlap
 * pattern as bars (as in Odena et al.): how many contributions each output along a row receives. Everything is read
 * from explainLayer's report; nothing is computed here.
 */
import type { ExplainReport } from '../../../src/analysis/explain.ts';
import { overlapColor } from '../../../src/render/colors.ts';
import { el, svgEl as svg, times } from '../dom.ts';
import type { Preset } from '../presets.ts';

const taps = (n: number): string => `${n} kernel tap${n === 1 ? '' : 's'}`;
const list = (values: readonly number[]): string =>
  values.length <= 1 ? String(values[0] ?? 0) : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

/** The verdict in one sentence, with its reason, for both verdicts. */
export function verdictSentence(report: ExplainReport): { even: boolean; text: string } {
  if (!report.checkerboard) {
    const perAxis = [...new Set(report.phases.flatMap((axis) => axis.filter((n) => n > 0)))];
    const count = report.overlapLevels[0] ?? 0;
    const why = report.plan.axes.every((a) => a.stride === 1)
      ? `with stride 1 every output takes all ${taps(perAxis[0] ?? 0)}${report.rank > 1 ? ' per axis' : ''}`
      : `every output takes ${taps(perAxis[0] ?? 0)}${report.rank > 1 ? ' per axis' : ''}, whichever phase it is in`;
    return { even: true, text: `Even: ${why}, so every interior output receives ${count} contribution${count === 1 ? '' : 's'} — no checkerboard from the layer's shape.` };
  }
  const reason = report.reasons.join('; ');
  if (report.overlapRatio === Infinity) {
    return { even: false, text: `Holes: ${reason}, so some outputs receive nothing from the input — worse than a checkerboard.` };
  }
  return {
    even: false,
    text: `Checkerboard: ${reason}, so interior outputs receive ${list(report.overlapLevels)} contributions (the most ${report.overlapRatio.toFixed(2)}× the fewest).`,
  };
}

/** Bars: contributions per interior output along the last axis, a few periods of the stride. */
export function overlapBars(report: ExplainReport, id = 'overlap-picture', width = 320): SVGElement {
  const axis = report.rank - 1;
  const counts = report.phases[axis]!;
  const stride = counts.length;
  const n = Math.min(24, Math.max(12, stride * 3));
  const values = Array.from({ length: n }, (_, o) => counts[o % stride]!);
  const max = Math.max(1, ...values);
  const min = Math.min(...values);
  const bar = width / n;
  const height = 96;
  const top = 16;
  const picture = svg('svg', { id, class: 'bars', viewBox: `0 0 ${width} ${height + top + 16}`, width, role: 'img',
    'aria-label': `Contributions per interior output along ${report.rank > 1 ? 'a row' : 'the output'}: ${values.slice(0, stride).join(', ')}, repeating every ${stride} output${stride === 1 ? '' : 's'}` });
  values.forEach((v, o) => {
    const h = (height * v) / max;
    picture.append(svg('rect', { x: o * bar + 1, y: top + height - h, width: Math.max(1, bar - 2), height: h, fill: overlapColor(v, min, max), stroke: '#345', 'stroke-width': 0.5, 'data-count': v }, `output ${o}: ${v}`));
    picture.append(svg('text', { x: o * bar + bar / 2, y: top + height - h - 3, 'text-anchor': 'middle', 'font-size': 11, fill: '#1b1f24' }));
    picture.lastChild!.textContent = String(v);
  });
  picture.append(svg('line', { x1: 0, x2: width, y1: top + height + 0.5, y2: top + height + 0.5, stroke: '#555' }));
  const label = svg('text', { x: 0, y: top + height + 13, 'font-size': 11, fill: '#444' });
  label.textContent = `outputs along ${report.rank > 1 ? 'a row' : 'the axis'} (interior) →`;
  picture.append(label);
  return picture;
}

export function answerView(report: ExplainReport, preset: Preset | undefined): HTMLElement {
  const verdict = verdictSentence(report);
  const claim = preset?.articleClaims !== undefined && report.outputShape.every((n) => n !== preset.articleClaims)
    ? el('p', { id: 'article-claim', class: 'claim' },
      'The widely read article (', el('a', { href: '#reading', text: 'which one' }),
      `) says ${times(report.outputShape.map(() => preset.articleClaims!))}; the exact size is ${times(report.outputShape)}. ${preset.note}`)
    : preset ? el('p', { class: 'note', text: preset.note }) : null;
  const twoD = report.rank > 1 && report.checkerboard
    ? el('p', { class: 'note', text: `In 2D an output receives its row count × its column count: ${report.overlapLevels.join(', ')}.` })
    : null;
  return el('div', { class: 'answer' },
    el('p', { class: 'big', id: 'size-line' },
      el('span', { class: 'sr-only', text: 'Input ' }), el('span', { id: 'input-size', text: times(report.inputShape) }), ' → ',
      el('span', { class: 'sr-only', text: 'output ' }), el('output', { id: 'output-size', text: times(report.outputShape) })),
    el('p', { class: 'formula', id: 'formula', text: report.formulas[0]!.filled }),
    claim,
    el('p', { id: 'verdict', class: verdict.even ? 'verdict-even' : 'verdict-uneven', 'data-checkerboard': String(report.checkerboard), text: verdict.text }),
    el('figure', { class: 'bars-figure' }, overlapBars(report),
      el('figcaption', { text: 'Contributions per output with constant weights: equal bars are even, unequal bars a checkerboard.' })),
    twoD);
}
