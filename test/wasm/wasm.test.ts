/**
 * The wasm backend against the float64 reference on fresh random configurations (1D/2D/3D, stride, asymmetric pads
 * and output padding = negative padEnd, dilation with holes, groups, bias or none, batch incl. ≥ 8 where columns
 * are ordered batch-inner), plus chosen shapes for tile remainders (M not a multiple of 4, columns not a multiple
 * of 8), k < s, k = s, k not divisible by s, 1×1 inputs and K longer than one chunk. One and two threads; output
 * buffers poisoned with NaN before every run. Replay with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { wasmBackend, wasmTuning } from '../../src/engine/backends/wasm/index.ts';
import { threadChoiceTuning } from '../../src/engine/thread-choice.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { HEADER_PTR } from '../../src/engine/backends/wasm/control.ts';
import * as L from '../../src/engine/backends/wasm/layout.ts';
import { type WasmLayout, describeProblem } from '../../src/engine/backends/wasm/problem.ts';
import { convTranspose, conv } from '../../src/engine/index.ts';
import { planLayer, type Plan } from '../../src/shape/plan.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { createRng, type Rng } from '../../src/tensor/rng.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import { planOf, randomLayer, runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, referenceCase } from '../helpers/reference-case.ts';

const seed = runSeed();
// Tiny test layers would otherwise run on one thread only (and leave a sleeping worker asleep).
wasmTuning.minFlopsPerThread = 0;
threadChoiceTuning.mode = 'requested'; // every call on the requested threads, not the faster side measured
wasmTuning.minFlopsToWake = 0;
after(() => getRuntime().pool?.close());

/** Every layout (forcing 'direct' falls back to a packed one where it cannot apply: phases under 8 wide, strided conv; forcing 'winograd' to the layer's own choice where it is not a stride-1 3×3 2D conv). */
const LAYOUTS: readonly WasmLayout[] = ['packed', 'batch-minor', 'direct', 'channel-vectors', 'winograd', 'dense'];

/** Reference vs wasm (each layout) at 1 and 2 threads, NaN-poisoned outputs; the repeated call hits the caches. */
function check(plan: Plan, rng: Rng, where: string): void {
  const c = referenceCase(plan, rng);
  for (const layout of LAYOUTS) {
    wasmTuning.layout = layout;
    for (const threads of [1, 2, 2]) expectMatchesReference(wasmBackend, c, threads, `${layout} layout, ${threads} thread(s), ${where} (TCONV_SEED=${seed})`);
  }
  wasmTuning.layout = undefined;
}

const describe = (spec: object) => JSON.stringify(spec);

test('random transposed convolutions, 1D/2D/3D, every parameter, batch up to 9', () => {
  const rng = createRng(seed);
  for (const rank of [1, 2, 3] as const) {
    for (let i = 0; i < 40; i++) {
      const layer = randomLayer(rng, rank, { batch: rng.next() < 0.2 ? 9 : undefined });
      const withBias = planOf(layer, { bias: rng.next() < 0.7 });
      check(withBias, rng, describe(layer));
    }
  }
});

