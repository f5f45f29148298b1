/**
 * An animated SVG of a transposed convolution sweeping its input, in the spirit of Dumoulin & Visin's
 * convolution-arithmetic figures, seen as the scatter it is: in turn, each input cell writes its (dilated) kernel
 * footprint into the full output, whose cells darken as contributions pile up; the cells that padding crops away
 * are greyed. The last frame, and the still picture a viewer without SMIL shows, is the overlap map.
 * Pure SMIL (<animate> with keyTimes on one shared loop), no script.
 */
import { extent } from '../tensor/extent.ts';
import { type Plan, planGeometry } from '../shape/plan.ts';
import { PALETTE, overlapColor } from './colors.ts';
import { describe } from './taps.ts';
import { svgDocument, tag, text, textWidth, title } from './svg.ts';

export interface AnimationOptions {
  /** Seconds per input cell (default 0.7). */
  readonly stepSeconds?: number;
  /** Largest input per axis animated as is; a larger layer is shown on this input size (default 5 in 2D, 8 in 1D). */
  readonly maxInput?: number;
  /** Cell size in pixels (default: fits about 640 pixels, 10 … 28). */
  readonly cell?: number;
}

/**
 * One axis of the animation's geometry: the scatter view (each input writes its kernel footprint into the full,
 * uncropped output) and the equivalent direct convolution (a stride-1 convolution with the flipped kernel over the
 * input with stride − 1 zeros inserted between cells and d·(k − 1) − crop padding at each end; a negative padding
 * crops the zero-inserted input).
 */
export interface AnimationAxis {
  readonly input: number;
  /** Full output before the crop, plus any cells output padding adds at the end. */
  readonly full: number;
  readonly keptBegin: number;
  readonly keptEnd: number;
  /** Full-output offsets of the taps: k·dilation. */
  readonly taps: readonly number[];
  readonly stride: number;
  readonly dilation: number;
  /** Direct view: padding before the zero-inserted input (negative: that many of its cells are cropped). */
  readonly directBefore: number;
  /** Direct view: length of the padded, zero-inserted input the kernel slides over; output o reads o … o + d(k − 1). */
  readonly directLength: number;
}

/** Per spatial axis, the geometry both animation views draw. */
export function animationAxes(plan: Plan): AnimationAxis[] {
  return plan.axes.map((a) => {
    const full = (a.input - 1) * a.stride + a.effectiveKernel;
    const reach = a.effectiveKernel - 1;
    return {
      input: a.input, full: full + Math.max(0, -a.padEnd), keptBegin: a.padBegin, keptEnd: a.padBegin + a.output,
      taps: Array.from({ length: a.kernel }, (_, k) => k * a.dilation), stride: a.stride, dilation: a.dilation,
      directBefore: reach - a.padBegin, directLength: a.output + reach,
    };
  });
}

/** Scatter view: the full-output position each tap of input `i` writes to, in tap order. */
export function scatterFootprint(axis: AnimationAxis, i: number): number[] {
  return axis.taps.map((offset) => i * axis.stride + offset);
}

/** One cell of the direct view's kernel window: its position in the padded input, the tap that reads it, the input. */
export interface DirectCell {
  readonly position: number;
  readonly tap: number;
  /** The input cell there, or null for an inserted zero or padding. */
  readonly input: number | null;
}

/**
 * Direct view: the window of kept output `o` over the padded, zero-inserted input, with the flipped kernel (the
 * window's first cell meets the last tap).
 * @example
 * const [axis] = animationAxes(planLayer({ kind: 'convTranspose', input: 3, kernel: 3, stride: 2, padding: 1 }));
 * directWindow(axis, 1) // → [{ position: 1, tap: 2, input: 0 }, { position: 2, tap: 1, input: null }, { position: 3, tap: 0, input: 1 }]
 */
export function directWindow(axis: AnimationAxis, o: number): DirectCell[] {
  const k = axis.taps.length;
  return Array.from({ length: k }, (_, j) => {
    const position = o + j * axis.dilation;
    const inserted = position - axis.directBefore;
    const real = inserted >= 0 && inserted % axis.stride === 0 && inserted / axis.stride < axis.input;
    return { position, tap: k - 1 - j, input: real ? inserted / axis.stride : null };
  });
}

