// How a zoo model's wasm layers split between the caller and the worker at threads 2 (every call on the static rule's
// threads): per Conv/ConvTranspose, its MFLOP, threads, tasks, the median and least number of tasks the calling thread
// ran itself over 50 runs (all of them: the worker never joined) and the kernels' median µs.
//   node --conditions=tconv-source --import tsx scripts/wasm-thread-split.ts [model] [minFlopsToWake MFLOP] [minFlopsPerThread MFLOP]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelData } from '../bench/model-runners.ts';
import { initWasm, lastCall, wasmBackend, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import { threadChoiceTuning } from '../src/engine/thread-choice.ts';
import { createSession, readModel } from '../src/onnx/index.ts';

await initWasm();
const name = process.argv[2] ?? 'unet3d';
wasmTuning.timeParts = true; // lastCall.ms is written only when asked for
if (process.argv[3] !== undefined) wasmTuning.minFlopsToWake = Number(process.argv[3]) * 1e6;
if (process.argv[4] !== undefined) wasmTuning.minFlopsPerThread = Number(process.argv[4]) * 1e6;
threadChoiceTuning.mode = 'requested';
const data = await loadModelData(join('test/fixtures/zoo', name));
const model = readModel(readFileSync(join(data.dir, 'model.onnx')));
const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
const rows: { flops: number; threads: number; tasks: number; caller: number; kernels: number; layout: string }[] = [];
let record = false;
for (const key of ['conv', 'convTranspose'] as const) {
  const f = wasmBackend[key]!;
  wasmBackend[key] = (args) => {
    f(args);
    if (record) rows.push({ flops: args.plan.flops, threads: lastCall.threads, tasks: lastCall.tasks, caller: lastCall.callerTasks, kernels: lastCall.ms.kernels, layout: '' });
  };
}
const s = createSession(model, { backend: 'wasm', threads: 2 });
for (let i = 0; i < 300; i++) s.run(feeds);
record = true;
for (let i = 0; i < 50; i++) s.run(feeds);
record = false;
const per = rows.length / 50;
for (let l = 0; l < per; l++) {
  const mine = rows.filter((_, i) => i % per === l);
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  const r = mine[0]!;
  console.log(`layer ${l}: ${(r.flops / 1e6).toFixed(2)} MFLOP threads ${r.threads} tasks ${r.tasks} caller median ${med(mine.map((m) => m.caller))} (min ${Math.min(...mine.map((m) => m.caller))}) kernels ${(med(mine.map((m) => m.kernels)) * 1e3).toFixed(1)} µs`);
}
s.dispose();
process.exit(0);
