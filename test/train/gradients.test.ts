/**
 * Gradients checked two independent ways: central finite differences of L = ⟨f(x), g⟩ (every op, every input and
 * parameter), and the adjoint identity ⟨f(x), y⟩ = ⟨x, fᵀ(y)⟩ for the linear ops (a backward that is the adjoint
 * of its forward is exactly the input gradient). Layers are drawn by fast-check: 1D/2D/3D, stride, padding, output
 * padding, dilation, groups, batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  conv, convTranspose, listBackends, maxAbsError, pixelShuffle, pixelUnshuffle, randomTensor, relativeL2Error, resize, tensor, type Tensor,
} from '../../src/engine/index.ts';
import {
  ACTIVATIONS, activation, activationBackward, add, addBackward, concatChannels, concatChannelsBackward, convBackward,
  convTransposeBackward, l1Loss, mseLoss, pixelShuffleBackward, pixelUnshuffleBackward, resizeBackward, weightGradient,
} from '../../src/train/index.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const scaleOf = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! * b[i]!);
  return s;
};

/** Central differences of L(t) = ⟨f(), g⟩ in every element of t, against the analytic gradient (float32 forward). */
function checkFiniteDifferences(what: string, t: Tensor, analytic: Tensor, loss: () => number, step = 1e-2): void {
  assert.deepEqual(analytic.shape, t.shape, `${what}: gradient shape`);
  let worst = 0;
  let norm = 0;
  for (let i = 0; i < t.data.length; i++) {
    const original = t.data[i]!;
    t.data[i] = original + step;
    const plus = loss();
    t.data[i] = original - step;
    const minus = loss();
    t.data[i] = original;
    const numeric = (plus - minus) / (2 * step);
    worst = Math.max(worst, Math.abs(numeric - analytic.data[i]!));
    norm = Math.max(norm, Math.abs(numeric));
  }
  // float32 forward sums: the difference quotient carries ~1e-7·|L|/step of rounding.
  assert.ok(worst <= 1e-3 * Math.max(1, norm), `${what}: finite differences differ by ${worst} (gradient scale ${norm})`);
}

const axisArb = fc.record({
  input: fc.integer({ min: 1, max: 5 }),
  kernel: fc.integer({ min: 1, max: 4 }),
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.integer({ min: 1, max: 3 }),
  padding: fc.integer({ min: 0, max: 3 }),
  outputPaddingFraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
});
const layerArb = (rank: number) => fc.record({
  axes: fc.array(axisArb, { minLength: rank, maxLength: rank }),
  groups: fc.integer({ min: 1, max: 2 }),
  inPerGroup: fc.integer({ min: 1, max: 2 }),
  outPerGroup: fc.integer({ min: 1, max: 2 }),
  batch: fc.integer({ min: 1, max: 2 }),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Layer = typeof layerArb extends (r: number) => fc.Arbitrary<infer T> ? T : never;

/** A transposed layer from the drawn numbers, or null when the drawn padding leaves no output. */
function transposedLayer(l: Layer) {
  const axes = l.axes.map((a) => {
    const extent = (a.input - 1) * a.stride + a.dilation * (a.kernel - 1) + 1;
    const outputPadding = Math.floor(a.outputPaddingFraction * Math.max(a.stride, a.dilation));
    return { ...a, padding: Math.min(a.padding, Math.floor((extent + outputPadding - 1) / 2)), outputPadding };
  });
  const options = {
    stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation), padding: axes.map((a) => a.padding),
    outputPadding: axes.map((a) => a.outputPadding), groups: l.groups,
  };
  const inChannels = l.groups * l.inPerGroup;
  const outChannels = l.groups * l.outPerGroup;
  const x = randomTensor([l.batch, inChannels, ...axes.map((a) => a.input)], l.seed);
  const w = randomTensor([inChannels, l.outPerGroup, ...axes.map((a) => a.kernel)], l.seed + 1);
  const b = l.bias ? randomTensor([outChannels], l.seed + 2) : null;
  return { options, x, w, b };
}

/** An ordinary conv layer; padding is cut so that the padded input holds the dilated kernel. */
function convLayer(l: Layer) {
  const axes = l.axes.map((a) => {
    const extent = a.dilation * (a.kernel - 1) + 1;
    return { ...a, input: Math.max(a.input, extent - 2 * a.padding), padding: a.padding };
  });
  const options = { stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation), padding: axes.map((a) => a.padding), groups: l.groups };
  const inChannels = l.groups * l.inPerGroup;
  const outChannels = l.groups * l.outPerGroup;
  const x = randomTensor([l.batch, inChannels, ...axes.map((a) => a.input)], l.seed);
  const w = randomTensor([outChannels, l.inPerGroup, ...axes.map((a) => a.kernel)], l.seed + 1);
  const b = l.bias ? randomTensor([outChannels], l.seed + 2) : null;
  return { options, x, w, b };
}

