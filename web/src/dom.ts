/** Tiny DOM helpers: the page is plain TypeScript and the DOM, no UI framework (README, "The web explorer", says why). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attributes: Record<string, string | number | boolean> = {}, ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function card(id: string, title: string, ...children: (Node | string | null | undefined)[]): HTMLElement {
  // The heading takes focus (tabindex −1) when the control that had it is redrawn away.
  return el('section', { class: 'card', id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title`, tabindex: -1, text: title }), ...children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes, and a <title> tooltip when `title` is given. */
export function svgEl(tag: string, attributes: Record<string, string | number>, title?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (title !== undefined) node.append(Object.assign(document.createElementNS(SVG_NS, 'title'), { textContent: title }));
  return node;
}

/** Parses an SVG string produced by src/render into a node the page can attach listeners to. */
export function svgNode(svg: string): Element {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return document.importNode(doc.documentElement, true);
}

export const times = (shape: readonly number[]): string => shape.join('×');
