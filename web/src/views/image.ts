/**
 * The stack on pictures: the "artifact image" (constant input, random weights: a checkerboard or a flat field)
 * and a sample image (shipped, or one the user drops in) run through the stack in the engine worker.
 */
import type { StackSpec } from '../../../src/analysis/stack.ts';
import { el } from '../dom.ts';
import type { WorkerRequest, WorkerResponse } from '../engine-worker.ts';

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (response: WorkerResponse) => void>();

type Job = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

function engine(request: Job, transfer: Transferable[] = []): Promise<WorkerResponse> {
  worker ??= new Worker(new URL('../engine-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    pending.get(event.data.id)?.(event.data);
    pending.delete(event.data.id);
  };
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker!.postMessage({ ...request, id }, transfer);
  });
}

/** Grey levels scaled to the image's own range. */
function draw(canvas: HTMLCanvasElement, shape: readonly number[], values: Float32Array): void {
  const [height, width] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  canvas.width = width;
  canvas.height = height;
  const scale = Math.max(1, Math.floor(256 / Math.max(width, height)));
  canvas.style.width = `${width * scale}px`;
  canvas.style.height = `${height * scale}px`;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); }
  const context = canvas.getContext('2d')!;
  const pixels = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const g = max > min ? Math.round((255 * (values[i]! - min)) / (max - min)) : 128;
    pixels.data.set([g, g, g, 255], i * 4);
  }
  context.putImageData(pixels, 0, 0);
}

/** Reads an image into one grey channel of the stack's input size. */
async function imageToInput(source: CanvasImageSource, spec: StackSpec, width: number, height: number): Promise<Float32Array> {
  const size = typeof spec.input === 'number' ? [spec.input, spec.input] : [...spec.input];
  const [h, w] = size.length === 1 ? [1, size[0]!] : [size[0]!, size[1]!];
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d')!;
  context.drawImage(source, 0, 0, width, height, 0, 0, w, h);
  const { data } = context.getImageData(0, 0, w, h);
  const channels = spec.channels ?? 1;
  const input = new Float32Array(channels * w * h);
  for (let i = 0; i < w * h; i++) {
    const grey = (0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!) / 255;
    for (let c = 0; c < channels; c++) input[c * w * h + i] = grey;
  }
  return input;
}

export function imagePanel(spec: StackSpec): HTMLElement {
  const artifact = el('canvas', { id: 'artifact-canvas', 'aria-label': 'artifact image' });
  const artifactNote = el('p', { id: 'artifact-note', text: 'Running the stack on a constant input with random weights…' });
  const output = el('canvas', { id: 'image-canvas', 'aria-label': 'sample image through the stack' });
  const imageNote = el('p', { id: 'image-note', text: 'Running the sample image through the stack…' });
  const weights = el('select', { 'aria-label': 'weights for the image run' },
    el('option', { value: 'uniform', text: 'uniform weights (shows the overlap pattern)' }),
    el('option', { value: 'random', text: 'random weights (seed 1)' }));
  const file = el('input', { type: 'file', accept: 'image/*', 'aria-label': 'use your own image' });
  const drop = el('div', { class: 'drop', tabindex: 0 }, 'Drop an image here, or choose one: ', file);
  let source: { image: CanvasImageSource; width: number; height: number } | null = null;

  async function runImage(): Promise<void> {
    if (!source) {
      const img = new Image();
      img.src = new URL('../assets/sample.png', import.meta.url).href;
      await img.decode();
      source = { image: img, width: img.naturalWidth, height: img.naturalHeight };
    }
    const input = await imageToInput(source.image, spec, source.width, source.height);
    const response = await engine({ job: 'image', spec, seed: 1, weights: weights.value as 'uniform' | 'random', image: input }, [input.buffer]);
    if (!response.ok) { imageNote.textContent = response.error; return; }
    draw(output, response.shape, response.values);
    imageNote.textContent = `${response.shape.join('×')} output in ${response.ms.toFixed(1)} ms on the ${response.backend} backend (in a Web Worker).`;
    output.dataset.done = 'true';
  }
  async function useFile(blob: Blob): Promise<void> {
    const bitmap = await createImageBitmap(blob);
    source = { image: bitmap, width: bitmap.width, height: bitmap.height };
    await runImage();
  }
  file.addEventListener('change', () => { if (file.files?.[0]) void useFile(file.files[0]); });
  drop.addEventListener('dragover', (event) => event.preventDefault());
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    const blob = event.dataTransfer?.files[0];
    if (blob) void useFile(blob);
  });
  weights.addEventListener('change', () => void runImage());

  void engine({ job: 'artifact', spec, seed: 1 }).then((response) => {
    if (!response.ok) { artifactNote.textContent = response.error; return; }
    draw(artifact, response.shape, response.values);
    artifact.dataset.done = 'true';
    const spread = response.interiorSpread ?? 0;
    artifact.dataset.spread = String(spread);
    artifactNote.textContent = `Constant input, random positive weights, ${response.shape.join('×')}: the interior varies by ${(spread * 100).toFixed(1)}% of its mean (${response.backend} backend, ${response.ms.toFixed(1)} ms). Uneven stacks print a strong checkerboard; even ones only the faint pattern of random per-phase weight sums.`;
  });
  void runImage().catch((error: Error) => { imageNote.textContent = `Could not run the image: ${error.message}`; });

  return el('div', { class: 'grid2' },
    el('div', {}, el('h3', { text: 'Artifact image' }), artifact, artifactNote),
    el('div', {}, el('h3', { text: 'Sample image through the stack' }), el('div', {}, weights), output, imageNote, drop));
}
