/** Static pictures on the page come from src/render, the same renderers as `tconv render`. */
import { tapDiagramSvg } from '../../../src/render/taps.ts';
import type { Plan } from '../../../src/shape/plan.ts';
import { el, svgNode } from '../dom.ts';

/** The kernel-tap diagram of each phase (transposed layers; nothing for a plan without phases). */
export function tapDiagram(plan: Plan): Node | null {
  if (plan.kind !== 'convTranspose' || plan.phases.length === 0) return null;
  return el('div', { class: 'tap-diagram', id: 'tap-diagram' }, svgNode(tapDiagramSvg(plan)));
}