test('random wide layers (phases ≥ 8 wide: the direct kernel, W padding, overlapping last block)', () => {
  const rng = createRng(seed + 3);
  let direct = 0;
  for (let i = 0; i < 60; i++) {
    const rank = ([1, 2, 3] as const)[i % 3]!;
    const kind = rng.next() < 0.75 ? 'convTranspose' : 'conv';
    const groups = [1, 1, 2, 3][rng.int(0, 3)]!;
    const axis = (inner: boolean) => {
      const stride = kind === 'conv' ? (inner ? 1 : rng.int(1, 2)) : rng.int(1, 4);
      const dilation = rng.int(1, 3);
      const kernel = rng.int(1, 5);
      const padding = rng.int(0, dilation * (kernel - 1));
      const op = kind === 'convTranspose' && rng.next() < 0.4 ? rng.int(0, Math.max(stride, dilation) - 1) : 0;
      return { input: inner ? rng.int(8, 37) : rng.int(1, rank === 3 ? 3 : 6), kernel, stride, dilation, padding, op };
    };
    const axes = Array.from({ length: rank }, (_, a) => axis(a === rank - 1));
    const spec: LayerSpec = {
      kind, batch: rng.int(1, 3), inChannels: groups * rng.int(1, 6), outChannels: groups * rng.int(1, 9), groups,
      input: axes.map((a) => a.input), kernel: axes.map((a) => a.kernel), stride: axes.map((a) => a.stride),
      dilation: axes.map((a) => a.dilation), padding: axes.map((a) => a.padding), bias: rng.next() < 0.7,
      ...(kind === 'convTranspose' ? { outputPadding: axes.map((a) => a.op) } : {}),
    };
    let plan: Plan;
    try {
      plan = planLayer(spec);
    } catch {
      continue;
    }
    if (describeProblem(plan, 1, 'direct').layout === 'direct') direct++;
    check(plan, rng, describe(spec));
  }
  assert.ok(direct >= 20, `only ${direct} layers ran the direct kernel`);
});

test('random ordinary convolutions, 1D/2D/3D, stride, padding, dilation, groups, batch', () => {
  const rng = createRng(seed + 1);
  for (const rank of [1, 2, 3] as const) {
    let made = 0;
    while (made < 30) {
      const groups = [1, 1, 2, 3][rng.int(0, 3)]!;
      const axis = () => ({ input: rng.int(1, rank === 3 ? 6 : 12), kernel: rng.int(1, 4), stride: rng.int(1, 3), dilation: rng.int(1, 2), padding: rng.int(0, 2) });
      const axes = Array.from({ length: rank }, axis);
      const spec: LayerSpec = {
        kind: 'conv', batch: [1, 2, 9][rng.int(0, 2)], inChannels: groups * rng.int(1, 5), outChannels: groups * rng.int(1, 6), groups,
        input: axes.map((a) => a.input), kernel: axes.map((a) => a.kernel), stride: axes.map((a) => a.stride),
        dilation: axes.map((a) => a.dilation), padding: axes.map((a) => a.padding), bias: rng.next() < 0.7,
      };
      let plan: Plan;
      try {
        plan = planLayer(spec);
      } catch {
        continue;
      }
      check(plan, rng, describe(spec));
      made++;
    }
  }
});

