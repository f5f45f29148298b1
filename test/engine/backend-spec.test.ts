/**
 * One spec for every backend the engine knows (BACKEND_NAMES), each test skipped with the backend's own reason when
 * it cannot run here — never left out silently. Per backend: the committed PyTorch golden vectors (both ops; the
 * reference is checked against them too), fresh random transposed and ordinary convolutions against the float64
 * reference (every parameter, odd sizes, 1D/2D/3D, bias or none, 1 and 2 threads, NaN-poisoned outputs so an
 * unwritten element fails), and batch 0. Backend-specific variants (native kernel sets and layouts, wasm layouts
 * and tiles) have their own tests in test/native and test/wasm. Replay a random case with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendName } from '../../src/engine/backend.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import {
  type Activation, BACKEND_NAMES, type EngineLayerOptions, type Tensor, closeEnough, conv, convTranspose, getBackend, listBackends,
  prepareWeights, relativeL2Error, tensor,
} from '../../src/engine/index.ts';
import { elementwiseKernels } from '../../src/engine/select.ts';
import type { LayerSpec } from '../../src/shape/params.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { vectorCases, vectorFiles, runVector } from '../helpers/pytorch-vectors.ts';
import { layerOptions, planOf, randomConvSpec, randomDepthwiseConvSpec, randomLayer, randomStridedConvSpec, runSeed } from '../helpers/random-layer.ts';
import { type ReferenceCase, expectMatchesReference, referenceCase } from '../helpers/reference-case.ts';

after(() => getRuntime().pool?.close());

const goldenCases = () => vectorFiles().flatMap(vectorCases).filter((c) => c.expect !== 'failure');

/** The activations' definition, written out here independently of src/engine/ops/activation.ts. */
const ACTIVATIONS: readonly { activation: Activation; f: (v: number) => number }[] = [
  // biome-ignore lint/complexity/useMathMinMax: NaN maps to 0 (as the ONNX executor's Relu); Math.max keeps it
  { activation: { kind: 'relu' }, f: (v) => (v > 0 ? v : 0) },
  { activation: { kind: 'leakyRelu', alpha: 0.2 }, f: (v) => (v >= 0 ? v : 0.2 * v) },
  { activation: { kind: 'leakyRelu', alpha: -1.5 }, f: (v) => (v >= 0 ? v : -1.5 * v) },
];

/**
 * A layer on backend `name`: = reference at 1 and 2 threads, the same bits at both, and each of ACTIVATIONS fused on
 * prepared weights (at `fusedThreads`) = the plain result followed by the activation, bit for bit.
 */
function expectThreadsAndFusedActivations(name: BackendName, spec: LayerSpec, problem: ReferenceCase, layer: EngineLayerOptions, fusedThreads: number, label: string): void {
  for (const threads of [1, 2]) expectMatchesReference(getBackend(name), problem, threads, `${label}, ${threads} thread(s)`);
  const op = spec.kind === 'conv' ? conv : convTranspose;
  const x = tensor(problem.plan.inputShape, problem.input);
  const w = tensor(problem.plan.weightShape, problem.weight);
  const b = problem.bias ? tensor([problem.plan.outChannels], problem.bias) : null;
  const plain = op(x, w, b, { ...layer, backend: name, threads: 1 });
  assert.deepEqual(op(x, w, b, { ...layer, backend: name, threads: 2 }).data, plain.data, `${label}: 2 threads`);
  const prepared = prepareWeights(w);
  try {
    for (const { activation, f } of ACTIVATIONS) {
      const y = op(x, prepared, b, { ...layer, backend: name, threads: fusedThreads, activation });
      assert.deepEqual(y.data, Float32Array.from(plain.data, f), `${label}, ${JSON.stringify(activation)}`);
    }
  } finally {
    prepared.dispose();
  }
}

/** The smooth activations in float64 (Math's), which the backends' float32 kernels approach within a few ulp. */
const SMOOTH: readonly [Activation, (v: number) => number][] = [
  [{ kind: 'tanh' }, Math.tanh],
  [{ kind: 'sigmoid' }, (v) => 1 / (1 + Math.exp(-v))],
  [{ kind: 'silu' }, (v) => v / (1 + Math.exp(-v))],
];

