// Same-process A/B of two checkouts of the wasm backend (the kernels AND the JS that drives them, since the header,
// table and workspace layouts may differ between them): on a shared host the speed of a process moves by ±30% from
// one minute to the next, so two builds timed in separate runs compare minutes, not code. Both are loaded in one
// process, alternate in short bursts (the order flips every round) and each round's pair sees the same noise.
//   mkdir -p /tmp/old && git archive HEAD src | tar -x -C /tmp/old && cp -r build /tmp/old/ && ln -s "$PWD/node_modules" /tmp/old/
//   (change the kernels, node scripts/build-wasm.mjs)
//   node --import tsx scripts/wasm-ab.ts --a /tmp/old --b . [--threads 1|2] [--rounds 30] [--dx | --conv3] [case ids…]
// --dx times each case's ∂X instead (the conv from ∂Y, Cout channels, back to X's shape, with the case's kernel,
// stride and padding); --conv3 a stride-1 3×3 conv, padding 1, Cin → Cout at the case's input size.
// Noise: two copies of one checkout (cp -r /tmp/old /tmp/old2; --a /tmp/old --b /tmp/old2): one path imported twice
// is one module. Every case also checks that a and b give the same output bits (the kernels sum in one order).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    a: { type: 'string' }, b: { type: 'string' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '30' },
    suite: { type: 'string', default: '../shared/bench/suite.json' },
    dx: { type: 'boolean', default: false }, conv3: { type: 'boolean', default: false },
  },
});
if (!values.a || !values.b) {
  process.stderr.write('wasm-ab: give both checkouts, --a DIR --b DIR (each with src/ and build/wasm/)\n');
  process.exit(2);
}

interface KernelArgs { plan: unknown; input: Float32Array; weight: Float32Array; bias: Float32Array | null; output: Float32Array; threads: number; packs?: unknown }
interface Checkout {
  backend: { convTranspose(args: KernelArgs): void; conv(args: KernelArgs): void };
  planLayer(spec: object): { inputShape: number[]; weightShape: number[]; outputShape: number[]; flops: number };
  /** Each build's own prepared weights (their packing kept between calls, as prepared layers and ∂X keep it). */
  prepare(shape: number[], data: Float32Array): { data: Float32Array; slot: unknown };
  close(): Promise<void> | undefined;
}

async function load(dir: string): Promise<Checkout> {
  const url = (path: string) => pathToFileURL(resolve(dir, path)).href;
  const wasm = await import(url('src/engine/backends/wasm/index.ts'));
  const runtime = await import(url('src/engine/backends/wasm/runtime.ts'));
  const plan = await import(url('src/shape/plan.ts'));
  // Every call on the requested threads, as the bench does for large layers (tiny ones would stay on one).
  wasm.wasmTuning.minFlopsPerThread = 0;
  // …and not the faster side the layer measured (a checkout from before src/engine/thread-choice.ts has none).
  const choice = await import(url('src/engine/thread-choice.ts')).catch(() => null);
  if (choice) choice.threadChoiceTuning.mode = 'requested';
  const prepared = await import(url('src/engine/prepared-weights.ts'));
  const prepare = (shape: number[], data: Float32Array) => prepared.preparedParts(prepared.prepareWeights({ shape, data }));
  return { backend: wasm.wasmBackend, planLayer: plan.planLayer, prepare, close: () => runtime.getRuntime().pool?.close() };
}

const builds = { a: await load(values.a), b: await load(values.b) };
interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }
const suite = JSON.parse(readFileSync(values.suite, 'utf8')) as { cases: Case[] };
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const data = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const WARM_UP_ROUNDS = 6;
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

