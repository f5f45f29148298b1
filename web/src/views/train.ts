/**
 * The Train card: the checkerboard demo of `tconv train --demo checkerboard` (docs/training.md) trained live in its own
 * worker (train-worker.ts) on the WebAssembly engine — the five decoders side by side, their outputs redrawn as they
 * learn, the loss and the checkerboard measure as curves drawn by the library's curvesSvg (as the CLI's curves.svg).
 * Nothing runs until Start is pressed (a run costs CPU; phones should not pay for it on page load). Every number shown
 * is the worker's; the page only keeps the curves and draws them, at most ten times a second.
 */
import { curvesSvg } from '../../../src/render/curves.ts';
import { greyLevel } from '../../../src/render/colors.ts';
import { card, el, svgNode } from '../dom.ts';
import { MAX_STEPS, TRAIN_SETTINGS } from '../train-settings.ts';
import type { TrainMessage, TrainRecord, TrainRequest } from '../train-worker.ts';

export const TRAIN_TITLE = 'Train: watch checkerboards appear and fade';

const DESCRIPTIONS: Record<string, string> = {
  'convT-k3': 'transposed conv k3 s2 (uneven phases)',
  'convT-k4': 'transposed conv k4 s2 (even phases)',
  'resize-conv': 'nearest resize ×2, then conv k3',
  subpixel: 'sub-pixel: conv, pixel shuffle ×2',
  'subpixel-icnr': 'sub-pixel, ICNR-initialised',
};

const DRAW_INTERVAL_MS = 100;

type RunState = 'idle' | 'starting' | 'running' | 'pausing' | 'paused' | 'finished';

/** The images of one variant (or the targets) as a 2-wide mosaic, grey 0 = black, 1 = white (as the CLI's frames). */
function drawMosaic(canvas: HTMLCanvasElement, data: Float32Array, size: number): void {
  const count = data.length / (size * size);
  const across = Math.min(2, count);
  const down = Math.ceil(count / across);
  canvas.width = across * size;
  canvas.height = down * size;
  const context = canvas.getContext('2d')!;
  const pixels = context.createImageData(canvas.width, canvas.height);
  for (let n = 0; n < count; n++) {
    const x0 = (n % across) * size;
    const y0 = Math.floor(n / across) * size;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const g = greyLevel(data[(n * size + y) * size + x]!, 0, 1);
        const i = ((y0 + y) * canvas.width + x0 + x) * 4;
        pixels.data[i] = g;
        pixels.data[i + 1] = g;
        pixels.data[i + 2] = g;
        pixels.data[i + 3] = 255;
      }
    }
  }
  context.putImageData(pixels, 0, 0);
}

const figure = (id: string, title: string, description: string): { node: HTMLElement; canvas: HTMLCanvasElement; numbers: HTMLElement } => {
  const canvas = el('canvas', { id: `${id}-canvas`, class: 'train-canvas', role: 'img', 'aria-label': `${title}: not started`, width: 64, height: 64 });
  const numbers = el('p', { class: 'train-numbers', id: `${id}-numbers`, text: '—' });
  const node = el('figure', { class: 'train-figure', id },
    el('figcaption', {}, el('strong', { text: title }), el('span', { class: 'train-description', text: description })), canvas, numbers);
  return { node, canvas, numbers };
};

