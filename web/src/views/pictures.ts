/** Static pictures on the page come from src/render, the same renderers as `tconv render`. */
import { tapDiagramSvg } from '../../../src/render/taps.ts';
import type { Plan } from '../../../src/shape/plan.ts';
import { el, svgNode } from '../dom.ts';

/** Largest kernel and stride drawn as a tap diagram: its 2D sub-kernel grids grow with kernel² (k = 100: 4.6 MB of SVG). */
export const MAX_TAP_DIAGRAM = 32;

export function tapDiagram(plan: Plan): Node {
  if (plan.axes.some((a) => a.kernel > MAX_TAP_DIAGRAM || a.stride > MAX_TAP_DIAGRAM)) {
    return el('p', { id: 'tap-diagram-skipped', class: 'note', text: `The tap diagram is drawn for kernels and strides up to ${MAX_TAP_DIAGRAM}; the table above has the same numbers for this layer.` });
  }
  return el('div', { id: 'tap-diagram' }, svgNode(tapDiagramSvg(plan)));
}
