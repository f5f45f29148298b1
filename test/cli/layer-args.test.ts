/** Parsing of the CLI's layer options, in-process: every refusal is a TconvError with code 'usage' and a clear sentence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerSpecFromArgs, parseInteger, parsePerAxis, parseRank } from '../../src/cli/layer-args.ts';
import { formatJson, renderTable } from '../../src/cli/output.ts';
import { TconvError } from '../../src/shape/errors.ts';

const usage = (pattern: RegExp) => (error: unknown) => error instanceof TconvError && error.code === 'usage' && pattern.test(error.message);

test('sizes and per-axis values: N, NxM, NxMxL (x, × or comma)', () => {
  assert.equal(parsePerAxis('--kernel', '3'), 3);
  assert.deepEqual(parsePerAxis('--kernel', '3x5'), [3, 5]);
  assert.deepEqual(parsePerAxis('--input', '8×9,10'), [8, 9, 10]);
  assert.throws(() => parsePerAxis('--kernel', '3x'), usage(/^--kernel \("3x"\) is not an integer or per-axis integers/));
  assert.throws(() => parsePerAxis('--input', '1x2x3x4'), usage(/at most 3/));
  assert.throws(() => parsePerAxis('--stride', '1.5'), usage(/--stride/));
  assert.throws(() => parseInteger('--groups', 'two'), usage(/^--groups \("two"\) is not an integer; write a whole number/));
  assert.throws(() => parseRank('4'), usage(/^--rank \("4"\) must be 1, 2 or 3/));
});

test('a spec keeps only the options given; --rank applies to single numbers and must agree with tuples', () => {
  assert.deepEqual(layerSpecFromArgs({ input: '32', kernel: '7', stride: '2', padding: '3' }),
    { kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
  assert.deepEqual(layerSpecFromArgs({ input: '32', kernel: '3', rank: '1' }), { kind: 'convTranspose', input: 32, kernel: 3, rank: 1 });
  assert.throws(() => layerSpecFromArgs({ input: '32x32', kernel: '3', rank: '3' }),
    usage(/^--rank \(3\) contradicts --input 32x32, which has 2 axes/));
  assert.throws(() => layerSpecFromArgs({ input: '32', kernel: '3', outputPadding: '1x1x1', rank: '2' }), usage(/--output-padding 1x1x1/));
});

test('tables align columns; JSON keeps number arrays on one line and survives a round trip', () => {
  assert.equal(renderTable(['k', 'out'], [['4', '64'], ['10', '8']], { alignRight: [1] }), 'k   out\n4    64\n10    8');
  const value = { shape: [1, 3, 63, 63], nested: [[3, 4], [3, 4]], words: ['a, b', 'c'], ratio: Infinity };
  const text = formatJson(value);
  assert.match(text, /"shape": \[1, 3, 63, 63\]/);
  assert.match(text, /"words": \["a, b", "c"\]/);
  assert.deepEqual(JSON.parse(text), { ...value, ratio: 'Infinity' });
});
