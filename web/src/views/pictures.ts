/** Static pictures on the page come from src/render, the same renderers as `tconv render`. */
import { tapDiagramSvg } from '../../../src/render/taps.ts';
import type { Plan } from '../../../src/shape/plan.ts';
import { el, svgNode } from '../dom.ts';

export function tapDiagram(plan: Plan): Node {
  return el('div', { id: 'tap-diagram' }, svgNode(tapDiagramSvg(plan)));
}
