import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_MEMORY_LIMIT_BYTES, MAX_TENSOR_ELEMENTS, planLayer } from '../../src/shape/plan.ts';
import { inferRank, perAxis, checkInteger, type LayerSpec } from '../../src/shape/params.ts';
import { TconvError, isTconvError, renderError, formatValue } from '../../src/shape/errors.ts';
import {
  convOutputSize, gcd, outputPaddingToRestore, pytorchTransposedOutputSize, tapsInPhase, totalPaddingFor, fullTransposedSize,
} from '../../src/shape/formulas.ts';
import { isEvenByRule, polyphase } from '../../src/shape/phases.ts';

const refuses = (spec: LayerSpec, code: string, message: RegExp) =>
  assert.throws(() => planLayer(spec), (e: unknown) => e instanceof TconvError && e.code === code && message.test(e.message), JSON.stringify(spec));

test('the seed article\'s layers: 32 → 32, 32, 63 (not 34, 36, 66)', () => {
  const shape = (kernel: number, stride: number, padding: number) => planLayer({ kind: 'convTranspose', input: 32, kernel, stride, padding }).outputShape;
  assert.deepEqual(shape(3, 1, 1), [1, 1, 32, 32]);
  assert.deepEqual(shape(5, 1, 2), [1, 1, 32, 32]);
  assert.deepEqual(shape(7, 2, 3), [1, 1, 63, 63]);
  const p = planLayer({ kind: 'convTranspose', input: [32, 32], kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 8, batch: 2 });
  assert.deepEqual(p.weightShape, [3, 8, 7, 7]);
  assert.deepEqual(p.phases[0]!.phases.map((x) => x.taps), [[1, 3, 5], [0, 2, 4, 6]]);
  assert.equal(p.flops, 2 * 2 * 3 * 8 * 32 * 32 * 49);
  assert.equal(p.bytes, 4 * (2 * 3 * 32 * 32 + 2 * 8 * 63 * 63 + 3 * 8 * 49 + 8));
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.axes));
});

test('PyTorch\'s shape formula agrees with planLayer, transposed and ordinary (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }),
    (i, k, s, p, d, opRaw) => {
      const op = opRaw % Math.max(s, d);
      const expected = pytorchTransposedOutputSize(i, k, s, p, d, op);
      if (expected >= 1) {
        const plan = planLayer({ kind: 'convTranspose', input: [i], kernel: k, stride: s, padding: p, dilation: d, outputPadding: op });
        assert.equal(plan.axes[0]!.output, expected);
        assert.equal(plan.axes[0]!.padding, p);
        assert.equal(plan.axes[0]!.outputPadding, op);
        assert.equal(totalPaddingFor(i, k, s, d, expected, op), 2 * p);
      } else {
        refuses({ kind: 'convTranspose', input: [i], kernel: k, stride: s, padding: p, dilation: d, outputPadding: op }, 'output-too-small', /leaves an output size of/);
      }
      const convOut = Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;
      if (convOut >= 1) {
        assert.equal(planLayer({ kind: 'conv', input: [i], kernel: k, stride: s, padding: p, dilation: d }).axes[0]!.output, convOut);
        // Undoing the strided conv: op = (i + 2p − K) mod s restores i (Dumoulin & Visin, relationship 14) when it is a legal op.
        const restore = outputPaddingToRestore(i, k, s, p, d);
        if (restore < Math.max(s, d) && pytorchTransposedOutputSize(convOut, k, s, p, d, restore) >= 1) {
          assert.equal(pytorchTransposedOutputSize(convOut, k, s, p, d, restore), i);
        }
      }
    }), { numRuns: 500 });
});

