/**
 * A training step allocates nothing after the first: every module owns its output, ∂X and scratch, the loss writes
 * into a given gradient, the optimizer keeps its state. Counted with the typed-array census (test/helpers), which
 * attributes each array made during the steps to the innermost src/ file on the stack. The engine's own per-call
 * scratch (other modules' files) is reported apart and held to a bound. The kept buffers change no value: the
 * layers equal the engine's and the functional backwards bit for bit, and the demo's curves equal those recorded
 * before the buffers were kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { listBackends, randomTensor, tensor } from '../../src/engine/index.ts';
import type { BackendName } from '../../src/engine/backend.ts';
import { pixelShuffle, pixelUnshuffle } from '../../src/engine/ops/pixel-shuffle.ts';
import { resize } from '../../src/engine/ops/resize.ts';
import {
  ActivationModule, type ActivationName, ConvModule, type Module, NormModule, type NormKind, PixelShuffleModule, ResizeModule, Sequential, VARIANTS,
  type VariantName, activationBackward, adam, add, addBackward, concatChannels, concatChannelsBackward, demoDecoder, initialize, l1Loss, mseLoss, parameter, pixelShuffleBackward, resizeBackward, runCheckerboardDemo,
} from '../../src/train/index.ts';
import { ResizeLayer } from '../../src/train/resize-layer.ts';
import { ShuffleLayer } from '../../src/train/shuffle-layer.ts';
import { type Census, countTypedArrays, describeCensus } from '../helpers/typed-array-census.ts';

const backends = listBackends().filter((b) => b.available).map((b) => b.name);

/** The innermost src/ file on the stack, relative to src/ (or 'elsewhere'): who made the array. */
function maker(): string {
  for (const line of new Error().stack?.split('\n') ?? []) {
    const m = /src\/([\w/.-]+\.ts)/.exec(line);
    if (m && !line.includes('typed-array-census')) return m[1]!;
  }
  return 'elsewhere';
}

/**
 * A demo decoder with every layer kind a step runs: the variant's stages, a normalisation before each activation
 * (kinds in turn), activations in turn, and a last tanh or sigmoid.
 */