for (const rank of [1, 2, 3]) {
  for (const kind of ['convTranspose', 'conv'] as const) {
    test(`${kind} ${rank}D: ∂X, ∂W, ∂B match finite differences`, () => {
      fc.assert(fc.property(layerArb(rank), (l) => {
        const { options, x, w, b } = kind === 'convTranspose' ? transposedLayer(l) : convLayer(l);
        const forward = kind === 'convTranspose' ? convTranspose : conv;
        const y = forward(x, w, b, options);
        const g = randomTensor(y.shape, l.seed + 3);
        const backward = kind === 'convTranspose' ? convTransposeBackward : convBackward;
        const grads = backward({ input: x, weight: w, bias: b !== null, gradOutput: g, options });
        const loss = () => dot(forward(x, w, b, options).data, g.data);
        checkFiniteDifferences('∂X', x, grads.input, loss);
        checkFiniteDifferences('∂W', w, grads.weight, loss);
        if (b) checkFiniteDifferences('∂B', b, grads.bias!, loss);
        else assert.equal(grads.bias, null);
      }), { numRuns: rank === 3 ? 8 : 15 });
    });

    test(`${kind} ${rank}D: ∂X is the adjoint of the forward, ⟨f(x), y⟩ = ⟨x, ∂X(y)⟩`, () => {
      fc.assert(fc.property(layerArb(rank), (l) => {
        const { options, x, w } = kind === 'convTranspose' ? transposedLayer(l) : convLayer(l);
        const forward = kind === 'convTranspose' ? convTranspose : conv;
        const y = forward(x, w, null, options);
        const probe = randomTensor(y.shape, l.seed + 5);
        const backward = kind === 'convTranspose' ? convTransposeBackward : convBackward;
        const dx = backward({ input: x, weight: w, bias: false, gradOutput: probe, options }).input;
        const left = dot(y.data, probe.data);
        const right = dot(x.data, dx.data);
        assert.ok(Math.abs(left - right) <= 1e-5 * Math.max(1, scaleOf(y.data, probe.data)), `${left} vs ${right}`);
      }), { numRuns: 30 });
    });
  }
}

test('∂X runs on every available backend and agrees with the reference', () => {
  const backends = listBackends().filter((b) => b.available).map((b) => b.name);
  assert.ok(backends.includes('reference'));
  fc.assert(fc.property(layerArb(2), (l) => {
    for (const kind of ['convTranspose', 'conv'] as const) {
      const { options, x, w } = kind === 'convTranspose' ? transposedLayer(l) : convLayer(l);
      const forward = kind === 'convTranspose' ? convTranspose : conv;
      const g = randomTensor(forward(x, w, null, options).shape, l.seed + 7);
      const backward = kind === 'convTranspose' ? convTransposeBackward : convBackward;
      const reference = backward({ input: x, weight: w, bias: false, gradOutput: g, options: { ...options, backend: 'reference' } }).input;
      for (const backend of backends) {
        const other = backward({ input: x, weight: w, bias: false, gradOutput: g, options: { ...options, backend } }).input;
        let worst = 0;
        for (let i = 0; i < other.data.length; i++) worst = Math.max(worst, Math.abs(other.data[i]! - reference.data[i]!));
        assert.ok(worst < 1e-4, `${kind} on ${backend}: ${worst}`);
      }
    }
  }), { numRuns: 10 });
});

test('∂W on wasm (one conv per group, batch and channels swapped) and native (the addon\'s GEMM kernel) agrees with the float64 per-phase sum', () => {
  const backends = listBackends().filter((b) => b.available && b.name !== 'reference').map((b) => b.name);
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }).chain((rank) => layerArb(rank)), (l) => {
    for (const kind of ['convTranspose', 'conv'] as const) {
      const { options, x, w } = kind === 'convTranspose' ? transposedLayer(l) : convLayer(l);
      const forward = kind === 'convTranspose' ? convTranspose : conv;
      const g = randomTensor(forward(x, w, null, options).shape, l.seed + 9);
      const reference = weightGradient(kind, { input: x, weight: w, bias: false, gradOutput: g, options: { ...options, backend: 'reference' } });
      for (const backend of backends) {
        const other = weightGradient(kind, { input: x, weight: w, bias: false, gradOutput: g, options: { ...options, backend } });
        assert.deepEqual(other.shape, reference.shape);
        assert.ok(relativeL2Error(other.data, reference.data) < 1e-5 || maxAbsError(other.data, reference.data) < 1e-4, `${kind} on ${backend}`);
      }
    }
  }), { numRuns: 25 });
});