test('phases: tap counts follow ⌊(k − 1 − r)/s⌋ + 1 (d = 1) and evenness follows the rule (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), (k, s, d) => {
    const phases = polyphase({ input: 4, kernel: k, stride: s, dilation: d, padBegin: 0, output: fullTransposedSize(4, k, s, d) });
    assert.equal(phases.even, isEvenByRule(k, s, d));
    if (d === 1) for (const p of phases.phases) assert.equal(p.taps.length, tapsInPhase(k, s, p.residue));
    if (gcd(d, s) > 1 && s > 1) assert.ok(phases.holes > 0);
  }), { numRuns: 200 });
  assert.deepEqual(polyphase({ input: 3, kernel: 3, stride: 2, dilation: 2, padBegin: 0, output: 9 }).phases.map((p) => p.taps), [[0, 1, 2], []]);
  assert.equal(gcd(-12, 18), 6);
  assert.equal(convOutputSize({ input: 5, kernel: 3, stride: 2, dilation: 1, padBegin: 1, padEnd: 0 }), 2);
});

test('errors are data: code, parameter, value, rule, hint, rendered as one sentence', () => {
  const e = new TconvError({ code: 'invalid-value', parameter: 'stride', value: [0, 1], rule: 'must be a positive integer', hint: 'use 1 or more' });
  assert.equal(e.message, 'stride ([0, 1]) must be a positive integer; use 1 or more');
  assert.equal(e.name, 'TconvError');
  assert.deepEqual(e.toJSON(), { code: 'invalid-value', parameter: 'stride', value: [0, 1], rule: 'must be a positive integer', hint: 'use 1 or more', message: e.message });
  assert.ok(isTconvError(e) && !isTconvError(new Error('x')));
  assert.equal(formatValue('same'), '"same"');
  assert.equal(renderError({ code: 'usage', parameter: 'p', value: undefined, rule: 'r', hint: 'h' }), 'p (undefined) r; h');
});