test('chosen shapes: tile remainders, k < s, k = s, k mod s ≠ 0, 1×1 inputs, holes, long K, prime sizes', () => {
  const rng = createRng(seed + 2);
  const cases: LayerSpec[] = [
    // M = 5, 7, 13 (remainders of the 4-row tile); prime positions (column remainders of 8).
    { kind: 'convTranspose', input: [13, 7], inChannels: 3, outChannels: 5, kernel: 3, stride: 2, padding: 1, outputPadding: 1 },
    { kind: 'convTranspose', input: [11], inChannels: 7, outChannels: 13, kernel: 5, stride: 3, padding: 2 },
    // k < s (empty phases are holes: bias only), k = s, k not divisible by s.
    { kind: 'convTranspose', input: [5, 6], inChannels: 4, outChannels: 3, kernel: 2, stride: 3 },
    { kind: 'convTranspose', input: [6, 5], inChannels: 4, outChannels: 6, kernel: [4, 2], stride: [4, 2] },
    { kind: 'convTranspose', input: [7, 7], inChannels: 2, outChannels: 3, kernel: 7, stride: 3, padding: 3, outputPadding: 2 },
    // gcd(d, s) > 1: whole phases without taps.
    { kind: 'convTranspose', input: [9, 4], inChannels: 3, outChannels: 2, kernel: 3, stride: 2, dilation: 2, outputPadding: 1 },
    // 1×1 input, batch ≥ 8 (batch-inner columns, one live tap per sliver), as in DCGAN's first layer.
    { kind: 'convTranspose', input: [1, 1], batch: 10, inChannels: 9, outChannels: 6, kernel: 4, stride: 1 },
    // Batch ≥ 8 with small phases and padding (batch-inner with partial taps at borders).
    { kind: 'convTranspose', input: [3, 5], batch: 11, inChannels: 5, outChannels: 7, kernel: 4, stride: 2, padding: 1 },
    // K = Cin·taps > 2048 (split into chunks, output accumulated), and Cin/groups > 2048 (one tap sliced).
    { kind: 'convTranspose', input: [3, 3], inChannels: 600, outChannels: 5, kernel: 4, stride: 2, padding: 1 },
    { kind: 'convTranspose', input: [5], inChannels: 2100, outChannels: 3, kernel: 1, stride: 1 },
    { kind: 'conv', input: [4, 4], inChannels: 300, outChannels: 6, kernel: 3, padding: 1 },
    // Depthwise and grouped 3D; wide depthwise phases (the 1×16 direct tile, overlapping last tile).
    { kind: 'convTranspose', input: [5, 41], inChannels: 3, outChannels: 3, groups: 3, kernel: 4, stride: 2, padding: 1 },
    { kind: 'convTranspose', input: [2, 2, 37], batch: 2, inChannels: 4, outChannels: 2, groups: 2, kernel: 3, stride: [1, 2, 1], padding: 1 },
    { kind: 'conv', input: [3, 29], inChannels: 4, outChannels: 4, groups: 4, kernel: 3, padding: 1, dilation: [1, 2] },
    { kind: 'convTranspose', input: [9, 10], inChannels: 6, outChannels: 6, groups: 6, kernel: 4, stride: 2, padding: 1 },
    { kind: 'convTranspose', input: [3, 4, 5], batch: 2, inChannels: 4, outChannels: 6, groups: 2, kernel: [2, 3, 2], stride: [2, 1, 3], dilation: [1, 2, 1], padding: [0, 1, 1] },
    // Negative crop: padEnd below zero beyond output padding (ONNX pads with output_padding).
    { kind: 'convTranspose', input: [4, 3], inChannels: 2, outChannels: 3, kernel: 3, stride: 2, pads: { begin: [0, 2], end: [1, 0] }, outputPadding: [1, 1] },
    // Strided conv with padding and dilation.
    { kind: 'conv', input: [17, 13], batch: 3, inChannels: 5, outChannels: 9, kernel: 3, stride: 2, dilation: 2, padding: 2, groups: 1 },
  ];
  for (const spec of cases) check(planLayer(spec), rng, describe(spec));
});

test('works through the engine API with backend "wasm", and on an empty batch', () => {
  const x = randomTensor([2, 4, 5, 5], 1);
  const w = randomTensor([4, 3, 3, 3], 2);
  const b = randomTensor([3], 3);
  const options = { stride: 2, padding: 1, outputPadding: 1 };
  const ref = convTranspose(x, w, b, { ...options, backend: 'reference' });
  const got = convTranspose(x, w, b, { ...options, backend: 'wasm', threads: 2 });
  assert.deepEqual(got.shape, ref.shape);
  assert.ok(relativeL2Error(got.data, ref.data) < 1e-5);
  const cw = randomTensor([3, 4, 3, 3], 4);
  const cref = conv(x, cw, b, { padding: 1, backend: 'reference' });
  assert.ok(relativeL2Error(conv(x, cw, b, { padding: 1, backend: 'wasm' }).data, cref.data) < 1e-5);
  const empty = convTranspose(randomTensor([0, 4, 5, 5], 1), w, b, { ...options, backend: 'wasm' });
  assert.deepEqual(empty.shape, [0, 3, 10, 10]);
});

