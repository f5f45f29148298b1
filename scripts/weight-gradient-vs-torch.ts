// Native ∂W against PyTorch's MKL-DNN route on a busy host: two builds of the addon (--a, --b) and a PyTorch child
// (/usr/bin/python3, 1 thread, the bench's "pytorch conv" formulation of ∂W: the channels-as-batch convolution of ∂Y
// with X) take turns in short bursts, the order rotating every round, so a slow spell of the shared machine lands on
// all three. Each side times its own calls in CPU time (Node: process CPU; PyTorch: the calling thread's) and wall time.
//   node --conditions=tconv-source --import tsx scripts/weight-gradient-vs-torch.ts --a /tmp/a.node --b kernels/native/build/Release/tconv_native.node [--rounds 15] [--burst 5] [case ids…]
// Suite cases with groups = 1 only (PyTorch's route needs them). The builds' results are compared with each other.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { planLayer } from '../src/shape/plan.ts';
import { caseSpec } from '../bench/suite.ts';
import { weightGradientShape } from '../src/train/weight-gradient-native.ts';
import { loadBuildPair, readSuiteCases } from './native-builds.ts';
import { median } from './paired-bursts.ts';

const TORCH = `
import json, sys, time, torch, torch.nn.functional as F
torch.set_num_threads(1)
call = None
for line in sys.stdin:
    r = json.loads(line)
    if r['op'] == 'setup':
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[len(r['input'])]
        x = torch.randn(r['n'], r['cin'], *r['input'])
        gy = torch.randn(r['n'], r['cout'], *r['output'])
        crop = (slice(None), slice(None), *[slice(0, k) for k in r['kernel']])
        def call(conv=conv, x=x, gy=gy, crop=crop, d=r['dilation'], p=r['padding'], s=r['stride']):
            return conv(gy.transpose(0, 1), x.transpose(0, 1), None, d, p, s)[crop].transpose(0, 1)
        for _ in range(3):
            call()
        print(json.dumps({'ok': True}), flush=True)
    else:
        wall, cpu = [], []
        for _ in range(r['calls']):
            a, b = time.perf_counter(), time.thread_time()
            call()
            cpu.append((time.thread_time() - b) * 1e3)
            wall.append((time.perf_counter() - a) * 1e3)
        print(json.dumps({'wall': wall, 'cpu': cpu}), flush=True)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '15' }, burst: { type: 'string', default: '5' },
    suite: { type: 'string', default: '../shared/bench/suite.json' },
  },
});
const builds = loadBuildPair('weight-gradient-vs-torch', values.a, values.b);
const rounds = Number(values.rounds);
const burst = Number(values.burst);
const kernelSet = builds.a.capabilities().kernelSets[0]!;
const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((i + seed) * 12.9898) * 0.5);

const child = spawn('/usr/bin/python3', ['-c', TORCH], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
async function ask<T>(request: object): Promise<T> {
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const next = await lines.next();
  if (next.done) throw new Error('the PyTorch child ended (is python3-torch installed?)');
  return JSON.parse(next.value) as T;
}

try {
  console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} rounds of ${burst} calls each`);
  console.log('case          a cpu ms  b cpu ms  torch cpu  b/a cpu  torch/b cpu | a wall  b wall  torch wall  torch/b wall');
  for (const c of readSuiteCases(values.suite)) {
    if ((positionals.length && !positionals.includes(c.id)) || (c.groups ?? 1) !== 1 || c.input.length < 2) continue;
    const plan = planLayer({ ...caseSpec(c), bias: false });
    const shape = weightGradientShape(plan);
    const x = data(size(plan.inputShape), 1);
    const gy = data(size(plan.outputShape), 2);
    const dw = { a: new Float32Array(size(plan.weightShape)), b: new Float32Array(size(plan.weightShape)) };
    const work = {
      a: new Float32Array(builds.a.weightGradientWorkspace(shape, kernelSet, 1)),
      b: new Float32Array(builds.b.weightGradientWorkspace(shape, kernelSet, 1)),
    };
    await ask({
      op: 'setup', n: c.n, cin: c.cin, cout: c.cout, input: c.input, output: plan.outputShape.slice(2), kernel: c.kernel,
      stride: c.stride, padding: c.padding, dilation: c.dilation ?? c.kernel.map(() => 1),
    });
    const cpu = { a: [] as number[], b: [] as number[], torch: [] as number[] };
    const wall = { a: [] as number[], b: [] as number[], torch: [] as number[] };
    const cells = ['a', 'b', 'torch'] as const;
    for (let round = -1; round < rounds; round++) {
      for (let i = 0; i < 3; i++) {
        const k = cells[(i + Math.max(round, 0)) % 3]!;
        if (k === 'torch') {
          const r = await ask<{ wall: number[]; cpu: number[] }>({ op: 'burst', calls: burst });
          if (round >= 0) { cpu.torch.push(...r.cpu); wall.torch.push(...r.wall); }
          continue;
        }
        for (let call = 0; call < burst; call++) {
          const start = performance.now();
          const cpuStart = process.cpuUsage();
          builds[k].weightGradient(shape, kernelSet, x, gy, dw[k], work[k], 1);
          const used = process.cpuUsage(cpuStart);
          if (round >= 0) { cpu[k].push((used.user + used.system) / 1000); wall[k].push(performance.now() - start); }
        }
      }
    }
    const same = dw.a.every((v, i) => Math.abs(v - dw.b[i]!) <= 1e-5 * (Math.abs(v) + 1e-3));
    const m = (v: number[]) => median(v);
    const f = (v: number, w = 9) => v.toFixed(v < 10 ? 3 : 2).padStart(w);
    console.log(
      `${c.id.padEnd(12)}${f(m(cpu.a), 10)}${f(m(cpu.b), 10)}${f(m(cpu.torch), 11)}${f(m(cpu.b) / m(cpu.a))}${f(m(cpu.torch) / m(cpu.b), 12)} |` +
        `${f(m(wall.a), 7)}${f(m(wall.b), 8)}${f(m(wall.torch), 12)}${f(m(wall.torch) / m(wall.b), 14)}${same ? '' : '  a and b DISAGREE'}`,
    );
  }
  console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  child.stdin.end();
  child.kill();
}
