// Child of thread-pool.test.ts, run with TCONV_NATIVE_CYCLES_PER_THREAD=1 so that every layer with two tasks or more
// goes through the pool, however small: many back-to-back parallel calls at 1–4 threads, each compared bit for bit
// with the one-thread result, into NaN-poisoned outputs; then the same layers with prepared weights, whose calls at
// 2 threads go through the measured thread choice (src/engine/thread-choice.ts: they alternate between 1 and 2 threads,
// then keep the faster). Prints one JSON line: calls made, the first mismatch, the handles' maxThreads.
import { createNativeBackend } from '../../src/engine/backends/native/index.ts';
import { preparedParts, prepareWeights } from '../../src/engine/prepared-weights.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { randomArray, sizeOf } from '../helpers/reference-case.ts';

const rng = createRng(14);
// Every layer has 256+ output positions (per phase for the transposed one: 64 × 4 phases), so it has two tasks or more
// whichever tile the layout trial picks (the widest, 3×128, covers 128 positions): with one task the thread choice
// below would never run, and which tile wins depends on the host's load.
const layers = [
  { kind: 'conv' as const, input: [16, 16], inChannels: 8, outChannels: 8, kernel: [3, 3], padding: [1, 1] },
  { kind: 'convTranspose' as const, input: [8, 8], inChannels: 16, outChannels: 8, kernel: [4, 4], stride: [2, 2], padding: [1, 1] },
  { kind: 'conv' as const, input: [512], inChannels: 4, outChannels: 4, kernel: [3], dilation: [3], padding: [3] },
  { kind: 'conv' as const, input: [8, 8, 8], inChannels: 4, outChannels: 8, kernel: [3, 3, 3], padding: [1, 1, 1] },
];
const native = createNativeBackend();
let calls = 0;
let mismatch: string | null = null;
const maxThreads: number[] = [];
for (const [index, spec] of layers.entries()) {
  const plan = planLayer({ ...spec, batch: 1 });
  const input = randomArray(rng, sizeOf(plan.inputShape));
  const weight = randomArray(rng, sizeOf(plan.weightShape));
  const bias = randomArray(rng, plan.outChannels);
  const run = plan.kind === 'conv' ? native.conv.bind(native) : native.convTranspose.bind(native);
  const expected = new Float32Array(sizeOf(plan.outputShape));
  run({ plan, input, weight, bias, output: expected, threads: 1 });
  const output = new Float32Array(expected.length);
  for (let i = 0; i < 400 && mismatch === null; i++) {
    const threads = [2, 3, 1, 4][i % 4]!;
    output.fill(Number.NaN);
    run({ plan, input, weight, bias, output, threads });
    calls++;
    const at = output.findIndex((v, k) => !Object.is(v, expected[k]));
    if (at >= 0) mismatch = `layer ${index}, call ${i}, ${threads} threads: element ${at} is ${output[at]}, one thread gave ${expected[at]}`;
  }
  const prepared = prepareWeights({ shape: plan.weightShape, data: weight });
  try {
    const parts = preparedParts(prepared);
    for (let i = 0; i < 100 && mismatch === null; i++) {
      output.fill(Number.NaN);
      run({ plan, input, weight: parts.data, bias, output, threads: 2, packs: parts.slot });
      calls++;
      const at = output.findIndex((v, k) => !Object.is(v, expected[k]));
      if (at >= 0) mismatch = `layer ${index}, prepared, call ${i}: element ${at} is ${output[at]}, one thread gave ${expected[at]}`;
    }
  } finally {
    prepared.dispose();
  }
  maxThreads.push(native.layout(plan, weight).maxThreads ?? 0);
}
process.stdout.write(`${JSON.stringify({ calls, mismatch, maxThreads })}\n`);
