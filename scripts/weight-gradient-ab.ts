// Same-process A/B of two builds of the native addon's ∂W kernel (backward_weight.cc), as scripts/native-ab.ts does
// for the forward: both builds loaded in one process, alternating in short bursts, so the medians see the same noise.
//   node scripts/build-native.mjs && cp kernels/native/build/Release/tconv_native.node /tmp/a.node
//   (change the C++, rebuild)
//   node --conditions=tconv-source --import tsx scripts/weight-gradient-ab.ts --a /tmp/a.node --b kernels/native/build/Release/tconv_native.node [--cpu] [case ids…]
// --cpu: process CPU time instead of wall time (1 thread only). Both builds' results are compared: they must agree
// to float32 rounding (relative L2 < 1e-5), else the line says so.
import { parseArgs } from 'node:util';
import { planLayer } from '../src/shape/plan.ts';
import { caseSpec } from '../bench/suite.ts';
import { weightGradientShape } from '../src/train/weight-gradient-native.ts';
import { loadBuildPair, readSuiteCases } from './native-builds.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    a: { type: 'string' }, b: { type: 'string' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '40' },
    suite: { type: 'string', default: '../shared/bench/suite.json' }, cpu: { type: 'boolean', default: false },
  },
});
const builds = loadBuildPair('weight-gradient-ab', values.a, values.b);
const suite = { cases: readSuiteCases(values.suite) };
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const kernelSet = builds.a.capabilities().kernelSets[0]!;
const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((i + seed) * 12.9898) * 0.5);
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

function relativeL2(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff / (norm || 1));
}

for (const c of suite.cases) {
  if (positionals.length && !positionals.includes(c.id)) continue;
  const plan = planLayer({ ...caseSpec(c), bias: false });
  const shape = weightGradientShape(plan);
  const x = data(size(plan.inputShape), 1);
  const gy = data(size(plan.outputShape), 2);
  const dw = { a: new Float32Array(size(plan.weightShape)), b: new Float32Array(size(plan.weightShape)) };
  const work = {
    a: new Float32Array(builds.a.weightGradientWorkspace(shape, kernelSet, threads)),
    b: new Float32Array(builds.b.weightGradientWorkspace(shape, kernelSet, threads)),
  };
  const times = { a: [] as number[], b: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        builds[k].weightGradient(shape, kernelSet, x, gy, dw[k], work[k], threads);
        const used = process.cpuUsage(cpuStart);
        times[k].push(values.cpu ? (used.user + used.system) / 1000 : performance.now() - start);
      }
    }
  }
  const error = relativeL2(dw.b, dw.a);
  const ms = (k: 'a' | 'b') => median(times[k]).toFixed(3).padStart(8);
  const agree = error < 1e-5 ? '' : `  DISAGREE (relative L2 ${error.toExponential(2)})`;
  console.log(`${c.id.padEnd(12)} a ${ms('a')} ms  b ${ms('b')} ms  b/a ${(median(times.b) / median(times.a)).toFixed(3)}${agree}`);
}
