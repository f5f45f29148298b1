/**
 * The explorer's worker: everything whose cost grows with the input size runs here, off the page's thread — the
 * overlap maps (layer and stack), the artifact images and the image runs through the engine (WebAssembly backend
 * when it loads, else the reference). Jobs queue; a job superseded by a newer one for the same slot before it
 * starts is dropped, so a burst of edits runs only the last. The page never waits on this thread.
 */
import { explainLayer, type ExplainReport } from '../../src/analysis/explain.ts';
import { EXPLAIN_OPTIONS, type SuggestedFix, suggestedFix } from './fix.ts';
import { artifactImage, constantWeights, randomWeights, runStack } from '../../src/analysis/stack-run.ts';
import { layerOverlap, stackOverlap } from '../../src/analysis/overlap.ts';
import { type HeatmapData, heatmapOf } from './heatmap-data.ts';
import { resolveStack, type StackSpec } from '../../src/analysis/stack.ts';
import { initWasm, singleThreadReason } from '../../src/engine/backends/wasm/runtime.ts';
import { defaultThreads } from '../../src/engine/backends/wasm/index.ts';
import { getBackend } from '../../src/engine/select.ts';
import { checkPictureBudget, pictureCells } from '../../src/render/budget.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { tensor } from '../../src/tensor/tensor.ts';

export type ArtifactWeights = 'constant' | 'positive' | 'icnr';

export type WorkerJob =
  | { job: 'engine' }
  | { job: 'explain'; layer: LayerSpec }
  | { job: 'layerOverlap'; layer: LayerSpec }
  | { job: 'stackOverlap'; spec: StackSpec }
  | { job: 'artifact'; spec: StackSpec; seed: number; weights: ArtifactWeights }
  | { job: 'image'; spec: StackSpec; seed: number; weights: 'uniform' | 'random'; image: Float32Array };

export type WorkerRequest = WorkerJob & { id: number; slot: string };

export interface StackResult {
  readonly flow: string[];
  readonly steps: { description: string; even: boolean; values: number[] }[];
  readonly heatmap: HeatmapData;
}

export type WorkerResult =
  | { kind: 'engine'; backend: string; threads: number; singleThreadReason: string }
  | { kind: 'explain'; report: ExplainReport; fix: SuggestedFix | null }
  | { kind: 'heatmap'; heatmap: HeatmapData }
  | { kind: 'stack'; stack: StackResult }
  | { kind: 'picture'; shape: number[]; values: Float32Array; backend: string; ms: number; interiorSpread?: number };

export type WorkerResponse =
  | { id: number; slot: string; ok: true; result: WorkerResult }
  | { id: number; slot: string; ok: false; error: string; parameter?: string; value?: unknown; rule?: string; hint?: string };

const ready = initWasm().catch(() => undefined);

const times = (shape: readonly number[]): string => shape.join('×');

async function run(request: WorkerRequest): Promise<{ result: WorkerResult; transfer: Transferable[] }> {
  switch (request.job) {
    case 'engine': {
      await ready;
      const backend = getBackend('auto').name;
      const reason = backend === 'wasm' ? singleThreadReason() : 'the WebAssembly kernels did not load';
      return { result: { kind: 'engine', backend, threads: reason ? 1 : defaultThreads(), singleThreadReason: reason }, transfer: [] };
    }
    case 'explain': {
      // Layers with huge kernels or strides take the library seconds to explain: here, not on the page's thread.
      const report = explainLayer(request.layer, EXPLAIN_OPTIONS);
      return { result: { kind: 'explain', report, fix: suggestedFix(report, request.layer) }, transfer: [] };
    }
    case 'layerOverlap':
      return { result: { kind: 'heatmap', heatmap: heatmapOf(layerOverlap(request.layer)) }, transfer: [] };
    case 'stackOverlap': {
      const stack = resolveStack(request.spec);
      const overlap = stackOverlap(stack);
      return {
        result: {
          kind: 'stack',
          stack: {
            flow: [times(stack.inputSize), ...stack.layers.map((l) => times(l.outputSize))],
            steps: overlap.steps.map((s) => ({ description: s.description, even: s.even, values: [...s.values] })),
            heatmap: heatmapOf(overlap),
          },
        },
        transfer: [],
      };
    }
    case 'artifact': {
      const stack = resolveStack(request.spec);
      // Priced before anything runs: a picture past the library's budget is refused by name.
      checkPictureBudget('artifact', pictureCells('artifact', { stack }));
      await ready;
      const backend = getBackend('auto').name;
      const started = performance.now();
      const image = artifactImage(stack, { seed: request.seed, backend, weights: request.weights });
      const values = image.values;
      return {
        result: { kind: 'picture', shape: [...image.shape], values, backend, ms: performance.now() - started, interiorSpread: image.interiorSpread },
        transfer: [values.buffer],
      };
    }
    case 'image': {
      const stack = resolveStack(request.spec);
      checkPictureBudget('artifact', pictureCells('artifact', { stack }));
      await ready;
      const backend = getBackend('auto').name;
      const started = performance.now();
      const input = tensor([1, stack.inChannels, ...stack.inputSize], request.image);
      const weights = request.weights === 'uniform' ? constantWeights(stack) : randomWeights(stack, request.seed, 'positive');
      const out = runStack(stack, input, weights, { backend }).at(-1)!;
      const shape = [...stack.outputSize];
      const values = out.data.slice(0, shape.reduce((a, b) => a * b, 1));
      return { result: { kind: 'picture', shape, values, backend, ms: performance.now() - started }, transfer: [values.buffer] };
    }
  }
}

const queue: WorkerRequest[] = [];
let draining = false;

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  while (queue.length > 0) {
    const request = queue.shift()!;
    // A newer request for the same slot is already waiting: this one's answer would be thrown away.
    if (queue.some((q) => q.slot === request.slot)) continue;
    let response: WorkerResponse;
    let transfer: Transferable[] = [];
    try {
      const done = await run(request);
      response = { id: request.id, slot: request.slot, ok: true, result: done.result };
      transfer = done.transfer;
    } catch (error) {
      // A TconvError's record travels too, so the page can word it with the field's label.
      const { parameter, value, rule, hint } = error as { parameter?: unknown; value?: unknown; rule?: unknown; hint?: unknown };
      const record = typeof parameter === 'string' && typeof rule === 'string' ? { parameter, value, rule, hint: String(hint ?? '') } : {};
      response = { id: request.id, slot: request.slot, ok: false, error: error instanceof Error ? error.message : String(error), ...record };
    }
    (self as unknown as Worker).postMessage(response, transfer);
    // Let messages that arrived during the job land in the queue before choosing the next.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  draining = false;
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  queue.push(event.data);
  setTimeout(() => void drain(), 0);
};
