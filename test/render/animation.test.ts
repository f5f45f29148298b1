import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerOverlap, overlapMap } from '../../src/analysis/overlap.ts';
import { convTranspose, tensor } from '../../src/engine/index.ts';
import { animationAxes, animationPlan, directWindow, scatterAnimationSvg, scatterFootprint } from '../../src/render/animation.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { assertWellFormed, elements, groups } from './svg-query.ts';

const ones = (shape: number[]) => tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
const scatter = (svg: string) => groups(svg, (e) => e.class === 'scatter');

test('2D k3 s2 on 3×3: one animated group per input cell, each lighting its input and 3×3 footprint', () => {
  const svg = scatterAnimationSvg(planLayer({ kind: 'convTranspose', input: 3, kernel: 3, stride: 2 }));
  assertWellFormed(svg);
  const frames = scatter(svg);
  assert.equal(frames.length, 9);
  assert.deepEqual(frames.map((g) => g.attrs['data-input']), ['0,0', '0,1', '0,2', '1,0', '1,1', '1,2', '2,0', '2,1', '2,2']);
  for (const g of frames) {
    assert.equal(elements(g.body, 'rect').length, 1 + 9, 'input cell + one rect per tap');
    assert.equal(elements(g.body, 'animate', (e) => e.attributeName === 'visibility').length, 1);
  }
  // Still picture = final overlap of the full (uncropped) output: convT of all-ones on the engine.
  const y = convTranspose(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), null, { stride: 2, backend: 'reference' });
  const outs = elements(svg, 'rect', (e) => e.class === 'out');
  assert.equal(outs.length, 7 * 7);
  for (const rect of outs) {
    const [r, c] = rect['data-f']!.split(',').map(Number) as [number, number];
    assert.equal(Number(rect['data-count']), y.data[r * 7 + c]);
  }
});

test('frames play in input order on one loop: group i is visible from step i to step i + 1', () => {
  const svg = scatterAnimationSvg(planLayer({ kind: 'convTranspose', input: [2, 3], kernel: 2, stride: 2 }));
  const frames = scatter(svg);
  const durations = new Set<string>();
  frames.forEach((g, i) => {
    const [anim] = elements(g.body, 'animate');
    durations.add(anim!.dur!);
    const times = anim!.keyTimes!.split(';').map(Number);
    const values = anim!.values!.split(';');
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'keyTimes ascend');
    const shownAt = times[values.indexOf('visible')]!;
    const hiddenAt = times[values.lastIndexOf('hidden')]!;
    assert.ok(i === 0 ? shownAt === 0 : shownAt > 0);
    assert.ok(hiddenAt > shownAt && hiddenAt <= 1);
    if (i > 0) assert.ok(shownAt >= Number(elements(frames[i - 1]!.body, 'animate')[0]!.keyTimes!.split(';').at(-1)) - 1e-9);
  });
  assert.equal(durations.size, 1, 'one shared loop');
  // Output cells fill in as contributions arrive: the number of colour steps is the final count.
  for (const rect of elements(svg, 'rect', (e) => e.class === 'out')) {
    const fill = svg.match(new RegExp(`data-f="${rect['data-f']}"[^>]*>(?:<title>[^<]*</title>)?(<animate[^>]*/>)?`))![1];
    const steps = fill ? elements(fill, 'animate')[0]!.values!.split(';').length - 1 : 0;
    assert.equal(steps, Number(rect['data-count']));
  }
});

test('the seed k7 s2 p3 layer (32×32) is shown on 5×5: 25 groups, cropped padding greyed, kept cells = the overlap map', () => {
  const layer = planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
  const svg = scatterAnimationSvg(layer);
  const shown = animationPlan(layer, 5);
  assert.deepEqual(shown.axes.map((a) => a.input), [5, 5]);
  assert.equal(scatter(svg).length, 25);
  assert.match(svg, /shown on a 5×5 input/);
  const outs = elements(svg, 'rect', (e) => e.class === 'out');
  assert.equal(outs.length, 15 * 15, 'full output (5 − 1)·2 + 7 = 15');
  const kept = outs.filter((e) => e['data-kept'] === '1');
  assert.equal(kept.length, 9 * 9);
  assert.equal(elements(svg, 'rect', (e) => e.class === 'cropped').length, 15 * 15 - 9 * 9);
  const map = overlapMap(layerOverlap(shown));
  for (const rect of kept) {
    const [r, c] = rect['data-f']!.split(',').map(Number) as [number, number];
    assert.equal(Number(rect['data-count']), map[(r - 3) * 9 + (c - 3)]);
  }
});

test('1D with output padding: one group per input, lines to each tap, the cropped start greyed', () => {
  const plan = planLayer({ kind: 'convTranspose', input: 6, kernel: 3, stride: 2, padding: 1, outputPadding: 1, rank: 1 });
  const svg = scatterAnimationSvg(plan);
  const frames = scatter(svg);
  assert.deepEqual(frames.map((g) => g.attrs['data-input']), ['0', '1', '2', '3', '4', '5']);
  for (const g of frames) assert.equal(elements(g.body, 'line').length, 3);
  const outs = elements(svg, 'rect', (e) => e.class === 'out');
  assert.equal(outs.length, 13);
  assert.deepEqual(outs.filter((e) => e['data-kept'] === '0').map((e) => e['data-f']), ['0']);
  const kept = outs.filter((e) => e['data-kept'] === '1').map((e) => Number(e['data-count']));
  assert.deepEqual(kept, layerOverlap(plan).axes[0]!.counts);
});

test('3D and ordinary convolutions are refused with a reason', () => {
  assert.throws(() => scatterAnimationSvg(planLayer({ kind: 'convTranspose', input: [2, 2, 2], kernel: 2, stride: 2 })), /1D and 2D/);
  assert.throws(() => scatterAnimationSvg(planLayer({ kind: 'conv', input: 4, kernel: 2 })), /transposed convolution/);
});

test('the direct view reads the same contributions as the scatter, and their counts are the library\'s overlap', () => {
  const layers = [
    { input: 5, kernel: 3, stride: 2, padding: 1, outputPadding: 1 },
    { input: 4, kernel: 7, stride: 2, padding: 3 },
    { input: 6, kernel: 4, stride: 3, padding: 5, dilation: 2 },
    { input: 3, kernel: 2, stride: 4, padding: 0 },
    { input: 5, kernel: 5, stride: 1, padding: 2 },
  ];
  for (const layer of layers) {
    const plan = planLayer({ kind: 'convTranspose', rank: 1, ...layer });
    const [axis] = animationAxes(plan);
    const overlap = layerOverlap(plan).axes[0]!.counts;
    for (let o = 0; o < plan.axes[0]!.output; o++) {
      const f = o + axis!.keptBegin;
      // Scatter: every (input, tap) whose footprint lands on full position f.
      const scattered: string[] = [];
      for (let i = 0; i < axis!.input; i++) scatterFootprint(axis!, i).forEach((p, tap) => { if (p === f) scattered.push(`${i}:${tap}`); });
      const direct = directWindow(axis!, o).filter((c) => c.input !== null).map((c) => `${c.input}:${c.tap}`);
      assert.deepEqual(direct.sort(), scattered.sort(), `${JSON.stringify(layer)} output ${o}`);
      assert.equal(direct.length, overlap[o], `${JSON.stringify(layer)} output ${o}: overlap`);
      assert.ok(directWindow(axis!, o).every((c) => c.position >= 0 && c.position < axis!.directLength));
    }
  }
});
