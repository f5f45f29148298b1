/**
 * Issue 15's hostile API cases, on every backend that runs here: a result is always the result for the weights as
 * they are now, a bad value gets the same named error on every backend whatever was called before, and nothing
 * depends on a cache having seen the call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TconvError } from '../../src/shape/errors.ts';
import {
  ConvTranspose2d, Conv2d, type BackendName, conv, convTranspose, listBackends, packedWeightBytes, prepareWeights,
  randomTensor, tensor,
} from '../../src/engine/index.ts';
import { packedWeightsTuning } from '../../src/engine/prepared-weights.ts';
import { relativeL2Error } from '../../src/tensor/index.ts';

const BACKENDS = listBackends().filter((b) => b.available).map((b) => b.name) as BackendName[];

const layer = { stride: 2, padding: 1, outputPadding: 1 };
const x = randomTensor([2, 4, 5, 6], 1);
const bias = randomTensor([6], 3);
const freshWeight = (seed = 2) => randomTensor([4, 3, 3, 3], seed); // groups 2 below: Cout = 6
const reference = (w: { shape: readonly number[]; data: Float32Array }, options = {}) =>
  convTranspose(x, w, bias, { ...layer, groups: 2, ...options, backend: 'reference' });

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.ok(relativeL2Error(actual, expected) < 1e-5, `${label}: relative L2 ${relativeL2Error(actual, expected)}`);
}

function refusal(fn: () => unknown): { code: string; parameter: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TconvError, `expected a TconvError, got ${String(error)}`);
    return { code: error.code, parameter: error.parameter, message: error.message };
  }
  assert.fail('expected a refusal');
}

test('backends under test', () => {
  assert.ok(BACKENDS.includes('reference'));
});

for (const backend of BACKENDS) {
  const options = { ...layer, groups: 2, backend };

  test(`${backend}: editing one weight in place, then the same call, gives the new result (no stale packing)`, () => {
    const w = freshWeight();
    assertClose(convTranspose(x, w, bias, options).data, reference(w).data, 'first call');
    for (const index of [1, 50, w.data.length - 1]) {
      w.data[index] = 99;
      assertClose(convTranspose(x, w, bias, options).data, reference(w).data, `after w.data[${index}] = 99`);
    }
    w.data[7] = -0; // index 7 of 108 was among neither old cache's 64 sampled values: they returned the old result
    assertClose(convTranspose(x, w, bias, options).data, reference(w).data, 'after a -0');
    const c = randomTensor([6, 2, 3, 3], 4);
    const y = conv(x, c, null, { padding: 1, groups: 2, backend });
    c.data[1] = 50;
    assertClose(conv(x, c, null, { padding: 1, groups: 2, backend }).data, conv(x, c, null, { padding: 1, groups: 2, backend: 'reference' }).data, 'conv after an edit');
    assert.ok(relativeL2Error(y.data, conv(x, c, null, { padding: 1, groups: 2, backend: 'reference' }).data) > 1e-3, 'the edit matters');
  });

  test(`${backend}: prepared weights copy the weights (later edits of the original have no effect) and are reused`, () => {
    const w = freshWeight(5);
    const expected = reference(w).data;
    const prepared = prepareWeights(w);
    assertClose(convTranspose(x, prepared, bias, options).data, expected, 'first call');
    w.data[1] = 1e6;
    assertClose(convTranspose(x, prepared, bias, options).data, expected, 'after editing the original');
    // Other layers on the same handle (another input size) pack again for their own layout.
    const x2 = randomTensor([1, 4, 3, 7], 6);
    assertClose(convTranspose(x2, prepared, null, options).data,
      convTranspose(x2, freshWeight(5), null, { ...options, backend: 'reference' }).data, 'other input (the weights as prepared)');
    prepared.dispose();
    const error = refusal(() => convTranspose(x, prepared, bias, options));
    assert.equal(error.parameter, 'weight');
    assert.match(error.message, /were disposed; prepare the weights again with prepareWeights\(weight\)$/);
  });

  test(`${backend}: layers see in-place edits and replaced weights; dispose frees and the layer stays usable`, () => {
    const up = new ConvTranspose2d(4, 6, 3, { ...layer, groups: 2, backend, seed: 1 });
    const check = (label: string) => assertClose(up.forward(x).data, convTranspose(x, up.weight, up.bias, { ...options, backend: 'reference' }).data, label);
    check('first forward');
    check('second forward');
    up.weight.data[1]! += 10;
    check('after layer.weight.data[1] += 10');
    up.weight = freshWeight(8);
    check('after replacing layer.weight');
    up.dispose();
    check('after dispose');
    up.dispose();
    const down = new Conv2d(4, 6, 3, { padding: 1, backend, seed: 2 });
    const before = down.forward(x);
    down.weight.data[down.weight.data.length - 1]! += 5;
    const after = down.forward(x);
    assertClose(after.data, conv(x, down.weight, down.bias, { padding: 1, backend: 'reference' }).data, 'conv layer after an edit');
    assert.ok(relativeL2Error(before.data, after.data) > 0);
  });

  test(`${backend}: NaN, ±Infinity and fractions after a valid call are refused by name (the plan cache is exact)`, () => {
    const w = freshWeight();
    convTranspose(x, w, bias, options); // a valid call first, so the defaults' plan is cached
    convTranspose(x, w, bias, { groups: 2, backend });
    for (const [name, value, parameter] of [
      ['stride', Number.NaN, 'stride'], ['stride', Number.POSITIVE_INFINITY, 'stride'], ['padding', Number.NEGATIVE_INFINITY, 'padding'],
      ['padding', Number.POSITIVE_INFINITY, 'padding'], ['groups', Number.NaN, 'groups'], ['dilation', Number.NaN, 'dilation'],
      ['outputPadding', Number.NaN, 'outputPadding'], ['stride', 1.5, 'stride'], ['padding', [1, Number.NaN], 'padding[1]'],
      ['stride', '2', 'stride'],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const error = refusal(() => convTranspose(x, w, bias, { groups: 2, backend, [name]: value }));
        assert.equal(error.code, 'invalid-value');
        assert.equal(error.parameter, parameter, `${name}: ${String(value)}`);
      }
    }
  });

  test(`${backend}: dilation or padding of 2^32 + 1 is refused by name (no int32 wrap-around)`, () => {
    const w = freshWeight();
    for (const name of ['dilation', 'padding', 'stride'] as const) {
      const error = refusal(() => convTranspose(x, w, bias, { groups: 2, backend, [name]: 2 ** 32 + 1 }));
      assert.equal(error.parameter, name);
      assert.match(error.message, /must be at most 2147483647 \(2\^31 − 1: the wasm and native kernels index with 32-bit integers\)/);
    }
    // The dilated kernel's extent past 2^31 − 1 with each value in range.
    assert.equal(refusal(() => convTranspose(x, w, bias, { groups: 2, backend, dilation: 2 ** 30 })).parameter, 'dilation');
  });

  test(`${backend}: memoryLimitBytes NaN, 'abc' or 0 is refused, not a budget turned off; threads checked`, () => {
    const w = freshWeight();
    convTranspose(x, w, bias, { ...options, memoryLimitBytes: 2 ** 30 });
    for (const value of [Number.NaN, 'abc', 0, -5]) {
      const error = refusal(() => convTranspose(x, w, bias, { ...options, memoryLimitBytes: value as never }));
      assert.equal(error.parameter, 'memoryLimitBytes');
    }
    assert.equal(refusal(() => convTranspose(x, w, bias, { ...options, memoryLimitBytes: 1000 })).code, 'memory-limit');
    for (const value of [Number.NaN, 0, 1.5, '2', 257, Number.POSITIVE_INFINITY]) {
      assert.equal(refusal(() => convTranspose(x, w, bias, { ...options, threads: value as never })).parameter, 'threads');
    }
  });
}

test('tensor data of other kinds: converted or refused the same way on every backend', () => {
  const w = freshWeight(9);
  const expected = reference(w).data;
  const kinds: Record<string, unknown> = {
    Float64Array: Float64Array.from(w.data), 'a list of numbers': Array.from(w.data), Int8Array: null,
  };
  for (const backend of BACKENDS) {
    const options = { ...layer, groups: 2, backend };
    for (const [name, data] of Object.entries(kinds)) {
      if (data === null) continue;
      assertClose(convTranspose(x, { shape: w.shape, data } as never, bias, options).data, expected, `${backend}: weight data as ${name}`);
    }
    assertClose(convTranspose({ shape: x.shape, data: Float64Array.from(x.data) } as never, w, { shape: [6], data: Array.from(bias.data) } as never, options).data,
      expected, `${backend}: input as Float64Array, bias as a list`);
    const ints = tensor([2, 4, 5, 6], Array.from(x.data, (v) => Math.round(v * 10)));
    assertClose(convTranspose({ shape: ints.shape, data: Int16Array.from(ints.data) } as never, w, bias, options).data,
      convTranspose(ints, w, bias, { ...options, backend: 'reference' }).data, `${backend}: input as Int16Array`);
  }
  const refusals = [
    ['weight', { shape: [2, 2, 2], data: 'abcdefgh' }, /^weight\.data \("a string of 8 characters"\) must be a Float32Array, another numeric typed array or a list of numbers/],
    ['weight', { shape: [2, 1, 2], data: [1, 2, '3', 4] }, /^weight\.data\[2\] \("3"\) must be a number/],
    ['weight', { shape: [2, 1, 2], data: new BigInt64Array(4) }, /^weight\.data \("BigInt64Array"\) must be a Float32Array/],
    ['input', { shape: [1, 2, 3], data: 'abcdef' }, /^input\.data \("a string of 6 characters"\)/],
  ] as const;
  for (const [which, bad, message] of refusals) {
    const messages = BACKENDS.map((backend) => {
      const input = which === 'input' ? bad : tensor([1, 2, 3], [1, 2, 3, 4, 5, 6]);
      const weight = which === 'weight' ? bad : tensor([2, 1, 2], [1, 1, 1, 1]);
      const error = refusal(() => convTranspose(input as never, weight as never, null, { backend }));
      assert.match(error.message, message, backend);
      return error.message;
    });
    assert.equal(new Set(messages).size, 1, 'the same message on every backend');
  }
});

test('prepared weights share one bounded cache: past its bound the least recently used packings are evicted', () => {
  const saved = packedWeightsTuning.limitBytes;
  const w = freshWeight(11);
  const expected = reference(w).data;
  const handles = Array.from({ length: 6 }, () => prepareWeights(w));
  try {
    const accelerated = BACKENDS.filter((b) => b !== 'reference');
    const base = packedWeightBytes();
    for (const backend of accelerated) convTranspose(x, handles[0]!, bias, { ...layer, groups: 2, backend });
    const perHandle = packedWeightBytes() - base;
    if (accelerated.length > 0) assert.ok(perHandle > 0, 'prepared weights are packed and kept');
    packedWeightsTuning.limitBytes = base + 2.5 * Math.max(perHandle, 1);
    for (const handle of handles) {
      for (const backend of accelerated) {
        assertClose(convTranspose(x, handle, bias, { ...layer, groups: 2, backend }).data, expected, backend);
        assert.ok(packedWeightBytes() <= packedWeightsTuning.limitBytes, `${packedWeightBytes()} bytes held`);
      }
    }
    const held = packedWeightBytes();
    for (const handle of handles) handle.dispose();
    assert.ok(packedWeightBytes() < held || held === base, 'dispose frees what the handles held');
  } finally {
    packedWeightsTuning.limitBytes = saved;
  }
});
