/**
 * The wasm winograd layouts against the layout the same layer gets without them (direct or packed), per distinct
 * stride-1 3×3 conv (`winograd`) and k4 s2 conv (`winograd-strided`) of the zoo models and per ∂X conv of the bench
 * suite's k4 s2 transposed layers and those layers forward (`--suite`: dcgan-2…5, superres; `winograd-transposed`, as
 * are the zoo's k4 s2 transposed convs), in one process: paired bursts (scripts/paired-bursts.ts), the order flipping
 * every round, wall and CPU time. Also checks that the winograd output is within 1e-5 relative L2 of the other's.
 * What the rule in src/engine/backends/wasm/winograd.ts (winogradPays) was set from. Usage:
 *   node --conditions=tconv-source --import tsx scripts/winograd-ab.ts [--threads 1] [--rounds 9] [--suite] [model…]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelData } from '../bench/model-runners.ts';
import type { KernelArgs } from '../src/engine/backend.ts';
import { wasmBackend, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import { describeProblem, type WasmLayout } from '../src/engine/backends/wasm/problem.ts';
import { getRuntime } from '../src/engine/backends/wasm/runtime.ts';
import { winogradFits, winogradPays, winogradStridedFits, winogradStridedPays, winogradTransposedPays } from '../src/engine/backends/wasm/winograd.ts';
import { threadChoiceTuning } from '../src/engine/thread-choice.ts';
import { prepareWeights, preparedParts } from '../src/engine/prepared-weights.ts';
import { createSession, readModel } from '../src/onnx/index.ts';
import { planLayer } from '../src/shape/plan.ts';
import { randomTensor } from '../src/tensor/random.ts';
import { relativeL2Error } from '../src/tensor/compare.ts';
import { geomean, median, pairedBursts } from './paired-bursts.ts';
import { takeNumberOption } from './script-args.ts';

const args = process.argv.slice(2);
const suite = args.includes('--suite');
if (suite) args.splice(args.indexOf('--suite'), 1);
const threads = takeNumberOption(args, 'threads', 1);
const rounds = takeNumberOption(args, 'rounds', 9);
const models = args.length || suite ? args : ['esrgan-rrdb', 'ldm-vae-decoder', 'espcn', 'unet-maxpool', 'realesrgan-unshuffle', 'pix2pix-unet', 'dcgan'];

// Every call on the requested threads, not the side a layer's own calls measured faster.
wasmTuning.minFlopsPerThread = 0;
threadChoiceTuning.mode = 'requested';

/** The distinct 3×3 stride-1 conv calls of the models (first call of each shape, with its tensors). */
const layers = new Map<string, { model: string; args: KernelArgs }>();
const collect = (model: string) => (a: KernelArgs): void => {
  const p = a.plan;
  if (!winogradFits(p) && !winogradStridedFits(p) && !transposedFits(p)) return;
  const key = `${p.batch}|${p.inChannels}→${p.outChannels}|${p.axes.map((x) => `${x.input}k${x.kernel}s${x.stride}+${x.padBegin},${x.padEnd}`).join('×')}`;
  if (!layers.has(key)) layers.set(key, { model, args: { ...a, input: a.input.slice(), output: a.output.slice() } });
};
/** A k4 s2 transposed conv (winograd-transposed): the zoo's dcgan and pix2pix decoders, the suite's forward layers. */
const transposedFits = (p: KernelArgs['plan']): boolean => p.kind === 'convTranspose' && describeProblem(p, 1, 'winograd-transposed').layout === 'winograd-transposed';
const realConv = wasmBackend.conv;
const realTransposed = wasmBackend.convTranspose;
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
  wasmBackend.convTranspose = (a) => {
    collect(name)(a);
    realTransposed(a);
  };
  session.run({ [data.inputName]: { shape: data.inputShape, data: data.input } });
  wasmBackend.conv = realConv;
  wasmBackend.convTranspose = realTransposed;
  sessions.push(session);
}

