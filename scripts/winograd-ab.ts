/**
 * The wasm winograd layout against the layout the same layer gets without it (direct or packed), per distinct
 * stride-1 3×3 conv of the zoo models, in one process: paired bursts (scripts/paired-bursts.ts), the order flipping
 * every round, wall and CPU time. Also checks that the winograd output is within 1e-5 relative L2 of the other's.
 * What the rule in src/engine/backends/wasm/winograd.ts (winogradPays) was set from. Usage:
 *   node --conditions=tconv-source --import tsx scripts/winograd-ab.ts [--threads 1] [--rounds 9] [model…]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelData } from '../bench/model-runners.ts';
import type { KernelArgs } from '../src/engine/backend.ts';
import { wasmBackend, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import { describeProblem, type WasmLayout } from '../src/engine/backends/wasm/problem.ts';
import { getRuntime } from '../src/engine/backends/wasm/runtime.ts';
import { winogradFits, winogradPays } from '../src/engine/backends/wasm/winograd.ts';
import { threadChoiceTuning } from '../src/engine/thread-choice.ts';
import { createSession, readModel } from '../src/onnx/index.ts';
import { relativeL2Error } from '../src/tensor/compare.ts';
import { geomean, median, pairedBursts } from './paired-bursts.ts';
import { takeNumberOption } from './script-args.ts';

const args = process.argv.slice(2);
const threads = takeNumberOption(args, 'threads', 1);
const rounds = takeNumberOption(args, 'rounds', 9);
const models = args.length ? args : ['esrgan-rrdb', 'ldm-vae-decoder', 'espcn', 'unet-maxpool', 'realesrgan-unshuffle', 'pix2pix-unet', 'dcgan'];

// Every call on the requested threads, not the side a layer's own calls measured faster.
wasmTuning.minFlopsPerThread = 0;
threadChoiceTuning.mode = 'requested';

/** The distinct 3×3 stride-1 conv calls of the models (first call of each shape, with its tensors). */
const layers = new Map<string, { model: string; args: KernelArgs }>();
const collect = (model: string) => (a: KernelArgs): void => {
  const p = a.plan;
  if (!winogradFits(p)) return;
  const key = `${p.batch}|${p.inChannels}→${p.outChannels}|${p.axes.map((x) => `${x.input}+${x.padBegin},${x.padEnd}`).join('×')}`;
  if (!layers.has(key)) layers.set(key, { model, args: { ...a, input: a.input.slice(), output: a.output.slice() } });
};
const realConv = wasmBackend.conv;
// Sessions stay open to the end: their prepared weights keep each layout's packing (as in a model run).
const sessions: { dispose(): void }[] = [];
for (const name of models) {
  const dir = join('test/fixtures/zoo', name);
  const data = await loadModelData(dir);
  const session = createSession(readModel(readFileSync(join(dir, 'model.onnx'))), { backend: 'wasm', threads: 1 });
  wasmBackend.conv = (a) => {
    collect(name)(a);
    realConv(a);
  };
  session.run({ [data.inputName]: { shape: data.inputShape, data: data.input } });
  wasmBackend.conv = realConv;
  sessions.push(session);
}

try {
  console.log(`winograd vs the layout without it, wasm t${threads}, ${rounds} rounds (load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log('| model | layer | MFLOP | other layout | other ms | winograd ms | wall ratio | CPU ratio | rule | rel L2 |\n| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |');
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const { model, args: a } of layers.values()) {
    const p = a.plan;
    const other: WasmLayout = describeProblem(p, threads, undefined, false).layout;
    const call = (layout: WasmLayout, output: Float32Array) => {
      wasmTuning.layout = layout;
      wasmBackend.conv({ ...a, output, threads });
    };
    const outA = new Float32Array(a.output.length);
    const outB = new Float32Array(a.output.length);
    call(other, outA);
    call('winograd', outB);
    const rel = relativeL2Error(outB, outA);
    const burst = Math.max(3, Math.min(200, Math.round(2e8 / p.flops)));
    const r = await pairedBursts([() => call(other, outA), () => call('winograd', outB)], rounds, 2, burst);
    wall.push(median(r.wallRatios));
    cpu.push(median(r.cpuRatios));
    const label = `${p.inChannels}→${p.outChannels} @${p.axes.map((x) => x.input).join('×')} p${p.axes[0]!.padBegin}${p.batch > 1 ? ` n${p.batch}` : ''}`;
    console.log(`| ${model} | ${label} | ${(p.flops / 1e6).toFixed(2)} | ${other} | ${median(r.wall[0]).toFixed(3)} | ${median(r.wall[1]).toFixed(3)} | ${median(r.wallRatios).toFixed(2)} | ${median(r.cpuRatios).toFixed(2)} | ${winogradPays(p) ? 'winograd' : 'other'} | ${rel.toExponential(1)} |`);
  }
  console.log(`geomean other/winograd: wall ${geomean(wall).toFixed(2)}×, CPU ${geomean(cpu).toFixed(2)}×`);
} finally {
  wasmTuning.layout = undefined;
  for (const session of sessions) session.dispose();
  await getRuntime().pool?.close();
}
