// ∂X of the suite's transposed layers, tconv native against PyTorch's MKL-DNN conv (F.convNd of ∂Y with the forward
// weight, the "pytorch conv" column of `npm run bench -- --backward`), both at one thread, in alternating bursts: the
// bench times each library once in its own minutes, and on this shared host a slow spell then lands on one side only.
// Here a PyTorch child (/usr/bin/python3) and this process take turns, burst by burst, order flipping every round, so
// both see the same spells; the medians of CPU time per call (user + system: a wait for a core drops out) decide.
//   node --conditions=tconv-source --import tsx scripts/dx-vs-torch.ts [--rounds 15] [--burst 10] [case ids…]
//   … --addon FILE.node   (another build of the native addon, e.g. a copy made before a change)
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { randomTensor } from '../src/engine/index.ts';
import { ConvBackward } from '../src/train/conv-backward-layer.ts';
import { caseLayer, casePlan, loadSuite } from '../bench/suite.ts';
import { median } from './paired-bursts.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '15' }, burst: { type: 'string', default: '10' },
    suite: { type: 'string', default: '../shared/bench/suite.json' }, addon: { type: 'string' },
  },
});
if (values.addon) process.env.TCONV_NATIVE_ADDON = values.addon;
const rounds = Number(values.rounds);
const burst = Number(values.burst);

// The child: one JSON request per line ({"setup": case} or {"run": calls}), one answer per line.
const PYTHON = `
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(1)
call = None
print(json.dumps({"ready": torch.__version__}), flush=True)
for line in sys.stdin:
    r = json.loads(line)
    if "setup" in r:
        c = r["setup"]
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[len(c["kernel"])]
        gy = torch.rand(c["gy"]) * 2 - 1
        w = torch.rand(c["w"]) * 0.2 - 0.1
        call = lambda: conv(gy, w, None, c["stride"], c["padding"], c["dilation"], c["groups"])
        with torch.no_grad():
            for _ in range(5): call()
        print(json.dumps({"ok": True}), flush=True)
    else:
        with torch.no_grad():
            t0 = time.process_time()
            for _ in range(r["run"]): call()
            ms = (time.process_time() - t0) * 1000 / r["run"]
        print(json.dumps({"ms": ms}), flush=True)
`;
// PyTorch allocates each call's output (4 MiB for dcgan-5); with glibc's defaults that can come from fresh pages
// every call, and the kernel's page zeroing then tripled its time (7 ms against 1.5–2 ms). Heap memory kept across
// calls, as tconv keeps its buffers, gives PyTorch its best case; the bench's child reaches it from its own history.
const malloc = { MALLOC_MMAP_THRESHOLD_: String(1 << 28), MALLOC_TRIM_THRESHOLD_: String(1 << 30) };
const child = spawn('/usr/bin/python3', ['-c', PYTHON], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1', ...malloc } });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const ask = async (request: object): Promise<Record<string, unknown>> => {
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const next = await lines.next();
  if (next.done) throw new Error('the PyTorch child ended early (is python3-torch installed?)');
  return JSON.parse(next.value) as Record<string, unknown>;
};

try {
  const ready = (await lines.next()).value as string;
  const suite = loadSuite(values.suite);
  console.log(`torch ${JSON.parse(ready).ready}; ${rounds} rounds of ${burst} calls each side; load average ${loadavg()[0]!.toFixed(2)} before`);
  const ratios: number[] = [];
  for (const c of suite.cases) {
    if (c.input.length === 1 || (positionals.length && !positionals.includes(c.id))) continue;
    const plan = casePlan(c);
    const layer = caseLayer(c);
    const x = randomTensor(plan.inputShape, 1);
    const w = randomTensor(plan.weightShape, 2, { low: -0.1, high: 0.1 });
    const gy = randomTensor(plan.outputShape, 3);
    const back = new ConvBackward('convTranspose', x.shape, w.shape, { ...layer, bias: false, backend: 'native', threads: 1, gradients: { input: true, weight: false } });
    const ours = () => back.run(x.data, w.data, gy.data);
    for (let i = 0; i < 5; i++) ours();
    await ask({
      setup: {
        gy: plan.outputShape, w: plan.weightShape, kernel: c.kernel, stride: plan.axes.map((a) => a.stride),
        padding: plan.axes.map((a) => a.padBegin), dilation: plan.axes.map((a) => a.dilation), groups: plan.groups,
      },
    });
    const times = { tconv: [] as number[], torch: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 ? (['tconv', 'torch'] as const) : (['torch', 'tconv'] as const)) {
        if (side === 'torch') {
          times.torch.push((await ask({ run: burst })).ms as number);
          continue;
        }
        const cpu = process.cpuUsage();
        for (let i = 0; i < burst; i++) ours();
        const used = process.cpuUsage(cpu);
        times.tconv.push((used.user + used.system) / 1000 / burst);
      }
    }
    const ratio = median(times.torch) / median(times.tconv);
    ratios.push(ratio);
    const spread = (v: number[]) => `${Math.min(...v).toFixed(3)}–${Math.max(...v).toFixed(3)}`;
    console.log(`${c.id.padEnd(12)} tconv native ${median(times.tconv).toFixed(3)} ms (${spread(times.tconv)})  pytorch conv ${median(times.torch).toFixed(3)} ms (${spread(times.torch)})  pytorch / tconv ${ratio.toFixed(2)}×  (${(plan.flops / median(times.tconv) / 1e6).toFixed(1)} GFLOP/s)`);
  }
  if (ratios.length > 1) console.log(`geometric mean pytorch / tconv: ${Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length).toFixed(2)}×`);
  console.log(`load average ${loadavg()[0]!.toFixed(2)} after`);
} finally {
  child.stdin.end();
  child.kill();
}
