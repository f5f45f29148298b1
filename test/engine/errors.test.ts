/** Every error the engine raises itself (the plan's own rules are tested in test/shape). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TconvError } from '../../src/shape/errors.ts';
import {
  ConvTranspose2d, Conv1d, conv, convTranspose, getBackend, planFromTensors, registerBackend, tensor,
} from '../../src/engine/index.ts';

function throwsTconv(fn: () => unknown, expected: { code: string; parameter: string; message: RegExp }): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TconvError, `expected a TconvError, got ${String(error)}`);
    assert.equal(error.code, expected.code);
    assert.equal(error.parameter, expected.parameter);
    assert.match(error.message, expected.message);
    return true;
  });
}

const x = tensor([1, 4, 5, 5]);

test('input with the wrong number of dimensions', () => {
  throwsTconv(() => convTranspose(tensor([4, 5]), tensor([4, 2, 3]), null), {
    code: 'invalid-rank', parameter: 'input.shape',
    message: /^input\.shape \(\[4, 5\]\) has 2 dimensions, but a layer takes N, C and 1 to 3 spatial sizes \(3 to 5 dimensions\); reshape the input to NCW, NCHW or NCDHW$/,
  });
  throwsTconv(() => planFromTensors('conv', [1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], {}), { code: 'invalid-rank', parameter: 'input.shape', message: /6 dimensions/ });
});

test('weight rank does not match the input', () => {
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3]), null), {
    code: 'weight-shape', parameter: 'weight.shape',
    message: /^weight\.shape \(\[4, 2, 3\]\) has 3 dimensions, but a 2D layer needs 4: \(Cin, Cout\/groups, k…\); give the weight as \(Cin, Cout\/groups, k…\) with 2 kernel sizes$/,
  });
  throwsTconv(() => conv(x, tensor([4, 2, 3]), null), { code: 'weight-shape', parameter: 'weight.shape', message: /\(Cout, Cin\/groups, k…\)/ });
});

test('transposed weight whose first dimension is not the input channels', () => {
  throwsTconv(() => convTranspose(x, tensor([3, 2, 3, 3]), null), {
    code: 'weight-shape', parameter: 'weight.shape',
    message: /^weight\.shape \(\[3, 2, 3, 3\]\) starts with 3 input channels, but the input has 4 \(layout \(Cin, Cout\/groups, k…\)\); use a weight of shape \[4, Cout\/groups, 3, 3\]$/,
  });
});

test('conv weight whose channels × groups is not the input channels', () => {
  throwsTconv(() => conv(x, tensor([6, 4, 3, 3]), null, { groups: 2 }), {
    code: 'weight-shape', parameter: 'weight.shape',
    message: /^weight\.shape \(\[6, 4, 3, 3\]\) has 4 input channels per group × 2 group\(s\) = 8, but the input has 4 \(layout \(Cout, Cin\/groups, k…\)\); use a weight of shape \[Cout, 2, 3, 3\]$/,
  });
  throwsTconv(() => conv(tensor([1, 5, 4]), tensor([2, 2, 3]), null, { groups: 2 }), { code: 'weight-shape', parameter: 'weight.shape', message: /use a weight of shape \[Cout, Cin\/groups, 3\]$/ });
});

test('kernel option that disagrees with the weight', () => {
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3, 3]), null, { kernel: [3, 4] }), {
    code: 'weight-shape', parameter: 'kernel',
    message: /^kernel \(\[3, 4\]\) does not match the weight's kernel sizes \[3, 3\] \(weight shape \[4, 2, 3, 3\]\); leave kernel out/,
  });
  assert.deepEqual(convTranspose(x, tensor([4, 2, 3, 3]), null, { kernel: 3 }).shape, [1, 2, 7, 7]);
});

test('invalid groups is named before the weight is blamed', () => {
  throwsTconv(() => conv(x, tensor([4, 4, 3, 3]), null, { groups: 0 }), { code: 'invalid-value', parameter: 'groups', message: /must be a positive integer/ });
});

test('bias shape', () => {
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3, 3]), tensor([3]), {}), {
    code: 'weight-shape', parameter: 'bias.shape',
    message: /^bias\.shape \(\[3\]\) must be \[2\], one value per output channel; give a bias of shape \[2\], or null for no bias$/,
  });
  throwsTconv(() => conv(x, tensor([6, 4, 3, 3]), tensor([1, 6])), { code: 'weight-shape', parameter: 'bias.shape', message: /must be \[6\]/ });
});

test('tensor data that does not fit its shape', () => {
  const broken = { shape: [1, 4, 5, 5], data: new Float32Array(10) };
  throwsTconv(() => convTranspose(broken, tensor([4, 2, 3, 3]), null), {
    code: 'invalid-value', parameter: 'input.data',
    message: /^input\.data \("10 values"\) does not fit input\.shape \[1, 4, 5, 5\], which needs 100; build tensors with tensor\(shape, data\)/,
  });
  throwsTconv(() => conv(x, { shape: [2, 4, 1, 1], data: new Float32Array(7) }, null), { code: 'invalid-value', parameter: 'weight.data', message: /needs 8/ });
  throwsTconv(() => conv(x, tensor([2, 4, 1, 1]), { shape: [2], data: new Float32Array(3) }), { code: 'invalid-value', parameter: 'bias.data', message: /needs 2/ });
});

test('unknown backend', () => {
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3, 3]), null, { backend: 'gpu' as never }), {
    code: 'invalid-value', parameter: 'backend',
    message: /^backend \("gpu"\) is not a backend \(known: auto, native, wasm, reference\); use backend "auto" to pick the fastest available one$/,
  });
});

test('a known backend that is unavailable is refused, not silently replaced', () => {
  registerBackend({
    name: 'native',
    availability: () => ({ available: false, reason: 'test: no addon built' }),
    convTranspose: () => assert.fail('must not run'),
    conv: () => assert.fail('must not run'),
  });
  throwsTconv(() => getBackend('native'), {
    code: 'unsupported', parameter: 'backend',
    message: /^backend \("native"\) is not available here \(test: no addon built\); use backend "auto" or "reference", or see `tconv doctor`$/,
  });
  assert.notEqual(getBackend('auto').name, 'native');
});

test('layer input of the wrong rank, and layer constructor rules', () => {
  const layer = new ConvTranspose2d(4, 2, 3, { seed: 1 });
  throwsTconv(() => layer.forward(tensor([1, 1, 4, 5, 5])), {
    code: 'invalid-rank', parameter: 'input.shape',
    message: /^input\.shape \(\[1, 1, 4, 5, 5\]\) has 5 dimensions, but ConvTranspose2d takes 4 \(N, C, 2 spatial\) or 3 \(unbatched\); give an input of shape \[N, C, H, W\]/,
  });
  throwsTconv(() => new ConvTranspose2d(4, 3, 3, { groups: 2 }), { code: 'groups-mismatch', parameter: 'outChannels', message: /must be divisible by groups \(2\)/ });
  throwsTconv(() => new ConvTranspose2d(4, 2, 3, { stride: 2, outputPadding: 2 }), { code: 'output-padding-too-large', parameter: 'outputPadding', message: /must be smaller than stride \(2\) or dilation \(1\)/ });
  throwsTconv(() => new Conv1d(0, 2, 3), { code: 'invalid-value', parameter: 'inChannels', message: /see torch\.nn\.Conv1d$/ });
  throwsTconv(() => new Conv1d(2, 2, [3, 3]), { code: 'invalid-rank', parameter: 'kernelSize', message: /^kernelSize \(\[3, 3\]\) has 2 values, but Conv1d has 1 spatial axis; give one number$/ });
  throwsTconv(() => new ConvTranspose2d(2, 2, 3, { stride: [1, 2, 2] }), { code: 'invalid-rank', parameter: 'stride', message: /has 3 values, but ConvTranspose2d has 2 spatial axes/ });
});

test('forward(x, outputSize) out of PyTorch\'s range gives torch\'s message', () => {
  const layer = new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, seed: 1 });
  throwsTconv(() => layer.forward(x, [12, 10]), { code: 'output-size-unreachable', parameter: 'outputSize', message: /requested an output size of \[12, 10\], but valid sizes range from \[9, 9\] to \[10, 10\]/ });
});

test('plan errors surface through the ops before any allocation', () => {
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), { code: 'output-padding-too-large', parameter: 'outputPadding', message: /./ });
  throwsTconv(() => convTranspose(x, tensor([4, 2, 3, 3]), null, { memoryLimitBytes: 64 }), { code: 'memory-limit', parameter: 'outputShape', message: /over the limit/ });
});

test('JavaScript callers: missing or malformed tensors, thread counts and kernel options are named', () => {
  const w = tensor([4, 2, 3, 3]);
  throwsTconv(() => convTranspose(null as never, w, null), {
    code: 'invalid-value', parameter: 'input',
    message: /^input \(null\) must be a tensor: an object with a shape \(list of sizes\) and data \(Float32Array or list of numbers\); build it with tensor\(shape, data\)$/,
  });
  throwsTconv(() => conv(x, { shape: [2, 4, 3, 3] } as never, null), { code: 'invalid-value', parameter: 'weight', message: /^weight \(\{"shape":\[2,4,3,3\]\}\) must be a tensor/ });
  throwsTconv(() => convTranspose(x, w, [1, 2] as never), { code: 'invalid-value', parameter: 'bias', message: /^bias \(\[1, 2\]\) must be a tensor/ });
  for (const threads of [0, -1, 1.5, Number.NaN, '2', null]) {
    throwsTconv(() => convTranspose(x, w, null, { threads: threads as never, backend: 'reference' }), {
      code: 'invalid-value', parameter: 'threads', message: /^threads \(.*\) must be a positive integer; use threads 1 or more, or leave it out to use every core$/,
    });
  }
  throwsTconv(() => convTranspose(x, w, null, { threads: 257 }), { code: 'invalid-value', parameter: 'threads', message: /^threads \(257\) must be at most 256; use threads 256 or fewer/ });
  throwsTconv(() => convTranspose(x, w, null, { kernel: {} as never }), {
    code: 'invalid-value', parameter: 'kernel', message: /^kernel \(\{\}\) must be a number or a list of 2 numbers \(one per spatial axis\); leave kernel out/,
  });
  assert.deepEqual(convTranspose(x, w, null, { threads: 1, backend: 'reference' }).shape, [1, 2, 7, 7]);  // valid values still run
});
