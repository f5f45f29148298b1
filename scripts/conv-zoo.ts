// The ordinary-conv path on the zoo's layer shapes (3×3 convs of 4–64 channels on 16–64 px, HiFi-GAN's dilated 1D
// convs): per case, tconv native conv against native convT of the same FLOPs (stride 1, same kernel and padding:
// the same arithmetic, so per-FLOP speeds compare the two paths), and against onnxruntime-node's Conv on the same
// layer (in a child process, so the thread pools never share one). All calls as a whole-model caller makes them:
// prepared weights, the caller's output buffer (`out`).
//   node --conditions=tconv-source --import tsx scripts/conv-zoo.ts [--threads 1|2] [--ms 300] [--no-ort] [case ids…]
// Prints GFLOP/s from wall time (median of calls) and the ratios; medians of one run, compare within a run only.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNativeBackend } from '../src/engine/backends/native/index.ts';
import { conv, convTranspose, prepareWeights } from '../src/engine/index.ts';
import { planFromTensors } from '../src/engine/ops/plan-from-tensors.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '1' }, ms: { type: 'string', default: '300' }, child: { type: 'string' }, 'no-ort': { type: 'boolean', default: false } },
});
const threads = Number(values.threads);
const budget = Number(values.ms);

interface Case { id: string; cin: number; cout: number; input: number[]; kernel: number; dilation?: number }
/** The zoo's conv shapes (scripts/zoo/build.py) and the brief's wider ones (32–64 channels). */
const CASES: Case[] = [
  { id: 'esrgan-dense', cin: 16, cout: 4, input: [16, 16], kernel: 3 },
  { id: 'esrgan-up', cin: 8, cout: 8, input: [64, 64], kernel: 3 },
  { id: 'c3-32@32', cin: 32, cout: 32, input: [32, 32], kernel: 3 },
  { id: 'c3-64@16', cin: 64, cout: 64, input: [16, 16], kernel: 3 },
  { id: 'c3-64@64', cin: 64, cout: 64, input: [64, 64], kernel: 3 },
  { id: 'c3-3to32@64', cin: 3, cout: 32, input: [64, 64], kernel: 3 },
  { id: 'hifi-k3d1-16', cin: 16, cout: 16, input: [64], kernel: 3 },
  { id: 'hifi-k7d5-8', cin: 8, cout: 8, input: [256], kernel: 7, dilation: 5 },
  { id: 'hifi-k3d3-4', cin: 4, cout: 4, input: [512], kernel: 3, dilation: 3 },
  { id: 'c1d-k3-32', cin: 32, cout: 32, input: [256], kernel: 3 },
  { id: 'c1d-k7d3-32', cin: 32, cout: 32, input: [256], kernel: 7, dilation: 3 },
  { id: 'c1d-k11d5-32', cin: 32, cout: 32, input: [256], kernel: 11, dilation: 5 },
];

const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Median ms per call after ~50 ms of warm-up. */
async function time(call: () => unknown): Promise<number> {
  const warm = performance.now() + 50;
  while (performance.now() < warm) await call();
  const samples: number[] = [];
  const end = performance.now() + budget;
  while (performance.now() < end || samples.length < 5) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1]!;
}

function layerOf(c: Case) {
  const rank = c.input.length;
  const dilation = c.dilation ?? 1;
  const padding = (dilation * (c.kernel - 1)) >> 1;
  const input = [1, c.cin, ...c.input];
  const kernel = new Array<number>(rank).fill(c.kernel);
  return { input, convWeight: [c.cout, c.cin, ...kernel], convTWeight: [c.cin, c.cout, ...kernel], options: { padding, dilation } };
}

if (values.child) {
  const c = CASES.find((x) => x.id === values.child)!;
  const layer = layerOf(c);
  const { exportStack } = await import('../src/onnx/export.ts');
  const ort = await import('onnxruntime-node');
  const model = exportStack({
    input: layer.input, fixedBatch: true, name: c.id,
    layers: [{ kind: 'conv', outChannels: c.cout, kernel: c.kernel, ...layer.options, weight: { shape: layer.convWeight, data: data(size(layer.convWeight), 1) }, biasValues: data(c.cout, 2) }],
  }).bytes;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data(size(layer.input), 3), layer.input) };
  console.log(JSON.stringify(await time(() => session.run(feeds))));
} else {
  const native = createNativeBackend();
  if (!native.availability().available) throw new Error(native.availability().reason);
  const ratios = { convT: [] as number[], ort: [] as number[] };
  for (const c of CASES) {
    if (positionals.length && !positionals.includes(c.id)) continue;
    const layer = layerOf(c);
    const plan = planFromTensors('conv', layer.input, layer.convWeight, { ...layer.options });
    const x = { shape: layer.input, data: data(size(layer.input), 3) };
    const bias = { shape: [c.cout], data: data(c.cout, 2) };
    const wConv = prepareWeights({ shape: layer.convWeight, data: data(size(layer.convWeight), 1) });
    const wConvT = prepareWeights({ shape: layer.convTWeight, data: data(size(layer.convTWeight), 1) });
    const out = new Float32Array(size(plan.outputShape));
    const options = { ...layer.options, backend: 'native', threads, out } as const;
    const mineConv = await time(() => conv(x, wConv, bias, options));
    const mineConvT = await time(() => convTranspose(x, wConvT, bias, options));
    const describe = native.layout(plan, data(size(layer.convWeight), 1));
    const chosen = `${describe.depthwise ? 'depthwise' : describe.direct ? 'direct' : describe.batchMinor ? 'batch-minor' : 'packed'} ${describe.mr}x${describe.nr}`;
    let theirs = Number.NaN;
    if (!values['no-ort']) {
      const child = spawnSync(process.execPath, ['--conditions=tconv-source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', c.id, '--threads', String(threads), '--ms', String(budget)],
        { encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
      theirs = Number(JSON.parse(child.stdout.trim().split('\n').pop() || 'null'));
      if (!Number.isFinite(theirs)) process.stderr.write(`${c.id}: onnxruntime child failed: ${child.stderr.slice(-300)}\n`);
    }
    const g = (ms: number) => (plan.flops / ms / 1e6).toFixed(1).padStart(6);
    ratios.convT.push(mineConvT / mineConv);
    if (Number.isFinite(theirs)) ratios.ort.push(theirs / mineConv);
    console.log(`${c.id.padEnd(14)} ${(plan.flops / 1e6).toFixed(2).padStart(6)} MFLOP  conv ${g(mineConv)} (${(mineConv * 1000).toFixed(1).padStart(7)} µs, ${chosen.padEnd(15)})  convT ${g(mineConvT)}  ort-node ${Number.isFinite(theirs) ? g(theirs) : '   n/a'} GFLOP/s  convT/conv time ${(mineConvT / mineConv).toFixed(2)}  ort/conv time ${(theirs / mineConv).toFixed(2)}`);
    wConv.dispose();
    wConvT.dispose();
  }
  const geomean = (v: number[]) => Math.exp(v.reduce((a, r) => a + Math.log(r), 0) / v.length);
  console.log(`t${threads} geomeans over ${ratios.convT.length} cases: convT time / conv time ${geomean(ratios.convT).toFixed(2)} (> 1: conv faster), ort time / conv time ${ratios.ort.length ? geomean(ratios.ort).toFixed(2) : 'n/a'} (> 1: tconv faster)`);
}
