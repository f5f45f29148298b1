/** Tiny SVG builders: strings in, strings out, no DOM (the web explorer and the CLI share them). */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Attributes = Record<string, string | number | undefined>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? round(v) : escapeXml(v!)}"`)
    .join('');
}

const round = (v: number): string => String(Math.round(v * 100) / 100);

export function element(name: string, attrs: Attributes, children = ''): string {
  return children ? `<${name}${attributes(attrs)}>${children}</${name}>` : `<${name}${attributes(attrs)}/>`;
}

export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return element('text', { x, y, 'font-family': 'sans-serif', 'font-size': 12, fill: '#222', ...attrs }, escapeXml(content));
}

/** A complete SVG document with a white background and a <title>. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${round(width)}" height="${round(height)}" viewBox="0 0 ${round(width)} ${round(height)}">`
    + `<title>${escapeXml(title)}</title>`
    + element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' })
    + body + '</svg>\n';
}
