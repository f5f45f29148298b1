import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asciiLayer, asciiStack } from '../../src/analysis/ascii.ts';

test('ASCII picture of the seed k7 s2 p3 layer: phases of 3 and 4 taps, 16:12:9, and a period of numbers', () => {
  const text = asciiLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }, { corner: 8 });
  assert.match(text, /phases, axis 0: o ≡ 0 \(mod 2\) taps 1,3,5 \(3\) · o ≡ 1 \(mod 2\) taps 0,2,4,6 \(4\)/);
  assert.match(text, /interior overlap 16:12:9 \(max\/min 1\.78, period 2×2\): checkerboard/);
  assert.match(text, /\n +9 +12\n +12 +16\n/);
  const map = text.split('\n').filter((l) => l.startsWith('  |'));
  assert.equal(map.length, 8);
  // Heaviest glyph on the (odd, odd) interior cells, a lighter one on the (even, even) cells.
  assert.equal(map[3]!.slice(3 + 6, 3 + 8), '@@');
  assert.notEqual(map[4]!.slice(3 + 8, 3 + 10), '@@');
});

test('ASCII: k3 s1 is even; a k3 s2 stack reports its compounding layer by layer; dilation holes are named', () => {
  assert.match(asciiLayer({ kind: 'convTranspose', input: 32, kernel: 3, stride: 1, padding: 1 }), /interior overlap even \(9 everywhere\): no checkerboard/);
  const stack = asciiStack({ input: 4, layers: Array(3).fill({ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }) });
  assert.match(stack, /after layer 1 \(convT k3 s2 p1 op1\): 8×8, interior 4:2:1 \(period 2×2\)/);
  assert.match(stack, /after layer 3 \(convT k3 s2 p1 op1\): 32×32, interior 25:1 \(max:min\) \(period 8×8\)/);
  assert.match(asciiLayer({ kind: 'convTranspose', input: 12, kernel: 3, stride: 2, dilation: 2, rank: 1 }), /taps none \(0\)[\s\S]*holes/);
});