export function trainCard(): HTMLElement {
  let worker: Worker | null = null;
  let state: RunState = 'idle';
  /** This page's run number: messages of an earlier run (still in flight after Reset) are dropped. */
  let run = 0;
  let size = 32;
  let step = 0;
  let names: readonly string[] = [];
  let curves = new Map<string, { loss: number[]; checkerboard: number[] }>();
  let latest: readonly TrainRecord[] = [];
  const stepTimes: number[] = [];
  let drawPending = false;
  let lastDraw = 0;

  const seed = el('input', { type: 'number', id: 'train-seed', min: 0, step: 1, value: 1, inputmode: 'numeric' });
  const toggle = el('button', { type: 'button', id: 'train-toggle', class: 'primary', text: 'Start' });
  const reset = el('button', { type: 'button', id: 'train-reset', text: 'Reset', disabled: true });
  const progress = el('p', { id: 'train-progress', class: 'note', 'data-step': 0, text: `Not started: press Start to train (about ${MAX_STEPS} steps; it uses the CPU while it runs).` });
  const live = el('p', { id: 'train-live', class: 'sr-only', role: 'status' });
  const targets = figure('train-targets', 'Targets', `the ${TRAIN_SETTINGS.images} images to learn`);
  targets.numbers.remove(); // the targets have no loss or measure
  const variants = new Map(Object.keys(DESCRIPTIONS).map((name) => [name, figure(`train-${name}`, name, DESCRIPTIONS[name]!)]));
  const backendNote = el('span', { id: 'train-backend', text: 'It runs in a Web Worker on the engine’s WebAssembly backend once you press Start.' });
  const lossPlot = el('figure', { id: 'train-loss-plot', class: 'train-plot' });
  const measurePlot = el('figure', { id: 'train-measure-plot', class: 'train-plot' });

  const send = (request: TrainRequest): void => {
    if (!worker) {
      worker = new Worker(new URL('../train-worker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (event: MessageEvent<TrainMessage>) => receive(event.data);
    }
    worker.postMessage(request);
  };

  const setState = (next: RunState, said?: string): void => {
    state = next;
    toggle.textContent = next === 'idle' ? 'Start' : next === 'paused' ? 'Resume' : 'Pause';
    toggle.disabled = next === 'starting' || next === 'pausing' || next === 'finished';
    reset.disabled = next === 'idle' || next === 'starting';
    seed.disabled = next !== 'idle';
    progress.dataset.state = next;
    if (said) live.textContent = said;
  };

  const median = (values: readonly number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };

  const draw = (): void => {
    drawPending = false;
    if (state === 'idle') return;
    const started = performance.now();
    lastDraw = started;
    progress.dataset.step = String(step);
    const timing = stepTimes.length ? `; one step of all five decoders: median ${median(stepTimes).toFixed(0)} ms over ${stepTimes.length} steps` : '';
    const where = state === 'paused' ? 'Paused at step' : state === 'finished' ? 'Finished at step' : 'Step';
    progress.textContent = `${where} ${step} of ${MAX_STEPS}${timing}.`;
    for (const record of latest) {
      const view = variants.get(record.name);
      if (!view) continue;
      drawMosaic(view.canvas, record.output, size);
      view.numbers.textContent = `loss ${record.loss.toFixed(4)} · checkerboard ${record.checkerboard.toFixed(4)}`;
      Object.assign(view.node.dataset, { step: String(step), loss: String(record.loss), checkerboard: String(record.checkerboard) });
      view.canvas.setAttribute('aria-label', `${record.name} outputs at step ${step}: loss ${record.loss.toFixed(4)}, checkerboard ${record.checkerboard.toFixed(4)}`);
    }
    const plot = (into: HTMLElement, key: 'loss' | 'checkerboard', label: string): void => {
      const series = names.map((name) => ({ name, values: curves.get(name)![key] }));
      into.replaceChildren(svgNode(curvesSvg({ title: label, panels: [{ label: key === 'loss' ? 'loss (MSE)' : 'checkerboard measure', logScale: true, series }] })));
    };
    plot(lossPlot, 'loss', `Loss against steps, seed ${seed.value}`);
    plot(measurePlot, 'checkerboard', `Checkerboard measure against steps, seed ${seed.value}`);
    performance.measure('tconv:train-draw', { start: started });
  };
  // At most ten redraws a second (a step takes ~20 ms): the page's thread stays free for the cards above.
  const scheduleDraw = (): void => {
    if (drawPending) return;
    drawPending = true;
    setTimeout(() => requestAnimationFrame(draw), Math.max(0, lastDraw + DRAW_INTERVAL_MS - performance.now()));
  };

  const receive = (message: TrainMessage): void => {
    if (message.run !== run || state === 'idle') return;
    if (message.type === 'started') {
      size = message.size;
      names = message.variants;
      curves = new Map(names.map((name) => [name, { loss: [], checkerboard: [] }]));
      drawMosaic(targets.canvas, message.targets, size);
      targets.canvas.setAttribute('aria-label', `the ${message.targets.length / (size * size)} target images of seed ${message.seed}`);
      toggle.dataset.backend = message.backend;
      backendNote.textContent = `Running in a Web Worker on the ${message.backend === 'wasm' ? 'WebAssembly' : message.backend} backend.`;
      backendNote.dataset.backend = message.backend;
    } else if (message.type === 'step') {
      step = message.step;
      latest = message.records;
      if (message.step > 0) {
        stepTimes.push(message.ms);
        // The worker's own time for the step, on the page's timeline: scripts/explorer-train.ts reads it.
        performance.measure('tconv:train-step', { start: Math.max(0, performance.now() - message.ms), duration: message.ms });
      }
      for (const record of message.records) {
        const curve = curves.get(record.name)!;
        curve.loss.push(record.loss);
        curve.checkerboard.push(record.checkerboard);
      }
      scheduleDraw();
    } else if (message.type === 'state') {
      step = message.step;
      setState(message.state, message.state === 'running' ? `Training from step ${step}.` : message.state === 'paused' ? `Paused at step ${step}.` : `Finished: ${step} steps.`);
      scheduleDraw();
    } else {
      setState('idle');
      progress.textContent = `Training stopped: ${message.message}`;
    }
  };

  toggle.addEventListener('click', () => {
    if (state === 'idle') {
      const value = Number(seed.value);
      const chosen = Number.isInteger(value) && value >= 0 ? value : 1;
      seed.value = String(chosen);
      stepTimes.length = 0;
      setState('starting', 'Starting.');
      progress.textContent = 'Loading the engine in the worker…';
      send({ type: 'start', seed: chosen, run: ++run });
    } else if (state === 'running') {
      setState('pausing');
      send({ type: 'pause' });
    } else if (state === 'paused') {
      send({ type: 'resume' });
    }
  });
  reset.addEventListener('click', () => {
    send({ type: 'reset' });
    run++;
    step = 0;
    names = [];
    latest = [];
    curves = new Map();
    stepTimes.length = 0;
    setState('idle', 'Reset.');
    progress.dataset.step = '0';
    progress.textContent = 'Reset: press Start to train again.';
    for (const view of [targets, ...variants.values()]) {
      view.canvas.getContext('2d')?.clearRect(0, 0, view.canvas.width, view.canvas.height);
      view.numbers.textContent = '—';
      delete view.node.dataset.step;
    }
    lossPlot.replaceChildren();
    measurePlot.replaceChildren();
  });

  const s = TRAIN_SETTINGS;
  return card('train-card', TRAIN_TITLE,
    el('p', { id: 'train-intro' },
      `Five small decoders of the same depth and width learn to draw the same ${s.images} procedurally drawn ${4 * 2 ** s.stages}×${4 * 2 ** s.stages} images `
      + `from learned ${s.channels}×4×4 codes (Adam, learning rate ${s.learningRate}, full batch), as `, el('code', { text: 'tconv train --demo checkerboard' }),
      ` does; they differ only in how each of ${s.stages} stages doubles the resolution. `, backendNote),
    el('p', { id: 'train-measure' },
      el('strong', { text: 'Checkerboard measure' }),
      ': how strongly an output repeats a pattern of the last stage’s stride (2×2) where its target is flat — 0 is none, in grey levels from 0 to 1 (',
      el('a', { href: '#g-measure', text: 'its definition' }), ').'),
    el('div', { class: 'train-controls' },
      el('label', { for: 'train-seed', text: 'Seed' }), seed, toggle, reset),
    progress, live,
    el('div', { class: 'train-figures' }, targets.node, ...[...variants.values()].map((v) => v.node)),
    el('div', { class: 'train-plots' }, lossPlot, measurePlot),
    el('p', { class: 'note', text: 'Outputs: grey 0 = black, 1 = white, as the targets. Curves: log scales over three decades; ICNR’s exact 0 at the start sits on the bottom edge.' }));
}
