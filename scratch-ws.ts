import { wasmBackend, wasmTuning } from './src/engine/backends/wasm/index.ts';
import { getRuntime } from './src/engine/backends/wasm/runtime.ts';
import { planLayer } from './src/shape/plan.ts';
import { referenceCase } from './test/helpers/reference-case.ts';
import { relativeL2Error } from './src/engine/index.ts';
import { createRng } from './src/tensor/rng.ts';
const rng = createRng(7);
const specs = [
  { kind: 'conv', input: [8, 8], kernel: 4, stride: 2, padding: 1, inChannels: 16, outChannels: 16, bias: true },
  { kind: 'conv', input: [7, 9], kernel: 4, stride: 2, padding: 1, inChannels: 17, outChannels: 13, bias: true, batch: 2 },
  { kind: 'conv', input: [5, 6], kernel: 4, stride: 2, padding: 0, inChannels: 5, outChannels: 3, bias: false },
  { kind: 'conv', input: [13, 11], kernel: 4, stride: 2, padding: 2, inChannels: 8, outChannels: 9, bias: true, batch: 3 },
];
for (const spec of specs) {
  const c = referenceCase(planLayer(spec as never), rng);
  for (const layout of ['winograd-strided', undefined] as const) for (const threads of [1, 2]) {
    wasmTuning.layout = layout;
    const output = new Float32Array(c.expected.length).fill(NaN);
    wasmBackend[c.run]({ plan: c.plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
    console.log(JSON.stringify(spec.input), layout, threads, relativeL2Error(output, c.expected));
  }
}
await getRuntime().pool?.close();