/** Layers whose phases have few outputs or 27 taps, with 8 or more output channels per group (M remainders 13, 9, 12). */
const FEW_OUTPUTS_MANY_CHANNELS: readonly LayerSpec[] = [
  { kind: 'conv', input: [4, 4], kernel: 4, stride: 2, padding: 1, inChannels: 16, outChannels: 13, bias: true },
  { kind: 'convTranspose', input: [2, 3], kernel: 4, stride: 2, padding: 1, inChannels: 12, outChannels: 9, bias: true },
  { kind: 'conv', input: [4, 4, 3], kernel: 3, padding: 1, inChannels: 6, outChannels: 16, bias: false, batch: 2 },
  { kind: 'convTranspose', input: [1, 2], kernel: 4, stride: 3, inChannels: 16, outChannels: 24, bias: true },
  { kind: 'conv', input: [3, 5], kernel: 3, stride: 2, padding: 1, dilation: 2, inChannels: 8, outChannels: 24, groups: 2, bias: true },
];

/** The spacing of float32 values at |v| (the smallest subnormal's at 0). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** A random layer of either op with its engine options and tensors; every 6th input holds a NaN. */
function randomCall(rng: ReturnType<typeof createRng>, c: number) {
  const rank = ([1, 2, 3] as const)[c % 3]!;
  const transposed = c % 2 === 0;
  let plan: ReturnType<typeof planLayer>;
  let options: EngineLayerOptions;
  if (transposed) {
    const layer = randomLayer(rng, rank);
    plan = planOf(layer, { bias: rng.next() < 0.5 });
    options = layerOptions(layer);
  } else {
    const spec = randomConvSpec(rng, rank);
    plan = planLayer(spec);
    options = { stride: spec.stride, dilation: spec.dilation, pads: spec.pads, groups: spec.groups };
  }
  const seed = rng.int(0, 1e9);
  const x = randomTensor(plan.inputShape, seed);
  if (c % 6 === 1) x.data[0] = Number.NaN;
  const w = randomTensor(plan.weightShape, seed + 1);
  const b = plan.bias ? randomTensor([plan.outChannels], seed + 2) : null;
  return { op: transposed ? convTranspose : conv, options, x, w, b };
}

const statuses = new Map(listBackends().map((s) => [s.name, s]));
const skipFor = (name: BackendName): string | false => {
  const status = statuses.get(name);
  return status?.available ? false : `${name} backend unavailable here: ${status?.reason ?? 'not registered'}`;
};

