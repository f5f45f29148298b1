/**
 * The kernel-tap diagram: for every axis and phase (outputs o ≡ ρ mod stride), the kernel indices with the taps that
 * feed that phase filled in; in 2D also the per-phase 2D sub-kernels (stride² small grids). Unequal tap counts are
 * the checkerboard seen from the kernel's side. The taps come from the plan's polyphase split (src/shape/phases.ts).
 */
import { extent } from '../tensor/extent.ts';
import type { Phase } from '../shape/phases.ts';
import type { Plan } from '../shape/plan.ts';
import { PALETTE, overlapColor } from './colors.ts';
import { svgDocument, tag, text, textWidth, title } from './svg.ts';

export interface TapDiagramOptions {
  /** Kernel cell size in pixels (default 18). */
  readonly cell?: number;
  readonly caption?: string;
}

const LABEL_WIDTH = 200;
const LEFT = 8;

/**
 * SVG tap diagram of a transposed layer's phases. Each phase row is a <g class="phase"> with data-axis, data-phase
 * (the output residue) and data-taps; each 2D sub-kernel a <g class="subkernel"> with data-phase "ρ0,ρ1" and
 * data-taps; taps are rects of class "tap on", other kernel indices "tap off".
 * @example
 * const svg = tapDiagramSvg(planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }));
 * [...svg.matchAll(/class="phase"[^>]*data-taps="(\d+)"/g)].map((m) => m[1]) // → ['3', '4', '3', '4']
 */
export function tapDiagramSvg(plan: Plan, options: TapDiagramOptions = {}): string {
  if (plan.kind !== 'convTranspose' || plan.phases.length === 0) {
    throw new RangeError('tap diagrams show the phases of a transposed convolution; an ordinary convolution has one phase');
  }
  const cell = options.cell ?? 18;
  const body: string[] = [];
  const caption = options.caption ?? `Kernel taps per phase: ${describe(plan)}`;
  body.push(text(LEFT, 16, caption, { 'font-weight': 'bold' }));
  let y = 30;
  let width = textWidth(caption) + 2 * LEFT;
  // The colour says how many taps a phase gets, on the overlap scale: darker = more contributions.
  const tapRange = extent(plan.phases.flatMap((axis) => axis.phases.map((p) => p.taps.length)));
  const phaseColour = (n: number, min: number, max: number): string => (n === 0 ? PALETTE.empty : overlapColor(n, Math.min(0, min), max));

  plan.phases.forEach((axis, a) => {
    const { kernel, stride, dilation } = plan.axes[a]!;
    const heading = `${plan.rank > 1 ? `axis ${a}: ` : ''}kernel ${kernel}, stride ${stride}${dilation > 1 ? `, dilation ${dilation} (tap k lands k·${dilation} apart)` : ''}`
      + ` — ${axis.even ? 'every phase gets the same taps' : axis.holes ? `${axis.holes} phase${axis.holes > 1 ? 's get' : ' gets'} no taps (holes)` : 'uneven phases: a checkerboard'}`;
    body.push(text(LEFT, y + 12, heading, { 'font-size': 12 }));
    width = Math.max(width, textWidth(heading) + 2 * LEFT);
    y += 18;
    // Kernel index ruler.
    for (let k = 0; k < kernel; k++) body.push(text(LEFT + LABEL_WIDTH + k * cell + cell / 2, y + 11, String(k), { 'font-size': 10, 'text-anchor': 'middle', fill: '#666666' }));
    y += 14;
    for (const phase of axis.phases) {
      const n = phase.taps.length;
      const label = `o ≡ ${phase.outputResidue} (mod ${stride}): ${n} tap${n === 1 ? '' : 's'}${n === 0 ? ' (bias only)' : ''}`;
      const cells = kernelRow(kernel, phase, LEFT + LABEL_WIDTH, y, cell, phaseColour(n, tapRange.min, tapRange.max));
      body.push(tag('g', { class: 'phase', 'data-axis': a, 'data-phase': phase.outputResidue, 'data-taps': n },
        text(LEFT, y + cell * 0.7, label, { 'font-size': 12 }), cells.join('')));
      y += cell + 4;
    }
    width = Math.max(width, LEFT + LABEL_WIDTH + kernel * cell + LEFT);
    y += 10;
  });

  if (plan.rank === 2) {
    const grids = subKernels(plan, LEFT, y, cell);
    body.push(...grids.body);
    y = grids.bottom;
    width = Math.max(width, grids.right + LEFT);
  } else if (plan.rank === 3) {
    const note = 'In 3D a phase gets the product of its three axes\' tap counts.';
    body.push(text(LEFT, y + 12, note, { 'font-size': 12 }));
    y += 20;
  }
  return svgDocument(width, y + 8, caption, body);
}

