// Where a repeated engine call with prepared weights spends its time: the whole conv()/convTranspose() call, then
// each of its parts timed alone in the same process (planning, header and slot lookup, output allocation, the
// addon call), and a 1×1×1-element layer through the addon as the floor of one N-API call plus execute().
//   node --conditions=tconv-source --import tsx scripts/engine-call-cost.ts [--backend native|wasm|both] [--rounds 31] [--out]
// --out adds the whole-model caller's options: `out` (a reused output buffer) and `activation` (a fused LeakyReLU)
// against the same LeakyReLU as a separate pass into a new array (what the ONNX executor did).
// Prints medians in µs per call; on a shared machine compare rows of the same run only.
import { parseArgs } from 'node:util';
import { loadAddon } from '../src/engine/backends/native/addon.ts';
import { nativeHeader } from '../src/engine/backends/native/header.ts';
import { conv, convTranspose, prepareWeights } from '../src/engine/index.ts';
import { planFromTensors } from '../src/engine/ops/plan-from-tensors.ts';
import { preparedParts } from '../src/engine/prepared-weights.ts';
import { getBackend } from '../src/engine/select.ts';
import { randomTensor } from '../src/tensor/random.ts';
import { tensor } from '../src/tensor/tensor.ts';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'both' }, rounds: { type: 'string', default: '31' }, out: { type: 'boolean', default: false } },
});
const rounds = Number(values.rounds);
const backends = values.backend === 'both' ? ['native', 'wasm'] as const : [values.backend as 'native' | 'wasm'];

interface Case { id: string; kind: 'conv' | 'convTranspose'; input: number[]; weight: number[]; options: { stride?: number; padding?: number; dilation?: number } }
const cases: Case[] = [
  { id: '1-element conv', kind: 'conv', input: [1, 1, 1], weight: [1, 1, 1], options: {} },
  { id: 'conv3x3 32→32 32²', kind: 'conv', input: [1, 32, 32, 32], weight: [32, 32, 3, 3], options: { padding: 1 } },
  { id: 'conv1d k3 32ch×256', kind: 'conv', input: [1, 32, 256], weight: [32, 32, 3], options: { padding: 1 } },
  { id: 'seed-k3s1p1 (convT)', kind: 'convTranspose', input: [1, 3, 32, 32], weight: [3, 3, 3, 3], options: { padding: 1 } },
];

/** Median µs per call of `f`, over `rounds` batches sized to ~2 ms each. */
function time(f: () => unknown): number {
  // Warm for ~100 ms: a whole-model caller repeats its layers, so the optimised code is what it runs.
  const warm = performance.now() + 100;
  while (performance.now() < warm) f();
  const probe = performance.now();
  f();
  const batch = Math.max(1, Math.min(2000, Math.round(2 / Math.max(1e-4, performance.now() - probe))));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) f();
    samples.push(((performance.now() - start) * 1000) / batch);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1]!;
}

const fmt = (us: number) => us.toFixed(2).padStart(7);
const addon = loadAddon().addon;

for (const backend of backends) {
  console.log(`\n${backend}, one thread (µs per call, median of ${rounds} batches)`);
  for (const c of cases) {
    const x = randomTensor(c.input, 1);
    const w = prepareWeights(randomTensor(c.weight, 2));
    const outChannels = c.kind === 'conv' ? c.weight[0]! : c.weight[1]!;
    const b = randomTensor([outChannels], 3);
    const options = { ...c.options, backend, threads: 1 } as const;
    const op = c.kind === 'conv' ? conv : convTranspose;
    const whole = time(() => op(x, w, b, options));
    const plan = time(() => planFromTensors(c.kind, x.shape, w.shape, { ...options, bias: true }));
    const p = planFromTensors(c.kind, x.shape, w.shape, { ...options, bias: true });
    const alloc = time(() => tensor(p.outputShape));
    const slot = preparedParts(w);
    const args = { plan: p, input: x.data, weight: slot.data, bias: b.data, output: tensor(p.outputShape).data, threads: 1, packs: slot.slot };
    const engine = getBackend(backend);
    const kernel = time(() => (c.kind === 'conv' ? engine.conv(args) : engine.convTranspose(args)));
    const parts = [`whole ${fmt(whole)}`, `backend.${c.kind} ${fmt(kernel)}`, `plan ${fmt(plan)}`, `alloc ${fmt(alloc)}`];
    if (values.out) {
      // The whole-model caller's options: its own output buffer, and the LeakyReLU fused or as a separate pass.
      const out = new Float32Array(p.outputShape.reduce((a, v) => a * v, 1));
      const leaky = { kind: 'leakyRelu', alpha: 0.2 } as const;
      const separate = () => {
        const y = op(x, w, b, options).data;
        const z = new Float32Array(y.length);
        for (let i = 0; i < y.length; i++) z[i] = y[i]! >= 0 ? y[i]! : 0.2 * y[i]!;
        return z;
      };
      parts.push(`out ${fmt(time(() => op(x, w, b, { ...options, out })))}`);
      parts.push(`out+leaky ${fmt(time(() => op(x, w, b, { ...options, out, activation: leaky })))}`);
      parts.push(`whole+separate leaky ${fmt(time(separate))}`);
    }
    if (backend === 'native' && addon) {
      const header = nativeHeader(p);
      const handle = addon.prepare(header, randomTensor(c.weight, 2).data, addon.capabilities().kernelSets[0]!);
      const out = new Float32Array(p.outputShape.reduce((a, v) => a * v, 1));
      parts.push(`header ${fmt(time(() => nativeHeader(p)))}`);
      parts.push(`addon.run ${fmt(time(() => addon.run(handle, header, x.data, b.data, out, 1)))}`);
      const mine = addon.describe(handle);
      parts.push(`(${mine.direct ? 'direct' : mine.depthwise ? 'depthwise' : mine.batchMinor ? 'batch-minor' : 'packed'} ${mine.mr}x${mine.nr})`);
      addon.release(handle);
    }
    console.log(`${c.id.padEnd(22)} ${parts.join('  ')}`);
    w.dispose();
  }
  if (backend === 'native' && addon) {
    // The floor: one-element layer, so nearly all of it is N-API argument checks and execute()'s fixed cost.
    const p = planFromTensors('conv', [1, 1, 1], [1, 1, 1], { bias: true });
    const header = nativeHeader(p);
    const handle = addon.prepare(header, new Float32Array(1), addon.capabilities().kernelSets[0]!);
    const one = new Float32Array(1), out = new Float32Array(1);
    console.log(`1-element layer: addon.run ${fmt(time(() => addon.run(handle, header, one, one, out, 1)))}  sameBits(1,1) ${fmt(time(() => addon.sameBits(one, out)))}`);
    addon.release(handle);
  }
}
