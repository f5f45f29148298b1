import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tapDiagramSvg } from '../../src/render/taps.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { assertWellFormed, elements, groups } from './svg-query.ts';

const onTaps = (body: string) => elements(body, 'rect', (e) => e.class === 'tap on');

test('seed k7 s2 p3: each axis shows a 3-tap phase (taps 1, 3, 5) and a 4-tap phase (0, 2, 4, 6)', () => {
  const plan = planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
  const svg = tapDiagramSvg(plan);
  assertWellFormed(svg);
  const phases = groups(svg, (e) => e.class === 'phase');
  assert.equal(phases.length, 4);
  for (const { attrs, body } of phases) {
    const axis = Number(attrs['data-axis']);
    const phase = plan.phases[axis]!.phases[Number(attrs['data-phase'])]!;
    const drawn = onTaps(body).map((e) => Number(e['data-k']));
    assert.deepEqual(drawn, phase.taps);
    assert.equal(Number(attrs['data-taps']), drawn.length);
    assert.equal(elements(body, 'rect').length, 7, 'every kernel index is drawn');
  }
  assert.deepEqual(phases.map((p) => Number(p.attrs['data-taps'])), [3, 4, 3, 4]);
  assert.match(svg, /o ≡ 0 \(mod 2\): 3 taps/);
  assert.match(svg, /o ≡ 1 \(mod 2\): 4 taps/);
  // The 2D sub-kernels: 3×3, 3×4, 4×3 and 4×4 taps, each drawn as that many filled cells of a 7×7 grid.
  const sub = groups(svg, (e) => e.class === 'subkernel');
  assert.deepEqual(sub.map((g) => g.attrs['data-phase']), ['0,0', '0,1', '1,0', '1,1']);
  assert.deepEqual(sub.map((g) => Number(g.attrs['data-taps'])), [9, 12, 12, 16]);
  for (const g of sub) {
    assert.equal(onTaps(g.body).length, Number(g.attrs['data-taps']));
    assert.equal(elements(g.body, 'rect').length, 49);
  }
});

test('even layers draw equal phases; k3 s1 has a single phase with every tap', () => {
  const even = tapDiagramSvg(planLayer({ kind: 'convTranspose', input: 8, kernel: 4, stride: 2, padding: 1 }));
  assert.deepEqual(groups(even, (e) => e.class === 'phase').map((g) => Number(g.attrs['data-taps'])), [2, 2, 2, 2]);
  assert.match(even, /every phase gets the same taps/);
  const single = tapDiagramSvg(planLayer({ kind: 'convTranspose', input: 32, kernel: 3, stride: 1, padding: 1 }));
  const phases = groups(single, (e) => e.class === 'phase');
  assert.equal(phases.length, 2);
  for (const p of phases) assert.equal(onTaps(p.body).length, 3);
});

test('dilation sharing a factor with the stride: the empty phase is drawn as a hole (bias only)', () => {
  const plan = planLayer({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, dilation: 2, rank: 1 });
  const svg = tapDiagramSvg(plan);
  const phases = groups(svg, (e) => e.class === 'phase');
  assert.deepEqual(phases.map((g) => Number(g.attrs['data-taps'])), plan.phases[0]!.phases.map((p) => p.taps.length));
  assert.ok(phases.some((g) => g.attrs['data-taps'] === '0' && onTaps(g.body).length === 0));
  assert.match(svg, /bias only/);
  assert.match(svg, /no taps \(holes\)/);
});

test('an ordinary convolution has no phases to draw', () => {
  assert.throws(() => tapDiagramSvg(planLayer({ kind: 'conv', input: 8, kernel: 3 })), /transposed convolution/);
});
