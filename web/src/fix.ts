/**
 * The suggested fix for a checkerboard layer: the first artifact-free alternative explainLayer lists (the intended
 * size first), explained in turn so the page can set "your layer" beside it. Shared by the page and the worker.
 */
import { explainLayer, type Alternative, type ExplainOptions, type ExplainReport } from '../../src/analysis/explain.ts';
import type { LayerSpec } from '../../src/shape/params.ts';

/** What the page asks explainLayer for (the same on both threads). */
export const EXPLAIN_OPTIONS: ExplainOptions = { alternatives: 4 };

export interface SuggestedFix {
  readonly alt: Alternative;
  /** "keeps 63×63" or "reaches 64×64 (input × stride)". */
  readonly purpose: string;
  readonly report: ExplainReport;
}

export function suggestedFix(report: ExplainReport, spec: LayerSpec): SuggestedFix | null {
  if (!report.checkerboard) return null;
  for (const set of report.alternatives) {
    const alt = set.perAxis[0]?.[0];
    if (!alt) continue;
    const purpose = set.purpose === 'same size' ? `keeps ${set.outputShape.join('×')}` : `reaches ${set.outputShape.join('×')} (input × stride)`;
    const fixed = explainLayer({ ...spec, kernel: alt.kernel, stride: alt.stride, padding: alt.padding, outputPadding: alt.outputPadding, dilation: alt.dilation }, { alternatives: 0, sweep: 0 });
    return { alt, purpose, report: fixed };
  }
  return null;
}
