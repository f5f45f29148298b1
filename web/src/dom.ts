/** Tiny DOM helpers: the page is plain TypeScript and the DOM, no UI framework (see web/README.md for why). */
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
  return el('section', { class: 'card', id }, el('h2', { text: title }), ...children);
}

/** Parses an SVG string produced by src/render into a node the page can attach listeners to. */
export function svgNode(svg: string): Element {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return document.importNode(doc.documentElement, true);
}

export const times = (shape: readonly number[]): string => shape.join('×');
