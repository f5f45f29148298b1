// Local timing of the wasm backend on the suite's cases (not a test, not the bench: `npm run bench` is the
// measurement of record). Usage: node --import tsx scripts/wasm-timing.ts [caseId,…] [--threads 1,2] [--seconds 1]
//   [--rounds N]  repeat each cell N times; GFLOP/s of the median round, with the spread of the round medians
//                 (on a shared machine the rounds are bimodal: see docs/wasm.md)
//   [--api]       time convTranspose(x, w, b, { backend: 'wasm' }) (planning, output allocation) instead of the backend
import { readFileSync } from 'node:fs';
import { convTranspose, getBackend, planFromTensors, randomTensor } from '../src/engine/index.ts';
import { lastCall, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import type { WasmLayout } from '../src/engine/backends/wasm/problem.ts';

interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : fallback; };
const only = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))?.split(',');
const threadsList = flag('--threads', '1,2').split(',').map(Number);
const seconds = Number(flag('--seconds', '0.5'));
const rounds = Math.max(1, Number(flag('--rounds', '1')));
const api = args.includes('--api');
// --layout packed|batch-minor|direct forces one layout (to compare them); default: chosen per plan.
if (args.includes('--min-flops')) wasmTuning.minFlopsPerThread = Number(flag('--min-flops', '4e6'));
wasmTuning.timeParts = true; // lastCall.ms is written only when asked for
wasmTuning.layout = args.includes('--layout') ? (flag('--layout', '') as WasmLayout) : undefined;
const suite = JSON.parse(readFileSync(new URL('../../shared/bench/suite.json', import.meta.url), 'utf8')) as { cases: Case[] };
const backend = getBackend('wasm');
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

for (const c of suite.cases) {
  if (only && !only.includes(c.id)) continue;
  const groups = c.groups ?? 1;
  const x = randomTensor([c.n, c.cin, ...c.input], 1);
  const w = randomTensor([c.cin, c.cout / groups, ...c.kernel], 2);
  const b = randomTensor([c.cout], 3);
  const plan = planFromTensors('convTranspose', x.shape, w.shape, { stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.outputPadding, groups, bias: true });
  const output = new Float32Array(plan.outputShape.reduce((a, v) => a * v, 1));
  const cells = threadsList.map((threads) => {
    const options = { stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.outputPadding, groups, backend: 'wasm' as const, threads };
    const call = api
      ? () => { convTranspose(x, w, b, options); }
      : () => backend.convTranspose({ plan, input: x.data, weight: w.data, bias: b.data, output, threads });
    for (let i = 0; i < 3; i++) call();
    const roundMs: number[] = [];
    const roundCpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
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
      if (args.includes('--parts')) {
        console.log(`  ${c.id} t${threads} parts (median ms): ${(Object.keys(parts) as (keyof typeof parts)[]).map((k) => `${k} ${med(parts[k]).toFixed(3)}`).join(', ')}`);
      }
      const cpu = process.cpuUsage(cpu0);
      roundCpu.push((cpu.user + cpu.system) / 1000 / times.length);
      roundMs.push(med(times));
    }
    const gf = (ms: number) => (plan.flops / ms / 1e6).toFixed(1);
    const ms = med(roundMs);
    const cpuMs = med(roundCpu);
    const spread = rounds > 1 ? ` [rounds ${gf(Math.max(...roundMs))}–${gf(Math.min(...roundMs))}]` : '';
    return `t${threads} ${(ms * 1000 < 1000 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`).padStart(10)} ${gf(ms).padStart(6)} GF/s${spread} (cpu ${(plan.flops / cpuMs / 1e6 / threads).toFixed(1).padStart(5)}/thread)`;
  });
  console.log(`${c.id.padEnd(12)} ${(plan.flops / 1e9).toFixed(4)} GFLOP  ${cells.join('   ')}`);
}