test('output padding ≥ stride (dilation > stride): ∂X is cropped to the input', () => {
  const x = randomTensor([1, 2, 5], 1);
  const w = randomTensor([2, 3, 3], 2);
  const options = { stride: 1, dilation: 3, outputPadding: 2 };
  const y = convTranspose(x, w, null, options);
  const g = randomTensor(y.shape, 3);
  const grads = convTransposeBackward({ input: x, weight: w, bias: false, gradOutput: g, options });
  assert.deepEqual(grads.input.shape, [1, 2, 5]);
  checkFiniteDifferences('∂X', x, grads.input, () => dot(convTranspose(x, w, null, options).data, g.data));
});

test('a gradient of the wrong shape is refused by name', () => {
  const x = randomTensor([1, 1, 4], 1);
  const w = randomTensor([1, 1, 3], 2);
  assert.throws(() => convTransposeBackward({ input: x, weight: w, gradOutput: tensor([1, 1, 5]), options: { stride: 2 } }), /gradOutput\.shape.*\[1, 1, 9\]/);
});

for (const mode of ['nearest', 'bilinear'] as const) {
  for (const shape of [[2, 2, 5], [1, 2, 3, 4], [1, 1, 2, 3, 2]]) {
    test(`resize ${mode} ${shape.length - 2}D: finite differences and adjoint`, () => {
      const scale = shape.length === 4 ? [2, 3] : 2;
      const x = randomTensor(shape, 11);
      const y = resize(x, { scale, mode });
      const g = randomTensor(y.shape, 12);
      const dx = resizeBackward(g, x.shape, { scale, mode });
      checkFiniteDifferences('∂X', x, dx, () => dot(resize(x, { scale, mode }).data, g.data));
      assert.ok(Math.abs(dot(y.data, g.data) - dot(x.data, dx.data)) < 1e-4);
    });
  }
}

test('pixel shuffle and unshuffle: backward is the adjoint, 1D/2D/3D', () => {
  for (const [shape, r] of [[[1, 4, 3], 2], [[2, 8, 2, 3], 2], [[1, 8, 1, 2, 2], 2], [[1, 9, 2, 2], 3]] as const) {
    const x = randomTensor(shape, 21);
    const y = pixelShuffle(x, r);
    const g = randomTensor(y.shape, 22);
    const dx = pixelShuffleBackward(g, r);
    assert.deepEqual(dx.shape, x.shape);
    assert.ok(Math.abs(dot(y.data, g.data) - dot(x.data, dx.data)) < 1e-4);
    checkFiniteDifferences('shuffle ∂X', x, dx, () => dot(pixelShuffle(x, r).data, g.data));
    const u = pixelUnshuffle(y, r);
    const gu = randomTensor(u.shape, 23);
    const du = pixelUnshuffleBackward(gu, r);
    assert.ok(Math.abs(dot(u.data, gu.data) - dot(y.data, du.data)) < 1e-4);
  }
});

for (const name of ACTIVATIONS) {
  test(`${name}: finite differences`, () => {
    // Away from relu's kink at 0, where the derivative is not defined.
    const x = randomTensor([2, 3, 4], 31);
    for (let i = 0; i < x.data.length; i++) if (Math.abs(x.data[i]!) < 0.05) x.data[i] = 0.5;
    const g = randomTensor(x.shape, 32);
    const output = activation(x, name, 0.2);
    const dx = activationBackward(g, { input: x, output }, name, 0.2);
    checkFiniteDifferences('∂X', x, dx, () => dot(activation(x, name, 0.2).data, g.data), 1e-3);
  });
}

test('add and concat: finite differences and split shapes', () => {
  const a = randomTensor([2, 2, 3], 41);
  const b = randomTensor([2, 2, 3], 42);
  const g = randomTensor([2, 2, 3], 43);
  const [da, db] = addBackward(g);
  checkFiniteDifferences('add ∂a', a, da, () => dot(add(a, b).data, g.data));
  checkFiniteDifferences('add ∂b', b, db, () => dot(add(a, b).data, g.data));
  const c = randomTensor([2, 3, 3], 44);
  const gc = randomTensor([2, 5, 3], 45);
  const [dA, dC] = concatChannelsBackward(gc, [2, 3]);
  assert.deepEqual(dC!.shape, [2, 3, 3]);
  checkFiniteDifferences('concat ∂a', a, dA!, () => dot(concatChannels([a, c]).data, gc.data));
  checkFiniteDifferences('concat ∂c', c, dC!, () => dot(concatChannels([a, c]).data, gc.data));
});

test('MSE and L1: values and finite differences', () => {
  const p = randomTensor([2, 1, 3, 3], 51);
  const t = randomTensor([2, 1, 3, 3], 52);
  for (const loss of [mseLoss, l1Loss]) {
    const { gradient } = loss(p, t);
    checkFiniteDifferences(loss.name, p, gradient, () => loss(p, t).value, 1e-4);
  }
  assert.equal(mseLoss(tensor([2], [1, 3]), tensor([2], [1, 1])).value, 2);
  assert.equal(l1Loss(tensor([2], [1, 3]), tensor([2], [1, 1])).value, 1);
});