test('every rule of params.ts and plan.ts has its message', () => {
  const t = { kind: 'convTranspose' as const, input: 8, kernel: 3 };
  refuses({ ...t, kernel: [3, 3], stride: [1, 1, 1] }, 'invalid-rank', /^stride \(\[1, 1, 1\]\) has 3 values but kernel has 2; give every per-axis parameter the same number of values/);
  refuses({ ...t, pads: { begin: [0], end: [0, 0] } }, 'invalid-rank', /^pads\.end \(\[0, 0\]\) has 2 values but pads\.begin has 1/);
  refuses({ ...t, rank: 4 as never }, 'invalid-rank', /^rank \(4\) must be 1, 2 or 3 spatial axes; tconv supports 1D, 2D and 3D layers/);
  refuses({ ...t, input: [1, 2, 3, 4] }, 'invalid-rank', /^input \(4\) must be 1, 2 or 3 spatial axes/);
  refuses({ ...t, kind: 'deconv' as never }, 'invalid-value', /^kind \("deconv"\) must be "convTranspose" or "conv"; choose the layer type/);
  refuses({ ...t, input: 0 }, 'invalid-value', /^input \(0\) must be a positive integer; spatial sizes must be 1 or more/);
  refuses({ ...t, kernel: [3, 0] }, 'invalid-value', /^kernel\[1\] \(0\) must be a positive integer; use a kernel size of 1 or more/);
  refuses({ ...t, stride: 1.5 }, 'invalid-value', /^stride \(1\.5\) must be a positive integer; use a stride of 1 or more/);
  // The plan lists every tap and stride phase: absurd sizes are refused before they could exhaust memory.
  refuses({ ...t, kernel: 99999 }, 'invalid-value', /^kernel \(99999\) must be at most 65536 \(tconv lists every tap and every stride phase of a layer\); use a kernel of 65536 or less$/);
  refuses({ ...t, kernel: 99999999999 }, 'invalid-value', /^kernel \(99999999999\) must be at most 2147483647 \(2\^31 − 1: the wasm and native kernels index with 32-bit integers\); use a kernel of 2147483647 or less$/);
  refuses({ ...t, kernel: [3, 3], stride: [2, 65537] }, 'invalid-value', /^stride\[1\] \(65537\) must be at most 65536/);
  assert.equal(planLayer({ ...t, kernel: 65536, rank: 1 }).axes[0]!.kernel, 65536);  // the limit itself plans
  // JavaScript callers: null or an object where a number or list belongs is named, not a TypeError from inside.
  refuses({ kind: 'convTranspose', kernel: 3 } as never, 'invalid-value', /^input \(undefined\) is required; give the spatial input size, e\.g\. input: 32 or \[32, 32\]$/);
  refuses({ kind: 'convTranspose', input: 8 } as never, 'invalid-value', /^kernel \(undefined\) is required; give the kernel size, e\.g\. kernel: 3 or \[3, 3\]$/);
  refuses(null as never, 'invalid-value', /^layer \(null\) must be a layer spec or a plan/);
  refuses({ ...t, stride: null as never }, 'invalid-value', /^stride \(null\) must be a number or a list of 2 numbers \(one per spatial axis\); use a stride of 1 or more/);
  refuses({ ...t, kernel: [3, 3], padding: { x: 1 } as never }, 'invalid-value', /^padding \(\{"x":1\}\) must be a number or a list of 2 numbers/);
  refuses({ ...t, dilation: 0 }, 'invalid-value', /^dilation \(0\) must be a positive integer; use a dilation of 1 or more \(1 = no dilation\)/);
  refuses({ ...t, padding: -1 }, 'invalid-value', /^padding \(-1\) must be a non-negative integer; use padding 0 or more/);
  refuses({ ...t, outputPadding: -1 }, 'invalid-value', /^outputPadding \(-1\) must be a non-negative integer; use outputPadding 0 or more/);
  refuses({ ...t, batch: -1 }, 'invalid-value', /^batch \(-1\) must be a non-negative integer; use a batch of 0 or more/);
  refuses({ ...t, inChannels: 0 }, 'invalid-value', /^inChannels \(0\) must be a positive integer; use 1 or more channels/);
  refuses({ ...t, outChannels: NaN }, 'invalid-value', /^outChannels \(NaN\) must be a positive integer/);
  refuses({ ...t, groups: 0 }, 'invalid-value', /^groups \(0\) must be a positive integer; use groups = 1 for an ordinary layer/);
  refuses({ ...t, inChannels: 3, outChannels: 4, groups: 2 }, 'groups-mismatch', /^inChannels \(3\) must be divisible by groups \(2\); use a multiple of 2 channels, or groups that divide 3/);
  refuses({ ...t, inChannels: 4, outChannels: 6, groups: 4 }, 'groups-mismatch', /^outChannels \(6\) must be divisible by groups \(4\)/);
  refuses({ ...t, stride: 2, outputPadding: 2 }, 'output-padding-too-large', /^outputPadding \(2\) must be smaller than stride \(2\) or dilation \(1\); use outputPadding 0 or 1$/);
  refuses({ ...t, outputPadding: 1 }, 'output-padding-too-large', /^outputPadding \(1\) must be smaller than stride \(1\) or dilation \(1\); use outputPadding 0$/);
  refuses({ ...t, kernel: [3, 3], stride: [1, 3], outputPadding: [0, 3] }, 'output-padding-too-large', /^outputPadding\[1\] \(3\) must be smaller than stride \(3\) or dilation \(1\); use outputPadding 0, 1, 2$/);
  // outputPadding may reach max(stride, dilation) − 1: dilation 3 allows 2 with stride 1.
  assert.equal(planLayer({ ...t, dilation: 3, outputPadding: 2 }).axes[0]!.output, 8 + 6 + 2);
  refuses({ ...t, input: [1], kernel: 1, padding: 1 }, 'output-too-small', /^padding \(1\) leaves an output size of -1 \(input 1, kernel 1, stride 1, dilation 1\), but every output size must be at least 1; use less padding or a larger kernel, stride or input/);
  refuses({ ...t, input: [8, 1], kernel: 1, padding: [0, 1] }, 'output-too-small', /^padding\[1\] \(1\) leaves an output size of -1 on axis 1/);
  refuses({ kind: 'conv', input: [2], kernel: 5 }, 'output-too-small', /^padding \(0\) leaves an output size of -2 .*; use more padding, a smaller kernel or dilation, or a larger input/);
  refuses({ ...t, padding: 1, pads: { begin: [1], end: [1] } }, 'invalid-value', /^pads \(\[1, 1\]\) cannot be given together with padding; give either symmetric padding or begin\/end pads/);
  // A transposed conv's pads.begin may add fewer than max(stride, dilation) cells before the output (as
  // outputPadding does at the end); an ordinary conv's may not be negative.
  refuses({ ...t, pads: { begin: [-1], end: [0] } }, 'invalid-value', /^pads\.begin\[0\] \(-1\) adds 1 zero cell\(s\) before the output, but at most max\(stride, dilation\) − 1 = 0 can be added \(as with outputPadding at the end\); use pads\.begin 0 or more$/);
  assert.equal(planLayer({ ...t, stride: 2, pads: { begin: [-1], end: [0] } }).axes[0]!.output, 7 * 2 + 3 + 1);
  refuses({ kind: 'conv', input: 8, kernel: 3, pads: { begin: [-1], end: [0] } }, 'invalid-value', /^pads\.begin\[0\] \(-1\) must be a non-negative integer; pads are never negative/);
  refuses({ ...t, pads: { begin: [0.5], end: [0] } }, 'invalid-value', /^pads\.begin\[0\] \(0\.5\) must be an integer; pads\.begin is a whole number of cells/);
  refuses({ ...t, pads: { begin: [0], end: [-1] } }, 'invalid-value', /^pads\.end\[0\] \(-1\) must be a non-negative integer/);
  refuses({ kind: 'conv', input: 8, kernel: 3, outputPadding: 1 }, 'invalid-value', /^outputPadding \(1\) only applies to transposed convolutions; remove outputPadding from this conv layer/);
  refuses({ kind: 'conv', input: 8, kernel: 3, outputPadding: 0.5 }, 'invalid-value', /^outputPadding \(0\.5\) must be an integer; remove outputPadding from this conv layer/);
  assert.equal(planLayer({ kind: 'conv', input: 8, kernel: 3, outputPadding: 0 }).axes[0]!.output, 6);
  refuses({ ...t, input: 4096, inChannels: 512, outChannels: 512, batch: 64 }, 'memory-limit', /^outputShape \(\[64, 512, 4098, 4098\]\) needs .* GiB of tensors \(largest \d+ elements\), over the limit of 4\.00 GiB or 2147483647 elements per tensor; use a smaller batch or input, or raise memoryLimitBytes/);
  refuses({ ...t, input: 64, memoryLimitBytes: 1024 }, 'memory-limit', /over the limit of 0\.00 GiB/);
  refuses({ ...t, input: [46341, 46341], memoryLimitBytes: 2 ** 50 }, 'memory-limit', /largest 2147673649 elements/);
  assert.equal(DEFAULT_MEMORY_LIMIT_BYTES, 4 * 1024 ** 3);
  assert.equal(MAX_TENSOR_ELEMENTS, 2 ** 31 - 1);
  // Batch 0 is valid (an empty result of the right shape).
  assert.deepEqual(planLayer({ ...t, batch: 0 }).outputShape, [0, 1, 10, 10]);
});

