// Native backend vs onnxruntime-node on the bench suite, case by case, alternating the two (ort in a child process
// so the thread pools never share one), with GFLOP/s from wall time and from CPU time per thread. On a loaded
// machine CPU time is the steadier figure; `npm run bench` is the full, official comparison.
//   node --conditions=tconv-source --import tsx scripts/native-vs-ort.ts [--threads 1|2] [--ms 400] [case ids…]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNativeBackend } from '../src/engine/backends/native/index.ts';
import { planLayer, type Plan } from '../src/shape/plan.ts';
import { caseSpec } from '../bench/suite.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '1' }, ms: { type: 'string', default: '400' }, child: { type: 'string' }, suite: { type: 'string', default: '../shared/bench/suite.json' } },
});
interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }
const suite = JSON.parse(readFileSync(values.suite, 'utf8')) as { cases: Case[] };
const threads = Number(values.threads);
const budget = Number(values.ms);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);

function planOf(c: Case): Plan {
  return planLayer({ ...caseSpec(c), bias: false });
}

/** Median wall and CPU milliseconds per call of `call`, after one warm-up call. */
async function time(call: () => unknown | Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  await call();
  const wall: number[] = [];
  const cpu: number[] = [];
  const end = performance.now() + budget;
  while (performance.now() < end || wall.length < 5) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await call();
    const used = process.cpuUsage(cpuStart);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
  return { wall: median(wall), cpu: median(cpu) };
}

if (values.child) {
  // Child: time onnxruntime-node on one case, print JSON.
  const c = suite.cases.find((x) => x.id === values.child)!;
  const plan = planOf(c);
  const { exportStack } = await import('../src/onnx/export.ts');
  const { caseLayer } = await import('../bench/suite.ts');
  const ort = await import('onnxruntime-node');
  const weight = data(size(plan.weightShape), 1), bias = data(c.cout, 2), input = data(size(plan.inputShape), 3);
  const layer = { kind: 'convTranspose', outChannels: c.cout, ...caseLayer(c as never), weight: { shape: plan.weightShape, data: weight }, biasValues: bias } as const;
  const model = exportStack({ input: plan.inputShape, layers: [layer as never], fixedBatch: true, name: c.id }).bytes;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [...plan.inputShape]) };
  console.log(JSON.stringify(await time(() => session.run(feeds))));
} else {
  const native = createNativeBackend();
  const rows: string[] = [];
  const ratios: number[] = [];
  for (const c of suite.cases) {
    if (positionals.length && !positionals.includes(c.id)) continue;
    const plan = planOf(c);
    const args = { plan, input: data(size(plan.inputShape), 3), weight: data(size(plan.weightShape), 1), bias: data(c.cout, 2), output: new Float32Array(size(plan.outputShape)), threads };
    const mine = await time(() => native.convTranspose(args));
    const child = spawnSync(process.execPath, ['--conditions=tconv-source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', c.id, '--threads', String(threads), '--ms', String(budget), '--suite', values.suite],
      { encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
    const theirs = JSON.parse(child.stdout.trim().split('\n').pop() ?? 'null') as { wall: number; cpu: number } | null;
    const g = (ms: number) => (plan.flops / ms / 1e6).toFixed(1);
    const ratio = theirs ? theirs.wall / mine.wall : NaN;
    const cpuRatio = theirs ? theirs.cpu / mine.cpu : NaN;
    ratios.push(cpuRatio);
    rows.push(`${c.id.padEnd(12)} native ${g(mine.wall).padStart(6)} (cpu ${g(mine.cpu / threads).padStart(6)})  ort-node ${theirs ? g(theirs.wall).padStart(6) : '   n/a'} (cpu ${theirs ? g(theirs.cpu / threads).padStart(6) : 'n/a'})  ratio wall ${ratio.toFixed(2)} cpu ${cpuRatio.toFixed(2)}`);
    console.log(rows[rows.length - 1]);
  }
  const finite = ratios.filter(Number.isFinite);
  console.log(`t${threads}: geometric mean of CPU-time ratios (ort / native) over ${finite.length} cases: ${Math.exp(finite.reduce((a, r) => a + Math.log(r), 0) / finite.length).toFixed(2)}, worst ${Math.min(...finite).toFixed(2)}`);
}
