/**
 * Whole models for `npm run bench -- --models`: each library loads a zoo model (test/fixtures/zoo/<name>) once and
 * runs it on the stored input. tconv runs a model session (src/onnx/session.ts: weights packed, the graph rewritten
 * and each plan compiled once; each run executes the steps and drops intermediates after their last use); ONNX
 * Runtime runs a session created once, at its full graph optimisation, as a user of it would.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { LibraryName } from './libraries/registry.ts';
import { packageVersion } from './libraries/version.ts';

const require = createRequire(import.meta.url);

export interface ModelData {
  readonly dir: string;
  readonly inputName: string;
  readonly inputShape: readonly number[];
  readonly input: Float32Array;
  readonly outputName: string;
  /** PyTorch's output (test_data_set_0/output_0.pb). */
  readonly expected: Float32Array;
}

/** One op type's share of a tconv run (or a fused step's, e.g. Conv+Relu): median over profiled runs of the summed node times. */
export interface OpTime {
  readonly op: string;
  readonly ms: number;
  readonly nodes: number;
}

export interface ModelProfile {
  readonly ops: readonly OpTime[];
  /** Median wall time of the profiled runs (ms): what the ops' shares are shares of. */
  readonly runMs: number;
  /** Median over the profiled runs of the run's time outside its steps (ms): planning, checks, bookkeeping. */
  readonly outsideMs: number;
  /** Largest bytes of inputs and intermediates alive at once during a run (src/onnx/execute.ts frees as it goes). */
  readonly peakLiveBytes: number;
  /** What the run would hold if nothing were freed: the input and every node output. */
  readonly allValuesBytes: number;
}

export interface PreparedModel {
  run(): Float32Array | Promise<Float32Array>;
  /**
   * tconv only: per-op times and the peak of live tensors over `runs` extra, untimed-by-the-bench runs, after
   * profiled warm-up runs (a run with a listener is a new shape of call, its first runs are slower).
   */
  profile?(runs: number): ModelProfile;
  dispose(): void | Promise<void>;
}

export interface ModelLibrary {
  readonly version: string;
  /** Why it cannot run here, or null. */
  readonly unavailable: string | null;
  prepare(data: ModelData): Promise<PreparedModel>;
}

/** The stored input and output of a zoo model, as plain float32 arrays. */
export async function loadModelData(dir: string): Promise<ModelData> {
  const { readTestDir } = await import('../src/onnx/test-dir.ts');
  const { model, dataSets } = readTestDir(dir);
  const set = dataSets[0]!;
  const input = set.inputs[0]!;
  return {
    dir, inputName: model.inputs[0]!.name, inputShape: input.shape, input: Float32Array.from(input.data),
    outputName: model.outputs[0]!.name, expected: Float32Array.from(set.outputs[0]!.data),
  };
}

/** Profiled runs made before the recorded ones, for at least this long (ms). */
const PROFILE_WARMUP_MS = 200;

const medianOf = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function tconvModels(backend: 'native' | 'wasm' | 'reference', threads: number): Promise<ModelLibrary> {
  const engine = await import('../src/engine/index.ts');
  const onnx = await import('../src/onnx/index.ts');
  const version = `tconv ${(require('../package.json') as { version: string }).version} (${backend})`;
  const status = engine.listBackends().find((b) => b.name === backend);
  return {
    version,
    unavailable: status?.available ? null : (status?.reason ?? `tconv has no ${backend} backend`),
    async prepare(data) {
      const model = onnx.readModel(readFileSync(join(data.dir, 'model.onnx')));
      const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
      // A session, as ORT's: weights packed and the plan made once, then only the run is timed.
      const session = onnx.createSession(model, { backend, threads });
      return {
        run: () => session.run(feeds).get(data.outputName)!.data as Float32Array,
        profile(runs) {
          const perRun: Map<string, { ms: number; nodes: number }>[] = [];
          const runTimes: number[] = [];
          const outside: number[] = [];
          let peakLiveBytes = 0;
          // The first runs with a listener run slower code than the timed runs had (V8 re-optimises for the new
          // options), so they would make the steps add up to more than a timed run: warm up first, then record.
          const warmupEnd = performance.now() + PROFILE_WARMUP_MS;
          for (let r = 0; r < runs || performance.now() < warmupEnd; r++) {
            const ops = new Map<string, { ms: number; nodes: number }>();
            let inSteps = 0;
            const started = performance.now();
            session.run(feeds, {
              onNodeRun: ({ node, fused, ms, liveBytes }) => {
                // A fused step is named by its nodes' op types (Conv+Relu) and counted once.
                const op = [node.opType, ...fused.map((n) => n.opType)].join('+');
                const entry = ops.get(op) ?? { ms: 0, nodes: 0 };
                ops.set(op, { ms: entry.ms + ms, nodes: entry.nodes + 1 });
                inSteps += ms;
                peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
              },
            });
            const runMs = performance.now() - started;
            perRun.push(ops);
            runTimes.push(runMs);
            outside.push(Math.max(0, runMs - inSteps));
          }
          // The last `runs` runs, after the warm-up.
          perRun.splice(0, perRun.length - runs);
          runTimes.splice(0, runTimes.length - runs);
          outside.splice(0, outside.length - runs);
          const graph = onnx.inferShapes(model, { inputShapes: { [data.inputName]: data.inputShape } });
          let allValuesBytes = 4 * data.input.length;
          for (const node of graph.order) {
            if (node.outputs.every((o) => o === '' || graph.constants.has(o))) continue;
            for (const o of node.outputs) allValuesBytes += 4 * (graph.shapes.get(o) ?? []).reduce((a, b) => a * b, 1);
          }
          const names = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
          const ops = names.map((op) => ({
            op, ms: medianOf(perRun.map((m) => m.get(op)?.ms ?? 0)), nodes: perRun[0]!.get(op)?.nodes ?? 0,
          })).sort((a, b) => b.ms - a.ms);
          return { ops, runMs: medianOf(runTimes), outsideMs: medianOf(outside), peakLiveBytes, allValuesBytes };
        },
        dispose: () => session.dispose(),
      };
    },
  };
}

type Ort = typeof import('onnxruntime-common');

function ortModels(ort: Ort, version: string, sessionOptions: Record<string, unknown>): ModelLibrary {
  return {
    version,
    unavailable: null,
    async prepare(data) {
      const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(data.dir, 'model.onnx'))), sessionOptions);
      const feeds = { [data.inputName]: new ort.Tensor('float32', data.input, [...data.inputShape]) };
      return {
        async run() {
          const result = await session.run(feeds);
          return result[data.outputName]!.data as Float32Array;
        },
        dispose: () => session.release(),
      };
    },
  };
}

/** The libraries `--models` times, loaded for one thread count (one child process each). */
export async function loadModelLibrary(name: LibraryName, threads: number): Promise<ModelLibrary> {
  if (name === 'native' || name === 'wasm' || name === 'reference') return tconvModels(name, threads);
  if (name === 'ort-node') {
    const ort = (await import('onnxruntime-node')) as unknown as Ort;
    return ortModels(ort, `onnxruntime-node ${packageVersion('onnxruntime-node')}`, {
      executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
  }
  if (name === 'ort-web') {
    const ort = (await import('onnxruntime-web')) as unknown as Ort;
    ort.env.wasm.numThreads = threads; // global, fixed before the first session
    return ortModels(ort, `onnxruntime-web ${packageVersion('onnxruntime-web')}`, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  }
  return { version: name, unavailable: `${name} runs single layers only (it has no ONNX model loader)`, prepare: () => Promise.reject(new Error('unavailable')) };
}