test('layers with few outputs per phase and at least 8 output channels choose the channel-vectors layout; the zoo-like others do not', () => {
  const chosen = (spec: LayerSpec) => describeProblem(planLayer(spec), 1).layout;
  // pix2pix's 2×2 phases, unet3d's 4³ convs (27 taps of 8 and 16 channels).
  assert.equal(chosen({ kind: 'conv', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 32, outChannels: 32 }), 'channel-vectors');
  assert.equal(chosen({ kind: 'convTranspose', input: [2, 2], kernel: 4, stride: 2, padding: 1, inChannels: 32, outChannels: 32 }), 'channel-vectors');
  assert.equal(chosen({ kind: 'conv', input: [4, 4, 4], kernel: 3, padding: 1, inChannels: 8, outChannels: 16 }), 'channel-vectors');
  assert.equal(chosen({ kind: 'conv', input: [4, 4, 4], kernel: 3, padding: 1, inChannels: 16, outChannels: 16 }), 'channel-vectors');
  // Ran as fast or faster packed: DCGAN's 64→32 at 4×4 and 1×1 input, pix2pix's 16→32 at 8×8; fewer than 8 channels
  // fill no vectors.
  assert.equal(chosen({ kind: 'convTranspose', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 64, outChannels: 32 }), 'packed');
  assert.equal(chosen({ kind: 'convTranspose', input: [1, 1], kernel: 4, inChannels: 16, outChannels: 64 }), 'packed');
  assert.equal(chosen({ kind: 'conv', input: [8, 8], kernel: 4, stride: 2, padding: 1, inChannels: 16, outChannels: 32 }), 'packed');
  assert.equal(chosen({ kind: 'conv', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 16, outChannels: 4 }), 'packed');
  // Batch ≥ 8 with small phases stays batch-minor.
  assert.equal(chosen({ kind: 'conv', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 32, outChannels: 32, batch: 8 }), 'batch-minor');
});

