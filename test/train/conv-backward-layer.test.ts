/**
 * The per-layer backward object: buffers sized once from the plan (bytes as the formula says, refused over the memory
 * limit before allocating), the same arrays every step, and the same gradients as the float64 reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackends, maxAbsError, randomTensor, relativeL2Error, tensor } from '../../src/engine/index.ts';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { registerNativeAddon } from '../../src/engine/registry.ts';
import { swappedConv } from '../../src/train/weight-gradient-conv.ts';
import { ConvBackward, ConvModule, type Module, type Sequential, convTransposeBackward, demoDecoder, mseLoss } from '../../src/train/index.ts';
import { TconvError } from '../../src/shape/errors.ts';

const backends = listBackends().filter((b) => b.available).map((b) => b.name);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The micro-kernel tile each native kernel set's ∂W uses (its first GemmTile, kernels/native/src/ukernel_<set>.cc). */
const NATIVE_TILE: Readonly<Record<string, { mr: number; nr: number }>> = { avx512: { mr: 14, nr: 32 }, avx2: { mr: 6, nr: 16 }, scalar: { mr: 4, nr: 8 } };

test('bytes: 4 × (|∂X| + |∂W| + |∂B| + workspace), the workspace by the formula of each backend', () => {
  // Output padding 2 ≥ stride 1 (dilation 3): ∂X's dual conv runs two cells past the input (7, not 5), kept in the workspace.
  const layers = [
    { input: [2, 6, 5, 7], weight: [6, 2, 3, 3], options: { stride: 2, padding: 1, outputPadding: 1, groups: 2 }, wide: 0 },
    { input: [1, 2, 5], weight: [2, 3, 3], options: { stride: 1, dilation: 3, outputPadding: 2 }, wide: 1 * 2 * 7 },
  ];
  for (const backend of backends) {
    for (const l of layers) {
      const back = new ConvBackward('convTranspose', l.input, l.weight, { ...l.options, backend, threads: 2 });
      const p = back.plan;
      const inSize = size(p.inputShape.slice(2));
      const cin = p.inChannels / p.groups;
      let weightScratch = 0;
      // wasm: the ∂W kernel's panels live in the wasm memory (weight-gradient-wasm.ts), none in the JS workspace.
      if (backend === 'native') {
        const kernelSet = loadAddon().addon!.capabilities().kernelSets[0]!;
        const { mr, nr } = NATIVE_TILE[kernelSet]!;
        const perThread = 256 * nr + Math.ceil(cin / mr) * mr * nr;
        // ∂Y copied with zero borders for the gather (rows of 2…64 positions, AVX2 sets), unless no tap reaches past ∂Y.
        const borders = p.axes.map((a) => {
          const lo = Math.max(a.padBegin, 0);
          const last = (a.input - 1) * a.stride + (a.kernel - 1) * a.dilation - a.padBegin;
          return { lo, dim: lo + Math.max(a.output, last + 1), output: a.output };
        });
        const row = p.axes[p.rank - 1]!.input;
        const inside = borders.every((b) => b.lo === 0 && b.dim === b.output);
        const bordered = kernelSet !== 'scalar' && row > 1 && row <= 64 && !inside ? p.batch * p.outChannels * size(borders.map((b) => b.dim)) + 16 : 0;
        weightScratch = p.inChannels * p.batch * inSize + 2 * perThread + bordered + 48;
      }
      // Backends that pack ∂X's weights keep a copy of the last call's, to reuse the packing while they are unchanged.
      const copy = backend === 'reference' ? 0 : size(l.weight);
      assert.equal(back.workspace.length, l.wide + weightScratch + copy, `${backend} ${l.input}: workspace`);
      assert.equal(back.bytes, 4 * (size(l.input) + size(l.weight) + p.outChannels + l.wide + weightScratch + copy), `${backend}: bytes`);
      assert.equal(back.bytes, 4 * (back.gradInput.data.length + back.gradWeight.data.length + back.gradBias!.data.length + back.workspace.length));
    }
  }
});

test('a layer whose backward buffers pass the memory limit is refused before anything is allocated', () => {
  const make = (limit: number) => new ConvBackward('convTranspose', [4, 64, 32, 32], [64, 64, 4, 4], { stride: 2, padding: 1, memoryLimitBytes: limit, backend: 'reference' });
  const back = make(Infinity);
  const forward = 4 * (size(back.plan.inputShape) + size(back.plan.outputShape) + size(back.plan.weightShape) + back.plan.outChannels);
  const needed = forward + back.bytes;
  assert.throws(() => make(needed - 1), (e: unknown) => e instanceof TconvError && e.code === 'memory-limit');
  assert.equal(make(needed).bytes, back.bytes);
});

