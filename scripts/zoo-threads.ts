// Where two native threads help on the zoo: every Conv/ConvTranspose call a zoo model's session makes, timed alone at
// one and two threads (alternating, same process), with the layer's estimated cycles and the autotuner's one-thread
// measurement; then each whole model at one and two threads, alternating. Medians of one run; compare within a run.
//   node --conditions=tconv-source --import tsx scripts/zoo-threads.ts [--rounds 41] [--layers-only | --models-only] [model names…]
// TCONV_NATIVE_ADDON=OLD.node runs another build (the same script, before and after a change).
// Notes the load average before and after: on a shared host the second core is often someone else's.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelData } from '../bench/model-runners.ts';
import { type NativeAddon, type NativeHandle, loadAddon } from '../src/engine/backends/native/addon.ts';
import { createSession, readModel } from '../src/onnx/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '41' }, 'layers-only': { type: 'boolean', default: false }, 'models-only': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const status = loadAddon();
if (!status.addon) throw new Error(status.reason);
const addon: NativeAddon = status.addon;

// Record each distinct prepared layer the sessions run, with the arguments of its call.
type RunArgs = Parameters<NativeAddon['run']>;
const calls = new Map<NativeHandle, RunArgs>();
const run = addon.run.bind(addon);
addon.run = (...args: RunArgs) => {
  if (!calls.has(args[0])) calls.set(args[0], [...args] as RunArgs);
  run(...args);
};

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const time = (f: () => void, reps: number) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) f();
  return Number(process.hrtime.bigint() - start) / 1e3 / reps;
};

const root = 'test/fixtures/zoo';
const models = readdirSync(root).filter((m) => !positionals.length || positionals.includes(m));
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('model | layer | tasks | est. cycles | tuned µs | t1 µs | t2 µs | t2/t1');
const modelRows: string[] = [];
for (const name of models) {
  const data = await loadModelData(join(root, name));
  const model = readModel(readFileSync(join(data.dir, 'model.onnx')));
  const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
  calls.clear();
  const one = createSession(model, { backend: 'native', threads: 1 });
  const two = createSession(model, { backend: 'native', threads: 2 });
  one.run(feeds);
  two.run(feeds);
  let index = 0;
  for (const [handle, args] of values['models-only'] ? [] : calls) {
    const d = addon.describe(handle);
    const header = args[1];
    const at = (threads: number) =>
      args[6] === undefined ? () => run(args[0], args[1], args[2], args[3], args[4], threads) : () => run(args[0], args[1], args[2], args[3], args[4], threads, args[6], args[7]);
    const t1: number[] = [];
    const t2: number[] = [];
    const reps = 5;
    for (let r = 0; r < rounds; r++) {
      t1.push(time(at(1), reps));
      t2.push(time(at(2), reps));
    }
    const a = median(t1), b = median(t2);
    console.log(`${name} | ${index++} h${header.slice(0, 6).join(',')} | ${d.tasks} | ${d.estimatedCycles.toExponential(2)} | ${(d.measuredSeconds * 1e6).toFixed(1)} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}`);
  }
  if (!values['layers-only']) {
    // Warm both sessions up first (JIT, the pool's threads, first-touch pages), then runs of ~10 ms each, alternating.
    const warm = process.hrtime.bigint();
    while (process.hrtime.bigint() - warm < 400_000_000n) {
      one.run(feeds);
      two.run(feeds);
    }
    const reps = Math.max(3, Math.round(10_000 / time(() => one.run(feeds), 5)));
    const m1: number[] = [];
    const m2: number[] = [];
    for (let r = 0; r < rounds; r++) {
      m1.push(time(() => one.run(feeds), reps));
      m2.push(time(() => two.run(feeds), reps));
    }
    modelRows.push(`${name} | ${(median(m1) / 1e3).toFixed(3)} | ${(median(m2) / 1e3).toFixed(3)} | ${(median(m2) / median(m1)).toFixed(2)}`);
  }
  one.dispose();
  two.dispose();
}
if (modelRows.length) console.log(`\nmodel | t1 ms | t2 ms | t2/t1\n${modelRows.join('\n')}`);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