test('convs whose kernel covers their input choose the dense layout (padded, dilated, grouped and transposed ones do not); it = reference and packed within 1e-5, the same bits at 1 and 2 threads', () => {
  const chosen = (spec: LayerSpec, force?: WasmLayout) => describeProblem(planLayer(spec), 1, force).layout;
  // ∂X of DCGAN's first layer; 1D and 3D; a 1×1 conv on a 1×1 input (a dense layer); stride is irrelevant.
  assert.equal(chosen({ kind: 'conv', input: [4, 4], kernel: 4, batch: 16, inChannels: 512, outChannels: 100 }), 'dense');
  assert.equal(chosen({ kind: 'conv', input: [5], kernel: 5, stride: 3, inChannels: 3, outChannels: 7 }), 'dense');
  assert.equal(chosen({ kind: 'conv', input: [2, 3, 2], kernel: [2, 3, 2], inChannels: 2, outChannels: 5 }), 'dense');
  assert.equal(chosen({ kind: 'conv', input: [1, 1], kernel: 1, inChannels: 6, outChannels: 2 }), 'dense');
  assert.equal(chosen({ kind: 'conv', input: [4, 4], kernel: 4, batch: 16, inChannels: 512, outChannels: 100 }, 'packed'), 'packed');
  assert.notEqual(chosen({ kind: 'conv', input: [4, 4], kernel: 4, padding: 1, inChannels: 8, outChannels: 8 }), 'dense');
  assert.notEqual(chosen({ kind: 'conv', input: [5, 5], kernel: 3, dilation: 2, inChannels: 8, outChannels: 8 }), 'dense');
  assert.notEqual(chosen({ kind: 'conv', input: [4, 4], kernel: 4, groups: 2, inChannels: 8, outChannels: 8 }), 'dense');
  assert.notEqual(chosen({ kind: 'convTranspose', input: [1, 1], kernel: 1, inChannels: 8, outChannels: 8 }), 'dense');
  assert.notEqual(chosen({ kind: 'conv', input: [4, 4], kernel: 3, inChannels: 8, outChannels: 8 }), 'dense');
  // Forcing dense where it does not fit leaves the layer its own choice.
  assert.equal(chosen({ kind: 'conv', input: [8, 8], kernel: 3, inChannels: 4, outChannels: 4 }, 'dense'), chosen({ kind: 'conv', input: [8, 8], kernel: 3, inChannels: 4, outChannels: 4 }));

  const rng = createRng(seed + 11);
  // K mod 4 = 0…3, Cout mod 4 = 0…3 (the last 4-channel block part empty), odd batches (the 1-image tile), images
  // split across tasks at 2 threads (few channel blocks), K past a cache's worth.
  const shapes: readonly LayerSpec[] = [
    { kind: 'conv', input: [4, 4], kernel: 4, batch: 5, inChannels: 33, outChannels: 7, bias: true },
    { kind: 'conv', input: [3], kernel: 3, batch: 1, inChannels: 1, outChannels: 1, bias: true },
    { kind: 'conv', input: [1, 1], kernel: 1, batch: 9, inChannels: 2, outChannels: 13, bias: false },
    { kind: 'conv', input: [3, 1, 2], kernel: [3, 1, 2], batch: 6, inChannels: 5, outChannels: 4, bias: true },
    { kind: 'conv', input: [4, 4], kernel: 4, stride: 2, batch: 16, inChannels: 300, outChannels: 6, bias: false },
  ];
  for (const spec of shapes) {
    const plan = planLayer(spec);
    check(plan, rng, describe(spec));
    const c = referenceCase(plan, rng);
    const run = (threads: number, layout?: WasmLayout) => {
      wasmTuning.layout = layout;
      const output = new Float32Array(c.expected.length).fill(Number.NaN);
      try {
        wasmBackend.conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
      } finally {
        wasmTuning.layout = undefined;
      }
      return output;
    };
    const one = run(1);
    assert.deepEqual(run(2), one, `${describe(spec)}: 2 threads`);
    assert.ok(relativeL2Error(run(1, 'packed'), one) < 1e-5, `${describe(spec)}: dense vs packed`);
  }
});

test('relu and leakyRelu applied as the tiles store = the same layout\'s plain call followed by the activation, bit for bit, in every layout', () => {
  const rng = createRng(seed + 7);
  // Small phases (channel-vectors' 4-position tiles and 8-channel blocks with remainders), wide rows (direct), batch 9.
  const shapes: readonly (LayerSpec & { stride: number; padding: number })[] = [
    { kind: 'conv', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 6, outChannels: 13 },
    { kind: 'convTranspose', input: [2, 3], kernel: 4, stride: 2, padding: 1, inChannels: 5, outChannels: 10 },
    { kind: 'conv', input: [3, 3, 3], kernel: 3, stride: 1, padding: 1, inChannels: 3, outChannels: 9 },
    { kind: 'conv', input: [5, 19], kernel: 3, stride: 1, padding: 1, inChannels: 4, outChannels: 7, batch: 9 },
    { kind: 'convTranspose', input: [1, 1], kernel: 4, stride: 1, padding: 0, inChannels: 7, outChannels: 16 },
    // One output per image (the dense layout), K mod 4 = 3, Cout mod 4 = 2, an odd batch.
    { kind: 'conv', input: [3, 3], kernel: 3, stride: 1, padding: 0, inChannels: 3, outChannels: 10, batch: 5 },
    // K = 2160 > one 2048-row chunk; the second row's panel has no taps in the last chunk (activation still applied).
    { kind: 'conv', input: [2, 8], kernel: 3, stride: 1, padding: 1, inChannels: 240, outChannels: 5 },
  ];
  const activations = [
    // biome-ignore lint/complexity/useMathMinMax: relu maps NaN to 0, Math.max does not
    { activation: { kind: 'relu' }, f: (v: number) => (v > 0 ? v : 0) },
    { activation: { kind: 'leakyRelu', alpha: 0.1 }, f: (v: number) => (v >= 0 ? v : 0.1 * v) },
  ] as const;
  for (const spec of shapes) {
    const plan = planLayer({ ...spec, bias: true });
    const x = randomTensor(plan.inputShape, rng.int(0, 1e9));
    const w = randomTensor(plan.weightShape, rng.int(0, 1e9));
    const b = randomTensor([plan.outChannels], rng.int(0, 1e9));
    const op = spec.kind === 'conv' ? conv : convTranspose;
    const options = { stride: spec.stride, padding: spec.padding, backend: 'wasm' as const };
    for (const layout of LAYOUTS) {
      wasmTuning.layout = layout;
      try {
        const plain = op(x, w, b, options);
        for (const { activation, f } of activations) {
          for (const threads of [1, 2]) {
            const y = op(x, w, b, { ...options, activation, threads });
            assert.deepEqual(y.data, Float32Array.from(plain.data, f), `${JSON.stringify(spec)}, ${layout} layout, ${activation.kind}, ${threads} thread(s)`);
          }
        }
      } finally {
        wasmTuning.layout = undefined;
      }
    }
  }
});

