/** A bound layer call (engine/ops/bound-layer.ts) gives conv()/convTranspose()'s bits and refuses what they refuse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_NAMES, type Activation, conv, convTranspose, listBackends, prepareWeights, randomTensor } from '../../src/engine/index.ts';
import { bindLayer } from '../../src/engine/ops/bound-layer.ts';
import { elementwiseKernels } from '../../src/engine/select.ts';
import { TconvError } from '../../src/shape/errors.ts';

const statuses = new Map(listBackends().map((s) => [s.name, s]));
const skip = (name: string): string | false => (statuses.get(name as 'native')?.available ? false : `${name} backend unavailable here`);

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// HiFi-GAN's shapes (a dilated k7 conv, a k8 s4 transposed one) and a 2D one with groups, odd sizes, batch 2.
const cases = [
  { kind: 'conv', input: [1, 16, 64], weight: [16, 16, 7], options: { padding: 9, dilation: 3 } },
  { kind: 'convTranspose', input: [1, 32, 16], weight: [32, 16, 8], options: { stride: 4, padding: 2 } },
  { kind: 'conv', input: [2, 6, 9, 11], weight: [4, 3, 3, 2], options: { padding: 1, groups: 2 } },
] as const;
const activations: (Activation | undefined)[] = [undefined, { kind: 'leakyRelu', alpha: 0.1 }, { kind: 'tanh' }];

for (const backend of BACKEND_NAMES) {
  test(`${backend}: a bound layer writes the bits of the unbound call with out, call after call`, { skip: skip(backend) }, () => {
    cases.forEach((c, i) => {
      const w = prepareWeights(randomTensor([...c.weight], 10 + i));
      const outChannels = c.kind === 'conv' ? c.weight[0] : c.weight[1];
      const bias = randomTensor([outChannels], 20 + i);
      for (const activation of activations) {
        const options = { ...c.options, backend, threads: 1, activation };
        const layer = bindLayer(c.kind, c.input, w, bias, options);
        const run = c.kind === 'conv' ? conv : convTranspose;
        for (let call = 0; call < 3; call++) {
          const x = randomTensor([...c.input], 30 + call);
          const expected = new Float32Array(layer.outputLength).fill(Number.NaN);
          run(x, w, bias, { ...options, out: expected });
          const got = new Float32Array(layer.outputLength).fill(Number.NaN); // poisoned: unwritten elements show
          layer.run(x.data as Float32Array, got);
          assert.ok(sameBits(got, expected), `${c.kind} ${JSON.stringify(c.input)} ${activation?.kind ?? 'none'} call ${call}`);
          assert.deepEqual(layer.plan.outputShape, run(x, w, bias, options).shape);
        }
      }
      w.dispose();
    });
  });
}

test('a bound layer refuses a wrong-sized or overlapping buffer, disposed weights, and checks when bound', () => {
  const w = prepareWeights(randomTensor([4, 4, 3], 1));
  const layer = bindLayer('conv', [1, 4, 8], w, null, { padding: 1, backend: 'reference' });
  const x = new Float32Array(32);
  assert.throws(() => layer.run(new Float32Array(31), new Float32Array(32)), (e: unknown) => e instanceof TconvError && e.parameter === 'input.data');
  assert.throws(() => layer.run(x, new Float32Array(31)), (e: unknown) => e instanceof TconvError && e.parameter === 'out');
  const shared = new Float32Array(64);
  assert.throws(() => layer.run(shared.subarray(0, 32), shared.subarray(16, 48)), (e: unknown) => e instanceof TconvError && /overlap the input/.test(e.rule));
  assert.throws(() => layer.run(new Float64Array(32) as unknown as Float32Array, new Float32Array(32)), (e: unknown) => e instanceof TconvError && e.parameter === 'input.data');
  // Two halves of one buffer that do not meet are fine.
  layer.run(shared.subarray(0, 32), shared.subarray(32, 64));
  w.dispose();
  assert.throws(() => layer.run(x, new Float32Array(32)), (e: unknown) => e instanceof TconvError && /disposed/.test(e.rule));
  const v = prepareWeights(randomTensor([4, 4, 3], 1));
  assert.throws(() => bindLayer('conv', [1, 4, 8], v, randomTensor([3], 2), { backend: 'reference' }), (e: unknown) => e instanceof TconvError && e.parameter === 'bias.shape');
  assert.throws(() => bindLayer('conv', [1, 5, 8], v, null, { backend: 'reference' }), (e: unknown) => e instanceof TconvError && e.parameter === 'weight.shape');
  assert.throws(() => bindLayer('conv', [1, 4, 8], v, null, { backend: 'reference', activation: { kind: 'gelu' } as unknown as Activation }), (e: unknown) => e instanceof TconvError && e.parameter === 'activation');
  v.dispose();
});

test('wasm: a residual added in the layer\'s call = the call then the backend\'s add kernel, bit for bit, in both operand orders, with or without the Add\'s activation', { skip: skip('wasm') }, () => {
  const { add } = elementwiseKernels('wasm');
  cases.forEach((c, i) => {
    const w = prepareWeights(randomTensor([...c.weight], 40 + i));
    for (const layerActivation of [undefined, { kind: 'tanh' } as const]) {
      const layer = bindLayer(c.kind, c.input, w, null, { ...c.options, backend: 'wasm', threads: 1, activation: layerActivation });
      assert.equal(layer.takesResidual, true);
      const x = randomTensor([...c.input], 50 + i);
      const r = randomTensor([...layer.plan.outputShape], 60 + i).data as Float32Array;
      for (const first of [false, true]) {
        for (const activation of [null, { kind: 'leakyRelu', alpha: 0.2 } as const]) {
          const y = new Float32Array(layer.outputLength);
          layer.run(x.data as Float32Array, y);
          const expected = new Float32Array(layer.outputLength).fill(Number.NaN);
          if (first) add(r, y, expected, activation);
          else add(y, r, expected, activation);
          const got = new Float32Array(layer.outputLength).fill(Number.NaN);
          layer.run(x.data as Float32Array, got, { data: r, first, activation });
          assert.ok(sameBits(got, expected), `${c.kind} ${JSON.stringify(c.input)} first ${first} ${activation?.kind ?? 'none'} after ${layerActivation?.kind ?? 'none'}`);
          assert.ok(!sameBits(got, y), 'the residual was added');
        }
      }
    }
  });
});

test('a residual is refused by a backend that does not take it, and at another length than the output', () => {
  const c = cases[0];
  const w = prepareWeights(randomTensor([...c.weight], 70));
  const x = randomTensor([...c.input], 71).data as Float32Array;
  for (const backend of BACKEND_NAMES.filter((b) => !skip(b))) {
    const layer = bindLayer(c.kind, c.input, w, null, { ...c.options, backend, threads: 1 });
    const y = new Float32Array(layer.outputLength);
    const refusal = (residual: Float32Array) => {
      try {
        layer.run(x, y, { data: residual, first: false, activation: null });
      } catch (error) {
        assert.ok(error instanceof TconvError);
        return error.parameter;
      }
      return null;
    };
    assert.equal(refusal(new Float32Array(layer.outputLength + 1)), layer.takesResidual ? 'residual.data.length' : 'residual', backend);
    assert.equal(refusal(new Float32Array(layer.outputLength)), layer.takesResidual ? null : 'residual', backend);
  }
});
