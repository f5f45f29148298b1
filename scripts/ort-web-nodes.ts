/**
 * Per-node time of a zoo model in onnxruntime-web (its WebAssembly backend, one thread unless --threads), from ORT's
 * own profiler (enableProfiling: the trace is printed to stdout when the session ends): the peer's side of
 * scripts/wasm-zoo-layers.ts. Medians over the runs after warm-up; µs. Usage:
 *   node --conditions=tconv-source --import tsx scripts/ort-web-nodes.ts [--threads 1] [--runs 200] model…
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { takeNumberOption } from './script-args.ts';

interface Ort {
  env: { wasm: { numThreads: number } };
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(model: Uint8Array, options: object): Promise<{ inputNames: string[]; run(feeds: object): Promise<unknown>; endProfiling(): void; release(): Promise<void> }> };
}
interface TraceEvent { cat: string; name: string; dur: number; args: { op_name?: string; input_type_shape?: Record<string, number[]>[] } }

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => takeNumberOption(args, name, fallback);
const threads = option('threads', 1);
const runs = option('runs', 200);
const child = process.env.ORT_NODES_CHILD;

if (child) {
  // The child: runs the model with profiling on; its stdout is the trace.
  const ort = (await import('onnxruntime-web')) as unknown as Ort;
  ort.env.wasm.numThreads = threads;
  const dir = `test/fixtures/zoo/${child}`;
  const session = await ort.InferenceSession.create(readFileSync(`${dir}/model.onnx`), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: true });
  const { readTestDir } = await import('../src/onnx/test-dir.ts');
  const input = readTestDir(dir).dataSets[0]!.inputs[0]!;
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) };
  for (let r = 0; r < runs; r++) await session.run(feeds);
  session.endProfiling();
  await session.release();
} else {
  const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  for (const model of args.length ? args : ['hifigan-1d', 'pix2pix-unet', 'ldm-vae-decoder']) {
    const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--threads', String(threads), '--runs', String(runs)], {
      env: { ...process.env, ORT_NODES_CHILD: model }, encoding: 'utf8', maxBuffer: 1 << 30,
    });
    const text = result.stdout.slice(result.stdout.indexOf('['));
    const events = (JSON.parse(text) as TraceEvent[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    const byNode = new Map<string, { op: string; shape: string; us: number[] }>();
    for (const e of events) {
      const entry = byNode.get(e.name) ?? { op: e.args.op_name ?? '?', shape: JSON.stringify(Object.values(e.args.input_type_shape?.[0] ?? {})[0] ?? []), us: [] };
      entry.us.push(e.dur);
      byNode.set(e.name, entry);
    }
    // The first runs allocate and tune: the later half only.
    const kept = [...byNode.values()].map((n) => ({ ...n, us: n.us.slice(n.us.length >> 1) }));
    const total = kept.reduce((sum, n) => sum + median(n.us), 0);
    console.log(`\n${model} (onnxruntime-web t${threads}, median of ${runs >> 1} runs): nodes ${total.toFixed(1)} µs`);
    console.log('| node | input | µs |\n| --- | --- | ---: |');
    for (const n of kept) console.log(`| ${n.op} | ${n.shape} | ${median(n.us).toFixed(1)} |`);
  }
}