test('every step writes into the same arrays, and gives the reference gradients', () => {
  const x = randomTensor([2, 4, 5, 5], 1);
  const w = randomTensor([4, 3, 4, 4], 2);
  const options = { stride: 2, padding: 1 };
  for (const backend of backends) {
    const back = new ConvBackward('convTranspose', x.shape, w.shape, { ...options, backend });
    const buffers = [back.gradInput.data, back.gradWeight.data, back.gradBias!.data, back.workspace];
    for (let step = 0; step < 3; step++) {
      const g = randomTensor([2, 3, 10, 10], 10 + step);
      const got = back.run(x.data, w.data, g.data);
      assert.deepEqual([got.input.data, got.weight.data, got.bias!.data, back.workspace], buffers, `${backend} step ${step}: new arrays`);
      assert.ok([got.input.data, got.weight.data, got.bias!.data, back.workspace].every((a, i) => a === buffers[i]), `${backend}: the same objects`);
      const expected = convTransposeBackward({ input: x, weight: w, gradOutput: g, options: { ...options, backend: 'reference' } });
      for (const part of ['input', 'weight', 'bias'] as const) {
        const a = got[part]!.data;
        const b = expected[part]!.data;
        assert.ok(relativeL2Error(a, b) < 1e-5 || maxAbsError(a, b) < 1e-5, `${backend} step ${step} ∂${part}`);
      }
    }
  }
});

test('∂X reuses its packed weights only while they are unchanged: edits in place and new arrays are seen', () => {
  const x = randomTensor([2, 4, 5, 5], 1);
  const options = { stride: 2, padding: 1 };
  for (const backend of backends) {
    const w = randomTensor([4, 3, 4, 4], 2);
    const g = randomTensor([2, 3, 10, 10], 3);
    const back = new ConvBackward('convTranspose', x.shape, w.shape, { ...options, backend, gradients: { input: true, weight: false } });
    // Same weights twice (the second call prepares them), again (reuses the packing), then edited in place, then a new array.
    const edits: ((data: Float32Array) => Float32Array)[] = [(d) => d, (d) => d, (d) => d, (d) => { d[5] = d[5]! + 0.5; return d; }, (d) => d, (d) => Float32Array.from(d, (v) => -v), (d) => d];
    let data = w.data;
    edits.forEach((edit, call) => {
      data = edit(data);
      const got = back.run(x.data, data, g.data).input.data;
      const expected = convTransposeBackward({ input: x, weight: tensor(w.shape, data), gradOutput: g, options: { ...options, backend: 'reference' } }).input.data;
      assert.ok(relativeL2Error(got, expected) < 1e-5, `${backend} call ${call}`);
    });
  }
});

test('a wrong-length step is refused by name; a new input shape makes a new backward in the module', () => {
  const back = new ConvBackward('conv', [1, 2, 6], [3, 2, 3], { backend: 'reference' });
  assert.throws(() => back.run(new Float32Array(12), new Float32Array(18), new Float32Array(3)), /gradOutput\.length/);
  const m = new ConvModule('c', 'conv', randomTensor([3, 2, 3], 1), null);
  const first = m.backwardFor(randomTensor([1, 2, 6], 2));
  assert.equal(m.backwardFor(randomTensor([1, 2, 6], 3)), first);
  assert.notEqual(m.backwardFor(randomTensor([2, 2, 6], 4)), first);
});

/** Every ConvModule of a decoder (Sequential nests none here). */
const convModules = (net: Sequential): ConvModule[] => net.modules.filter((m: Module): m is ConvModule => m instanceof ConvModule);

test('the demo decoder: after the first step, its layers\' backward buffers stay the same objects', () => {
  for (const variant of ['convT-k4', 'subpixel', 'resize-conv'] as const) {
    const net = demoDecoder(variant, { channels: 4, stages: 2, seed: 3 });
    const latent = randomTensor([2, 4, 4, 4], 5);
    const target = randomTensor([2, 1, 16, 16], 6);
    const step = () => net.backward(mseLoss(net.forward(latent), target).gradient);
    const layers = convModules(net);
    assert.equal(layers.length, 2);
    assert.ok(layers.every((m) => m.layerBackward === null));
    step();
    const held = layers.map((m) => {
      const b = m.layerBackward!;
      return { b, arrays: [b.gradInput.data, b.gradWeight.data, b.gradBias?.data, b.workspace] };
    });
    for (let i = 0; i < 3; i++) step();
    layers.forEach((m, i) => {
      const b = m.layerBackward!;
      assert.equal(b, held[i]!.b, `${variant} ${m.name}: the same backward object`);
      assert.ok([b.gradInput.data, b.gradWeight.data, b.gradBias?.data, b.workspace].every((a, k) => a === held[i]!.arrays[k]), `${variant} ${m.name}: the same arrays`);
    });
  }
});

test('native with an addon built before the ∂W kernel: ∂W takes the swapped-conv route, still right', { skip: backends.includes('native') ? false : 'native addon not built' }, () => {
  const real = loadAddon().addon!;
  const { weightGradient: _w, weightGradientWorkspace: _ws, ...older } = real;
  registerNativeAddon(() => older as typeof real);
  try {
    const x = randomTensor([2, 3, 4, 5], 1);
    const w = randomTensor([3, 2, 3, 3], 2);
    const g = randomTensor([2, 2, 8, 10], 3);
    const back = new ConvBackward('convTranspose', x.shape, w.shape, { stride: 2, padding: 1, outputPadding: 1, backend: 'native' });
    // The swapped conv's scratch, and ∂X's copy of the last call's weights (native packs them).
    assert.equal(back.workspace.length, swappedConv(back.plan).workspaceFloats + w.data.length);
    const expected = convTransposeBackward({ input: x, weight: w, gradOutput: g, options: { stride: 2, padding: 1, outputPadding: 1, backend: 'reference' } });
    assert.ok(relativeL2Error(back.run(x.data, w.data, g.data).weight.data, expected.weight.data) < 1e-5);
  } finally {
    registerNativeAddon(() => loadAddon().addon);
  }
});
