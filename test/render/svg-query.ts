/** Reads elements out of the renderers' SVG text (they write one element per tag, attributes in double quotes). */

export type Element = Readonly<Record<string, string>>;

/** Attributes of every <name …> element, in document order; `where` filters on attributes. */
export function elements(svg: string, name: string, where: (e: Element) => boolean = () => true): Element[] {
  const out: Element[] = [];
  for (const m of svg.matchAll(new RegExp(`<${name}\\b([^>]*?)/?>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (where(attrs)) out.push(attrs);
  }
  return out;
}

/** The text inside each <g …>…</g> whose opening tag matches `where` (groups are not nested in these files). */
export function groups(svg: string, where: (e: Element) => boolean): { attrs: Element; body: string }[] {
  const out: { attrs: Element; body: string }[] = [];
  for (const m of svg.matchAll(/<g\b([^>]*)>([\s\S]*?)<\/g>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (where(attrs)) out.push({ attrs, body: m[2]! });
  }
  return out;
}

/** A minimal well-formedness check: one <svg> root, every opened tag closed in order. */
export function assertWellFormed(svg: string): void {
  if (!svg.trimStart().startsWith('<svg')) throw new Error('not an SVG document');
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name!);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}