function kernelRow(kernel: number, phase: Phase, x: number, y: number, cell: number, fill: string): string[] {
  const taps = new Set(phase.taps);
  return Array.from({ length: kernel }, (_, k) => tag('rect', {
    class: taps.has(k) ? 'tap on' : 'tap off', 'data-k': k, x: x + k * cell, y, width: cell - 2, height: cell - 2,
    fill: taps.has(k) ? fill : PALETTE.empty, stroke: PALETTE.line, 'stroke-width': 0.5,
  }));
}

/** The stride0 × stride1 sub-kernels of a 2D layer, laid out as the phases sit in the output. */
function subKernels(plan: Plan, left: number, top: number, cell: number): { body: string[]; bottom: number; right: number } {
  const [rows, cols] = [plan.phases[0]!, plan.phases[1]!];
  const [kh, kw] = [plan.axes[0]!.kernel, plan.axes[1]!.kernel];
  const small = Math.max(6, Math.min(cell, Math.floor(120 / Math.max(kh, kw))));
  const counts = rows.phases.flatMap((pr) => cols.phases.map((pc) => pr.taps.length * pc.taps.length));
  const { min, max } = extent(counts);
  const panelW = Math.max(kw * small + 16, 120);
  const panelH = kh * small + 26;
  const heading = `2D sub-kernels: taps of output phase (o₀ mod ${plan.axes[0]!.stride}, o₁ mod ${plan.axes[1]!.stride}); darker = more`;
  const body = [text(left, top + 12, heading, { 'font-size': 12 })];
  const y0 = top + 20;
  for (const [i, pr] of rows.phases.entries()) for (const [j, pc] of cols.phases.entries()) {
    const n = pr.taps.length * pc.taps.length;
    const x = left + j * panelW;
    const y = y0 + i * panelH;
    const on = (r: number, c: number): boolean => pr.taps.includes(r) && pc.taps.includes(c);
    const fill = n === 0 ? PALETTE.empty : overlapColor(n, Math.min(0, min), max);
    const cells: string[] = [];
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        cells.push(tag('rect', {
          class: on(r, c) ? 'tap on' : 'tap off', x: x + c * small, y: y + 16 + r * small, width: small - 1, height: small - 1,
          fill: on(r, c) ? fill : PALETTE.empty, stroke: PALETTE.line, 'stroke-width': 0.3,
        }));
      }
    }
    body.push(tag('g', { class: 'subkernel', 'data-phase': `${pr.outputResidue},${pc.outputResidue}`, 'data-taps': n },
      title(`outputs (o₀ ≡ ${pr.outputResidue}, o₁ ≡ ${pc.outputResidue}): ${pr.taps.length}×${pc.taps.length} = ${n} taps`),
      text(x, y + 11, `(${pr.outputResidue},${pc.outputResidue}): ${pr.taps.length}×${pc.taps.length} = ${n}`, { 'font-size': 11 }), cells.join('')));
  }
  return { body, bottom: y0 + rows.phases.length * panelH, right: Math.max(left + cols.phases.length * panelW, left + textWidth(heading)) };
}

/** "convT k7 s2 p3", per-axis values joined by × when they differ. */
export function describe(plan: Plan): string {
  const joined = (key: 'kernel' | 'stride' | 'padBegin' | 'dilation'): string => {
    const values = plan.axes.map((a) => a[key]);
    return values.every((v) => v === values[0]) ? String(values[0]) : values.join('×');
  };
  const pad = plan.axes.every((a) => a.padding !== null) ? `p${joined('padBegin')}` : `crop ${plan.axes.map((a) => `${a.padBegin}/${a.padEnd}`).join('×')}`;
  const ops = plan.axes.map((a) => a.outputPadding ?? 0);
  const op = ops.some((v) => v > 0) ? ` op${ops.every((v) => v === ops[0]) ? ops[0] : ops.join('×')}` : '';
  const d = plan.axes.some((a) => a.dilation > 1) ? ` d${joined('dilation')}` : '';
  const name = plan.kind === 'convTranspose' ? 'convT' : 'conv';
  return `${name} k${joined('kernel')} s${joined('stride')} ${pad}${op}${d} on ${plan.axes.map((a) => a.input).join('×')}`;
}