test('weights changed in place are packed again', () => {
  const x = randomTensor([1, 3, 6, 6], 1);
  const w = randomTensor([3, 2, 3, 3], 2);
  const before = convTranspose(x, w, null, { stride: 2, backend: 'wasm' });
  w.data.set(randomTensor([3, 2, 3, 3], 9).data);
  const ref = convTranspose(x, w, null, { stride: 2, backend: 'reference' });
  const after = convTranspose(x, w, null, { stride: 2, backend: 'wasm' });
  assert.ok(relativeL2Error(after.data, ref.data) < 1e-5);
  assert.ok(relativeL2Error(before.data, ref.data) > 1e-2);
});

test('a layer beyond the 4 GiB a wasm32 memory addresses is a TconvError before anything is allocated', () => {
  const plan = planLayer({
    kind: 'convTranspose', input: [256, 256, 128], inChannels: 16, outChannels: 16, kernel: 2, stride: 2,
    memoryLimitBytes: 64 * 1024 ** 3,
  });
  const tiny = new Float32Array(1);
  assert.throws(
    () => wasmBackend.convTranspose({ plan, input: tiny, weight: tiny, bias: null, output: tiny, threads: 1 }),
    (error: Error & { code?: string }) => error.code === 'memory-limit' && /over the 4 GiB a wasm32 memory can address/.test(error.message),
  );
});

test('a kernel trap on any thread surfaces as an error and leaves the pool usable', () => {
  const rt = getRuntime();
  if (!rt.pool?.ensure(2)) return; // no shared memory here: nothing to test
  const words = new Int32Array(rt.memory.buffer);
  const h = HEADER_PTR / 4;
  const tasks = rt.heap.alloc(64 * L.TASK_INTS * 4);
  words.fill(0, h, h + L.HEADER_INTS);
  // Tasks naming a combo far outside memory: every thread that takes one traps.
  words.fill(1 << 28, tasks / 4, tasks / 4 + 64 * L.TASK_INTS);
  words[h + L.H_TASKS] = tasks;
  words[h + L.H_TASK_COUNT] = 64;
  words[h + L.H_THREADS] = 2;
  words[h + L.H_COMBOS] = 1 << 16;
  assert.throws(() => rt.pool!.run(rt.work));
  rt.heap.release(tasks);
  const x = randomTensor([1, 8, 9, 9], 1);
  const w = randomTensor([8, 8, 3, 3], 2);
  const ref = convTranspose(x, w, null, { stride: 2, backend: 'reference' });
  assert.ok(relativeL2Error(convTranspose(x, w, null, { stride: 2, backend: 'wasm', threads: 2 }).data, ref.data) < 1e-5);
});
