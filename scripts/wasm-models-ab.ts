// Whole zoo models on two checkouts of the wasm backend in one process (each its own module instance, memory and
// pool), as wasm-ab.ts does for single layers: on a shared host only runs interleaved in one process compare code
// rather than minutes. Per model one session per checkout; per round each runs a short burst, the order flipping
// every round; the ratio is the median over rounds of a's burst median over b's (> 1: b is faster). Also the same
// ratio of the bursts' CPU time (process.cpuUsage: on a host with more runnable threads than cores, a run longer than
// a scheduler slice waits for the CPU, and wall time then measures the queue). At 2 threads CPU time includes the
// workers' polling. Also checks that both give the same output bits. `--backend native` runs the sessions on the
// native backend instead (each checkout loads the addon of its own kernels/native/build).
//   mkdir -p /tmp/old && git archive HEAD | tar -x -C /tmp/old && cp -r build /tmp/old/ && ln -s "$PWD/node_modules" /tmp/old/
//   (for native also: mkdir -p /tmp/old/kernels/native && cp -r kernels/native/build /tmp/old/kernels/native/)
//   node --conditions=tconv-source --import tsx scripts/wasm-models-ab.ts --a /tmp/old --b . [--threads 1] [--rounds 60] [--backend wasm|native] [models…]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { geomean, median, pairedBursts } from './paired-bursts.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '60' }, threads: { type: 'string', default: '1' }, backend: { type: 'string', default: 'wasm' } },
});
const backend = values.backend as 'wasm' | 'native';
if (backend !== 'wasm' && backend !== 'native') {
  process.stderr.write(`wasm-models-ab: --backend is wasm or native, got ${backend}\n`);
  process.exit(2);
}
if (!values.a || !values.b) {
  process.stderr.write('wasm-models-ab: give both checkouts, --a DIR --b DIR (each with src/, build/wasm/ and test/fixtures/zoo)\n');
  process.exit(2);
}

interface Tensor { data: Float32Array }
interface Session { run(feeds: object): Map<string, Tensor>; dispose(): void }
interface Checkout {
  session(model: Uint8Array, threads: number): Session;
  readModel(bytes: Uint8Array): { inputs: { name: string }[] };
  readTestDir(dir: string): { dataSets: { inputs: { shape: number[]; data: ArrayLike<number> }[] }[] };
  close(): Promise<void> | undefined;
}

async function load(dir: string): Promise<Checkout> {
  const url = (path: string) => pathToFileURL(resolve(dir, path)).href;
  const runtime = await import(url('src/engine/backends/wasm/runtime.ts'));
  const onnx = await import(url('src/onnx/index.ts'));
  const testDir = await import(url('src/onnx/test-dir.ts'));
  return {
    session: (bytes, threads) => onnx.createSession(onnx.readModel(bytes), { backend, threads }),
    readModel: (bytes) => onnx.readModel(bytes),
    readTestDir: (d) => testDir.readTestDir(d),
    close: () => (backend === 'wasm' ? runtime.getRuntime().pool?.close() : undefined),
  };
}

const checkouts = { a: await load(values.a), b: await load(values.b) };
const rounds = Number(values.rounds);
const threads = Number(values.threads);
const WARM_UP_ROUNDS = 10;
const BURST = 5;
const zoo = join(values.a, 'test/fixtures/zoo');
const models = positionals.length ? positionals : ['dcgan', 'espcn', 'esrgan-rrdb', 'hifigan-1d', 'ldm-vae-decoder', 'pix2pix-unet', 'realesrgan-unshuffle', 'unet-maxpool', 'unet3d'];
const ratios: number[] = [];
const cpuRatios: number[] = [];
try {
  console.log(`model                  a t${threads} ms  b t${threads} ms   b/a wall   a cpu ms  b cpu ms   b/a cpu  bits`);
  for (const m of models) {
    const bytes = readFileSync(join(zoo, m, 'model.onnx'));
    const input = checkouts.a.readTestDir(join(zoo, m)).dataSets[0]!.inputs[0]!;
    const cells = (['a', 'b'] as const).map((k) => {
      const c = checkouts[k];
      const feeds = { [c.readModel(bytes).inputs[0]!.name]: { shape: input.shape, data: Float32Array.from(input.data) } };
      return { session: c.session(bytes, threads), feeds };
    });
    const outs = cells.map((c) => [...c.session.run(c.feeds).values()][0]!.data);
    const differ = outs[0]!.findIndex((v, i) => !Object.is(v, outs[1]![i]));
    const timed = await pairedBursts([() => cells[0]!.session.run(cells[0]!.feeds), () => cells[1]!.session.run(cells[1]!.feeds)], rounds, WARM_UP_ROUNDS, BURST);
    const ratio = median(timed.wallRatios);
    const cpuRatio = median(timed.cpuRatios);
    ratios.push(ratio);
    cpuRatios.push(cpuRatio);
    const bits = differ < 0 ? 'same' : `DIFFER at ${differ}: ${outs[0]![differ]} vs ${outs[1]![differ]}`;
    const cpuMs = timed.cpu.map((c) => median(c).toFixed(3).padStart(8)).join('  ');
    console.log(`${m.padEnd(20)} ${median(timed.wall[0]).toFixed(3).padStart(8)}  ${median(timed.wall[1]).toFixed(3).padStart(8)}   ${ratio.toFixed(3).padStart(7)}×   ${cpuMs}   ${cpuRatio.toFixed(3).padStart(7)}×  ${bits}`);
    for (const c of cells) c.session.dispose();
  }
  console.log(`geomean b/a speed: wall ${geomean(ratios).toFixed(3)}×, cpu ${geomean(cpuRatios).toFixed(3)}×`);
} finally {
  await Promise.all([checkouts.a.close(), checkouts.b.close()]);
}
