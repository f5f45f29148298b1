/**
 * The explorer's engine worker: runs a stack through the tconv engine (WebAssembly backend when it loads,
 * else the reference) off the page's thread, so the page stays responsive.
 */
import { initWasm } from '../../src/engine/backends/wasm/runtime.ts';
import { getBackend } from '../../src/engine/select.ts';
import { artifactImage, constantWeights, randomWeights, runStack } from '../../src/analysis/stack-run.ts';
import { resolveStack, type StackSpec } from '../../src/analysis/stack.ts';
import { tensor } from '../../src/tensor/tensor.ts';

export type WorkerRequest =
  | { id: number; job: 'artifact'; spec: StackSpec; seed: number }
  | { id: number; job: 'image'; spec: StackSpec; seed: number; weights: 'uniform' | 'random'; image: Float32Array };

export type WorkerResponse =
  | { id: number; ok: true; shape: number[]; values: Float32Array; backend: string; ms: number; interiorSpread?: number }
  | { id: number; ok: false; error: string };

const ready = initWasm().catch(() => undefined);

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  await ready;
  const backend = getBackend('auto').name;
  const started = performance.now();
  try {
    let shape: number[];
    let values: Float32Array;
    let interiorSpread: number | undefined;
    if (request.job === 'artifact') {
      const image = artifactImage(request.spec, { seed: request.seed, backend });
      shape = [...image.shape];
      values = image.values;
      interiorSpread = image.interiorSpread;
    } else {
      const stack = resolveStack(request.spec);
      const input = tensor([1, stack.inChannels, ...stack.inputSize], request.image);
      const weights = request.weights === 'uniform' ? constantWeights(stack) : randomWeights(stack, request.seed, 'positive');
      const out = runStack(stack, input, weights, { backend }).at(-1)!;
      shape = [...stack.outputSize];
      values = out.data.slice(0, shape.reduce((a, b) => a * b, 1));
    }
    const response: WorkerResponse = { id: request.id, ok: true, shape, values, backend, ms: performance.now() - started, interiorSpread };
    (self as unknown as Worker).postMessage(response, [values.buffer]);
  } catch (error) {
    (self as unknown as Worker).postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse);
  }
};