test('params helpers: inferRank defaults, perAxis expansion and names, checkInteger bounds', () => {
  assert.equal(inferRank({ input: 8, kernel: 3 }), 2);
  assert.equal(inferRank({ input: 8, kernel: 3, rank: 3 }), 3);
  assert.equal(inferRank({ input: [8], kernel: 3 }), 1);
  assert.deepEqual(perAxis('stride', undefined, 3, 1, 'positive', ''), [1, 1, 1]);
  assert.deepEqual(perAxis('stride', 2, 2, 1, 'positive', ''), [2, 2]);
  assert.deepEqual(perAxis('outputPadding', [1, -2], 2, 0, 'any', 'h'), [1, -2]);
  assert.throws(() => perAxis('stride', [1, -2], 2, 1, 'positive', 'h'), /^TconvError: stride\[1\] \(-2\) must be a positive integer; h$/);
  assert.throws(() => checkInteger('n', '3', 'any', 'h'), /^TconvError: n \("3"\) must be an integer; h$/);
  assert.throws(() => checkInteger('n', 2 ** 60, 'positive', 'h'), /must be a positive integer/);
  assert.equal(checkInteger('n', 0, 'nonNegative', 'h'), 0);
});

test('planGeometry sizes layers too large to run (analysis allocates nothing), planLayer still refuses to run them', async () => {
  const { planGeometry } = await import('../../src/shape/plan.ts');
  const huge = { kind: 'convTranspose', input: 40000, kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 3 } as const;
  assert.deepEqual(planGeometry(huge).outputShape, [1, 3, 79999, 79999]);
  assert.throws(() => planLayer(huge), { code: 'memory-limit' });
  // An explicit limit still applies.
  assert.throws(() => planGeometry({ ...huge, memoryLimitBytes: 1024 }), { code: 'memory-limit' });
});