/** The same layer (kernel, stride, crop, dilation) on an input of at most `max` per axis, so the picture stays small. */
export function animationPlan(plan: Plan, max: number): Plan {
  if (plan.axes.every((a) => a.input <= max)) return plan;
  const base = {
    kind: 'convTranspose' as const, rank: plan.rank, kernel: plan.axes.map((a) => a.kernel), stride: plan.axes.map((a) => a.stride),
    dilation: plan.axes.map((a) => a.dilation),
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a) => Math.max(0, a.padEnd)) },
    outputPadding: plan.axes.map((a) => Math.max(0, -a.padEnd)),
  };
  // A heavy crop needs a few inputs before any output is left: grow the input until the layer is valid.
  for (let n = max; ; n++) {
    try {
      return planGeometry({ ...base, input: plan.axes.map((a) => Math.min(a.input, n)) });
    } catch (error) {
      if (plan.axes.every((a) => a.input <= n)) throw error;
    }
  }
}

/**
 * Animated SVG of a 1D or 2D transposed convolution. One <g class="scatter" data-input="…"> per input cell (shown
 * during its step), one <rect class="out"> per full-output cell with data-f (full-output index), data-kept and
 * data-count (its final number of contributions).
 * @example
 * const svg = scatterAnimationSvg(planLayer({ kind: 'convTranspose', input: 3, kernel: 3, stride: 2 }));
 * svg.match(/class="scatter"/g).length // → 9 (one per input cell)
 */
