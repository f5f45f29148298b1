/**
 * Terminal pictures of the phase/overlap structure (for `tconv explain` and `tconv render --format text`):
 * the taps of each phase, one period of the interior overlap as numbers, and a shaded corner of the overlap map
 * (borders included), darker characters for more contributions. Pure strings, no colour codes.
 */
import { extent } from '../tensor/extent.ts';
import type { LayerSpec } from '../shape/params.ts';
import type { Plan } from '../shape/plan.ts';
import { type OverlapSummary, layerOverlap, overlapWindow, stackOverlap } from './overlap.ts';
import type { ResolvedStack, StackSpec } from './stack.ts';

/** From light to dark: more contributions, darker glyph. */
const SHADES = ' .:-=+*#%@';

export interface AsciiOptions {
  /** Largest corner of the map to draw, per axis (default 16). */
  readonly corner?: number;
  /** Start with the one-line interior verdict (default true). */
  readonly headline?: boolean;
}

/**
 * The phase/overlap picture of one transposed layer.
 * @example
 * asciiLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 })
 * // → "phases, axis 0: o ≡ 0 (mod 2) taps 1,3,5 (3) · o ≡ 1 (mod 2) taps 0,2,4,6 (4)\n…interior overlap 16:12:9…"
 */
export function asciiLayer(layer: LayerSpec | Plan, options: AsciiOptions = {}): string {
  const overlap = layerOverlap(layer);
  return [...asciiPhases(overlap.plan), ...asciiSummary(overlap, options)].join('\n');
}

/**
 * One line per axis: the kernel taps of each phase. Needs only the plan, so it stays cheap for any input size.
 * @example
 * asciiPhases(planGeometry({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3, rank: 1 }))
 * // → ['phases, axis 0: o ≡ 0 (mod 2) taps 1,3,5 (3) · o ≡ 1 (mod 2) taps 0,2,4,6 (4)']
 */
export function asciiPhases(plan: Plan): string[] {
  return plan.phases.map((axis, a) => {
    const parts = axis.phases.map((p) => `o ≡ ${p.outputResidue} (mod ${axis.stride}) taps ${p.taps.length ? p.taps.join(',') : 'none'} (${p.taps.length})`);
    return `phases, axis ${a}: ${parts.join(' · ')}`;
  });
}

/**
 * The composed overlap of a stack, layer by layer, then the picture of the last output.
 * @example
 * asciiStack({ input: 4, layers: Array(2).fill({ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }) })
 */
export function asciiStack(spec: StackSpec | ResolvedStack, options: AsciiOptions = {}): string {
  const overlap = stackOverlap(spec);
  const lines = overlap.steps.map((s, i) =>
    `after layer ${i + 1} (${s.description}): ${s.shape.join('×')}, interior ${s.even ? 'even' : `${ratioText(s)} (period ${s.period.map((p) => p ?? '?').join('×')})`}`);
  lines.push(...asciiSummary(overlap, options));
  return lines.join('\n');
}

function ratioText(s: OverlapSummary): string {
  return s.holes ? `${s.values.join(':')} with holes` : s.values.length <= 4 ? s.values.map(fmt).join(':') : `${fmt(s.interiorMax)}:${fmt(s.interiorMin)} (max:min)`;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/**
 * The picture `tconv explain` prints under its checkerboard verdict: one period of the interior overlap as numbers
 * (when uneven) and the shaded top-left corner of the overlap map, borders included.
 * @example
 * overlapPicture(planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }))[0] // → "Overlap picture:"
 */
export function overlapPicture(layer: LayerSpec | Plan, options: AsciiOptions = {}): string[] {
  const lines = asciiSummary(layerOverlap(layer), { corner: 8, ...options, headline: false });
  return ['Overlap picture:', ...lines.map((l) => (l.startsWith(' ') ? l : `  ${l}`))];
}

/** Interior verdict, one period of numbers, and the shaded corner. */
export function asciiSummary(overlap: OverlapSummary, options: AsciiOptions = {}): string[] {
  const lines: string[] = [];
  if (options.headline !== false) lines.push(overlap.even
    ? `interior overlap even (${fmt(overlap.interiorMax)} everywhere): no checkerboard`
    : overlap.holes
      ? `interior overlap ${ratioText(overlap)}: some outputs get no contribution at all (holes)`
      : `interior overlap ${ratioText(overlap)} (max/min ${fmt(overlap.ratio)}, period ${overlap.period.map((p) => p ?? '?').join('×')}): checkerboard`);
  const rank = overlap.shape.length;
  // One period of the interior, starting at the first interior position, at most 8 per axis.
  const spans = overlap.axes.map((a) => Math.min(8, a.period ?? 1, a.size));
  const starts = overlap.axes.map((a, i) => {
    const first = a.interior.findIndex((_, o) => range(spans[i]!).every((j) => a.interior[o + j] === true));
    return Math.max(0, first);
  });
  if (!overlap.even) {
    lines.push('one period of the interior:');
    if (rank === 1) lines.push(`  ${range(spans[0]!).map((j) => fmt(overlap.axes[0]!.counts[starts[0]! + j]!)).join(' ')}`);
    else {
      const last = rank - 1;
      const before = rank - 2;
      for (let r = 0; r < spans[before]!; r++) {
        const row = range(spans[last]!).map((c) => {
          let v = overlap.axes[before]!.counts[starts[before]! + r]! * overlap.axes[last]!.counts[starts[last]! + c]!;
          for (let a = 0; a < before; a++) v *= overlap.axes[a]!.counts[starts[a]!]!;
          return fmt(v).padStart(4);
        });
        lines.push(` ${row.join('')}`);
      }
    }
  }
  lines.push(...shadedCorner(overlap, options.corner ?? 16));
  return lines;
}

function shadedCorner(overlap: OverlapSummary, corner: number): string[] {
  const rank = overlap.shape.length;
  // Shades relative to the whole map's maximum: a product of the per-axis maxima, as every layer is separable.
  const max = overlap.axes.reduce((product, axis) => product * Math.max(0, extent(axis.counts).max), 1);
  const glyph = (v: number): string => SHADES[max > 0 ? Math.round((v / max) * (SHADES.length - 1)) : 0]!;
  const cols = Math.min(overlap.shape[rank - 1]!, corner * 2);
  const rows = rank === 1 ? 1 : Math.min(overlap.shape[rank - 2]!, corner);
  const w = cols;
  // Only the drawn corner (of the first slice, in 3D) is computed.
  const map = overlapWindow(overlap, overlap.shape.map((_, a) => [0, a === rank - 1 ? cols : a === rank - 2 ? rows : 1] as const));
  const title = `overlap map${rank === 3 ? ', first slice' : ''}, top-left ${rank === 1 ? cols : `${rows}×${cols}`} of ${overlap.shape.join('×')} (darker = more):`;
  const lines = [title];
  for (let y = 0; y < rows; y++) {
    // Two characters per cell keep 2D cells roughly square in a terminal.
    lines.push(`  |${range(cols).map((x) => glyph(map[y * w + x]!).repeat(rank === 1 ? 1 : 2)).join('')}|`);
  }
  return lines;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
