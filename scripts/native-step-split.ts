// Per step of a zoo model's session run on the native backend: the step's time (onNodeRun) against the time of the
// addon calls made inside it (the addon's entry points wrapped to time themselves), medians over runs, summed per
// step kind; "above" is what the step spends outside the addon (JavaScript: the op, the engine call, the step's own
// work). Then the run without a listener against the steps' sum: the run's bookkeeping between steps. `--root DIR`
// loads another checkout (e.g. a `git archive` of the base) to compare trees one after the other.
//   node --conditions=tconv-source --import tsx scripts/native-step-split.ts [--model hifigan-1d] [--threads 1] [--runs 2000] [--root DIR]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'hifigan-1d' }, threads: { type: 'string', default: '1' }, runs: { type: 'string', default: '2000' },
    root: { type: 'string', default: '.' },
  },
});
const url = (path: string) => pathToFileURL(resolve(values.root, path)).href;
const { readTestDir } = await import(url('src/onnx/test-dir.ts'));
const { createSession } = await import(url('src/onnx/index.ts'));
const { loadAddon } = await import(url('src/engine/backends/native/addon.ts'));

type Entry = (...args: unknown[]) => unknown;
const addon = loadAddon().addon as Record<string, Entry> | null;
if (!addon) {
  process.stderr.write('native-step-split: the native addon is not built in that checkout\n');
  process.exit(2);
}
let inAddon = 0;
for (const name of ['run', 'eltwiseAdd', 'eltwiseMap', 'eltwiseAffine', 'eltwisePrelu', 'eltwiseGroupNorm', 'eltwiseMatmul']) {
  const f = addon[name];
  if (typeof f !== 'function') continue;
  addon[name] = function timed(this: unknown, ...args: unknown[]) {
    const t = performance.now();
    const r = f.apply(this, args);
    inAddon += performance.now() - t;
    return r;
  };
}

const dir = resolve(values.root, 'test/fixtures/zoo', values.model);
const { model, dataSets } = readTestDir(dir);
const input = dataSets[0].inputs[0];
const feeds = { [model.inputs[0].name]: { shape: input.shape, data: Float32Array.from(input.data) } };
const session = createSession(model, { backend: 'native', threads: Number(values.threads) });
const runs = Number(values.runs);
const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? 0;

interface StepEvent { node: { opType: string }; fused: readonly { opType: string }[]; ms: number }
const stepMs: number[][] = [];
const addonMs: number[][] = [];
const names: string[] = [];
let step = 0;
let before = 0;
const listener = ({ node, fused, ms }: StepEvent) => {
  if (stepMs[step] === undefined) {
    stepMs[step] = [];
    addonMs[step] = [];
  }
  stepMs[step]!.push(ms);
  addonMs[step]!.push(inAddon - before);
  before = inAddon;
  names[step] = [node.opType, ...fused.map((n) => n.opType)].join('+');
  step++;
};
const profiled = () => {
  step = 0;
  before = inAddon;
  session.run(feeds, { onNodeRun: listener });
};
for (let r = 0; r < 300; r++) profiled();
stepMs.length = 0;
addonMs.length = 0;
for (let r = 0; r < runs; r++) profiled();

const byKind = new Map<string, { count: number; step: number; addon: number }>();
stepMs.forEach((times, k) => {
  const entry = byKind.get(names[k]!) ?? { count: 0, step: 0, addon: 0 };
  entry.count++;
  entry.step += median(times) * 1000;
  entry.addon += median(addonMs[k]!) * 1000;
  byKind.set(names[k]!, entry);
});
console.log(`${values.model}, native t${values.threads}, ${runs} profiled runs (µs; medians per step, summed per kind)`);
console.log('| step | count | step µs | in the addon | above it | above, all |\n| --- | ---: | ---: | ---: | ---: | ---: |');
let sumStep = 0;
let sumAddon = 0;
for (const [kind, e] of byKind) {
  sumStep += e.step;
  sumAddon += e.addon;
  console.log(`| ${kind} | ${e.count} | ${(e.step / e.count).toFixed(2)} | ${(e.addon / e.count).toFixed(2)} | ${((e.step - e.addon) / e.count).toFixed(2)} | ${(e.step - e.addon).toFixed(1)} |`);
}
console.log(`| all steps | ${stepMs.length} | ${sumStep.toFixed(1)} | ${sumAddon.toFixed(1)} | | ${(sumStep - sumAddon).toFixed(1)} |`);

// The run's bookkeeping between steps: runs without a listener against the steps' sum of runs with a minimal one.
let sum = 0;
const plain: number[] = [];
const steps: number[] = [];
for (let r = -300; r < runs; r++) {
  const t = performance.now();
  session.run(feeds);
  const ms = performance.now() - t;
  sum = 0;
  session.run(feeds, { onNodeRun: ({ ms: stepTime }: StepEvent) => { sum += stepTime; } });
  if (r >= 0) {
    plain.push(ms);
    steps.push(sum);
  }
}
console.log(`run without a listener ${(median(plain) * 1000).toFixed(1)} µs; its steps (minimal listener) ${(median(steps) * 1000).toFixed(1)} µs; between the steps ${((median(plain) - median(steps)) * 1000).toFixed(1)} µs`);
session.dispose();
