// Where two native threads help on the zoo: every Conv/ConvTranspose call a zoo model's session makes, timed alone at
// one and two threads (alternating, same process), with the layer's estimated cycles and the autotuner's one-thread
// measurement; then each whole model on --backend (native or wasm), one session at threads 2 run in three modes,
// alternating (threadChoiceTuning.mode): every layer on one thread, each layer on the threads the static rule gives it
// ('requested'), each layer on the side its measured calls favour ('measured', src/engine/thread-choice.ts). One
// session, since two sessions of the same model differ by up to ±30% on this host with the same layouts (placement);
// layers the static rule keeps on one thread run the same code in all three. Wall-time medians and the process's CPU
// time per run (user + system, all threads) of one run; compare within a run.
//   node --conditions=tconv-source --import tsx scripts/zoo-threads.ts [--rounds 41] [--backend native|wasm]
//     [--wasm-wake MFLOP] [--wasm-min MFLOP] [--layers-only | --models-only] [model names…]
// TCONV_NATIVE_ADDON=OLD.node runs another build (the same script, before and after a change).
// Notes the load average before and after: on a shared host the second core is often someone else's.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelData } from '../bench/model-runners.ts';
import { type NativeAddon, type NativeHandle, loadAddon } from '../src/engine/backends/native/addon.ts';
import { initWasm, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import { threadChoiceTuning } from '../src/engine/thread-choice.ts';
import { createSession, readModel } from '../src/onnx/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '41' }, backend: { type: 'string', default: 'native' }, 'wasm-wake': { type: 'string' }, 'wasm-min': { type: 'string' }, 'layers-only': { type: 'boolean', default: false }, 'models-only': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const backend = values.backend === 'wasm' ? 'wasm' : 'native';
if (backend === 'wasm') await initWasm();
// --wasm-wake MFLOP: wasmTuning.minFlopsToWake for this run (an A/B of the wake-up threshold, run by run).
if (values['wasm-wake'] !== undefined) wasmTuning.minFlopsToWake = Number(values['wasm-wake']) * 1e6;
// --wasm-min MFLOP: wasmTuning.minFlopsPerThread for this run (which layers may take a second thread at all).
if (values['wasm-min'] !== undefined) wasmTuning.minFlopsPerThread = Number(values['wasm-min']) * 1e6;
const status = loadAddon();
if (!status.addon) throw new Error(status.reason);
const addon: NativeAddon = status.addon;

// Record each distinct prepared layer the sessions run, with the arguments of its call.
type RunArgs = Parameters<NativeAddon['run']>;
const calls = new Map<NativeHandle, RunArgs>();
const run = addon.run.bind(addon);
// Native calls of the measured mode, of layers that may take 2 threads, by the thread count they got (which way the
// layers' choices went); tallied in untimed runs after the timed ones.
const measuredCalls = new Map<number, number>();
const eligible = new Map<NativeHandle, boolean>();
let tallying = false;
addon.run = (...args: RunArgs) => {
  if (!calls.has(args[0])) calls.set(args[0], [...args] as RunArgs);
  if (tallying) {
    if (!eligible.has(args[0])) eligible.set(args[0], (addon.describe(args[0]).maxThreads ?? 1) > 1);
    if (eligible.get(args[0])) measuredCalls.set(args[5], (measuredCalls.get(args[5]) ?? 0) + 1);
  }
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
console.log('model | layer | tasks | est. cycles | tuned µs | t1 µs | t2 µs | t2/t1 | fastest t2/t1');
const modelRows: string[] = [];
for (const name of models) {
  const data = await loadModelData(join(root, name));
  const model = readModel(readFileSync(join(data.dir, 'model.onnx')));
  const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
  calls.clear();
  const one = createSession(model, { backend: 'native', threads: 1 });
  const two = createSession(model, { backend, threads: 2 });
  const inMode = (mode: typeof threadChoiceTuning.mode) => () => {
    threadChoiceTuning.mode = mode;
    try {
      two.run(feeds);
    } finally {
      threadChoiceTuning.mode = 'measured';
    }
  };
  one.run(feeds);
  two.run(feeds);
  let index = 0;
  for (const [handle, args] of values['models-only'] || backend !== 'native' ? [] : calls) {
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
    // The fastest rounds: the moments the second core was free (on a shared host, what two threads can gain).
    const fastest = Math.min(...t2) / Math.min(...t1);
    console.log(`${name} | ${index++} h${header.slice(0, 6).join(',')} | ${d.tasks} | ${d.estimatedCycles.toExponential(2)} | ${(d.measuredSeconds * 1e6).toFixed(1)} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)} | ${fastest.toFixed(2)}`);
  }
  if (!values['layers-only']) {
    // Warm both sessions up first (JIT, the pool's threads, first-touch pages), then runs of ~10 ms each, alternating.
    const warm = process.hrtime.bigint();
    const sessions = [inMode('one'), inMode('requested'), inMode('measured')];
    while (process.hrtime.bigint() - warm < 400_000_000n) for (const f of sessions) f();
    const reps = Math.max(3, Math.round(10_000 / time(sessions[0]!, 5)));
    const wall: number[][] = [[], [], []];
    const cpu: number[][] = [[], [], []];
    for (let r = 0; r < rounds; r++) {
      for (const [i, f] of sessions.entries()) {
        const before = process.cpuUsage();
        wall[i]!.push(time(f, reps));
        const used = process.cpuUsage(before);
        cpu[i]!.push((used.user + used.system) / reps);
      }
    }
    const [w1, wFixed, wChosen] = wall.map(median) as [number, number, number];
    const [c1, cFixed, cChosen] = cpu.map(median) as [number, number, number];
    const ms = (us: number) => (us / 1e3).toFixed(3);
    // Native only: the share of the measured mode's layer calls at 2 threads, over those the static rule gives 2.
    tallying = true;
    for (let r = 0; r < rounds; r++) sessions[2]!();
    tallying = false;
    const onTwo = measuredCalls.get(2) ?? 0;
    const choice = backend === 'native' ? ` | ${onTwo} of ${onTwo + (measuredCalls.get(1) ?? 0)} calls at 2` : '';
    measuredCalls.clear();
    modelRows.push(`${name} | ${ms(w1)} | ${ms(wFixed)} | ${ms(wChosen)} | ${(wFixed / w1).toFixed(2)} | ${(wChosen / w1).toFixed(2)} | ${ms(c1)} / ${ms(cFixed)} / ${ms(cChosen)}${choice}`);
  }
  one.dispose();
  two.dispose();
}
if (modelRows.length) {
  console.log(`\n${backend} (threads 2): model | one ms | static ms | measured ms | static/one | measured/one | CPU ms per run one / static / measured${backend === 'native' ? ' | measured: layer calls at 2 threads' : ''}\n${modelRows.join('\n')}`);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