for (const name of BACKEND_NAMES) {
  const skip = skipFor(name);

  test(`${name}: the PyTorch golden vectors (transposed and ordinary, 1D/2D/3D)`, { skip }, () => {
    const cases = goldenCases();
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const y = runVector(c, name);
      assert.deepEqual(y.shape, c.outputs!.Y.shape, `${name}, ${c.name}: output shape`);
      assert.ok(closeEnough(y.data, c.outputs!.Y.data), `${name}, ${c.name}: relative L2 ${relativeL2Error(y.data, c.outputs!.Y.data)}`);
    }
  });

  // The reference is the oracle of the random cases (comparing it with itself would assert nothing); its own check
  // is the golden vectors above and the external suites.
  if (name !== 'reference') {
  test(`${name}: random transposed convolutions = reference (fresh seed, every parameter, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 45; c++) {
      const layer = randomLayer(rng, ([1, 2, 3] as const)[c % 3]!);
      const plan = planOf(layer, { bias: rng.next() < 0.5 });
      const problem = referenceCase(plan, rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(layer)}`);
    }
  });

  test(`${name}: random ordinary convolutions = reference (fresh seed, every parameter, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 45; c++) {
      const spec = randomConvSpec(rng, ([1, 2, 3] as const)[c % 3]!);
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`);
    }
  });

  // ∂X of a strided transposed conv, at sizes the small random convs above rarely reach: W rows past two 16-lane
  // vectors and reductions past one tap chunk (native: the layouts reading an input split into its W phases).
  test(`${name}: random W-strided convolutions with wide rows and long reductions = reference (fresh seed, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 24; c++) {
      const spec = randomStridedConvSpec(rng, ([1, 2, 3] as const)[c % 3]!);
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`);
    }
  });

  // The zoo's narrow stride-1 "same" convs (8×8 latents, 1×1 projections, a plane that ends inside a vector): native's
  // direct layout reads them with vectors that span rows, which the random convs above reach only by chance.
  test(`${name}: narrow stride-1 "same" convolutions (8×8 planes and smaller) = reference (1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    const specs: LayerSpec[] = [
      { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 32, outChannels: 32 },
      { kind: 'conv', input: [8, 8], kernel: 3, padding: 1, inChannels: 16, outChannels: 16, batch: 2 },
      { kind: 'conv', input: [8, 8], kernel: 1, inChannels: 32, outChannels: 16 },
      { kind: 'conv', input: [7, 5], kernel: 3, padding: 1, inChannels: 4, outChannels: 13 },
      { kind: 'conv', input: [4, 6, 6], kernel: 3, padding: 1, inChannels: 3, outChannels: 8 },
    ];
    for (const spec of specs) {
      const problem = referenceCase(planLayer({ ...spec, bias: true }), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}): ${JSON.stringify(spec)}`);
    }
  });

  // Few input channels and many output channels (∂X of dcgan-5: 3 → 64, k4 s2): native's channel-vector layout,
  // which the random convs above reach only by chance. Odd sizes, padding past both ends, batch, 1–4 channels in,
  // 16–48 out (a remainder 8-channel block when not a multiple of 16); the same bits at 1 and 2 threads.
  test(`${name}: convs with 1–4 input and 16+ output channels = reference, same bits at 1 and 2 threads (fresh seed)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    for (let c = 0; c < 8; c++) {
      const strided = c % 2 === 0;
      const kernel = strided ? 4 : rng.int(1, 5);
      const padding = rng.int(0, kernel);
      const spec: LayerSpec = {
        kind: 'conv', input: [rng.int(Math.max(1, kernel - 2 * padding), 23), rng.int(Math.max(1, kernel - 2 * padding), 23)], kernel,
        stride: strided ? 2 : 1, padding, batch: rng.int(1, 3), inChannels: rng.int(1, 4), outChannels: 8 * rng.int(2, 6), bias: rng.next() < 0.5,
      };
      const label: string = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(getBackend(name), problem, threads, `${label}, ${threads} thread(s)`);
      const x = tensor(problem.plan.inputShape, problem.input);
      const w = tensor(problem.plan.weightShape, problem.weight);
      const b = problem.bias ? tensor([problem.plan.outChannels], problem.bias) : null;
      const stride = spec.stride as number;
      const one = conv(x, w, b, { padding, stride, backend: name, threads: 1 });
      assert.deepEqual(conv(x, w, b, { padding, stride, backend: name, threads: 2 }).data, one.data, `${label}: 2 threads`);
    }
  });

  // Few outputs per phase or many taps, and 8 or more output channels (pix2pix's 2×2 phases, unet3d's 4³ convs):
  // wasm's channel-vectors layout, which the small random layers above never reach (M < 8).
  test(`${name}: layers with few outputs per phase and many output channels = reference (1 and 2 threads)`, { skip }, () => {
    const rng = createRng(runSeed());
    const backend = getBackend(name);
    for (const spec of FEW_OUTPUTS_MANY_CHANNELS) {
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s): ${JSON.stringify(spec)}`);
    }
  });

  // Convs whose kernel covers the input, no padding: one output per image, a dense layer (∂X of a transposed conv on
  // a 1×1 input: DCGAN's first layer), wasm's `dense` layout (chosen by that rule; its own summation order). 1D/2D/3D,
  // K = Cin·taps of every remainder mod 4, odd Cout, batch 1 and 5 (and others), stride (irrelevant), bias or none;
  // the same bits at 1 and 2 threads; relu and leakyRelu fused = the plain result then the activation.
  test(`${name}: convs whose kernel covers their input (one output per image) = reference, same bits at 1 and 2 threads, fused activations (fresh seed)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    for (let c = 0; c < 10; c++) {
      const rank = ([1, 2, 3] as const)[c % 3]!;
      const input = Array.from({ length: rank }, () => rng.int(1, rank === 3 ? 3 : 5));
      const stride = rng.int(1, 2);
      const spec: LayerSpec = {
        kind: 'conv', input, kernel: input, stride, batch: c < 2 ? [1, 5][c]! : rng.int(1, 9), inChannels: rng.int(1, 40),
        outChannels: 2 * rng.int(0, 9) + 1, bias: rng.next() < 0.6,
      };
      const label: string = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      expectThreadsAndFusedActivations(name, spec, referenceCase(planLayer(spec), rng), { stride }, 1 + (c % 2), label);
    }
  });

  // Stride-1 3×3 convs of 16 or more channels in and out and k4 s2 convs of 32 or more: the Winograd layouts'
  // F(2×2, 3×3) and F(3×3, 2×2) (wasm's `winograd`, `winograd-strided`), which the small random convs above rarely reach. Odd sizes (partial 2×2 tiles), padding 0–2, batch up to 3, bias
  // or none; the same bits at 1 and 2 threads; relu and leakyRelu fused = the plain result then the activation.
  test(`${name}: stride-1 3×3 convs of 16+ channels and k4 s2 convs of 32+ = reference, same bits at 1 and 2 threads, fused activations = plain then activation (fresh seed)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    for (let c = 0; c < 12; c++) {
      // Every third a k4 s2 conv (∂X of a k4 s2 transposed conv: wasm's `winograd-strided`, F(3×3, 2×2)).
      const strided = c % 3 === 2;
      const padding = rng.int(0, strided ? 3 : 2);
      const kernel = strided ? 4 : 3;
      const spec: LayerSpec = {
        kind: 'conv', input: [rng.int(Math.max(1, kernel - 2 * padding), 19), rng.int(Math.max(1, kernel - 2 * padding), 19)], kernel, stride: strided ? 2 : 1,
        padding, batch: rng.int(1, 3), inChannels: rng.int(strided ? 32 : 16, 40), outChannels: rng.int(strided ? 32 : 16, 40), bias: rng.next() < 0.7,
      };
      const label: string = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      expectThreadsAndFusedActivations(name, spec, referenceCase(planLayer(spec), rng), { padding, stride: spec.stride as number }, 1 + (c % 2), label);
    }
  });

  // Convs big enough for native's Winograd rule (kernels/native/src/winograd.cc: 3×3 stride 1 with 64+ channels in
  // and out; 4×4 stride 2 with 64+ in and out, ∂X of a k4 s2 transposed conv; 64+ tiles), which the small random
  // convs above never reach: fresh sizes (odd, partial tiles at both edges), batch, padding 0/1/2, bias, and a fused
  // leaky ReLU = the plain result followed by it, bit for bit.
  test(`${name}: random convolutions in the Winograd layouts' range = reference, fused activation bit for bit (fresh seed, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 4; c++) {
      const split = c % 2 === 1;
      const size = (from: number, span: number) => from + Math.floor(rng.next() * span);
      const padding = Math.floor(rng.next() * 3);
      const spec: LayerSpec = {
        kind: 'conv', kernel: split ? 4 : 3, stride: split ? 2 : 1, padding, bias: c < 2, batch: 1 + (c >> 1),
        input: split ? [size(52, 12), size(52, 12)] : [size(18, 8), size(18, 8)], inChannels: 64 + size(0, 9), outChannels: 64 + size(0, 7),
      };
      const where: string = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${where}, ${threads} thread(s)`);
      const x = tensor(problem.plan.inputShape, problem.input);
      const w = tensor(problem.plan.weightShape, problem.weight);
      const b = problem.bias ? tensor([problem.plan.outChannels], problem.bias) : undefined;
      const options: EngineLayerOptions = { stride: spec.stride, padding, backend: name, threads: 2 };
      const plain = conv(x, w, b, options);
      const fused = conv(x, w, b, { ...options, activation: { kind: 'leakyRelu', alpha: 0.2 } });
      assert.deepEqual(fused.data, Float32Array.from(plain.data, (v) => (v >= 0 ? v : 0.2 * v)), `${where}: fused leaky ReLU`);
    }
  });

  // k4 s2 transposed convs of 64+ input and 32+ output channels whose output phases fill 3×3 tiles (in + 1 − padding a
  // multiple of 3): wasm's `winograd-transposed` (F(3×3, 2×2) per output phase; test/wasm/winograd.test.ts checks these
  // shapes choose it). Odd and even sizes, padding 0–3, batch up to 3, bias or none; the same bits at 1 and 2 threads;
  // relu and leakyRelu fused = the plain result then the activation.
  test(`${name}: k4 s2 transposed convs of 64+ channels in = reference, same bits at 1 and 2 threads, fused activations (fresh seed)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    for (let c = 0; c < 6; c++) {
      const padding = rng.int(0, 3);
      const outputPadding = 0;
      const spec: LayerSpec = {
        kind: 'convTranspose', input: [3 * rng.int(3, 6) - 1 + padding, 3 * rng.int(3, 6) - 1 + padding], kernel: 4, stride: 2, padding, outputPadding,
        batch: rng.int(1, 3), inChannels: rng.int(64, 72), outChannels: rng.int(32, 40), bias: rng.next() < 0.7,
      };
      const label: string = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
      expectThreadsAndFusedActivations(name, spec, referenceCase(planLayer(spec), rng), { padding, outputPadding, stride: 2 }, 1 + (c % 2), label);
    }
  });

  // ∂X of a depthwise transposed conv: rare among the random convs above, and a path of its own on native.
  test(`${name}: random strided depthwise convolutions = reference (fresh seed, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 24; c++) {
      const spec = randomDepthwiseConvSpec(rng, ([1, 2, 3] as const)[c % 3]!);
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`);
    }
  });
  }

  test(`${name}: activation and out = the plain call followed by the activation, bit for bit (both ops, plain and prepared weights)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    // 24 random layers, then one with ~1200 negative outputs: alpha·v must be the float64 product rounded once
    // (a float32 alpha differs in the last bit for a few percent of them).
    for (let c = 0; c <= 24; c++) {
      const { op, options, x, w, b } = c < 24 ? randomCall(rng, c)
        : { op: conv, options: { padding: 1 }, x: randomTensor([1, 4, 600], seed), w: randomTensor([4, 4, 3], seed + 1), b: randomTensor([4], seed + 2) };
      const threads = 1 + (c % 2);
      const plain = op(x, w, b, { ...options, backend: name, threads });
      const prepared = prepareWeights(w);
      try {
        for (const { activation, f } of ACTIVATIONS) {
          for (const weight of [w, prepared]) {
            const label = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}, ${JSON.stringify(activation)}, ${weight === w ? 'plain' : 'prepared'}`;
            const out = new Float32Array(plain.data.length).fill(Number.NaN);
            const y = op(x, weight, b, { ...options, backend: name, threads, out, activation });
            assert.equal(y.data, out, `${label}: the result's data is out`);
            assert.deepEqual(y.shape, plain.shape, label);
            assert.deepEqual(out, Float32Array.from(plain.data, f), label);
          }
        }
        // out without an activation: the plain result, written where asked.
        const out = new Float32Array(plain.data.length).fill(Number.NaN);
        assert.deepEqual(op(x, prepared, b, { ...options, backend: name, threads, out }).data, plain.data);
      } finally {
        prepared.dispose();
      }
    }
  });

  test(`${name}: tanh, sigmoid and silu = the plain call followed by the backend's element-wise map, bit for bit, and within 4 ulp of the float64 functions`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const kernels = elementwiseKernels(name);
    for (let c = 0; c < 12; c++) {
      const { op, options, x, w, b } = randomCall(rng, c);
      const threads = 1 + (c % 2);
      const plain = op(x, w, b, { ...options, backend: name, threads });
      const prepared = prepareWeights(w);
      try {
        for (const [activation, f] of SMOOTH) {
          for (const weight of [w, prepared]) {
            const label = `${name}, seed ${seed} (TCONV_SEED=${seed}), case ${c}, ${activation.kind}, ${weight === w ? 'plain' : 'prepared'}`;
            const out = new Float32Array(plain.data.length).fill(Number.NaN);
            op(x, weight, b, { ...options, backend: name, threads, out, activation });
            const mapped = new Float32Array(plain.data.length);
            kernels.map(activation, plain.data, mapped);
            assert.deepEqual(out, mapped, label);
            for (let i = 0; i < out.length; i++) {
              const exact = f(plain.data[i]!);
              if (Number.isNaN(exact)) assert.ok(Number.isNaN(out[i]!), `${label}: element ${i}`);
              else assert.ok(Math.abs(out[i]! - exact) <= 4 * ulp(exact), `${label}: element ${i}: ${out[i]} against ${exact}`);
            }
          }
        }
      } finally {
        prepared.dispose();
      }
    }
  });

  test(`${name}: out of the wrong type or size, or sharing memory with the input, weight or bias, and unknown activations are refused by name before anything is written`, { skip }, () => {
    const x = randomTensor([1, 2, 6, 6], 1);
    const w = randomTensor([3, 2, 3, 3], 2);
    const b = randomTensor([3], 3);
    const expected = conv(x, w, b, { backend: name });
    const refuse = (label: string, parameter: string, out: unknown, tensors: { x?: Tensor; w?: Tensor; b?: Tensor } = {}, activation?: unknown) => {
      const before = out instanceof Float32Array ? out.slice() : null;
      assert.throws(() => conv(tensors.x ?? x, tensors.w ?? w, tensors.b ?? b, { backend: name, out: out as Float32Array, activation: activation as Activation }),
        { name: 'TconvError', code: 'invalid-value', parameter }, `${name}: ${label}`);
      if (before) assert.deepEqual(out, before, `${name}: ${label}: out untouched`);
    };
    refuse('one value short', 'out', new Float32Array(47));
    refuse('one value over', 'out', new Float32Array(49));
    refuse('a Float64Array', 'out', new Float64Array(48));
    refuse('a list', 'out', new Array<number>(48).fill(0));
    refuse('null', 'out', null);
    // One buffer holding the input (72 values) and the output: overlapping by one value is refused, adjacent is fine.
    const shared = new Float32Array(72 + 48);
    shared.set(x.data);
    const input = tensor([1, 2, 6, 6], shared.subarray(0, 72));
    refuse('overlapping the input', 'out', shared.subarray(71, 119), { x: input });
    assert.deepEqual(conv(input, w, b, { backend: name, out: shared.subarray(72, 120) }).data, expected.data, `${name}: out next to the input`);
    const weights = new Float32Array(54 + 48);
    weights.set(w.data);
    refuse('overlapping the weight', 'out', weights.subarray(50, 98), { w: tensor([3, 2, 3, 3], weights.subarray(0, 54)) });
    const biases = new Float32Array(3 + 48);
    biases.set(b.data);
    refuse('overlapping the bias', 'out', biases.subarray(2, 50), { b: tensor([3], biases.subarray(0, 3)) });
    refuse('an unknown activation', 'activation', new Float32Array(48), {}, { kind: 'gelu' });
    refuse('an activation given as a string', 'activation', new Float32Array(48), {}, 'relu');
    refuse('leakyRelu without alpha', 'activation.alpha', new Float32Array(48), {}, { kind: 'leakyRelu' });
    refuse('leakyRelu with alpha NaN', 'activation.alpha', new Float32Array(48), {}, { kind: 'leakyRelu', alpha: Number.NaN });
  });

  test(`${name}: batch 0 gives an empty result of the right shape (both ops, every rank)`, { skip }, () => {
    for (const spatial of [[5], [5, 4], [3, 5, 4]]) {
      const ones = spatial.map(() => 3);
      const y = convTranspose(tensor([0, 2, ...spatial]), randomTensor([2, 3, ...ones], 1), null, { stride: 2, backend: name });
      assert.deepEqual(y.shape, [0, 3, ...spatial.map((n) => 2 * n + 1)], `${name} convTranspose ${spatial.length}D`);
      const z = conv(tensor([0, 2, ...spatial]), randomTensor([3, 2, ...ones], 1), null, { backend: name });
      assert.deepEqual(z.shape, [0, 3, ...spatial.map((n) => n - 2)], `${name} conv ${spatial.length}D`);
    }
  });
}
