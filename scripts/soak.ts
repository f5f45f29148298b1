// Soak: a synchronous loop of engine calls with fresh weights every call must keep the process's memory flat
// (issue 15). Prints RSS at the start (after a warm-up), its peak and the end, per backend and way of calling, and
// exits 1 when any peak rises past the stated bound above its start. Not a benchmark (no timings are judged).
//
//   node --import tsx scripts/soak.ts [--calls 100000] [--backends native,wasm,reference]
//        [--modes plain,prepared,layer,forgotten] [--bound-mb 64] [--cache-mb 64] [--channels 8] [--json]
//
// Modes (each call gets a new weight array):
//   plain      convTranspose(x, w, b): nothing outlives the call (native frees inside the addon call)
//   prepared   prepareWeights(w), call, dispose(): packings freed synchronously
//   layer      layer.weight = w, layer.forward(x): the layer repacks and frees its previous packing
//   forgotten  prepareWeights(w), call, never disposed: the packed-weight cache's byte bound (--cache-mb) evicts;
//              its bound is --bound-mb plus --cache-mb
import {
  ConvTranspose2d, type BackendName, convTranspose, listBackends, prepareWeights, randomTensor, tensor,
} from '../src/engine/index.ts';
import { packedWeightsTuning } from '../src/engine/prepared-weights.ts';

const MODES = ['plain', 'prepared', 'layer', 'forgotten'] as const;
type Mode = (typeof MODES)[number];

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const positive = (name: string, fallback: string): number => {
  const value = Number(flag(name, fallback));
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: ${name} (${flag(name, fallback)}) must be a positive number`);
    process.exit(2);
  }
  return value;
};
const calls = Math.floor(positive('--calls', '100000'));
const boundMiB = positive('--bound-mb', '64');
const cacheMiB = positive('--cache-mb', '64');
const available = listBackends().filter((b) => b.available).map((b) => b.name);
const backends = flag('--backends', available.join(',')).split(',') as BackendName[];
const modes = flag('--modes', MODES.join(',')).split(',') as Mode[];
for (const b of backends) {
  if (!available.includes(b)) {
    console.error(`soak: backend ${b} is not available here (available: ${available.join(', ')})`);
    process.exit(2);
  }
}
for (const m of modes) {
  if (!(MODES as readonly string[]).includes(m)) {
    console.error(`soak: mode ${m} is not one of ${MODES.join(', ')}`);
    process.exit(2);
  }
}
packedWeightsTuning.limitBytes = cacheMiB * 1024 ** 2;

// A small layer (the point is the number of calls, not their size): batch 2, 8×8 input, C → C channels, k4 s2 p1.
const channels = Math.floor(positive('--channels', '8'));
const x = randomTensor([2, channels, 8, 8], 1);
const bias = randomTensor([channels], 2);
const weightShape = [channels, channels, 4, 4];
const weightSize = channels * channels * 16;
const layerOptions = { stride: 2, padding: 1 };
let seed = 0;
/** A new weight array each call, filled cheaply (the soak is about what the engine keeps, not about randomness). */
function freshWeights() {
  const data = new Float32Array(weightSize);
  seed = (seed + 1) % 1000;
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7 + seed) % 13) / 13 - 0.5;
  return tensor(weightShape, data);
}

const MiB = 1024 ** 2;
interface Row { backend: BackendName; mode: Mode; calls: number; startMiB: number; peakMiB: number; endMiB: number; boundMiB: number; ok: boolean }

function soak(backend: BackendName, mode: Mode): Row {
  const options = { ...layerOptions, backend };
  const layer = new ConvTranspose2d(channels, channels, 4, { ...layerOptions, backend, seed: 1 });
  const call = () => {
    const w = freshWeights();
    if (mode === 'plain') return convTranspose(x, w, bias, options);
    if (mode === 'layer') {
      layer.weight = w;
      return layer.forward(x);
    }
    const prepared = prepareWeights(w);
    const y = convTranspose(x, prepared, bias, options);
    if (mode === 'prepared') prepared.dispose();
    return y;
  };
  const warmUp = Math.min(2000, Math.ceil(calls / 10));
  for (let i = 0; i < warmUp; i++) call();
  const start = process.memoryUsage.rss();
  let peak = start;
  for (let i = 0; i < calls; i++) {
    call();
    if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  }
  const end = process.memoryUsage.rss();
  peak = Math.max(peak, end);
  layer.dispose();
  const bound = boundMiB + (mode === 'forgotten' ? cacheMiB : 0);
  return {
    backend, mode, calls, startMiB: start / MiB, peakMiB: peak / MiB, endMiB: end / MiB, boundMiB: bound,
    ok: (peak - start) / MiB <= bound,
  };
}

const rows: Row[] = [];
for (const backend of backends) {
  for (const mode of modes) {
    const row = soak(backend, mode);
    rows.push(row);
    if (!args.includes('--json')) {
      const f = (v: number) => v.toFixed(1).padStart(7);
      console.log(`${backend.padEnd(9)} ${mode.padEnd(9)} ${calls} calls  RSS start ${f(row.startMiB)} MiB  peak ${f(row.peakMiB)}  end ${f(row.endMiB)}  (+${(row.peakMiB - row.startMiB).toFixed(1)}, bound +${row.boundMiB})  ${row.ok ? 'ok' : 'OVER THE BOUND'}`);
    }
  }
}
if (args.includes('--json')) console.log(JSON.stringify(rows));
process.exit(rows.every((r) => r.ok) ? 0 : 1);
