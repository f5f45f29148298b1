/**
 * A few string builders for SVG documents. The renderers return SVG as text (no DOM), so they run the same in
 * Node (the CLI, tests) and in the browser (the explorer parses the text).
 */

export type Attributes = Readonly<Record<string, string | number | undefined>>;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Numbers are written with at most 3 decimals so files stay small and diffs stable. */
function formatValue(value: string | number): string {
  return typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : escapeXml(value);
}

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${formatValue(v!)}"`)
    .join('');
}

/**
 * One element; children are already-serialised SVG.
 * @example
 * tag('rect', { x: 0, y: 0, width: 4, height: 4 }) // → '<rect x="0" y="0" width="4" height="4"/>'
 */
export function tag(name: string, attrs: Attributes, ...children: readonly string[]): string {
  return children.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${children.join('')}</${name}>`;
}

/** A <text> element with escaped content. */
export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return tag('text', { x, y, 'font-family': 'sans-serif', 'font-size': 12, fill: '#222222', ...attrs }, escapeXml(content));
}

/** A <title> child: the tooltip and accessible name of its parent. */
export function title(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

/** Rough width of a line of sans-serif text, so a document is wide enough for its captions. */
export function textWidth(content: string, fontSize = 12): number {
  return Math.ceil([...content].length * fontSize * 0.56);
}

/** A standalone SVG document of the given size, white background, with an accessible label. */
export function svgDocument(width: number, height: number, label: string, body: readonly string[]): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(label)}">\n`
    + `${tag('rect', { width: w, height: h, fill: '#ffffff', class: 'background' })}\n${body.join('\n')}\n</svg>\n`;
}
