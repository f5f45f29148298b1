/**
 * The wasm winograd layout (F(2×2, 3×3), kernels/wasm/winograd-task.ts): its transform matrices in float64, the
 * layout forced on odd shapes against the float64 reference (partial tiles, padding 0–2, batch > 1, 512 input
 * channels of mixed magnitudes), the same bits at 1 and 2 threads and over repeated calls, and the rule that chooses
 * it. Replay a random case with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { lastCall, wasmBackend, wasmTuning } from '../../src/engine/backends/wasm/index.ts';
import { describeProblem } from '../../src/engine/backends/wasm/problem.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import {
  transformKernel, transformSubKernel, winogradFits, winogradPays, winogradStridedFits, winogradStridedPays, winogradTasks, winogradWorkspaceBytes,
} from '../../src/engine/backends/wasm/winograd.ts';
import type { WasmLayout } from '../../src/engine/backends/wasm/problem.ts';
import { threadChoiceTuning } from '../../src/engine/thread-choice.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, referenceCase } from '../helpers/reference-case.ts';
import { referenceBackend } from '../../src/engine/backends/reference.ts';
import { conv, prepareWeights } from '../../src/engine/index.ts';
import { randomTensor } from '../../src/tensor/random.ts';

const seed = runSeed();
wasmTuning.minFlopsPerThread = 0;
threadChoiceTuning.mode = 'requested';
after(() => {
  wasmTuning.layout = undefined;
  return getRuntime().pool?.close();
});

/** Bᵀ and Aᵀ of F(2×2, 3×3) (points 0, 1, −1, ∞), written out here; G is the code's (transformKernel). */
const BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
const AT = [[1, 1, 1, 0], [0, 1, -1, -1]];
/** Aᵀ of F(3×3, 2×2), which shares BT (its G, transformSubKernel, has the last row negated to match). */
const AT3 = [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]];

test('F(2×2, 3×3) in float64: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the 3×3 correlation of the 4×4 tile', () => {
  const rng = createRng(seed);
  for (let trial = 0; trial < 100; trial++) {
    const d = Array.from({ length: 16 }, () => rng.uniform(-1, 1));
    const g = Float32Array.from({ length: 9 }, () => rng.uniform(-1, 1));
    const u = new Float64Array(16);
    transformKernel(g, 0, u);
    // V = Bᵀ d B, then M = U ⊙ V, then Y = Aᵀ M A.
    const v = (i: number, j: number) => {
      let sum = 0;
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) sum += BT[i]![a]! * d[4 * a + b]! * BT[j]![b]!;
      return sum;
    };
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 2; x++) {
        let wino = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) wino += AT[y]![i]! * u[4 * i + j]! * v(i, j) * AT[x]![j]!;
        let direct = 0;
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) direct += d[4 * (y + ky) + x + kx]! * g[3 * ky + kx]!;
        assert.ok(Math.abs(wino - direct) < 1e-12, `trial ${trial}, output (${y}, ${x}): ${wino} against ${direct}`);
      }
    }
  }
});

test('F(3×3, 2×2) in float64: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the 2×2 correlation of the 4×4 tile', () => {
  const rng = createRng(seed + 5);
  for (let trial = 0; trial < 100; trial++) {
    const d = Array.from({ length: 16 }, () => rng.uniform(-1, 1));
    const g = Array.from({ length: 4 }, () => rng.uniform(-1, 1));
    const u = new Float64Array(16);
    transformSubKernel(g[0]!, g[1]!, g[2]!, g[3]!, u);
    const v = (i: number, j: number) => {
      let sum = 0;
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) sum += BT[i]![a]! * d[4 * a + b]! * BT[j]![b]!;
      return sum;
    };
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 3; x++) {
        let wino = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) wino += AT3[y]![i]! * u[4 * i + j]! * v(i, j) * AT3[x]![j]!;
        let direct = 0;
        for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) direct += d[4 * (y + ky) + x + kx]! * g[2 * ky + kx]!;
        assert.ok(Math.abs(wino - direct) < 1e-12, `trial ${trial}, output (${y}, ${x}): ${wino} against ${direct}`);
      }
    }
  }
});

