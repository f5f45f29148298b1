/**
 * wasm ∂X against tfjs-wasm in one process, alternating, 1 thread, CPU and wall time per call (medians of the rounds):
 *   tconv kept      a ConvBackward's ∂X with the same weights every call (its packing kept, as bench/backward.ts)
 *   tconv changed   the same with two weight arrays alternating (a training step: the weights change every call)
 *   tfjs kept       tfjs-wasm's conv2d, the kernel conv2dTranspose's ∂X calls, with one filter tensor (its XNNPACK
 *                   operator, the packed filter, is kept per filter tensor)
 *   tfjs changed    the same with a new filter tensor per call (made from two arrays alternating, then disposed)
 * and with `--old DIR` the same two tconv rows for another checkout (its src/ and build/wasm/, a package.json
 * beside them), e.g. main's, so old, new and tfjs share every round's noise. Each output is checked against the
 * float64 reference first.
 *   node --conditions=tconv-source --import tsx scripts/dx-vs-tfjs-wasm.ts [--old DIR] [--rounds 15] [case ids…]
 */
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fromChannelsLast, tfjsFilter, toChannelsLast } from '../bench/layout.ts';
import { casePlan, caseLayer, loadSuite } from '../bench/suite.ts';
import { randomTensor, relativeL2Error } from '../src/engine/index.ts';
import { inputGradient } from '../src/train/conv-backward.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { old: { type: 'string' }, rounds: { type: 'string', default: '15' }, suite: { type: 'string', default: '../shared/bench/suite.json' } },
});
const rounds = Number(values.rounds);

type ConvBackwardClass = typeof import('../src/train/conv-backward-layer.ts').ConvBackward;
async function convBackwardOf(dir: string): Promise<ConvBackwardClass> {
  return (await import(pathToFileURL(resolve(dir, 'src/train/conv-backward-layer.ts')).href)).ConvBackward;
}
const checkouts: [string, ConvBackwardClass][] = [['tconv', await convBackwardOf('.')]];
if (values.old) checkouts.push(['old', await convBackwardOf(values.old)]);

const tf = await import('@tensorflow/tfjs-core');
const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
tfWasm.setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();

const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const suite = loadSuite(values.suite);
const cases = suite.cases.filter((c) => (positionals.length ? positionals.includes(c.id) : c.input.length === 2 && (c.groups ?? 1) === 1 && !c.dilation?.some((d) => d !== 1)));
console.log(`load average ${loadavg()[0]!.toFixed(2)}; ms per call (CPU, wall), medians of ${rounds} rounds; ratios tfjs / tconv`);
for (const c of cases) {
  const plan = casePlan(c);
  const layer = caseLayer(c);
  const options = { stride: layer.stride, padding: layer.padding, outputPadding: layer.outputPadding, dilation: layer.dilation, groups: layer.groups };
  const x = randomTensor(plan.inputShape, 1);
  const weights = [randomTensor(plan.weightShape, 2, { low: -0.1, high: 0.1 }), randomTensor(plan.weightShape, 4, { low: -0.1, high: 0.1 })];
  const gy = randomTensor(plan.outputShape, 3);
  const reference = weights.map((w) => inputGradient('convTranspose', { input: x, weight: w, bias: false, gradOutput: gy, options: { ...options, backend: 'reference' } }).data);
  const sides = new Map<string, () => Float32Array>();
  for (const [name, ConvBackward] of checkouts) {
    const make = () => new ConvBackward('convTranspose', x.shape, weights[0]!.shape, { ...options, bias: false, backend: 'wasm', threads: 1, gradients: { input: true, weight: false } });
    const kept = make();
    const changed = make();
    let turn = 0;
    sides.set(`${name} kept`, () => kept.run(x.data, weights[0]!.data, gy.data).input.data);
    sides.set(`${name} changed`, () => changed.run(x.data, weights[turn++ & 1]!.data, gy.data).input.data);
  }
  // tfjs: channels-last ∂Y, filters [k…, Cout, Cin] of the forward conv whose gradient conv2dTranspose is.
  const [n = 1, cout = 1, ...outSpatial] = plan.outputShape;
  const gyT = tf.tensor4d(toChannelsLast(gy.data, plan.outputShape), [n, outSpatial[0]!, outSpatial[1]!, cout]);
  const filters = weights.map((w) => tfjsFilter(w.data, plan));
  const keptFilter = tf.tensor4d(filters[0]!.data, filters[0]!.shape as [number, number, number, number]);
  const strides = plan.axes.map((a) => a.stride) as [number, number];
  const pad = [[0, 0], ...plan.axes.map((a) => [a.padBegin, Math.max(a.padEnd, 0)]), [0, 0]] as Parameters<typeof tf.conv2d>[3];
  const read = (t: import('@tensorflow/tfjs-core').Tensor) => {
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return fromChannelsLast(data, plan.inputShape);
  };
  let tfTurn = 0;
  sides.set('tfjs kept', () => read(tf.conv2d(gyT, keptFilter, strides, pad)));
  sides.set('tfjs changed', () => {
    const f = filters[tfTurn++ & 1]!;
    const filter = tf.tensor4d(f.data, f.shape as [number, number, number, number]);
    try {
      return read(tf.conv2d(gyT, filter, strides, pad));
    } finally {
      filter.dispose();
    }
  });
  // Every side against the reference (a changed side's first call used weights[0]).
  const names = [...sides.keys()];
  for (const name of names) {
    const err = relativeL2Error(sides.get(name)!(), reference[0]!);
    if (!(err < 1e-4)) throw new Error(`${c.id} ${name}: relative L2 error ${err} against the reference`);
    sides.get(name)!();
  }
  const once = cpuMs();
  sides.get('tfjs kept')!();
  const burst = Math.max(1, Math.ceil(10 / Math.max(0.01, cpuMs() - once)));
  const times = new Map(names.map((name) => [name, [] as number[]]));
  const walls = new Map(names.map((name) => [name, [] as number[]]));
  for (let r = -2; r < rounds; r++) {
    // The order rotates every round, so no side always follows the same one.
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r + names.length) % names.length]!;
      const call = sides.get(name)!;
      const start = cpuMs();
      const wall = performance.now();
      for (let b = 0; b < burst; b++) call();
      if (r >= 0) times.get(name)!.push((cpuMs() - start) / burst);
      if (r >= 0) walls.get(name)!.push((performance.now() - wall) / burst);
    }
  }
  tf.dispose([gyT, keptFilter]);
  for (const [what, samples] of [['cpu', times], ['wall', walls]] as const) {
    const ms = new Map(names.map((name) => [name, median(samples.get(name)!)]));
    const cells = names.map((name) => `${name} ${ms.get(name)!.toFixed(3)}`).join('  ');
    const ratios = checkouts.map(([name]) => `${name}: kept ${(ms.get('tfjs kept')! / ms.get(`${name} kept`)!).toFixed(2)}× changed ${(ms.get('tfjs changed')! / ms.get(`${name} changed`)!).toFixed(2)}×`).join('  ');
    console.log(`${c.id.padEnd(12)} ${what.padEnd(4)} ${cells}  |  ${ratios}`);
  }
}
console.log(`load average after ${loadavg()[0]!.toFixed(2)}`);
