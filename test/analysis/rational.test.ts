import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, div, equal, floorOf, mul, ratio, sub, toNumber } from '../../src/analysis/rational.ts';

test('rationals stay reduced and exact: arithmetic, floor of negatives, and floats past the double range', () => {
  assert.deepEqual(ratio(2, -4), { num: -1n, den: 2n });
  assert.ok(equal(add(ratio(1, 3), ratio(1, 6)), ratio(1, 2)));
  assert.ok(equal(sub(ratio(1, 4), ratio(1, 2)), ratio(-1, 4)));
  assert.ok(equal(div(mul(ratio(2, 3), ratio(3, 4)), ratio(1, 2)), ratio(1)));
  assert.deepEqual([floorOf(ratio(-1, 4)), floorOf(ratio(-4, 2)), floorOf(ratio(7, 2))], [-1, -2, 3]);
  assert.equal(toNumber(ratio(-1, 3)), -1 / 3);
  assert.equal(toNumber(ratio(3n * 10n ** 400n + 1n, 4n * 10n ** 400n)), 0.75);
  assert.throws(() => ratio(1, 0), /non-zero denominator/);
});
