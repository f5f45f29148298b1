// Two checkouts of the wasm backend in one process (each its own module instance, memory and pool), as wasm-ab.ts:
// on a shared host only runs interleaved in one process compare code rather than minutes.
//   mkdir -p /tmp/old && git archive HEAD | tar -x -C /tmp/old && cp -r build /tmp/old/ && ln -s "$PWD/node_modules" /tmp/old/
//   node --conditions=tconv-source --import tsx scripts/wasm-threads-ab.ts --a /tmp/old --b . [--rounds 100] [models…]
// 1. The fixed cost of a parallel call: a 64-element tanh job on one thread and forced onto two (every job woken or
//    not as that checkout decides), with 0, 0.1 and 3 ms of busy JavaScript between calls (a model's other ops).
// 2. Whole zoo models at 1 and 2 threads on both checkouts: four sessions per model, three runs each in turn, the
//    order rotating every round; medians.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '100' } },
});
if (!values.a || !values.b) {
  process.stderr.write('wasm-threads-ab: give both checkouts, --a DIR --b DIR (each with src/, build/wasm/ and test/fixtures/zoo)\n');
  process.exit(2);
}

interface Job { kernel: number; x: number; out: number; units: number; activation: { kind: 'tanh' } }
interface Session { run(feeds: object): unknown; dispose(): void }
interface Checkout {
  dir: string;
  runJob(job: Job, threads: number): void;
  forceSplit(): void;
  session(model: Uint8Array, threads: number): Session;
  readModel(bytes: Uint8Array): { inputs: { name: string }[] };
  readTestDir(dir: string): { dataSets: { inputs: { shape: number[]; data: ArrayLike<number> }[] }[] };
}

async function load(dir: string): Promise<Checkout> {
  const url = (path: string) => pathToFileURL(resolve(dir, path)).href;
  const ew = await import(url('src/engine/backends/wasm/elementwise.ts'));
  const runtime = await import(url('src/engine/backends/wasm/runtime.ts'));
  const layout = await import(url('src/engine/backends/wasm/layout.ts'));
  const onnx = await import(url('src/onnx/index.ts'));
  const testDir = await import(url('src/onnx/test-dir.ts'));
  const rt = runtime.getRuntime();
  rt.pool?.ensure(2);
  const ptr = rt.heap.alloc(4096) as number;
  return {
    dir,
    runJob: (job, threads) => ew.runJob(rt, { ...job, kernel: layout.EW_MAP, x: ptr, out: ptr }, threads),
    forceSplit: () => {
      ew.elementwiseTuning.minElementsPerThread = 0;
    },
    session: (bytes, threads) => onnx.createSession(onnx.readModel(bytes), { backend: 'wasm', threads }),
    readModel: (bytes) => onnx.readModel(bytes),
    readTestDir: (d) => testDir.readTestDir(d),
  };
}

const median = (v: readonly number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;
const busy = (us: number) => {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
};
const checkouts = [await load(values.a), await load(values.b)];
const rounds = Number(values.rounds);

for (const gapUs of [0, 100, 3000]) {
  const ms = checkouts.map(() => [[] as number[], [] as number[]]);
  for (let round = 0; round < 40; round++) {
    for (const [i, c] of (round % 2 ? checkouts.entries() : [...checkouts.entries()].reverse())) {
      c.forceSplit();
      for (const threads of [1, 2]) {
        let inCalls = 0;
        for (let call = 0; call < 30; call++) {
          busy(gapUs);
          const t0 = performance.now();
          c.runJob({ kernel: 0, x: 0, out: 0, units: 64, activation: { kind: 'tanh' } }, threads);
          inCalls += performance.now() - t0;
        }
        if (round >= 4) ms[i]![threads - 1]!.push((inCalls / 30) * 1000);
      }
    }
  }
  for (const [i, c] of checkouts.entries()) {
    const [one, two] = ms[i]!.map(median) as [number, number];
    console.log(`gap ${gapUs} µs, ${c.dir}: 1 thread ${one.toFixed(2)} µs/call, 2 threads ${two.toFixed(2)} → ${(two - one).toFixed(2)} µs per parallel call`);
  }
}

const zoo = join(values.a, 'test/fixtures/zoo');
const models = positionals.length ? positionals : ['dcgan', 'espcn', 'esrgan-rrdb', 'hifigan-1d', 'ldm-vae-decoder', 'pix2pix-unet', 'realesrgan-unshuffle', 'unet-maxpool', 'unet3d'];
console.log('\nmodel                 a t1 ms  a t2 ms  b t1 ms  b t2 ms  a t1/t2  b t1/t2');
for (const m of models) {
  const bytes = readFileSync(join(zoo, m, 'model.onnx'));
  const input = checkouts[0]!.readTestDir(join(zoo, m)).dataSets[0]!.inputs[0]!;
  const cells = checkouts.flatMap((c) => [1, 2].map((threads) => {
    const feeds = { [c.readModel(bytes).inputs[0]!.name]: { shape: input.shape, data: Float32Array.from(input.data) } };
    return { session: c.session(bytes, threads), feeds, ms: [] as number[] };
  }));
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[(j + round) % cells.length]!;
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        cell.session.run(cell.feeds);
        if (round >= 10) cell.ms.push(performance.now() - t0);
      }
    }
  }
  const t = cells.map((c) => median(c.ms));
  console.log(`${m.padEnd(20)} ${t.map((x) => x.toFixed(3).padStart(8)).join(' ')}    ${(t[0]! / t[1]!).toFixed(2)}     ${(t[2]! / t[3]!).toFixed(2)}`);
  for (const c of cells) c.session.dispose();
}
process.exit(0);
