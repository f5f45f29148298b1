/**
 * An animated diagram of a transposed convolution along one axis: each input cell in turn scatters its kernel
 * footprint into the output, and the output cells darken as contributions pile up. Step, play and pause.
 * Where each tap lands is read from the plan's polyphase split (phase p, tap t: input j + offset → output
 * firstOutput + stride·j), never re-derived here.
 */
import type { Plan } from '../../../src/shape/plan.ts';
import { card, el, svgEl } from '../dom.ts';
import { overlapColor } from '../../../src/render/colors.ts';

const MAX_INPUTS = 10;

interface Contribution { readonly input: number; readonly output: number; readonly tap: number }

/** Every (input, tap) → output pair along the last axis, for the first few inputs. */
export function scatterPairs(plan: Plan, axis: number, inputs: number): Contribution[] {
  const phases = plan.phases[axis]!.phases;
  const pairs: Contribution[] = [];
  for (const phase of phases) {
    phase.taps.forEach((tap, t) => {
      for (let j = 0; j < phase.outputCount; j++) {
        const input = j + phase.inputOffsets[t]!;
        if (input >= 0 && input < inputs) pairs.push({ input, output: phase.firstOutput + plan.axes[axis]!.stride * j, tap });
      }
    });
  }
  return pairs.sort((a, b) => a.input - b.input || a.tap - b.tap);
}

let timer: ReturnType<typeof setInterval> | undefined;

export function animationCard(plan: Plan): HTMLElement {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  const axis = plan.rank - 1;
  const a = plan.axes[axis]!;
  const inputs = Math.min(a.input, MAX_INPUTS);
  const pairs = scatterPairs(plan, axis, inputs);
  const outputs = Math.min(a.output, Math.max(1, ...pairs.map((p) => p.output + 1)));
  const cell = Math.max(12, Math.min(28, Math.floor(640 / Math.max(outputs, inputs * a.stride))));
  const width = Math.max(outputs, inputs * a.stride) * cell + 20;
  const svg = svgEl('svg', { viewBox: `0 0 ${width} ${cell * 5}`, width, role: 'img', id: 'animation-svg',
    'aria-label': `transposed convolution scattering ${inputs} inputs into ${outputs} outputs` });
  // Final counts of the drawn outputs: the colour scale stays fixed while the animation fills it in.
  const finalCounts = new Array<number>(outputs).fill(0);
  for (const p of pairs) if (p.output < outputs) finalCounts[p.output]! += 1;
  const maxCount = Math.max(1, ...finalCounts);
  const status = el('p', { id: 'animation-status' });
  let step = 0; // number of inputs scattered so far

  const inputX = (i: number): number => 10 + i * a.stride * cell + ((a.stride - 1) * cell) / 2;
  const outputX = (o: number): number => 10 + o * cell;

  function draw(): void {
    svg.replaceChildren();
    const counts = new Array<number>(outputs).fill(0);
    const done = pairs.filter((p) => p.input < step && p.output < outputs);
    for (const p of done) counts[p.output]! += 1;
    for (let i = 0; i < inputs; i++) {
      svg.append(svgEl('rect', { x: inputX(i), y: 4, width: cell - 2, height: cell - 2, fill: i === step - 1 ? '#f5a623' : i < step ? '#bbb' : '#eee' }, `input ${i}`));
    }
    for (const p of done.filter((q) => q.input === step - 1)) {
      svg.append(svgEl('line', { x1: inputX(p.input) + cell / 2 - 1, y1: 4 + cell - 2, x2: outputX(p.output) + cell / 2 - 1, y2: cell * 3.5, stroke: '#f5a623', 'stroke-width': 1.5 }));
    }
    for (let o = 0; o < outputs; o++) {
      svg.append(svgEl('rect', { x: outputX(o), y: cell * 3.5, width: cell - 2, height: cell - 2, stroke: '#999', 'data-count': counts[o]!,
        fill: counts[o] ? overlapColor(counts[o]!, 0, maxCount) : '#fff' }, `output ${o}: ${counts[o]} so far`));
    }
    status.textContent = step === 0
      ? `Press play: each of the first ${inputs} inputs scatters ${a.kernel} taps (stride ${a.stride}, dilation ${a.dilation}, ${a.padBegin} cropped at the start).`
      : `Input ${step - 1} scattered to outputs ${done.filter((q) => q.input === step - 1).map((q) => q.output).join(', ') || 'none (cropped)'}.`;
  }

  const play = el('button', { id: 'animation-play', text: 'Play' });
  const next = el('button', { id: 'animation-step', text: 'Step' });
  const reset = el('button', { text: 'Reset' });
  const stop = (): void => { if (timer !== undefined) clearInterval(timer); timer = undefined; play.textContent = 'Play'; };
  play.addEventListener('click', () => {
    if (timer !== undefined) return stop();
    if (step >= inputs) step = 0;
    play.textContent = 'Pause';
    timer = setInterval(() => {
      if (!svg.isConnected) return stop();
      step += 1;
      draw();
      if (step >= inputs) stop();
    }, 700);
  });
  next.addEventListener('click', () => { stop(); step = Math.min(inputs, step + 1); draw(); });
  reset.addEventListener('click', () => { stop(); step = 0; draw(); });
  draw();
  return card('animation-card', `Scatter, step by step (axis ${axis})`, el('div', {}, play, next, reset), svg, status);
}