export function scatterAnimationSvg(layer: Plan, options: AnimationOptions = {}): string {
  if (layer.kind !== 'convTranspose') throw new RangeError('the animation shows a transposed convolution');
  if (layer.rank === 3) throw new RangeError('the animation draws 1D and 2D layers; animate one 2D slice of a 3D layer instead');
  const plan = animationPlan(layer, options.maxInput ?? (layer.rank === 1 ? 8 : 5));
  const axes = animationAxes(plan);
  // 1D is drawn as a 2D layer with one row.
  const rowAxis: AnimationAxis = plan.rank === 1 ? { input: 1, full: 1, keptBegin: 0, keptEnd: 1, taps: [0], stride: 1, dilation: 1, directBefore: 0, directLength: 1 } : axes[0]!;
  const colAxis = axes[plan.rank - 1]!;
  const inputs: [number, number][] = [];
  for (let r = 0; r < rowAxis.input; r++) for (let c = 0; c < colAxis.input; c++) inputs.push([r, c]);

  // Final counts, and for each output cell the steps at which it receives a contribution.
  const [fh, fw] = [rowAxis.full, colAxis.full];
  const counts = new Array<number>(fh * fw).fill(0);
  const arrivals: number[][] = Array.from({ length: fh * fw }, () => []);
  const footprint = (r: number, c: number): [number, number][] =>
    rowAxis.taps.flatMap((a) => colAxis.taps.map((b) => [r * rowAxis.stride + a, c * colAxis.stride + b] as [number, number]));
  inputs.forEach(([r, c], step) => {
    for (const [fr, fc] of footprint(r, c)) { counts[fr * fw + fc]! += 1; arrivals[fr * fw + fc]!.push(step); }
  });
  const max = Math.max(1, extent(counts).max);

  const stepSeconds = options.stepSeconds ?? 0.7;
  const hold = 3; // steps' worth of time showing the finished overlap map before the loop restarts
  const steps = inputs.length + hold;
  const dur = `${Math.round(steps * stepSeconds * 1000) / 1000}s`;
  const at = (step: number): number => Math.round((step / steps) * 10000) / 10000;

  const oneD = plan.rank === 1;
  const cell = options.cell ?? Math.max(10, Math.min(28, Math.floor(640 / Math.max(fw + colAxis.input + 2, oneD ? 0 : fh))));
  const left = 8;
  const top = 64;
  const inX = left;
  const inY = top;
  const outX = oneD ? left : left + colAxis.input * cell + 2 * cell;
  const outY = oneD ? top + 3 * cell : top;
  const inCenter = (r: number, c: number): [number, number] => [inX + c * cell + cell / 2, inY + r * cell + cell / 2];
  const outCenter = (r: number, c: number): [number, number] => [outX + c * cell + cell / 2, outY + r * cell + cell / 2];

  const body: string[] = [];
  const caption = `Transposed convolution ${describe(layer)}: each input cell scatters its kernel`;
  const shownOn = plan === layer ? '' : ` (shown on a ${plan.axes.map((a) => a.input).join('×')} input)`;
  const detail = `stride ${colAxis.stride}${oneD ? '' : `×${rowAxis.stride}`}: footprints ${colAxis.stride} apart; darker = more contributions; grey = cropped by padding${shownOn}`;
  body.push(text(left, 16, caption, { 'font-weight': 'bold' }), text(left, 33, detail, { 'font-size': 11 }));
  body.push(text(inX, top - 8, `input ${plan.axes.map((a) => a.input).join('×')}`, { 'font-size': 11 }));
  body.push(text(outX, outY - 8, `full output ${oneD ? fw : `${fh}×${fw}`}, kept ${plan.axes.map((a) => a.output).join('×')}`, { 'font-size': 11 }));

  for (const [r, c] of inputs) {
    body.push(tag('rect', { class: 'in', x: inX + c * cell, y: inY + r * cell, width: cell - 2, height: cell - 2, fill: '#dbe9f6', stroke: PALETTE.line, 'stroke-width': 0.5 }));
  }
  for (let r = 0; r < fh; r++) {
    for (let c = 0; c < fw; c++) {
      const i = r * fw + c;
      const kept = r >= rowAxis.keptBegin && r < rowAxis.keptEnd && c >= colAxis.keptBegin && c < colAxis.keptEnd;
      const fill = counts[i] ? overlapColor(counts[i]!, 0, max) : PALETTE.background;
      // Fill: white at the start of each loop, one colour step per arrival, the final colour in the hold.
      const times = [0, ...arrivals[i]!.map((s) => at(s))];
      const values = [PALETTE.background, ...arrivals[i]!.map((_, n) => overlapColor(n + 1, 0, max))];
      const animate = arrivals[i]!.length
        ? tag('animate', { attributeName: 'fill', dur, repeatCount: 'indefinite', calcMode: 'discrete', keyTimes: times.join(';'), values: values.join(';') })
        : '';
      body.push(tag('rect', {
        class: 'out', 'data-f': oneD ? String(c) : `${r},${c}`, 'data-kept': kept ? 1 : 0, 'data-count': counts[i],
        x: outX + c * cell, y: outY + r * cell, width: cell - 2, height: cell - 2, fill, stroke: kept ? PALETTE.line : 'none', 'stroke-width': 0.5,
      }, title(`full output ${oneD ? c : `(${r}, ${c})`}: ${counts[i]} contribution${counts[i] === 1 ? '' : 's'}${kept ? '' : ', cropped'}`), animate));
    }
  }
  // Cropped cells greyed on top, so the counts under them still show faintly.
  for (let r = 0; r < fh; r++) {
    for (let c = 0; c < fw; c++) {
      const kept = r >= rowAxis.keptBegin && r < rowAxis.keptEnd && c >= colAxis.keptBegin && c < colAxis.keptEnd;
      if (!kept) body.push(tag('rect', { class: 'cropped', x: outX + c * cell, y: outY + r * cell, width: cell - 2, height: cell - 2, fill: PALETTE.cropped, 'fill-opacity': 0.75, 'pointer-events': 'none' }));
    }
  }
  body.push(tag('rect', {
    class: 'kept', x: outX + colAxis.keptBegin * cell - 1, y: outY + rowAxis.keptBegin * cell - 1,
    width: (colAxis.keptEnd - colAxis.keptBegin) * cell, height: (rowAxis.keptEnd - rowAxis.keptBegin) * cell,
    fill: 'none', stroke: PALETTE.text, 'stroke-width': 1.2, 'stroke-dasharray': '5 3',
  }));

  inputs.forEach(([r, c], step) => {
    const parts = [tag('rect', { x: inX + c * cell - 1, y: inY + r * cell - 1, width: cell, height: cell, fill: PALETTE.tap })];
    for (const [fr, fc] of footprint(r, c)) {
      parts.push(tag('rect', { x: outX + fc * cell - 1, y: outY + fr * cell - 1, width: cell, height: cell, fill: 'none', stroke: PALETTE.tap, 'stroke-width': 2 }));
      if (oneD) {
        const [x1, y1] = inCenter(r, c);
        const [x2, y2] = outCenter(fr, fc);
        parts.push(tag('line', { x1, y1: y1 + cell / 2, x2, y2: y2 - cell / 2, stroke: PALETTE.tap, 'stroke-width': 1.5 }));
      }
    }
    const keyTimes = step === 0 ? `0;${at(1)}` : `0;${at(step)};${at(step + 1)}`;
    const values = step === 0 ? 'visible;hidden' : 'hidden;visible;hidden';
    parts.push(tag('animate', { attributeName: 'visibility', dur, repeatCount: 'indefinite', calcMode: 'discrete', keyTimes, values }));
    body.push(tag('g', { class: 'scatter', 'data-input': oneD ? String(c) : `${r},${c}`, 'data-step': step, visibility: 'hidden' }, parts.join('')));
  });

  const width = Math.max(outX + fw * cell + left, inX + colAxis.input * cell + left, textWidth(caption) + 2 * left, textWidth(detail, 11) + 2 * left);
  const height = Math.max(inY + rowAxis.input * cell, outY + fh * cell) + 10;
  return svgDocument(width, height, `${caption}; ${detail}`, body);
}
