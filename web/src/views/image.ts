/**
 * A picture through the stack: the input (the shipped sample, or an image the user chose — kept for the whole visit,
 * whatever else changes) beside the stack's output, run by the engine in the worker.
 */
import { resolveStack, type StackSpec } from '../../../src/analysis/stack.ts';
import { checkPictureBudget, pictureCells } from '../../../src/render/budget.ts';
import { el } from '../dom.ts';
import { ask } from '../worker-client.ts';
import { drawGrey } from './canvas.ts';

interface Source { readonly image: CanvasImageSource; readonly width: number; readonly height: number; readonly name: string }

/** The user's image outlives every redraw of the stack card. */
let chosen: Source | null = null;
let sample: Promise<Source> | null = null;

function loadSample(): Promise<Source> {
  sample ??= (async () => {
    const img = new Image();
    img.src = new URL('../assets/sample.png', import.meta.url).href;
    await img.decode();
    return { image: img, width: img.naturalWidth, height: img.naturalHeight, name: 'the sample image' };
  })();
  return sample;
}

/** One grey channel of the stack's input size, per input channel. */
function imageToInput(source: Source, spec: StackSpec): { input: Float32Array; shape: number[] } {
  const size = typeof spec.input === 'number' ? Array(spec.rank ?? 2).fill(spec.input) : [...spec.input];
  const [h, w] = size.length === 1 ? [1, size[0]!] : [size[0]!, size[1]!];
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d')!;
  context.drawImage(source.image, 0, 0, source.width, source.height, 0, 0, w, h);
  const { data } = context.getImageData(0, 0, w, h);
  const channels = spec.channels ?? 1;
  const input = new Float32Array(channels * w * h);
  for (let i = 0; i < w * h; i++) {
    const grey = (0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!) / 255;
    for (let c = 0; c < channels; c++) input[c * w * h + i] = grey;
  }
  return { input, shape: size.length === 1 ? [w] : [h, w] };
}

export function imagePanel(spec: StackSpec): HTMLElement {
  const inputCanvas = el('canvas', { id: 'image-input', role: 'img', 'aria-label': 'the input image, at the stack’s input size' });
  const output = el('canvas', { id: 'image-canvas', role: 'img', 'aria-label': 'the image through the stack' });
  const note = el('p', { class: 'note', id: 'image-note', text: 'Running the image through the stack…' });
  const weights = el('select', { id: 'image-weights', 'aria-label': 'weights for the image run', 'data-key': 'image-weights' },
    el('option', { value: 'uniform', text: 'constant weights (shows the overlap pattern)' }),
    el('option', { value: 'random', text: 'random weights (seed 1)' }));
  const file = el('input', { type: 'file', id: 'image-file', accept: 'image/*', 'data-key': 'image-file' });
  const drop = el('div', { class: 'drop' }, el('label', { for: 'image-file', text: 'Use your own image (or drop one here): ' }), file);

  async function run(): Promise<void> {
    // Priced before the input is even drawn: a 20000² input must not become a 1.6 GB canvas on the page's thread.
    try {
      checkPictureBudget('artifact', pictureCells('artifact', { stack: resolveStack(spec) }));
    } catch (error) {
      note.textContent = error instanceof Error ? error.message : String(error);
      note.classList.add('refused');
      inputCanvas.hidden = true;
      output.hidden = true;
      output.dataset.refused = 'true';
      return;
    }
    const source = chosen ?? (await loadSample());
    const { input, shape } = imageToInput(source, spec);
    drawGrey(inputCanvas, shape, input, 160);
    const response = await ask('image', { job: 'image', spec, seed: 1, weights: weights.value as 'uniform' | 'random', image: input }, [input.buffer]);
    if (!response.ok) { note.textContent = response.error; output.hidden = true; return; }
    if (response.result.kind !== 'picture') return;
    output.hidden = false;
    drawGrey(output, response.result.shape, response.result.values, 160);
    output.dataset.done = 'true';
    output.dataset.source = chosen ? 'upload' : 'sample';
    note.textContent = `${source.name}, ${shape.join('×')} → ${response.result.shape.join('×')} in ${response.result.ms.toFixed(0)} ms on the ${response.result.backend} backend (in a Web Worker).`;
  }
  async function useFile(blob: File): Promise<void> {
    const bitmap = await createImageBitmap(blob);
    chosen = { image: bitmap, width: bitmap.width, height: bitmap.height, name: blob.name || 'your image' };
    await run();
  }
  file.addEventListener('change', () => { if (file.files?.[0]) void useFile(file.files[0]); });
  drop.addEventListener('dragover', (event) => event.preventDefault());
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    const blob = event.dataTransfer?.files[0];
    if (blob) void useFile(blob);
  });
  weights.addEventListener('change', () => void run());
  void run().catch((error: Error) => { note.textContent = `Could not run the image: ${error.message}`; });
  return el('div', { class: 'image-panel' }, el('h3', { text: 'A picture through the stack' }), weights,
    el('div', { class: 'side-by-side' },
      el('figure', {}, inputCanvas, el('figcaption', { text: 'input' })),
      el('figure', {}, output, el('figcaption', { text: 'output' }))),
    note, drop);
}