try {
  for (const c of suite.cases) {
    if (positionals.length && !positionals.includes(c.id)) continue;
    const transposed = {
      kind: 'convTranspose', input: c.input, batch: c.n, inChannels: c.cin, outChannels: c.cout, kernel: c.kernel,
      stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.outputPadding, groups: c.groups, bias: true,
    };
    const dxInput = c.input.map((x, i) => c.stride[i]! * (x - 1) + (c.dilation?.[i] ?? 1) * (c.kernel[i]! - 1) + 1 - 2 * c.padding[i]! + (c.outputPadding?.[i] ?? 0));
    const spec = values.dx
      ? { kind: 'conv', input: dxInput, batch: c.n, inChannels: c.cout, outChannels: c.cin, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: true }
      : values.conv3
        ? { kind: 'conv', input: c.input, batch: c.n, inChannels: c.cin, outChannels: c.cout, kernel: 3, stride: 1, padding: 1, bias: true }
        : transposed;
    const kind = spec.kind === 'conv' ? 'conv' : 'convTranspose';
    const plans = { a: builds.a.planLayer(spec), b: builds.b.planLayer(spec) };
    const input = data(size(plans.a.inputShape));
    const weight = data(size(plans.a.weightShape));
    const bias = data(plans.a.outputShape[1]!);
    const outputs = { a: new Float32Array(size(plans.a.outputShape)), b: new Float32Array(size(plans.a.outputShape)) };
    // On prepared weights, as the bench calls a layer (the winograd layouts' weight transform is done once, as in use).
    const packed = { a: builds.a.prepare(plans.a.weightShape, weight), b: builds.b.prepare(plans.b.weightShape, weight) };
    const call = (k: 'a' | 'b') => builds[k].backend[kind]({ plan: plans[k], input, weight: packed[k].data, packs: packed[k].slot, bias, output: outputs[k], threads });
    call('a');
    call('b');
    const bitsA = new Uint32Array(outputs.a.buffer);
    const bitsB = new Uint32Array(outputs.b.buffer);
    const differ = bitsA.findIndex((v, i) => v !== bitsB[i]);
    // Short bursts (≥ 1 call, ≥ ~10 ms), alternating, the order flipped every round, for at least `rounds` rounds and
    // ~3 s per build: the finer the interleaving, the less a change of the host's load falls on one build only.
    const t0 = performance.now();
    call('a');
    const once = Math.max(0.01, performance.now() - t0);
    const burst = Math.max(1, Math.ceil(10 / once));
    const total = Math.max(rounds, Math.ceil(3000 / (burst * once)));
    const times = { a: [] as number[], b: [] as number[] };
    /** Per round, b's burst median over a's: paired, so a slow minute slows both sides of a ratio. */
    const paired: number[] = [];
    // Warm-up rounds, not recorded: V8 compiles wasm with Liftoff first and tiers hot functions up in the background,
    // so the build called first would otherwise be measured optimised while the other is not yet.
    for (let round = -WARM_UP_ROUNDS; round < total; round++) {
      const burstMs = { a: 0, b: 0 };
      for (const k of round % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
        const own: number[] = [];
        for (let i = 0; i < burst; i++) {
          const start = performance.now();
          call(k);
          own.push(performance.now() - start);
        }
        burstMs[k] = median(own);
        if (round >= 0) times[k].push(...own);
      }
      if (round >= 0) paired.push(burstMs.a / burstMs.b);
    }
    const gflops = (k: 'a' | 'b') => plans.a.flops / median(times[k]) / 1e6;
    const bits = differ < 0 ? 'same bits' : `OUTPUTS DIFFER at ${differ}: ${outputs.a[differ]} vs ${outputs.b[differ]}`;
    // b/a: speed of b over speed of a, the median of the paired rounds.
    console.log(`${c.id.padEnd(12)} t${threads}  a ${gflops('a').toFixed(2).padStart(6)}  b ${gflops('b').toFixed(2).padStart(6)} GFLOP/s  b/a ${median(paired).toFixed(3)}  (${paired.length} rounds)  ${bits}`);
  }
} finally {
  await Promise.all([builds.a.close(), builds.b.close()]);
}
