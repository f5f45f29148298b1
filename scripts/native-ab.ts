// Same-process A/B of two builds of the native addon: on a shared host the speed of a process moves by ±30% from one
// minute to the next, so two builds timed in separate runs compare hours, not code. Here both builds are loaded in
// one process and alternate in short bursts; the medians see the same noise.
//   node scripts/build-native.mjs && cp kernels/native/build/Release/tconv_native.node /tmp/a.node
//   (change the C++, rebuild)
//   node --conditions=tconv-source --import tsx scripts/native-ab.ts --a /tmp/a.node --b kernels/native/build/Release/tconv_native.node [--threads 1] [case ids…]
//   node --conditions=tconv-source --import tsx scripts/native-ab.ts --a X.node --b X.node --threads 1,2 …   (one build, one thread against two: scaling)
//   … --layout-a packed --layout-b direct …   (force a layout per side; one that does not apply falls back to the trial)
//   … --cpu …   (process CPU time instead of wall time: a busy host's waits for a core drop out; 1 thread only)
//   … --kernels avx2 …   (another kernel set than the CPU's best, on both sides)
//   … --once …   (plain calls: weights packed in every call, as training's ∂X does, not a prepared handle)
//   … --backward …   (the conv that ∂X of each transposed layer runs, as src/train/conv-backward-layer.ts plans it)
// Each build runs its own layout trial, so a layout change counts as part of the build. Two copies of one build
// read b/a 0.96–1.01 (seed-k3s1p1, dcgan-5): differences within ~4% are noise.
import { parseArgs } from 'node:util';
import type { NativeLayoutName } from '../src/engine/backends/native/addon.ts';
import { nativeHeader } from '../src/engine/backends/native/header.ts';
import { planFromTensors } from '../src/engine/ops/plan-from-tensors.ts';
import { planLayer } from '../src/shape/plan.ts';
import { caseSpec } from '../bench/suite.ts';
import { loadBuildPair, readSuiteCases } from './native-builds.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    a: { type: 'string' }, b: { type: 'string' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '40' },
    suite: { type: 'string', default: '../shared/bench/suite.json' }, backward: { type: 'boolean', default: false }, cpu: { type: 'boolean', default: false }, once: { type: 'boolean', default: false },
    'layout-a': { type: 'string' }, 'layout-b': { type: 'string' }, kernels: { type: 'string' },
  },
});
const builds = loadBuildPair('native-ab', values.a, values.b);
const suite = { cases: readSuiteCases(values.suite) };
// "1,2": a runs on 1 thread and b on 2 (pass one build twice to measure two-thread scaling with the same noise).
const [threadsA, threadsB] = values.threads.includes(',') ? values.threads.split(',').map(Number) as [number, number] : [Number(values.threads), Number(values.threads)];
const rounds = Number(values.rounds);
const kernelSet = values.kernels ?? builds.a.capabilities().kernelSets[0]!;
const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const data = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

for (const c of suite.cases) {
  if (positionals.length && !positionals.includes(c.id)) continue;
  const layer = planLayer({ ...caseSpec(c), bias: false });
  // ∂X of a transposed layer: the strided conv of ∂Y with the same weight (conv-backward-layer.ts's inputPlan).
  const plan = values.backward ? planFromTensors('conv', layer.outputShape, layer.weightShape, {
    stride: layer.axes.map((a) => a.stride), dilation: layer.axes.map((a) => a.dilation), groups: layer.groups, bias: false,
    pads: { begin: layer.axes.map((a) => a.padBegin), end: layer.axes.map((a) => Math.max(a.padEnd, 0)) },
  }) : layer;
  const header = nativeHeader(plan);
  const input = data(size(plan.inputShape));
  const weight = data(size(plan.weightShape));
  const bias = data(c.cout);
  const output = new Float32Array(size(plan.outputShape));
  const forced = { a: values['layout-a'] as NativeLayoutName | undefined, b: values['layout-b'] as NativeLayoutName | undefined };
  const handles = { a: builds.a.prepare(header, weight, kernelSet, forced.a), b: builds.b.prepare(header, weight, kernelSet, forced.b) };
  const times = { a: [] as number[], b: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const threads = k === 'a' ? threadsA : threadsB;
        if (values.once) builds[k].runOnce(header, weight, kernelSet, forced[k], input, plan.bias ? bias : null, output, threads);
        else builds[k].run(handles[k], header, input, plan.bias ? bias : null, output, threads);
        const used = process.cpuUsage(cpuStart);
        times[k].push(values.cpu ? (used.user + used.system) / 1000 : performance.now() - start);
      }
    }
  }
  const gflops = (k: 'a' | 'b') => plan.flops / median(times[k]) / 1e6;
  // Each build's trial picks its own layout: on a loaded host the two may differ, which explains a ratio far from 1.
  const chosen = (k: 'a' | 'b') => {
    const d = builds[k].describe(handles[k]);
    if (d.winograd) return `${d.winograd} ${d.mr}x${d.nr}`;
    return `${d.spaceToDepth ? 'space-to-depth' : d.channelVector ? 'channel-vector' : d.depthwise ? 'depthwise' : d.direct ? 'direct' : d.batchMinor ? 'batch-minor' : 'packed'}${d.splitStep > 1 ? ' split' : ''}${d.flatRows ? ' flat' : ''}${d.padPlanes ? ' padded' : ''} ${d.mr}x${d.nr}`;
  };
  const layouts = chosen('a') === chosen('b') ? chosen('a') : `a ${chosen('a')}, b ${chosen('b')}`;
  console.log(`${c.id.padEnd(12)} a t${threadsA} ${gflops('a').toFixed(1).padStart(6)}  b t${threadsB} ${gflops('b').toFixed(1).padStart(6)} GFLOP/s  b/a ${(gflops('b') / gflops('a')).toFixed(3)}  (${layouts})`);
}
