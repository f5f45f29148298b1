// The gather phases (src/shape/phases.ts) against the two definitions they replace in the kernels: a transposed
// conv's scatter (input i through tap k lands on output i·s + k·d − padBegin) and a conv's window (output o reads
// input o·s + k·d − padBegin). Every (output, input, tap) triple inside the bounds must appear exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planLayer } from '../../src/shape/plan.ts';

const axisArb = fc.record({
  input: fc.integer({ min: 1, max: 9 }), kernel: fc.integer({ min: 1, max: 6 }), stride: fc.integer({ min: 1, max: 4 }),
  dilation: fc.integer({ min: 1, max: 3 }), begin: fc.integer({ min: 0, max: 4 }), end: fc.integer({ min: -2, max: 4 }),
});

test('gather phases list exactly the (output, input, tap) triples of the direct definitions, both ops', () => {
  fc.assert(fc.property(axisArb, fc.boolean(), (a, transposed) => {
    const kind = transposed ? 'convTranspose' as const : 'conv' as const;
    const end = transposed ? a.end : Math.max(0, a.end);
    let plan: ReturnType<typeof planLayer>;
    try {
      plan = planLayer({ kind, input: a.input, kernel: a.kernel, stride: a.stride, dilation: a.dilation, pads: { begin: [a.begin], end: [end] } });
    } catch {
      return; // an output size below 1
    }
    const axis = plan.axes[0]!;
    const expected: string[] = [];
    for (let o = 0; o < axis.output; o++) {
      for (let i = 0; i < axis.input; i++) {
        for (let k = 0; k < axis.kernel; k++) {
          const hit = transposed ? i * axis.stride + k * axis.dilation - axis.padBegin === o : o * axis.stride + k * axis.dilation - axis.padBegin === i;
          if (hit) expected.push(`${o},${i},${k}`);
        }
      }
    }
    const listed: string[] = [];
    const outputs = new Set<number>();
    for (const phase of plan.gather[0]!) {
      for (let j = 0; j < phase.outputCount; j++) {
        const o = phase.firstOutput + phase.outputStep * j;
        assert.ok(o >= 0 && o < axis.output);
        assert.ok(!outputs.has(o), `output ${o} in two phases`);
        outputs.add(o);
        phase.taps.forEach((k, t) => {
          const i = phase.inputStep * j + phase.inputOffsets[t]!;
          if (i >= 0 && i < axis.input) listed.push(`${o},${i},${k}`);
        });
      }
    }
    assert.equal(outputs.size, axis.output, 'every output in one phase');
    assert.deepEqual(listed.sort(), expected.sort(), JSON.stringify({ kind, ...a }));
  }), { numRuns: 400 });
});
