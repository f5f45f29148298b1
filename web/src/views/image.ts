/** Placeholder until the worker lands. */
import type { StackSpec } from '../../../src/analysis/stack.ts';
import { el } from '../dom.ts';
export function imagePanel(spec: StackSpec): HTMLElement {
  void spec;
  return el('div', {});
}
