import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareSolutions, solve, type SolveOptions } from '../../src/shape/inverse.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { isEvenByRule } from '../../src/shape/phases.ts';
import { TconvError } from '../../src/shape/errors.ts';

test('32 → 64: k2 s2 p0 first, every even layer before the checkerboard ones', () => {
  const solutions = solve({ from: 32, to: 64, maxDilation: 1 });
  const brief = solutions.map((x) => `k${x.kernel} s${x.stride} p${x.padding} op${x.outputPadding}${x.even ? '' : ' uneven'}`);
  assert.deepEqual(brief.slice(0, 5), ['k2 s2 p0 op0', 'k4 s2 p1 op0', 'k6 s2 p2 op0', 'k8 s2 p3 op0', 'k3 s2 p1 op1 uneven']);
  assert.ok(brief.includes('k1 s2 p0 op1 uneven'));
  assert.deepEqual(solutions[0]!.phaseTaps, [[1, 1]]);
  assert.deepEqual(solutions[4]!.phaseTaps, [[1, 2]]);
  const firstUneven = solutions.findIndex((x) => !x.even);
  assert.ok(solutions.slice(firstUneven).every((x) => !x.even));
});

test('the seed article\'s 63×63 (k7 s2 p3) is found, with its 4/3-tap phases, after the even 63s', () => {
  const solutions = solve({ from: [32, 32], to: [63, 63], maxDilation: 1 });
  const k7 = solutions.find((x) => x.kernel[0] === 7 && x.stride[0] === 2)!;
  assert.deepEqual(k7.padding, [3, 3]);
  assert.deepEqual(k7.phaseTaps, [[3, 4], [3, 4]]);
  assert.equal(k7.even, false);
  assert.ok(solutions[0]!.even);
  assert.deepEqual(solutions[0]!.kernel, [2, 2]);
});

test('anisotropic targets combine per-axis solutions; constraints narrow the list', () => {
  const solutions = solve({ from: [32, 16], to: [64, 33] });
  assert.ok(solutions.length > 0 && solutions.length <= 100);
  for (const x of solutions) assert.deepEqual(planLayer({ kind: 'convTranspose', input: [32, 16], ...x }).outputShape.slice(2), [64, 33]);
  assert.ok(solve({ from: 8, to: 24, stride: 3 }).every((x) => x.stride[0] === 3));
  assert.ok(solve({ from: 8, to: 16, kernel: 4, maxDilation: 1 }).every((x) => x.kernel[0] === 4));
  assert.ok(solve({ from: 8, to: 17, evenOnly: true }).every((x) => x.even));
  assert.ok(solve({ from: 8, to: 17, allowOutputPadding: false }).every((x) => x.outputPadding[0] === 0));
  assert.deepEqual(solve({ from: 8, to: 16, padding: 1, dilation: 1, stride: 2 }).map((x) => x.kernel[0]), [4, 3]);
  assert.equal(solve({ from: 8, to: 16, limit: 2 }).length, 2);
  assert.equal(solve({ from: 8, to: 1000 }).length, 0);
  assert.equal(solve({ from: 8, to: 16, rank: 3 })[0]!.kernel.length, 3);
});

test('solve round-trips (property): every solution plans to `to`, within bounds, even = the evenness rule, ranked', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 120 }),
    fc.record({ maxKernel: fc.integer({ min: 1, max: 7 }), maxStride: fc.integer({ min: 1, max: 5 }), maxPadding: fc.integer({ min: 0, max: 6 }), maxDilation: fc.integer({ min: 1, max: 3 }) }),
    (from, to, bounds) => {
      const solutions = solve({ from, to, ...bounds });
      for (const x of solutions) {
        const plan = planLayer({ kind: 'convTranspose', input: from, ...x });
        assert.deepEqual(plan.axes.map((a) => a.output), [to]);
        assert.deepEqual(x.output, [to]);
        assert.ok(x.kernel[0]! <= bounds.maxKernel && x.stride[0]! <= bounds.maxStride && x.padding[0]! <= bounds.maxPadding && x.dilation[0]! <= bounds.maxDilation);
        assert.equal(x.even, isEvenByRule(x.kernel[0]!, x.stride[0]!, x.dilation[0]!), JSON.stringify(x));
        assert.deepEqual(x.phaseTaps, [plan.phases[0]!.phases.map((p) => p.taps.length)]);
      }
      for (let n = 1; n < solutions.length; n++) assert.ok(compareSolutions(solutions[n - 1]!, solutions[n]!) <= 0);
      // Completeness: a brute force over padding finds the same set (dilation of a 1-tap kernel listed once).
      let count = 0;
      for (let k = 1; k <= bounds.maxKernel; k++) for (let s = 1; s <= bounds.maxStride; s++) for (let d = 1; d <= (k === 1 ? 1 : bounds.maxDilation); d++)
        for (let p = 0; p <= bounds.maxPadding; p++) for (let op = 0; op < Math.max(s, d); op++)
          if ((from - 1) * s - 2 * p + d * (k - 1) + op + 1 === to) count++;
      assert.equal(solutions.length, count);
    }), { numRuns: 300 });
});

test('every solve refusal names the option', () => {
  const cases: [SolveOptions, RegExp][] = [
    [{ from: 0, to: 8 }, /^from \(0\) must be a positive integer; sizes are 1 or more/],
    [{ from: 8, to: 'x' as never }, /^to \("x"\) must be a positive integer/],
    [{ from: [8, 8], to: [16] }, /^to \(\[16\]\) and from \(\[8,8\]\) must have the same number of axes, 1 to 3/],
    [{ from: [8, 8, 8, 8], to: [8, 8, 8, 8] }, /^to .* must have the same number of axes, 1 to 3/],
    [{ from: [8, 0], to: [16, 16] }, /^from\[1\] \(0\) must be a positive integer/],
    [{ from: 8, to: 16, rank: 0 }, /^rank \(0\) must be a positive integer/],
    [{ from: 8, to: 16, maxKernel: 0 }, /^maxKernel \(0\) must be a positive integer; use a maxKernel of 1 or more/],
    [{ from: 8, to: 16, maxPadding: -1 }, /^maxPadding \(-1\) must be a non-negative integer/],
    [{ from: 8, to: 16, maxStride: 1.5 }, /^maxStride \(1.5\) must be a positive integer/],
    [{ from: 8, to: 16, maxKernel: 1000, maxStride: 1000, maxDilation: 100 }, /^solve \("[0-9.e+]+ candidate steps"\) needs more than the budget of 2\.00e\+7 candidate steps; raise it with --max-candidates/],
    [{ from: 8, to: 16, maxCandidates: Number.NaN }, /^maxCandidates \(NaN\) must be a positive number/],
    [{ from: [8, 8], to: [16, 16], stride: [2] }, /^stride \(\[2\]\) has 1 values but from\/to have 2 axes/],
    [{ from: 8, to: 16, padding: -1 }, /^padding \(-1\) must be a non-negative integer/],
    [{ from: 8, to: 16, kernel: [0] }, /^kernel\[0\] \(0\) must be a positive integer/],
    [{ from: 8, to: 16, allowOutputPadding: 'yes' as never }, /^allowOutputPadding \("yes"\) must be true or false/],
    [{ from: 8, to: 16, limit: 0 }, /^limit \(0\) must be a positive integer/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => solve(options), (e: unknown) => e instanceof TconvError && message.test(e.message), JSON.stringify(options));
  }
});
