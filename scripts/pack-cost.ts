// What packing on every call costs: per suite case and backend, the median time of a plain functional call
// (weights packed every call, nothing kept), of a call with prepared weights (packed once) and of a layer's forward
// (its weights compared bit for bit with the packed copy, then the kept packing). Quick and local, same process,
// medians of repeated calls after warm-up, the three timed in turn: not a test and not the bench (`npm run bench` is the measurement of record).
//
//   node --import tsx scripts/pack-cost.ts [caseId,…] [--backends native,wasm] [--threads 1] [--seconds 0.5]
import { readFileSync } from 'node:fs';
import {
  ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, type BackendName, convTranspose, listBackends, prepareWeights, randomTensor,
} from '../src/engine/index.ts';

interface Case { id: string; n: number; cin: number; cout: number; input: number[]; kernel: number[]; stride: number[]; padding: number[]; dilation?: number[]; outputPadding?: number[]; groups?: number }

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const only = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))?.split(',');
const available = listBackends().filter((b) => b.available && b.name !== 'reference').map((b) => b.name);
const backends = flag('--backends', available.join(',')).split(',') as BackendName[];
const threads = Number(flag('--threads', '1'));
const seconds = Number(flag('--seconds', '0.5'));
const suite = JSON.parse(readFileSync(new URL('../../shared/bench/suite.json', import.meta.url), 'utf8')) as { cases: Case[] };

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
/** Medians of the variants, timed in turn (round-robin), so that load from other processes reaches all alike. */
function timeInTurn(fns: readonly (() => unknown)[]): number[] {
  for (const fn of fns) for (let i = 0; i < 5; i++) fn();
  const samples = fns.map(() => [] as number[]);
  const end = performance.now() + seconds * 1000 * fns.length;
  while (performance.now() < end || samples[0]!.length < 7) {
    fns.forEach((fn, k) => {
      const t0 = performance.now();
      fn();
      samples[k]!.push(performance.now() - t0);
    });
  }
  return samples.map(median);
}

console.log(`threads ${threads}; median ms per call: plain (packs every call) / prepared (packed once) / layer (compare + kept)`);
for (const c of suite.cases) {
  if (only && !only.includes(c.id)) continue;
  const groups = c.groups ?? 1;
  const x = randomTensor([c.n, c.cin, ...c.input], 1);
  const w = randomTensor([c.cin, c.cout / groups, ...c.kernel], 2);
  const b = randomTensor([c.cout], 3);
  const layer = { stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.outputPadding, groups };
  for (const backend of backends) {
    const options = { ...layer, backend, threads };
    const prepared = prepareWeights(w);
    const Layer = [ConvTranspose1d, ConvTranspose2d, ConvTranspose3d][c.input.length - 1]!;
    const module = new Layer(c.cin, c.cout, c.kernel, { ...layer, backend, threads, seed: 1 });
    module.weight = w;
    module.bias = b;
    const [plain, kept, forward] = timeInTurn([
      () => convTranspose(x, w, b, options), () => convTranspose(x, prepared, b, options), () => module.forward(x),
    ]) as [number, number, number];
    prepared.dispose();
    module.dispose();
    console.log(`${c.id.padEnd(12)} ${backend.padEnd(7)} plain ${plain.toFixed(3).padStart(8)}  prepared ${kept.toFixed(3).padStart(8)}  layer ${forward.toFixed(3).padStart(8)}  plain/prepared ${(plain / kept).toFixed(2)}x`);
  }
}