/** The layout forced: every case must reach it (winogradFits), then match the reference at 1 and 2 threads, same bits. */
function checkForced(spec: LayerSpec, rng: ReturnType<typeof createRng>, scale?: (i: number) => number): void {
  const plan = planLayer(spec);
  const transposed = plan.kind === 'convTranspose';
  const layout: WasmLayout = transposed ? 'winograd-transposed' : winogradStridedFits(plan) ? 'winograd-strided' : 'winograd';
  assert.ok(transposed || winogradFits(plan) || winogradStridedFits(plan), `${JSON.stringify(spec)} fits a winograd layout`);
  wasmTuning.layout = layout;
  try {
    assert.equal(describeProblem(plan, 2, layout).layout, layout);
    const c = referenceCase(plan, rng);
    if (scale) {
      for (let i = 0; i < c.input.length; i++) c.input[i] = c.input[i]! * scale(i);
      referenceBackend[plan.kind === 'convTranspose' ? 'convTranspose' : 'conv']({ plan, input: c.input, weight: c.weight, bias: c.bias, output: c.expected });
    }
    const outputs: Float32Array[] = [];
    for (const threads of [1, 2, 2]) {
      expectMatchesReference(wasmBackend, c, threads, `${layout}, ${threads} thread(s), ${JSON.stringify(spec)} (TCONV_SEED=${seed})`);
      const output = new Float32Array(c.expected.length);
      wasmBackend[transposed ? 'convTranspose' : 'conv']({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
      outputs.push(output);
    }
    assert.equal(lastCall.layout, layout, 'the call reports the layout it ran');
    assert.deepEqual(outputs[1], outputs[0], `${JSON.stringify(spec)}: 2 threads give the bits of 1`);
    assert.deepEqual(outputs[2], outputs[0], `${JSON.stringify(spec)}: a repeated call gives the same bits`);
  } finally {
    wasmTuning.layout = undefined;
  }
}

test('forced on random stride-1 3×3 convs (odd sizes, partial tiles, padding 0–2, batch up to 3, 1–40 channels) = reference', () => {
  const rng = createRng(seed + 1);
  for (let c = 0; c < 24; c++) {
    const padding = [rng.int(0, 2), rng.int(0, 2)];
    const spec: LayerSpec = {
      kind: 'conv', input: [rng.int(Math.max(1, 3 - 2 * padding[0]!), 21), rng.int(Math.max(1, 3 - 2 * padding[1]!), 21)], kernel: 3, padding,
      batch: rng.int(1, 3), inChannels: rng.int(1, 40), outChannels: rng.int(1, 40), bias: rng.next() < 0.7,
    };
    checkForced(spec, rng);
  }
});

test('winograd-strided forced on random k4 s2 convs (odd sizes, partial 3×3 tiles, padding 0–3, batch up to 3, 1–40 channels) = reference', () => {
  const rng = createRng(seed + 6);
  for (let c = 0; c < 24; c++) {
    const padding = [rng.int(0, 3), rng.int(0, 3)];
    const spec: LayerSpec = {
      kind: 'conv', input: [rng.int(Math.max(1, 4 - 2 * padding[0]!), 30), rng.int(Math.max(1, 4 - 2 * padding[1]!), 30)], kernel: 4, stride: 2,
      padding, batch: rng.int(1, 3), inChannels: rng.int(1, 40), outChannels: rng.int(1, 40), bias: rng.next() < 0.7,
    };
    checkForced(spec, rng);
  }
});

test('winograd-transposed forced on random k4 s2 transposed convs (odd sizes, padding 0–3, output padding, batch up to 3, 1–40 channels) = reference', () => {
  const rng = createRng(seed + 8);
  for (let c = 0; c < 24; c++) {
    const padding = [rng.int(0, 3), rng.int(0, 3)];
    const outputPadding = [rng.int(0, 1), rng.int(0, 1)];
    // Output 2·input + 2 − 2·padding + outputPadding: at least 2 from an input of `padding`.
    const input = [rng.int(Math.max(1, padding[0]!), 17), rng.int(Math.max(1, padding[1]!), 17)];
    const spec: LayerSpec = {
      kind: 'convTranspose', input, kernel: 4, stride: 2, padding, outputPadding, batch: rng.int(1, 3),
      inChannels: rng.int(1, 40), outChannels: rng.int(1, 40), bias: rng.next() < 0.7,
    };
    checkForced(spec, rng);
  }
  // 512 input channels of mixed magnitudes (K = Cin per phase).
  checkForced({ kind: 'convTranspose', input: [7, 9], kernel: 4, stride: 2, padding: 1, inChannels: 512, outChannels: 12, bias: true }, rng,
    (i) => 10 ** ((Math.floor(i / 63) % 7) - 3));
});

test('the tasks read the input in place: windows at every edge, paddings wider than the input (zeros, never neighbours)', () => {
  const rng = createRng(seed + 7);
  // F(2×2, 3×3): four tiles side by side read 10 columns — in place when inside (width 10, padding 0), through masks
  // near an edge (padding 1–2, widths 7–13), value by value when more than 16 columns outside (padding 18).
  for (const spec of [
    { input: [6, 10], padding: 0 }, { input: [5, 7], padding: 1 }, { input: [7, 9], padding: [2, 1] }, { input: [4, 13], padding: [0, 2] },
    { input: [3, 5], padding: [18, 17], batch: 2 }, { input: [2, 2], padding: 20 },
  ]) checkForced({ kind: 'conv', kernel: 3, inChannels: rng.int(1, 12), outChannels: rng.int(1, 12), bias: true, ...spec }, rng);
  // F(3×3, 2×2) over the 4 phases: 8×8 input windows inside, at the edges and past them.
  for (const spec of [
    { input: [14, 14], padding: 1 }, { input: [9, 11], padding: [3, 0], batch: 2 }, { input: [3, 4], padding: [9, 12] },
  ]) checkForced({ kind: 'conv', kernel: 4, stride: 2, inChannels: rng.int(1, 12), outChannels: rng.int(1, 12), bias: true, ...spec }, rng);
});

test('forced with 512 input channels and inputs of mixed magnitudes (1e-3 to 1e3 by channel): relative L2 < 1e-5', () => {
  const rng = createRng(seed + 2);
  const spec: LayerSpec = { kind: 'conv', input: [9, 10], kernel: 3, padding: 1, inChannels: 512, outChannels: 20, bias: true };
  const plane = 9 * 10;
  checkForced(spec, rng, (i) => 10 ** ((Math.floor(i / plane) % 7) - 3));
  checkForced({ ...spec, input: [16, 16], inChannels: 64, outChannels: 64, batch: 2 }, rng, (i) => (i % 3 === 0 ? 1e3 : i % 3 === 1 ? 1 : 1e-3));
  // winograd-strided: K = 4·512 phase channels.
  checkForced({ ...spec, input: [17, 20], kernel: 4, stride: 2 }, rng, (i) => 10 ** ((Math.floor(i / (17 * 20)) % 7) - 3));
});

test('the rule: stride-1 3×3 2D convs with enough channels in and out choose winograd; the others keep their layouts', () => {
  const chosen = (spec: LayerSpec) => describeProblem(planLayer(spec), 1).layout;
  const base = { kind: 'conv', kernel: 3, padding: 1 } as const;
  assert.equal(chosen({ ...base, input: [8, 8], inChannels: 32, outChannels: 32 }), 'winograd');
  assert.equal(chosen({ ...base, input: [32, 32], inChannels: 16, outChannels: 32, batch: 2 }), 'winograd');
  assert.equal(chosen({ ...base, input: [16, 16], inChannels: 8, outChannels: 16 }), 'winograd');
  assert.equal(chosen({ ...base, input: [16, 16], inChannels: 24, outChannels: 8 }), 'winograd');
  assert.equal(chosen({ ...base, input: [64, 64], inChannels: 8, outChannels: 8 }), 'direct');
  assert.equal(chosen({ ...base, input: [16, 16], inChannels: 4, outChannels: 32 }), 'direct');
  assert.equal(chosen({ ...base, input: [6, 6], inChannels: 32, outChannels: 32 }), 'packed');
  assert.equal(chosen({ ...base, input: [64, 64], inChannels: 64, outChannels: 3 }), 'direct');
  for (const other of [
    { ...base, input: [16, 16], inChannels: 32, outChannels: 32, stride: 2 },
    { ...base, input: [16, 16], inChannels: 32, outChannels: 32, dilation: 2 },
    { ...base, input: [16, 16], inChannels: 32, outChannels: 32, groups: 2 },
    { ...base, input: [8, 8, 8], inChannels: 32, outChannels: 32 },
    { ...base, input: [64], inChannels: 32, outChannels: 32 },
    { kind: 'convTranspose', input: [16, 16], kernel: 3, padding: 1, inChannels: 32, outChannels: 32 },
  ] as const) assert.notEqual(chosen(other), 'winograd', JSON.stringify(other));
  // winograd-strided: the suite's ∂X of dcgan-3 and superres, not dcgan-2's (4×4 outputs in 3×3 tiles) nor pix2pix's encoder.
  const k4s2 = { kind: 'conv', kernel: 4, stride: 2, padding: 1 } as const;
  assert.equal(chosen({ ...k4s2, input: [16, 16], inChannels: 128, outChannels: 256, batch: 16 }), 'winograd-strided');
  assert.equal(chosen({ ...k4s2, input: [256, 256], inChannels: 64, outChannels: 64 }), 'winograd-strided');
  assert.notEqual(chosen({ ...k4s2, input: [8, 8], inChannels: 256, outChannels: 512, batch: 16 }), 'winograd-strided');
  assert.notEqual(chosen({ ...k4s2, input: [16, 16], inChannels: 8, outChannels: 16 }), 'winograd-strided');
  // winograd-transposed: superres and dcgan-3 forward, not dcgan-4 (16×16 phases in 3×3 tiles, 128 channels in),
  // dcgan-2 (4×4 phases), dcgan-5 (3 out) nor the zoo's small decoders; backend-spec's shapes (phases filling the tiles).
  const up = { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 } as const;
  assert.equal(chosen({ ...up, input: [128, 128], inChannels: 64, outChannels: 64 }), 'winograd-transposed');
  assert.equal(chosen({ ...up, input: [8, 8], inChannels: 256, outChannels: 128, batch: 16 }), 'winograd-transposed');
  assert.notEqual(chosen({ ...up, input: [16, 16], inChannels: 128, outChannels: 64, batch: 16 }), 'winograd-transposed');
  assert.notEqual(chosen({ ...up, input: [4, 4], inChannels: 512, outChannels: 256, batch: 16 }), 'winograd-transposed');
  assert.notEqual(chosen({ ...up, input: [32, 32], inChannels: 64, outChannels: 3, batch: 16 }), 'winograd-transposed');
  assert.notEqual(chosen({ ...up, input: [8, 8], inChannels: 32, outChannels: 16 }), 'winograd-transposed');
  for (const padding of [0, 1, 2, 3]) {
    for (const j of [3, 6]) {
      for (const cin of [64, 72]) {
        assert.equal(chosen({ ...up, padding, input: [3 * j - 1 + padding, 3 * 4 - 1 + padding], inChannels: cin, outChannels: 32 }), 'winograd-transposed', `padding ${padding}, j ${j}`);
      }
    }
  }
  assert.equal(winogradStridedPays(planLayer({ ...k4s2, input: [16, 16], inChannels: 128, outChannels: 256, groups: 2 })), false);
  // Forced where it cannot apply: the layer's own choice instead.
  const strided = planLayer({ ...base, input: [16, 16], inChannels: 32, outChannels: 32, stride: 2 });
  assert.equal(winogradPays(strided), false);
  assert.equal(describeProblem(strided, 1, 'winograd').layout, describeProblem(strided, 1).layout);
  const square = planLayer({ ...base, input: [16, 16], inChannels: 32, outChannels: 32 });
  assert.equal(describeProblem(square, 1, 'winograd-strided').layout, 'winograd');
});

test('tasks cover every tile and row block once; the workspace stays bounded (transformed input ≤ 32 KiB, or one 8-tile panel, from 16 to 2048 channels)', () => {
  for (const [cin, cout, size, batch, threads, kernel] of [[16, 16, 8, 1, 1, 3], [32, 48, 15, 3, 2, 3], [512, 20, 9, 1, 2, 3], [2048, 8, 4, 1, 2, 3], [128, 40, 17, 2, 2, 4]] as const) {
    const stride = kernel === 4 ? 2 : 1;
    const plan = planLayer({ kind: 'conv', input: [size, size], kernel, stride, padding: 1, inChannels: cin, outChannels: cout, batch });
    const { tasks, tilesPerTask } = winogradTasks(plan, threads);
    const step = kernel === 4 ? 3 : 2;
    const tiles = batch * Math.ceil(plan.axes[0]!.output / step) ** 2;
    const k = kernel === 4 ? 4 * cin : cin;
    const blocks = Math.ceil(cout / 4);
    const covered = new Int32Array(tiles * blocks);
    for (let t = 0; t < tasks.length; t += 8) {
      assert.ok(tasks[t + 3]! - tasks[t + 2]! <= tilesPerTask);
      for (let tile = tasks[t + 2]!; tile < tasks[t + 3]!; tile++) for (let b = tasks[t + 4]!; b < tasks[t + 5]!; b++) covered[tile * blocks + b]!++;
    }
    assert.ok(covered.every((n) => n === 1), `cin ${cin}, cout ${cout}, ${size}², batch ${batch}, ${threads} thread(s)`);
    if (threads > 1) assert.ok(tasks.length / 8 >= Math.min(2 * threads, Math.ceil(tiles / 8) * blocks), `${tasks.length / 8} tasks for ${threads} threads`);
    // V = 16 · Cin · tiles floats: at most 32 KiB, or one panel of 8 tiles where Cin alone exceeds that.
    const v = 64 * k * tilesPerTask;
    assert.ok(v <= Math.max(32 * 1024, 64 * k * 8), `K ${k}: ${v} bytes of transformed input`);
    assert.ok(winogradWorkspaceBytes(k, cout, tilesPerTask) >= v + 64 * Math.ceil(cout / 4) * 4 * tilesPerTask, 'the workspace holds the transformed input and the GEMM outputs');
  }
});

test('prepared weights (their transform packed once, kept) give the bits of plain ones, call after call', () => {
  const seed4 = seed + 4;
  const x = randomTensor([2, 24, 12, 11], seed4);
  const w = randomTensor([20, 24, 3, 3], seed4 + 1);
  const b = randomTensor([20], seed4 + 2);
  const options = { padding: 1, backend: 'wasm', threads: 1 } as const;
  const plain = conv(x, w, b, options);
  const prepared = prepareWeights(w);
  try {
    for (let call = 0; call < 3; call++) assert.deepEqual(conv(x, prepared, b, options).data, plain.data, `call ${call}`);
  } finally {
    prepared.dispose();
  }
});
