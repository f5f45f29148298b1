// Local timing of the wasm backend on the suite's cases (not a test, not the bench: `npm run bench` is the
// measurement of record). Usage: node --import tsx scripts/wasm-timing.ts [caseId,…] [--threads 1,2] [--seconds 1]
import { readFileSync } from 'node:fs';
import { getBackend, planFromTensors, randomTensor } from '../src/engine/index.ts';
import { lastCall, wasmTuning } from '../src/engine/backends/wasm/index.ts';

interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : fallback; };
const only = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))?.split(',');
const threadsList = flag('--threads', '1,2').split(',').map(Number);
const seconds = Number(flag('--seconds', '0.5'));
// --mode gemm|direct forces one kernel (to compare them); default: chosen per plan.
if (args.includes('--min-flops')) wasmTuning.minFlopsPerThread = Number(flag('--min-flops', '4e6'));
wasmTuning.mode = args.includes('--mode') ? (flag('--mode', '') as 'gemm' | 'direct') : undefined;
const suite = JSON.parse(readFileSync(new URL('../../shared/bench/suite.json', import.meta.url), 'utf8')) as { cases: Case[] };
const backend = getBackend('wasm');

for (const c of suite.cases) {
  if (only && !only.includes(c.id)) continue;
  const groups = c.groups ?? 1;
  const x = randomTensor([c.n, c.cin, ...c.input], 1);
  const w = randomTensor([c.cin, c.cout / groups, ...c.kernel], 2);
  const b = randomTensor([c.cout], 3);
  const plan = planFromTensors('convTranspose', x.shape, w.shape, { stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.outputPadding, groups, bias: true });
  const output = new Float32Array(plan.outputShape.reduce((a, v) => a * v, 1));
  const cells = threadsList.map((threads) => {
    const call = () => backend.convTranspose({ plan, input: x.data, weight: w.data, bias: b.data, output, threads });
    for (let i = 0; i < 3; i++) call();
    const times: number[] = [];
    const end = performance.now() + seconds * 1000;
    // CPU time too: on a loaded machine (other processes), wall time overstates; CPU time per call is the kernel's.
    const cpu0 = process.cpuUsage();
    const parts = { setup: [] as number[], copyIn: [] as number[], pad: [] as number[], kernels: [] as number[], copyOut: [] as number[] };
    while (performance.now() < end || times.length < 5) {
      const t0 = performance.now();
      call();
      times.push(performance.now() - t0);
      for (const k of Object.keys(parts) as (keyof typeof parts)[]) parts[k].push(lastCall.ms[k]);
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    if (args.includes('--parts')) {
      console.log(`  ${c.id} t${threads} parts (median ms): ` + (Object.keys(parts) as (keyof typeof parts)[]).map((k) => `${k} ${med(parts[k]).toFixed(3)}`).join(', '));
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / times.length;
    times.sort((a, v) => a - v);
    const ms = times[times.length >> 1]!;
    const min = times[0]!;
    return `t${threads} ${ms.toFixed(3).padStart(8)} ms ${(plan.flops / ms / 1e6).toFixed(1).padStart(6)} GF/s (min ${(plan.flops / min / 1e6).toFixed(1).padStart(5)}, cpu ${(plan.flops / cpuMs / 1e6 / threads).toFixed(1).padStart(5)}/thread)`;
  });
  console.log(`${c.id.padEnd(12)} ${(plan.flops / 1e9).toFixed(4)} GFLOP  ${cells.join('   ')}`);
}
