/** Every error the analysis raises: one sentence naming the parameter, the value, the rule and the fix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveStack } from '../../src/analysis/stack.ts';
import { parseStack } from '../../src/analysis/stack-text.ts';
import { fromSubPixel, icnrWeight, polyphaseView, resizeConvAlternative, toSubPixel } from '../../src/analysis/subpixel.ts';
import { receptiveField, receptiveFieldAt } from '../../src/analysis/receptive-field.ts';
import { planDecoder } from '../../src/analysis/planner.ts';
import { randomTensor } from '../../src/engine/index.ts';
import { TconvError } from '../../src/shape/errors.ts';

const sentence = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TconvError, `expected a TconvError, got ${String(error)}`);
    return error.message;
  }
  throw new Error('expected an error');
};

test('stacks: unknown kinds and modes, bad factors, and layer errors prefixed with the layer', () => {
  assert.equal(sentence(() => resolveStack({ input: 4, layers: [{ kind: 'upsample' } as never] })),
    'layers[0].kind ("upsample") must be "convTranspose", "conv", "resize" or "pixelShuffle"; choose a layer type');
  assert.equal(sentence(() => resolveStack({ input: 4, layers: [{ kind: 'resize', mode: 'area' as 'nearest', scale: 2 }] })),
    'layers[0].mode ("area") must be "nearest" or "bilinear"; choose a resize mode');
  assert.equal(sentence(() => resolveStack({ input: 4, layers: [{ kind: 'resize', mode: 'nearest', scale: 0 }] })),
    'layers[0].scale (0) must be a positive integer; use a whole upsampling factor such as 2');
  assert.match(sentence(() => resolveStack({ input: 4, layers: [{ kind: 'convTranspose', kernel: 3 }, { kind: 'conv', kernel: 9 }] })),
    /^layers\[1\]\.padding\[0\] \(0\) leaves an output size of -2 on axis 0 \(input 6, kernel 9/);
});

test('the one-line stack syntax: each mistake named', () => {
  assert.equal(sentence(() => parseStack(' , ')), 'stack (" , ") lists no layer; write layers such as "convT k4 s2 p1 x4"');
  assert.equal(sentence(() => parseStack('upconv k3')), 'stack ("upconv k3") starts with "upconv", which is not a layer type; start each layer with convT, conv, nearest, bilinear or shuffle');
  assert.equal(sentence(() => parseStack('nearest')), 'stack ("nearest") needs one whole factor; write e.g. "nearest 2"');
  assert.equal(sentence(() => parseStack('convT s2 p1')), 'stack ("convT s2 p1") has no kernel size; add k and the size, e.g. "convT k4 s2 p1"');
  assert.equal(sentence(() => parseStack('conv k3 z1', '--stack')), '--stack ("conv k3 z1") has "z1", which is not a parameter; use k4, s2, p1, op1, d2, g2 or c64 (per axis: k3x5)');
});

test('alternatives: what a pixel shuffle, a resize or ICNR cannot express', () => {
  assert.equal(sentence(() => toSubPixel(randomTensor([2, 1, 3, 3], 1), null, { kernel: 3, stride: 2, groups: 2 }, [4, 4])),
    'groups (2) must be 1 for the sub-pixel rewrite; split a grouped layer into one layer per group first');
  assert.equal(sentence(() => fromSubPixel(randomTensor([6, 1, 2, 2], 1), null, { begin: [1, 1], end: [1, 1] }, 2)),
    'weight ([6, 1, 2, 2]) has 6 output channels, not divisible by factor^2 = 4; use the conv that feeds the pixel shuffle');
  assert.equal(sentence(() => fromSubPixel(randomTensor([2, 1, 2], 1), randomTensor([2], 2), { begin: [1], end: [1] }, 2)),
    'bias ("per sub-channel") differs between the sub-channels of one output channel; a transposed conv has one bias per channel; fold the difference into the previous layer');
  assert.equal(sentence(() => resizeConvAlternative({ kind: 'convTranspose', input: 8, kernel: 4, stride: [2, 3], padding: 1 })),
    'stride ([2, 3]) must be the same on every axis for a resize; use one stride for all axes');
  assert.equal(sentence(() => icnrWeight({ kind: 'pixelShuffle', shape: [6, 1, 3, 3], stride: 2, seed: 1 })),
    'shape[0] (6) must be divisible by stride^2 = 4; give the conv Cout·stride^rank output channels');
  assert.equal(sentence(() => polyphaseView({ kind: 'conv', input: 8, kernel: 3 })), 'kind ("conv") has no polyphase view; use a transposed convolution');
});

test('planner limits and receptive-field positions', () => {
  assert.equal(sentence(() => planDecoder({ from: 4, to: 64, layers: 0 })), 'layers (0) must be a positive integer; use 1 or more layers');
  assert.equal(sentence(() => planDecoder({ from: 4, to: 64, layers: 2, maxKernel: 0 })), 'maxKernel (0) must be a positive integer; use a kernel limit of 1 or more');
  const rf = receptiveField({ input: 4, rank: 1, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2 }] });
  assert.throws(() => receptiveFieldAt(rf, [9]), /^RangeError: position\[0\] \(9\) is outside the output \(size 9\)$/);
});

test('JavaScript callers: null where a layer, a stack, stack text or options belong is named', async () => {
  const analysis = await import('../../src/analysis/index.ts');
  for (const name of ['checkerboard', 'layerOverlap', 'asciiLayer', 'polyphaseView', 'gradientOverlap', 'explainLayer'] as const) {
    assert.match(sentence(() => (analysis[name] as (x: unknown) => unknown)(null)), /^layer \(null\) must be a layer spec or a plan; give e\.g\. \{ kind: 'convTranspose'/, name);
  }
  for (const name of ['stackOverlap', 'receptiveField', 'stackAlignment', 'resolveStack', 'asciiStack', 'artifactImage', 'checkOverlap', 'stackGradientOverlap'] as const) {
    assert.match(sentence(() => (analysis[name] as (x: unknown) => unknown)(null)), /^stack \(null\) must be an object with an input size and a list of layers/, name);
  }
  assert.equal(sentence(() => resolveStack({ input: 4, layers: [null as never] })),
    "layers[0] (null) must be a layer object; give e.g. { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }");
  assert.equal(sentence(() => parseStack(42 as never)), 'stack (42) must be text; write layers such as "convT k4 s2 p1 x4"');
  assert.match(sentence(() => planDecoder(null as never)), /^options \(null\) must be an object; give e\.g\. \{ from: 4, to: 64, layers: 4 \}$/);
});

test('long stacks: a resize to 400000 per side analyses, and the engine check refuses its 1.2 TB tensor by name', async () => {
  const { receptiveField: rf } = await import('../../src/analysis/receptive-field.ts');
  const { checkOverlap } = await import('../../src/analysis/stack-run.ts');
  const spec = { input: 4, rank: 2 as const, layers: [{ kind: 'resize' as const, mode: 'nearest' as const, scale: 99999 }] };
  assert.equal(rf(spec).axes[0]!.maxSize, 1);  // 399996 outputs per axis: no spread of that many values
  assert.match(sentence(() => checkOverlap(spec)), /^outputShape \(\[1, 1, 399996, 399996\]\) needs 1192\.07 GiB of tensors \(largest 159996800016 elements\), over the limit of 4\.00 GiB/);
});

test('a stack too deep to analyse names the input the caller gave, and the layer whose axis is too long', async () => {
  const { stackOverlap } = await import('../../src/analysis/overlap.ts');
  assert.equal(sentence(() => stackOverlap({ input: 4, rank: 1, layers: Array(25).fill({ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }) })),
    'input (4) makes axis 0 of layer 20 too long to analyse position by position (2097152 → 4194304 positions, ~8388608 (output, input) pairs; '
    + 'the limit is 4194304); analyse a smaller input (or fewer layers): the interior pattern repeats, so a small input shows the same overlap');
});
