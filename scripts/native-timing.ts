// Quick GFLOP/s of the native backend on the bench suite's cases (the full comparison with peers is `npm run bench`).
//   node --conditions=tconv-source --import tsx scripts/native-timing.ts [--threads 1,2] [--kernels avx512|avx2|scalar] [--ms 300] [case ids…]
// Prints per case: median GFLOP/s per thread count (wall clock, and from CPU time per thread, which a loaded
// machine distorts less), and the tile layout the cost model chose.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createNativeBackend, type KernelSetName, measureFmaPeak } from '../src/engine/backends/native/index.ts';
import { planLayer } from '../src/shape/plan.ts';
import { caseSpec } from '../bench/suite.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '1,2' }, kernels: { type: 'string' }, ms: { type: 'string', default: '300' }, suite: { type: 'string', default: '../shared/bench/suite.json' } },
});
interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }
const suite = JSON.parse(readFileSync(values.suite, 'utf8')) as { cases: Case[] };
const threads = values.threads.split(',').map(Number);
const budget = Number(values.ms);
const native = createNativeBackend(values.kernels ? { kernelSet: values.kernels as KernelSetName } : {});
if (!native.availability().available) throw new Error(native.availability().reason);
// The peak moves with the machine's load: measured now, beside the cases, and again at the end.
const peak = measureFmaPeak(0.5);
if (peak) console.log(`FMA peak now: ${peak.gflops.toFixed(1)} GFLOP/s per thread (${peak.kernelSet}); t1 cells show % of it`);

const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
for (const c of suite.cases) {
  if (positionals.length && !positionals.includes(c.id)) continue;
  const plan = planLayer({ ...caseSpec(c), bias: false });
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const args = { plan, input: random(size(plan.inputShape)), weight: random(size(plan.weightShape)), bias: random(c.cout), output: new Float32Array(size(plan.outputShape)) };
  const cells: string[] = [];
  for (const t of threads) {
    const times: number[] = [];
    const cpu: number[] = [];
    const end = performance.now() + budget;
    native.convTranspose({ ...args, threads: t });
    while (performance.now() < end || times.length < 5) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      native.convTranspose({ ...args, threads: t });
      const used = process.cpuUsage(cpuStart);
      times.push(performance.now() - start);
      cpu.push((used.user + used.system) / 1000);
    }
    const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
    const wall = median(times);
    // CPU time per thread: on a loaded machine, wall time includes waiting for a core; CPU time does not.
    const cpuPerThread = median(cpu) / t;
    const ofPeak = peak && t === 1 ? `, ${((100 * plan.flops) / wall / 1e6 / peak.gflops).toFixed(0)}% of peak` : '';
    cells.push(`t${t} ${(plan.flops / wall / 1e6).toFixed(1).padStart(6)} GFLOP/s (${wall.toFixed(3)} ms; cpu ${(plan.flops / cpuPerThread / 1e6).toFixed(1)}${ofPeak})`);
  }
  const l = native.layout(plan, args.weight);
  console.log(`${c.id.padEnd(12)} ${(plan.flops / 1e9).toFixed(4)} GFLOP  ${cells.join('  ')}  [${l.kernelSet} ${l.mr}x${l.nr}${l.batchMinor ? ' batch-minor' : ''}${l.direct ? ' direct' : ''}${l.depthwise ? ' depthwise' : ''}, ${l.tasks} tasks]`);
}
const after = measureFmaPeak(0.5);
if (after) console.log(`FMA peak at the end: ${after.gflops.toFixed(1)} GFLOP/s per thread`);
