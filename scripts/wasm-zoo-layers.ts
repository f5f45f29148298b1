/**
 * Per conv layer of a zoo model inside a wasm session: the layout chosen, GFLOP/s of the whole engine call and of its
 * kernels alone, and the call's fixed parts (setup, copies, input padding): where a whole-model wasm run spends its
 * convolution time. Also the session's time per run outside the conv calls. Usage:
 *   node --conditions=tconv-source --import tsx scripts/wasm-zoo-layers.ts [--threads 1] [--runs 200] model…
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelData } from '../bench/model-runners.ts';
import type { KernelArgs } from '../src/engine/backend.ts';
import { lastCall, wasmBackend, wasmTuning } from '../src/engine/backends/wasm/index.ts';
import { describeProblem } from '../src/engine/backends/wasm/problem.ts';
import { getRuntime } from '../src/engine/backends/wasm/runtime.ts';
import { createSession, readModel } from '../src/onnx/index.ts';
import { takeNumberOption } from './script-args.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => takeNumberOption(args, name, fallback);
const threads = option('threads', 1);
const runs = option('runs', 200);
const models = args.length ? args : ['hifigan-1d', 'pix2pix-unet', 'ldm-vae-decoder'];
wasmTuning.timeParts = true; // lastCall.ms is written only when asked for

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

interface Layer { label: string; layout: string; flops: number; packs: boolean; call: number[]; kernels: number[]; fixed: number[]; parts: Record<string, number[]> }

// Each conv call of a run, in order: the session calls its steps in the same order every run.
let layers: Layer[] = [];
let index = 0;
const wrap = (inner: (a: KernelArgs) => void) => (a: KernelArgs): void => {
  const t0 = performance.now();
  inner(a);
  const ms = performance.now() - t0;
  const p = a.plan;
  let layer = layers[index];
  if (!layer) {
    const spatial = p.axes.map((x) => x.input).join('×');
    const kernel = p.axes.map((x) => x.kernel).join('×');
    const stride = p.axes.map((x) => x.stride).join(',');
    const dil = p.axes.map((x) => x.dilation).join(',');
    const label = `${p.kind === 'conv' ? 'Conv' : 'ConvT'} ${p.inChannels}→${p.outChannels} k${kernel} s${stride}${dil.split(',').some((d) => d !== '1') ? ` d${dil}` : ''}${p.groups > 1 ? ` g${p.groups}` : ''} @${spatial}${a.activation ? ` +${a.activation.kind}` : ''}`;
    const layout = describeProblem(p, lastCall.threads).layout;
    layer = { label, layout, flops: p.flops, packs: !!a.packs, call: [], kernels: [], fixed: [], parts: {} };
    layers[index] = layer;
  }
  const parts = lastCall.ms;
  layer.call.push(ms);
  layer.kernels.push(parts.kernels);
  layer.fixed.push(parts.setup + parts.copyIn + parts.pad + parts.activation + parts.copyOut);
  for (const [part, value] of Object.entries(parts)) {
    const list = layer.parts[part] ?? [];
    list.push(value);
    layer.parts[part] = list;
  }
  index++;
};
wasmBackend.conv = wrap(wasmBackend.conv.bind(wasmBackend));
wasmBackend.convTranspose = wrap(wasmBackend.convTranspose.bind(wasmBackend));

try {
  for (const name of models) {
    const dir = join('test/fixtures/zoo', name);
    const data = await loadModelData(dir);
    const model = readModel(readFileSync(join(dir, 'model.onnx')));
    const session = createSession(model, { backend: 'wasm', threads });
    const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
    layers = [];
    const totals: number[] = [];
    const convs: number[] = [];
    for (let r = 0; r < runs + 20; r++) {
      index = 0;
      const t0 = performance.now();
      session.run(feeds);
      const ms = performance.now() - t0;
      if (r < 20) {
        for (const l of layers) { l.call.length = 0; l.kernels.length = 0; l.fixed.length = 0; l.parts = {}; }
        continue;
      }
      totals.push(ms);
      convs.push(layers.reduce((sum, l) => sum + l.call[l.call.length - 1]!, 0));
    }
    const us = (ms: number) => (ms * 1000).toFixed(1);
    console.log(`\n${name} (wasm t${threads}, median of ${runs} runs): run ${us(median(totals))} µs, conv calls ${us(median(convs))} µs`);
    console.log('| layer | layout | MFLOP | call µs | kernels µs | fixed µs (setup, copy in, pad, activation, copy out) | call GFLOP/s | kernel GFLOP/s |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const l of layers) {
      const call = median(l.call), kernels = median(l.kernels);
      console.log(`| ${l.label} | ${l.layout} | ${(l.flops / 1e6).toFixed(3)} | ${us(call)} | ${us(kernels)} | ${us(median(l.fixed))} (${Object.values(l.parts).filter((_, i) => i !== 3).map((v) => us(median(v))).join(', ')})${l.packs ? '' : ' unprepared'} | ${(l.flops / call / 1e6).toFixed(1)} | ${(l.flops / kernels / 1e6).toFixed(1)} |`);
    }
    session.dispose();
  }
} finally {
  await getRuntime().pool?.close();
}
