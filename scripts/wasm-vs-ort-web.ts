/**
 * Whole zoo models, tconv's wasm session against onnxruntime-web's (WebAssembly, one thread), in one process, in
 * CPU time as well as wall time: on a host with more runnable threads than cores (load 10 on 2 vCPUs) a run longer
 * than a scheduler slice waits for the CPU, and `npm run bench`'s wall-clock medians then time the queue (a 2 ms model
 * read 20–60 ms). Per round each library runs a burst, the order flipping every round; ratios are medians over rounds
 * of ORT's burst over tconv's (> 1: tconv is faster). One thread only: at two, CPU time would count idle polling.
 * `--backend native` puts tconv's native session against onnxruntime-node (CPU EP, one intra-op thread) instead.
 *   node --conditions=tconv-source --import tsx scripts/wasm-vs-ort-web.ts [--rounds 40] [--backend wasm|native] [models…]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelData } from '../bench/model-runners.ts';
import { getRuntime } from '../src/engine/backends/wasm/runtime.ts';
import { createSession, readModel } from '../src/onnx/index.ts';
import { geomean, median, pairedBursts } from './paired-bursts.ts';

interface Ort {
  env: { wasm: { numThreads: number } };
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(model: Uint8Array, options: object): Promise<{ inputNames: string[]; run(feeds: object): Promise<unknown>; release(): Promise<void> }> };
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '40' }, backend: { type: 'string', default: 'wasm' } } });
const backend = values.backend as 'wasm' | 'native';
if (backend !== 'wasm' && backend !== 'native') {
  process.stderr.write(`wasm-vs-ort-web: --backend is wasm or native, got ${backend}\n`);
  process.exit(2);
}
const peerName = backend === 'wasm' ? 'ort-web' : 'ort-node';
const rounds = Number(values.rounds);
const BURST = 5;
const WARM_UP_ROUNDS = 8;
const models = positionals.length ? positionals : ['dcgan', 'espcn', 'esrgan-rrdb', 'hifigan-1d', 'ldm-vae-decoder', 'pix2pix-unet', 'realesrgan-unshuffle', 'unet-maxpool', 'unet3d'];

const ort = (backend === 'wasm' ? await import('onnxruntime-web') : await import('onnxruntime-node')) as unknown as Ort;
if (backend === 'wasm') ort.env.wasm.numThreads = 1;
const peerOptions = backend === 'wasm'
  ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
  : { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
const wallRatios: number[] = [];
const cpuRatios: number[] = [];
try {
  console.log(`| model | ${backend} ms | ${peerName} ms | wall ratio | ${backend} CPU ms | ${peerName} CPU ms | CPU ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const model of models) {
    const dir = join('test/fixtures/zoo', model);
    const data = await loadModelData(dir);
    const bytes = readFileSync(join(dir, 'model.onnx'));
    const session = createSession(readModel(bytes), { backend, threads: 1 });
    const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
    const peer = await ort.InferenceSession.create(bytes, peerOptions);
    const peerFeeds = { [peer.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(data.input), data.inputShape) };
    // Cell 0 is onnxruntime-web and cell 1 tconv, so the ratios are ORT's time over tconv's (> 1: tconv is faster).
    const timed = await pairedBursts([() => peer.run(peerFeeds), () => session.run(feeds)], rounds, WARM_UP_ROUNDS, BURST);
    const wall = timed.wallRatios;
    const cpu = timed.cpuRatios;
    wallRatios.push(median(wall));
    cpuRatios.push(median(cpu));
    const [peerWall, tconvWall] = timed.wall;
    const [peerCpu, tconvCpu] = timed.cpu;
    console.log(`| ${model} | ${median(tconvWall).toFixed(3)} | ${median(peerWall).toFixed(3)} | ${median(wall).toFixed(2)}× | ${median(tconvCpu).toFixed(3)} | ${median(peerCpu).toFixed(3)} | ${median(cpu).toFixed(2)}× |`);
    session.dispose();
    await peer.release();
  }
  console.log(`| geomean | | | ${geomean(wallRatios).toFixed(2)}× | | | ${geomean(cpuRatios).toFixed(2)}× |`);
} finally {
  if (backend === 'wasm') await getRuntime().pool?.close();
}