// The suite's k4 s2 transposed layers: their ∂X is a k4 s2 conv from ∂Y (Cout channels) to X's shape, its weights kept
// packed as training keeps them (prepared weights' slot).
interface SuiteCase { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; groups?: number }
if (suite) {
  const cases = (JSON.parse(readFileSync('../shared/bench/suite.json', 'utf8')) as { cases: SuiteCase[] }).cases;
  for (const c of cases) {
    if (c.input.length !== 2 || c.kernel.some((k) => k !== 4) || c.stride.some((s) => s !== 2) || (c.groups ?? 1) !== 1) continue;
    const out = c.input.map((x, i) => 2 * x + 2 - 2 * c.padding[i]!);
    const plan = planLayer({ kind: 'conv', input: out, kernel: 4, stride: 2, padding: c.padding, inChannels: c.cout, outChannels: c.cin, batch: c.n });
    const input = randomTensor(plan.inputShape, 1).data;
    const weights = prepareWeights(randomTensor(plan.weightShape, 2));
    sessions.push(weights);
    const output = new Float32Array(plan.outputShape.reduce((a, b) => a * b, 1));
    layers.set(`dx-${c.id}`, { model: `∂X ${c.id}`, args: { plan, input, weight: preparedParts(weights).data, bias: null, output, packs: preparedParts(weights).slot } });
    // The layer itself, forward (winograd-transposed), on prepared weights as the bench runs it.
    const forward = planLayer({ kind: 'convTranspose', input: c.input, kernel: 4, stride: 2, padding: c.padding, inChannels: c.cin, outChannels: c.cout, batch: c.n, bias: true });
    const fw = prepareWeights(randomTensor(forward.weightShape, 3));
    sessions.push(fw);
    layers.set(`fw-${c.id}`, {
      model: c.id, args: {
        plan: forward, input: randomTensor(forward.inputShape, 4).data, weight: preparedParts(fw).data, bias: randomTensor([c.cout], 5).data,
        output: new Float32Array(forward.outputShape.reduce((a, b) => a * b, 1)), packs: preparedParts(fw).slot,
      },
    });
  }
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
      wasmBackend[p.kind === 'convTranspose' ? 'convTranspose' : 'conv']({ ...a, output, threads });
    };
    const outA = new Float32Array(a.output.length);
    const outB = new Float32Array(a.output.length);
    const wino: WasmLayout = p.kind === 'convTranspose' ? 'winograd-transposed' : winogradFits(p) ? 'winograd' : 'winograd-strided';
    call(other, outA);
    call(wino, outB);
    const rel = relativeL2Error(outB, outA);
    const burst = Math.max(3, Math.min(200, Math.round(2e8 / p.flops)));
    const r = await pairedBursts([() => call(other, outA), () => call(wino, outB)], rounds, 2, burst);
    wall.push(median(r.wallRatios));
    cpu.push(median(r.cpuRatios));
    const label = `${p.inChannels}→${p.outChannels} k${p.axes[0]!.kernel}s${p.axes[0]!.stride} @${p.axes.map((x) => x.input).join('×')} p${p.axes[0]!.padBegin}${p.batch > 1 ? ` n${p.batch}` : ''}`;
    console.log(`| ${model} | ${label} | ${(p.flops / 1e6).toFixed(2)} | ${other} | ${median(r.wall[0]).toFixed(3)} | ${median(r.wall[1]).toFixed(3)} | ${median(r.wallRatios).toFixed(2)} | ${median(r.cpuRatios).toFixed(2)} | ${winogradPays(p) || winogradStridedPays(p) || winogradTransposedPays(p, describeProblem(p, 1, 'packed').combos) ? 'winograd' : 'other'} | ${rel.toExponential(1)} |`);
  }
  console.log(`geomean other/winograd: wall ${geomean(wall).toFixed(2)}×, CPU ${geomean(cpu).toFixed(2)}×`);
} finally {
  wasmTuning.layout = undefined;
  for (const session of sessions) session.dispose();
  await getRuntime().pool?.close();
}
