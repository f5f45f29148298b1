/**
 * Per-Conv time of a zoo model inside a native session (onNodeRun), with each layer's shape and GFLOP/s: where a
 * whole-model run spends its convolution time. Usage:
 *   node --conditions=tconv-source --import tsx scripts/zoo-conv-layers.ts [--threads 1] [--runs 200] model…
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelData } from '../bench/model-runners.ts';
import { createSession, inferShapes, readModel } from '../src/onnx/index.ts';
import { takeNumberOption } from './script-args.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => takeNumberOption(args, name, fallback);
const threads = option('threads', 1);
const runs = option('runs', 200);
const models = args.length ? args : ['ldm-vae-decoder', 'unet-maxpool'];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

for (const name of models) {
  const dir = join('test/fixtures/zoo', name);
  const data = await loadModelData(dir);
  const model = readModel(readFileSync(join(dir, 'model.onnx')));
  const graph = inferShapes(model, { inputShapes: { [data.inputName]: data.inputShape } });
  const session = createSession(model, { backend: 'native', threads });
  const feeds = { [data.inputName]: { shape: data.inputShape, data: data.input } };
  const times = new Map<string, number[]>();
  const labels = new Map<string, string>();
  const flops = new Map<string, number>();
  const totals: number[] = [];
  for (let r = 0; r < runs; r++) {
    let convMs = 0;
    session.run(feeds, {
      onNodeRun: ({ node, fused, ms }) => {
        if (node.opType !== 'Conv') return;
        const key = node.outputs[0]!;
        if (!labels.has(key)) {
          const x = graph.shapes.get(node.inputs[0]!) ?? [];
          const w = model.initializers.get(node.inputs[1]!)?.shape ?? [];
          const y = graph.shapes.get(fused.at(-1)?.outputs[0] ?? key) ?? graph.shapes.get(key) ?? [];
          const outputs = y.reduce((a, b) => a * b, 1);
          const macs = outputs * w.slice(1).reduce((a, b) => a * b, 1);
          flops.set(key, 2 * macs);
          labels.set(key, `${w[1]}→${w[0]} ${w.slice(2).join('×')} @${x.slice(2).join('×')}${fused.length ? ` +${fused.map((n) => n.opType).join('+')}` : ''}`);
        }
        const list = times.get(key) ?? [];
        list.push(ms);
        times.set(key, list);
        convMs += ms;
      },
    });
    totals.push(convMs);
  }
  console.log(`\n${name} (native t${threads}, median of ${runs} runs): Conv total ${(median(totals) * 1000).toFixed(1)} µs`);
  console.log('| layer | MFLOP | µs | GFLOP/s |\n| --- | ---: | ---: | ---: |');
  for (const [key, list] of times) {
    const ms = median(list);
    console.log(`| ${labels.get(key)} | ${(flops.get(key)! / 1e6).toFixed(3)} | ${(ms * 1000).toFixed(1)} | ${(flops.get(key)! / ms / 1e6).toFixed(1)} |`);
  }
  session.dispose();
}
