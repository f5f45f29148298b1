/**
 * ONNX Runtime peers: onnxruntime-node (native CPU execution provider) and onnxruntime-web (WebAssembly SIMD,
 * threads through worker_threads in Node). Both run the same one-node model, written by tconv's ONNX exporter
 * when the case data were prepared (bench/data.ts).
 */
import { readFileSync } from 'node:fs';
import { packageVersion } from './version.ts';
import type { BenchLibrary, CaseData, Preparation } from './library.ts';

type Ort = typeof import('onnxruntime-common');

function ortLibrary(ort: Ort, version: string, sessionOptions: Record<string, unknown>): BenchLibrary {
  return {
    version,
    unavailable: null,
    async prepare({ plan, input, onnxModel }: CaseData): Promise<Preparation> {
      const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(onnxModel)), sessionOptions);
      const feeds = { input: new ort.Tensor('float32', input, [...plan.inputShape]) };
      return {
        supported: true,
        prepared: {
          async run() {
            const { output } = await session.run(feeds);
            return output!.data as Float32Array;
          },
          toCanonical: (output) => output,
          dispose: () => session.release(),
        },
      };
    },
  };
}

/** onnxruntime-node, intra-op pool of `threads`, no inter-op parallelism (a one-node graph has none). */
export async function ortNode(threads: number): Promise<BenchLibrary> {
  const ort = (await import('onnxruntime-node')) as unknown as Ort;
  return ortLibrary(ort, `onnxruntime-node ${packageVersion('onnxruntime-node')}`, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
}

/** onnxruntime-web's WebAssembly backend; its thread count is global and fixed before the first session. */
export async function ortWeb(threads: number): Promise<BenchLibrary> {
  const ort = (await import('onnxruntime-web')) as unknown as Ort;
  ort.env.wasm.numThreads = threads;
  return ortLibrary(ort, `onnxruntime-web ${packageVersion('onnxruntime-web')}`, {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
}
