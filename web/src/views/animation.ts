/**
 * An animated diagram of a transposed convolution along one axis: each input cell in turn scatters its kernel
 * footprint into the output, and the output cells darken as contributions pile up. Step, play and pause.
 * Where each tap lands is read from the plan's polyphase split (phase p, tap t: input j + offset → output
 * firstOutput + stride·j), never re-derived here.
 */
import type { Plan } from '../../../src/shape/plan.ts';
import { card, el } from '../dom.ts';
import { overlapColor } from '../../../src/render/colors.ts';

const SVG = 'http://www.w3.org/2000/svg';
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
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${cell * 5}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `transposed convolution scattering ${inputs} inputs into ${outputs} outputs`);
  svg.id = 'animation-svg';
  const status = el('p', { id: 'animation-status' });
  let step = 0; // number of inputs scattered so far

  const inputX = (i: number): number => 10 + i * a.stride * cell + ((a.stride - 1) * cell) / 2;
  const outputX = (o: number): number => 10 + o * cell;

  function draw(): void {
    svg.replaceChildren();
    const counts = new Array<number>(outputs).fill(0);
    const done = pairs.filter((p) => p.input < step && p.output < outputs);
    for (const p of done) counts[p.output]! += 1;
    const maxCount = Math.max(1, ...pairs.reduce((acc, p) => { if (p.output < outputs) acc[p.output]! += 1; return acc; }, new Array<number>(outputs).fill(0)));
    for (let i = 0; i < inputs; i++) {
      svg.append(rect(inputX(i), 4, cell - 2, i === step - 1 ? '#f5a623' : i < step ? '#bbb' : '#eee', `input ${i}`));
    }
    for (const p of done.filter((q) => q.input === step - 1)) {
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('x1', String(inputX(p.input) + cell / 2 - 1));
      line.setAttribute('y1', String(4 + cell - 2));
      line.setAttribute('x2', String(outputX(p.output) + cell / 2 - 1));
      line.setAttribute('y2', String(cell * 3.5));
      line.setAttribute('stroke', '#f5a623');
      line.setAttribute('stroke-width', '1.5');
      svg.append(line);
    }
    for (let o = 0; o < outputs; o++) {
      const r = rect(outputX(o), cell * 3.5, cell - 2, counts[o] ? overlapColor(counts[o]!, 0, maxCount) : '#fff', `output ${o}: ${counts[o]} so far`);
      r.setAttribute('stroke', '#999');
      r.setAttribute('data-count', String(counts[o]));
      svg.append(r);
    }
    status.textContent = step === 0
      ? `Press play: each of the first ${inputs} inputs scatters ${a.kernel} taps (stride ${a.stride}, dilation ${a.dilation}, ${a.padBegin} cropped at the start).`
      : `Input ${step - 1} scattered to outputs ${done.filter((q) => q.input === step - 1).map((q) => q.output).join(', ') || 'none (cropped)'}.`;
  }

  function rect(x: number, y: number, size: number, fill: string, label: string): SVGElement {
    const r = document.createElementNS(SVG, 'rect');
    r.setAttribute('x', String(x));
    r.setAttribute('y', String(y));
    r.setAttribute('width', String(size));
    r.setAttribute('height', String(size));
    r.setAttribute('fill', fill);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = label;
    r.append(title);
    return r;
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