test('sizes and per-axis values past the kernels\' int32 index range are refused by name, values and extents', () => {
  const t = { kind: 'convTranspose', input: 4, kernel: 3, rank: 1 } satisfies LayerSpec;
  const big = 2 ** 32 + 1;
  refuses({ ...t, dilation: big }, 'invalid-value', /^dilation \(4294967297\) must be at most 2147483647 \(2\^31 − 1/);
  refuses({ ...t, padding: big }, 'invalid-value', /^padding \(4294967297\) must be at most 2147483647/);
  refuses({ ...t, padding: [1, big], input: [4, 4], rank: 2 }, 'invalid-value', /^padding\[1\] \(4294967297\) must be at most/);
  refuses({ ...t, pads: { begin: [big], end: [0] } }, 'invalid-value', /^pads\.begin\[0\] \(4294967297\) must be at most/);
  refuses({ ...t, batch: big }, 'invalid-value', /^batch \(4294967297\) must be at most/);
  refuses({ ...t, inChannels: big }, 'invalid-value', /^inChannels \(4294967297\) must be at most/);
  refuses({ ...t, input: big }, 'invalid-value', /^input \(4294967297\) must be at most/);
  // Each value in range, the extent not: the dilated kernel, the uncropped transposed output, the padded conv input.
  refuses({ ...t, dilation: 2 ** 30 }, 'invalid-value', /^dilation \(1073741824\) makes axis 0 span 2147483649 positions \(dilated kernel d·\(k − 1\) \+ 1\), past the kernels' 32-bit index range \(2147483647\); use a smaller dilation$/);
  refuses({ ...t, input: 2 ** 30, stride: 4, kernel: 1 }, 'invalid-value', /^stride \(4\) makes axis 0 span 4294967293 positions \(uncropped output/);
  refuses({ ...t, kind: 'conv', input: 8, padding: 2 ** 30 }, 'invalid-value', /^padding \(1073741824\) makes axis 0 span 2147483656 positions \(padded input\)/);
  // The largest extent that fits plans (geometry only: its tensors are never allocated).
  assert.equal(planLayer({ ...t, input: 1, kernel: 2, dilation: 2 ** 31 - 2, padding: 2 ** 30 - 1, memoryLimitBytes: Infinity }).axes[0]!.output, 1);
});

test('memoryLimitBytes: NaN, a string, 0 or a negative number are refused by name (they would turn the budget off)', () => {
  const t = { kind: 'convTranspose', input: 4, kernel: 3 } satisfies LayerSpec;
  for (const value of [Number.NaN, 'abc', 0, -1, -Infinity]) {
    refuses({ ...t, memoryLimitBytes: value as never }, 'invalid-value', /^memoryLimitBytes \(.*\) must be a positive number of bytes; give a number such as 4294967296/);
  }
  assert.equal(planLayer({ ...t, memoryLimitBytes: Infinity }).outputShape[2], 6);
  refuses({ ...t, input: 64, memoryLimitBytes: 100 }, 'memory-limit', /over the limit/);
});