function decoder(variant: VariantName, backend: BackendName, index: number): Sequential {
  const norms: readonly NormKind[] = ['batch', 'group', 'instance', 'layer'];
  const activations: readonly ActivationName[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid'];
  const modules: Module[] = [];
  let spatial = 4;
  for (const m of demoDecoder(variant, { channels: 4, stages: 2, seed: 11 + index, backend }).modules) {
    if (m instanceof ActivationModule) {
      const kind = norms[(index + modules.length) % norms.length]!;
      modules.push(new NormModule(`norm${modules.length}`, kind, { channels: 4, groups: 2, normalizedShape: [4, spatial, spatial] }));
      modules.push(new ActivationModule(m.name, activations[(index + modules.length) % activations.length]!));
    } else modules.push(m);
    if (m instanceof ConvModule && m.kind === 'convTranspose') spatial *= 2;
    if (m instanceof PixelShuffleModule || m instanceof ResizeModule) spatial *= 2;
  }
  modules.push(new ActivationModule('out', index % 2 === 0 ? 'tanh' : 'sigmoid'));
  return new Sequential(variant, modules);
}

/** One more decoder for the layer kinds the demo variants do not use: bilinear resize and pixel unshuffle. */
function otherKinds(backend: BackendName): Sequential {
  const { weight, bias } = initialize('pytorch', { kind: 'conv', weightShape: [4, 16, 3, 3], outChannels: 4, bias: true, seed: 3 });
  const last = initialize('pytorch', { kind: 'conv', weightShape: [1, 4, 3, 3], outChannels: 1, bias: false, seed: 4 });
  return new Sequential('other', [
    new ResizeModule('bilinear', { scale: 4, mode: 'bilinear' }),
    new PixelShuffleModule('unshuffle', 2, 'unshuffle'),
    new ConvModule('conv', 'conv', weight, bias, { padding: 1, backend }),
    new NormModule('ln', 'layer', { normalizedShape: [8, 8] }),
    new ActivationModule('act', 'leakyRelu', 0.2),
    new ResizeModule('up', { scale: [2, 1], mode: 'bilinear' }),
    new ConvModule('last', 'conv', last.weight, null, { padding: 1, backend }),
  ]);
}

/** Adam steps of a decoder with learned latent codes; returns a census of `counted` steps after `warmUp` ones. */
function census(net: Sequential, loss: typeof mseLoss, warmUp: number, counted: number): Census {
  const latent = parameter('latent', randomTensor([2, 4, 4, 4], 7, { distribution: 'normal' }));
  const optimizer = adam([...net.parameters(), latent], { lr: 0.01 });
  const first = net.forward(latent.value);
  const target = randomTensor(first.shape, 8, { low: 0, high: 1 });
  const gradient = tensor(first.shape);
  const step = () => {
    optimizer.zeroGrad();
    loss(net.forward(latent.value), target, gradient);
    latent.grad.set(net.backward(gradient).data);
    optimizer.step();
  };
  for (let i = 0; i < warmUp; i++) step();
  return countTypedArrays(() => {
    for (let i = 0; i < counted; i++) step();
  }, maker);
}

/**
 * What the engine's backends make per call: the reference backend's float64 sums of a transposed conv's output
 * (src/engine/backends/reference.ts) and views of the wasm memory (src/engine/backends/wasm/index.ts; its call headers
 * are kept per problem, so no storage) — which the wasm ∂W kernel's driver (src/train/weight-gradient-wasm.ts) makes
 * per call too (the memory may grow between calls, so views are not kept), and the swapped-conv ∂W route's channel
 * swap (weight-gradient-conv.ts) of its workspace: views, no storage (checked below: their entries hold no allocations).
 */
const VIEW_ONLY = ['train/weight-gradient-wasm.ts ', 'train/weight-gradient-conv.ts '];
function isEngineScratch(key: string): boolean {
  return key.startsWith('engine/backends/') || VIEW_ONLY.some((file) => key.startsWith(file));
}

for (const backend of backends) {
  test(`after warm-up, training steps of every demo variant with norms and activations allocate no typed arrays (${backend})`, () => {
    const steps = 3;
    const nets = [...VARIANTS.map((v, i) => decoder(v, backend, i)), otherKinds(backend)];
    nets.forEach((net, i) => {
      const c = census(net, i % 2 === 0 ? mseLoss : l1Loss, 2, steps);
      const convs = net.modules.filter((m) => m instanceof ConvModule).length;
      const own = [...c.by].filter(([key]) => !isEngineScratch(key));
      assert.deepEqual(own, [], `${net.name} on ${backend}: typed arrays made per step outside the engine:\n${describeCensus(c)}`);
      const viewsOnly = [...c.by].filter(([key, e]) => VIEW_ONLY.some((file) => key.startsWith(file)) && e.allocations > 0);
      assert.deepEqual(viewsOnly, [], `${net.name} on ${backend}: the ∂W routes make storage per step:\n${describeCensus(c)}`);
      const engine = [...c.by].filter(([key]) => isEngineScratch(key)).map(([, e]) => e);
      const allocations = engine.reduce((s, e) => s + e.allocations, 0);
      const bytes = engine.reduce((s, e) => s + e.bytes, 0);
      // At most one per conv call (forward, ∂X, ∂W), and only on the reference backend: native and wasm make none.
      assert.ok(allocations <= 3 * convs * steps, `${net.name} on ${backend}: ${allocations} engine allocations\n${describeCensus(c)}`);
      if (backend === 'native') assert.equal(allocations + c.views, 0, `${net.name} on native:\n${describeCensus(c)}`);
      if (backend === 'wasm') assert.equal(allocations + bytes, 0, `${net.name} on wasm:\n${describeCensus(c)}`);
      if (backend === 'reference') {
        assert.ok(engine.every((e) => e.views === 0), `${net.name} on reference:\n${describeCensus(c)}`);
        assert.ok([...c.by.keys()].every((k) => k === 'engine/backends/reference.ts Float64Array'), describeCensus(c));
      }
    });
  });
}

test('the census sees what a step would allocate: an output made per step is counted and attributed', () => {
  const c = countTypedArrays(() => {
    mseLoss(tensor([2, 3]), tensor([2, 3]));
    tensor([4]).data.slice();
    tensor([4]).data.subarray(1);
  }, maker);
  // Prediction, target and gradient; two tensors of 4 and a slice of one.
  assert.equal(c.allocations, 6);
  assert.equal(c.bytes, 4 * (3 * 6 + 3 * 4));
  assert.equal(c.views, 1);
  // Attributed to the innermost src/ file: tensor() made the loss's gradient too; this test made the slice and view.
  assert.equal(c.by.get('tensor/tensor.ts Float32Array')?.allocations, 5);
  assert.deepEqual(c.by.get('elsewhere Float32Array'), { allocations: 1, bytes: 16, views: 1 });
  // Restored: arrays made after the census are not counted, and the globals are the real constructors again.
  assert.equal(new Float32Array(2).constructor, Float32Array);
  assert.equal(Object.getPrototypeOf(Float32Array.prototype).constructor.name, 'TypedArray');
});

test('the resize and shuffle layers compute what the engine\'s resize and pixel shuffle do, bit for bit', () => {
  const cases = [
    { shape: [2, 3, 5], scale: 3 },
    { shape: [1, 2, 3, 4], scale: [2, 1] },
    { shape: [1, 2, 2, 3, 2], scale: [2, 3, 2] },
  ];
  for (const c of cases) {
    for (const mode of ['nearest', 'bilinear'] as const) {
      const x = randomTensor(c.shape, 1);
      const layer = new ResizeLayer(c.shape, { scale: c.scale, mode });
      const expected = resize(x, { scale: c.scale, mode });
      assert.deepEqual(layer.forward(x), expected);
      assert.deepEqual(layer.forward(x), expected, 'a second forward into the same buffer');
      const g = randomTensor(expected.shape, 2);
      const dx = layer.backward(g);
      assert.deepEqual(dx, layer.backward(g));
      // The adjoint: ⟨resize(x), g⟩ = ⟨x, ∂X(g)⟩.
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
      assert.ok(Math.abs(dot(expected.data, g.data) - dot(x.data, dx.data)) < 1e-4 * (1 + Math.abs(dot(x.data, dx.data))));
    }
  }
  const x = randomTensor([2, 8, 3, 2], 3);
  const shuffle = new ShuffleLayer(x.shape, 2, 'shuffle');
  assert.deepEqual(shuffle.forward(x), pixelShuffle(x, 2));
  const unshuffle = new ShuffleLayer([1, 2, 4, 6, 2], 2, 'unshuffle');
  const y = randomTensor([1, 2, 4, 6, 2], 4);
  assert.deepEqual(unshuffle.forward(y), pixelUnshuffle(y, 2));
  const g = randomTensor(shuffle.outputShape, 5);
  assert.deepEqual(shuffle.backward(g), pixelShuffleBackward(g, 2));
  assert.deepEqual(unshuffle.backward(randomTensor(unshuffle.outputShape, 6)), pixelShuffle(randomTensor(unshuffle.outputShape, 6), 2));
});

test('a module keeps its buffers while the shape stays and replaces them for a new shape, with the same values as fresh', () => {
  const modules = () => [
    new ResizeModule('r', { scale: 2, mode: 'bilinear' }), new PixelShuffleModule('s', 2), new ActivationModule('a', 'tanh'),
    new NormModule('n', 'group', { channels: 4, groups: 2 }),
  ];
  const kept = modules();
  for (const [i, shape] of [[2, 4, 3, 3], [2, 4, 3, 3], [1, 4, 2, 5], [2, 4, 3, 3]].entries()) {
    const x = randomTensor(shape, 10 + i);
    kept.forEach((m, k) => {
      const fresh = modules()[k]!;
      const y = m.forward(x);
      const again = m.forward(x);
      assert.equal(y.data, again.data, `${m.name}: the same output buffer for the same shape`);
      assert.deepEqual(y, fresh.forward(x), `${m.name}: the value of a fresh module`);
      const g = randomTensor(y.shape, 20 + i);
      assert.deepEqual(m.backward(g), fresh.backward(g), `${m.name}: ∂X of a fresh module`);
    });
  }
  // The functional backwards still return new tensors, equal to the modules'.
  const x = randomTensor([1, 2, 3], 1);
  const r = new ResizeModule('r', { scale: 2, mode: 'bilinear' });
  const g = randomTensor(r.forward(x).shape, 2);
  assert.deepEqual(resizeBackward(g, x.shape, { scale: 2, mode: 'bilinear' }), r.backward(g));
  assert.notEqual(resizeBackward(g, x.shape, { scale: 2, mode: 'bilinear' }).data, resizeBackward(g, x.shape, { scale: 2, mode: 'bilinear' }).data);
  const a = new ActivationModule('a', 'sigmoid');
  const y = a.forward(x);
  const ga = randomTensor(x.shape, 3);
  assert.deepEqual(a.backward(ga), activationBackward(ga, { input: x, output: y }, 'sigmoid'));
});

test('the demo\'s curves are the ones recorded before the buffers were kept, bit for bit (reference backend)', () => {
  const golden = JSON.parse(readFileSync(new URL('../fixtures/train/demo-curves-reference.json', import.meta.url), 'utf8')) as {
    variants: { name: string; loss: number[]; checkerboard: number[]; cellDeviation: number[] }[];
  };
  const result = runCheckerboardDemo({ steps: 4, images: 2, channels: 3, seed: 5, backend: 'reference' });
  assert.deepEqual(result.variants.map((v) => ({ name: v.name, loss: v.loss, checkerboard: v.checkerboard, cellDeviation: v.cellDeviation })), golden.variants);
});

test('add and concat for skip connections write into given buffers: no typed arrays, the same values as new ones', () => {
  const a = randomTensor([2, 2, 3], 1);
  const b = randomTensor([2, 3, 3], 2);
  const sum = tensor(a.shape);
  const copy = tensor(a.shape);
  const joined = tensor([2, 5, 3]);
  const parts = [tensor(a.shape), tensor(b.shape)];
  const g = randomTensor(joined.shape, 3);
  const c = countTypedArrays(() => {
    add(a, a, sum);
    addBackward(a, copy);
    concatChannels([a, b], joined);
    concatChannelsBackward(g, [2, 3], parts);
  }, maker);
  assert.equal(c.allocations + c.views, 0, describeCensus(c));
  assert.deepEqual(sum, add(a, a));
  assert.deepEqual(copy, addBackward(a)[1]);
  assert.deepEqual(joined, concatChannels([a, b]));
  assert.deepEqual(parts, concatChannelsBackward(g, [2, 3]));
});

test('buffers of another shape are refused by name', () => {
  const p = tensor([2, 2]);
  assert.throws(() => mseLoss(p, p, tensor([4])), /gradient\.shape/);
  assert.throws(() => add(p, p, tensor([2, 3])), /out\.shape/);
  assert.throws(() => concatChannelsBackward(tensor([1, 3, 2]), [1, 2], [tensor([1, 1, 2])]), /into/);
});
