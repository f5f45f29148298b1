/**
 * Alignment through stacks against brute force: random seeded 1D stacks (every layer kind after every other) run
 * through the engine with all-ones weights on a ramp input (value = position) and on ones; their ratio is the
 * centroid of each output's dependence. The analysis must give exactly that for every interior output, with
 * constant weights always, and as `start` wherever the transposed layers' weights cannot move an output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AxisAlignment, type PhaseAlignment, checkSkip, stackAlignment } from '../../src/analysis/alignment.ts';
import { axisMap } from '../../src/analysis/axis-map.ts';
import { constantWeights, runStack } from '../../src/analysis/stack-run.ts';
import { type ResolvedStack, type StackLayer, type StackSpec, resolveStack } from '../../src/analysis/stack.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { type Tensor, tensor } from '../../src/tensor/tensor.ts';
import { randomStack } from './random-stack.ts';

const STACKS = 300;
const TOLERANCE = 1e-4; // float32 engine; the fractions compared differ by 1/64 or more

/** Where the analysis puts output n. */
function positionAt(p: PhaseAlignment, jump: number, n: number): number | null {
  const q = Math.floor(n / p.period);
  const c = p.centres[n - q * p.period]!;
  return c === null ? null : c + q * p.period * jump;
}

/** The engine's centroid of every output (null: depends on nothing) and which outputs are interior (1D, channel 0). */
function engineCentres(stack: ResolvedStack, weights: readonly (Tensor | null)[]): { centres: (number | null)[]; interior: readonly boolean[] } {
  const n = stack.inputSize[0]!;
  const c = stack.inChannels;
  const ramp = tensor([1, c, n], Array.from({ length: c * n }, (_, i) => i % n));
  const ones = tensor([1, c, n], new Array<number>(c * n).fill(1));
  const y = runStack(stack, ramp, weights).at(-1)!.data;
  const g = runStack(stack, ones, weights).at(-1)!.data;
  const size = stack.outputSize[0]!;
  const centres = Array.from({ length: size }, (_, o) => (g[o] === 0 ? null : y[o]! / g[o]!));
  return { centres, interior: interiorOf(stack) };
}

/** Outputs no padding, crop or clamp touches in any layer (stackOverlap's summary falls back to all when none is). */
function interiorOf(stack: ResolvedStack): boolean[] {
  let inside = new Array<boolean>(stack.inputSize[0]!).fill(true);
  for (const layer of stack.layers) {
    const map = axisMap(layer, 0);
    inside = map.entries.map((list, o) => !map.clipped[o] && list.every((e) => inside[e.input]));
  }
  return inside;
}

/** Weights the analysis says cannot matter: random positive ones in strided transposed layers, ones elsewhere. */
function randomTransposedWeights(stack: ResolvedStack, seed: number): (Tensor | null)[] {
  const ones = constantWeights(stack);
  return stack.layers.map((l, i) => (l.plan?.kind === 'convTranspose' && l.plan.axes[0]!.stride > 1 ? randomTensor(l.plan.weightShape, seed + i, { low: 0.2, high: 2 }) : ones[i]!));
}

function assertPositions(label: string, p: PhaseAlignment, jump: number, engine: { centres: (number | null)[]; interior: readonly boolean[] }): number {
  let compared = 0;
  engine.centres.forEach((e, o) => {
    if (!engine.interior[o]) return;
    const a = positionAt(p, jump, o);
    if (e === null || a === null) assert.equal(a, e, `${label}: output ${o} is a hole in one and not the other`);
    else assert.ok(Math.abs(a - e) < TOLERANCE, `${label}: output ${o} at ${a} by the analysis, ${e} by the engine`);
    compared++;
  });
  return compared;
}

const kindOf = (layer: StackLayer): string => (layer.kind === 'resize' ? layer.mode : layer.kind);
const upsamples = (layer: StackLayer): boolean => (layer.kind === 'resize' ? layer.scale > 1 : layer.kind === 'pixelShuffle' ? layer.factor > 1
  : layer.kind === 'convTranspose' && (layer.stride ?? 1) !== 1);

interface Case {
  readonly seed: number;
  readonly spec: StackSpec;
  readonly stack: ResolvedStack;
  readonly axis: AxisAlignment;
  /** The engine's all-ones centroids. */
  readonly engine: { centres: (number | null)[]; interior: readonly boolean[] };
}

let cached: Case[] | null = null;

/** The random stacks with their analysis and engine run, built once for all the tests below. */
function randomCases(): Case[] {
  cached ??= Array.from({ length: STACKS }, (_, i) => {
    const seed = 1700 + i;
    const spec = randomStack(seed, { rank: 1, layers: 2 + (i % 3), input: 9 + (i % 5) });
    const stack = resolveStack(spec);
    return { seed, spec, stack, axis: stackAlignment(stack).axes[0]!, engine: engineCentres(stack, constantWeights(stack)) };
  });
  return cached;
}

test(`${STACKS} random stacks: constant-weight centres equal the engine's centroids for every interior output, and start wherever weights do not matter`, () => {
  const pairs = new Set<string>();
  let stridedAfterUpsampling = 0;
  let independent = 0;
  let outputs = 0;
  let chainWrong = 0;
  for (const { seed, spec, stack, axis, engine } of randomCases()) {
    spec.layers.forEach((layer, i) => { if (i > 0) pairs.add(`${kindOf(spec.layers[i - 1]!)} → ${kindOf(layer)}`); });
    if (spec.layers.some((l, i) => l.kind === 'conv' && Number(l.stride ?? 1) > 1 && spec.layers.slice(0, i).some(upsamples))) stridedAfterUpsampling++;
    outputs += assertPositions(`seed ${seed} constant weights`, axis.constantWeights, axis.jump, engine);
    if (axis.dependsOnWeights) continue;
    independent++;
    // Weight-independent: start is the exact position, and it holds for any weights of the transposed layers.
    // (Every output a hole: nothing to place, start falls back to the nominal grid.)
    assert.equal(axis.start, axis.constantWeights.start ?? axis.nominal.start, `seed ${seed}: start`);
    assertPositions(`seed ${seed} random transposed weights`, axis.constantWeights, axis.jump, engineCentres(stack, randomTransposedWeights(stack, seed)));
    if (axis.constantWeights.period === 1 && engine.centres.some((e, o) => engine.interior[o] && e !== null && Math.abs(e - axis.start - o * axis.jump) > TOLERANCE)) assert.fail(`seed ${seed}: start`);
    // The old chain of per-layer formulas, for the record: it is the grid through the phases only for one layer.
    if (axis.constantWeights.period === 1 && engine.centres.some((e, o) => engine.interior[o] && e !== null)) {
      const chained = chainStart(stack);
      if (Math.abs(chained - axis.start) > 1e-9) chainWrong++;
    }
  }
  const kinds = ['convTranspose', 'conv', 'nearest', 'bilinear', 'pixelShuffle'];
  const missing = kinds.flatMap((a) => kinds.map((b) => `${a} → ${b}`)).filter((p) => !pairs.has(p));
  assert.deepEqual(missing, [], 'every layer kind follows every other');
  assert.ok(stridedAfterUpsampling >= 40, `strided convs after upsampling: ${stridedAfterUpsampling}`);
  assert.ok(independent >= 100, `weight-independent stacks: ${independent}`);
  assert.ok(outputs >= 5000, `interior outputs compared: ${outputs}`);
  assert.ok(chainWrong > 0, 'some weight-independent stacks are ones the per-layer chain got wrong');
});

/** design.md's per-layer formulas chained (the old stackAlignment). */
function chainStart(stack: ResolvedStack): number {
  let start = 0;
  let jump = 1;
  for (const layer of stack.layers) {
    const a = layer.plan?.axes[0];
    if (a && layer.plan!.kind === 'conv') { start += jump * ((a.effectiveKernel - 1) / 2 - a.padBegin); jump *= a.stride; }
    else if (a) { start += (jump * (a.padBegin - (a.effectiveKernel - 1) / 2)) / a.stride; jump /= a.stride; }
    else { const r = layer.layer.kind === 'resize' ? layer.layer.scale : layer.layer.kind === 'pixelShuffle' ? layer.layer.factor : 1; start += (jump * (1 / r - 1)) / 2; jump /= r; }
  }
  return start;
}

/**
 * The nominal reading, brute-forced without the phase model: every strided transposed layer replaced by linear
 * interpolation at (o + padBegin − (K − 1)/2)/s, every other layer as its all-ones axis map.
 */
function nominalCentres(stack: ResolvedStack): { centres: (number | null)[]; interior: boolean[] } {
  let ramp = Array.from({ length: stack.inputSize[0]! }, (_, i) => i);
  let ones = ramp.map(() => 1);
  let inside = ramp.map(() => true);
  for (const layer of stack.layers) {
    const a = layer.plan?.axes[0];
    const size = layer.outputSize[0]!;
    let entries: { input: number; weight: number }[][];
    let clipped: boolean[];
    if (a && layer.plan!.kind === 'convTranspose' && a.stride > 1) {
      entries = [];
      clipped = [];
      for (let o = 0; o < size; o++) {
        const u = (o + a.padBegin - (a.effectiveKernel - 1) / 2) / a.stride;
        const i0 = Math.floor(u);
        const lambda = u - i0;
        entries.push([{ input: i0, weight: 1 - lambda }, { input: i0 + 1, weight: lambda }].filter((e) => e.weight > 0));
        clipped.push(entries[o]!.some((e) => e.input < 0 || e.input >= ramp.length));
      }
    } else {
      const map = axisMap(layer, 0);
      entries = map.entries.map((list) => [...list]);
      clipped = [...map.clipped];
    }
    const apply = (v: number[]): number[] => entries.map((list) => list.reduce((s, e) => s + e.weight * (v[e.input] ?? 0), 0));
    inside = entries.map((list, o) => !clipped[o] && list.every((e) => inside[e.input]));
    [ramp, ones] = [apply(ramp), apply(ones)];
  }
  return { centres: ramp.map((r, o) => (ones[o] === 0 ? null : r / ones[o]!)), interior: inside };
}

test('the nominal reading: transposed layers as linear interpolation at their nominal coordinates (brute force on random stacks)', () => {
  let compared = 0;
  for (const { seed, stack, axis } of randomCases()) {
    compared += assertPositions(`seed ${seed} nominal`, axis.nominal, axis.jump, nominalCentres(stack));
    if (axis.dependsOnWeights) assert.equal(axis.start, axis.nominal.start, `seed ${seed}: start is nominal where weights matter`);
  }
  assert.ok(compared >= 5000, `interior outputs compared: ${compared}`);
});

test('skip check: on weight-independent stacks it reports exactly the engine\'s shifts, phase by phase (no false shift)', () => {
  let checked = 0;
  let aligned = 0;
  for (const { seed, spec, engine: ea } of randomCases()) {
    // Another path to the same jump: the same layers in another order (the jump is a product of the strides).
    const other = { ...spec, layers: [...spec.layers].reverse() };
    let b: ResolvedStack;
    try { b = resolveStack(other); } catch (error) { if (error instanceof TconvError) continue; throw error; }
    const result = checkSkip(spec, other);
    if (result.compared !== 'exact' || !result.sameJump) continue;
    const eb = engineCentres(b, constantWeights(b));
    const offsets = result.phaseOffsets[0]!;
    let seen = 0;
    for (let n = 0; n < Math.min(ea.centres.length, eb.centres.length); n++) {
      const x = ea.centres[n];
      const y = eb.centres[n];
      if (!ea.interior[n] || !eb.interior[n] || x === null || y === null || x === undefined || y === undefined) continue;
      const expected = offsets[n % offsets.length]!;
      assert.ok(Math.abs(y - x - expected) < TOLERANCE, `seed ${seed}: output ${n} offset ${y - x} by the engine, ${expected} by checkSkip`);
      if (result.uniform[0]) assert.ok(Math.abs(y - x - result.offset[0]!) < TOLERANCE, `seed ${seed}: uniform offset`);
      seen++;
    }
    if (seen === 0) continue;
    checked++;
    if (result.uniform[0] && result.offset[0] === 0) aligned++;
  }
  assert.ok(checked >= 50, `skip checks compared with the engine: ${checked}`);
  assert.ok(aligned >= 5, `of which aligned: ${aligned}`);
});

test('issue 17\'s minimal cases: exact positions, checked against the engine', () => {
  const cases: { name: string; layers: StackLayer[]; start: number; dependsOnWeights: boolean; nominal: number }[] = [
    { name: 'nearest ×2, conv k1 s2 (the identity)', layers: [{ kind: 'resize', mode: 'nearest', scale: 2 }, { kind: 'conv', kernel: 1, stride: 2 }], start: 0, dependsOnWeights: false, nominal: 0 },
    { name: 'nearest ×2, conv k3 s2 p1 (x[o−1] + 2·x[o])', layers: [{ kind: 'resize', mode: 'nearest', scale: 2 }, { kind: 'conv', kernel: 3, stride: 2, padding: 1 }], start: -1 / 3, dependsOnWeights: false, nominal: -1 / 3 },
    { name: 'convT k2 s2 p1, conv k1 s2 d2', layers: [{ kind: 'convTranspose', kernel: 2, stride: 2, padding: 1 }, { kind: 'conv', kernel: 1, stride: 2, dilation: 2 }], start: 0, dependsOnWeights: false, nominal: 1 / 4 },
    // Phase 0 of k5 s3 has taps 0 and 3: their weights place it; constant weights put it halfway, at −1/2.
    { name: 'convT k5 s3 p0, conv k1 s3', layers: [{ kind: 'convTranspose', kernel: 5, stride: 3 }, { kind: 'conv', kernel: 1, stride: 3 }], start: -2 / 3, dependsOnWeights: true, nominal: -2 / 3 },
  ];
  const constant = [0, -1 / 3, 0, -1 / 2];
  cases.forEach((c, i) => {
    const stack = resolveStack({ input: 8, rank: 1, layers: c.layers });
    const axis = stackAlignment(stack).axes[0]!;
    assert.equal(axis.dependsOnWeights, c.dependsOnWeights, c.name);
    assert.ok(Math.abs(axis.start - c.start) < 1e-12, `${c.name}: start ${axis.start}`);
    assert.deepEqual({ period: axis.constantWeights.period, jump: axis.jump }, { period: 1, jump: 1 }, c.name);
    assert.ok(Math.abs(axis.constantWeights.start! - constant[i]!) < 1e-12, `${c.name}: constant weights ${axis.constantWeights.start}`);
    assert.ok(Math.abs(axis.nominal.start! - c.nominal) < 1e-12, `${c.name}: nominal ${axis.nominal.start}`);
    const engine = engineCentres(stack, constantWeights(stack));
    assert.ok(assertPositions(c.name, axis.constantWeights, 1, engine) >= 3, `${c.name}: interior outputs`);
  });
  // nearest ×2 then conv k1 s2 returns its input: the engine says so, and the skip check finds no shift.
  const identity = resolveStack({ input: 8, rank: 1, layers: cases[0]!.layers });
  const ramp = tensor([1, 1, 8], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...runStack(identity, ramp, constantWeights(identity)).at(-1)!.data], [0, 1, 2, 3, 4, 5, 6, 7]);
  const skip = checkSkip({ input: 8, rank: 1, layers: cases[0]!.layers }, { input: 8, rank: 1, layers: [] });
  assert.equal(skip.aligned, true);
  assert.equal(skip.compared, 'exact');
  assert.deepEqual(skip.offset, [0]);
  assert.match(skip.verdict, /^aligned: both paths/);
  // A real shift is reported as it is: x[o−1] + 2·x[o] sits 1/3 pixel before o.
  const third = checkSkip({ input: 8, rank: 1, layers: cases[1]!.layers }, { input: 8, rank: 1, layers: [] });
  assert.equal(third.aligned, false);
  assert.ok(Math.abs(third.offset[0]! - 1 / 3) < 1e-12);
  assert.match(third.verdict, /misaligned by 1\/3 output pixel/);
  // convT k2 s2 p1 then conv k1 s2 d2: every output is one input, whatever the weights — no shift, only sizes differ.
  const single = checkSkip({ input: 8, rank: 1, layers: cases[2]!.layers }, { input: 8, rank: 1, layers: [] });
  assert.deepEqual({ offset: single.offset, uniform: single.uniform, sameSize: single.sameSize, compared: single.compared }, { offset: [0], uniform: [true], sameSize: false, compared: 'exact' });
  assert.match(single.verdict, /^aligned grids; sizes differ \(7 vs 8\)/);
});

test('where weights matter the check compares the nominal grids and says where constant weights put the outputs', () => {
  // k5 s3 then k1 s3: phase 0 alone, taps 0 and 3; random weights move it, so the weights matter.
  const layers: StackLayer[] = [{ kind: 'convTranspose', kernel: 5, stride: 3 }, { kind: 'conv', kernel: 1, stride: 3 }];
  const stack = resolveStack({ input: 8, rank: 1, layers });
  const moved = engineCentres(stack, randomTransposedWeights(stack, 5)).centres.filter((c, o) => c !== null && o > 0 && o < 7);
  assert.ok(moved.some((c, i) => Math.abs(c! - (i + 1) + 0.5) > 1e-3), 'random weights move the outputs off −1/2');
  const skip = checkSkip({ input: 8, rank: 1, layers }, { input: 8, rank: 1, layers: [] });
  assert.equal(skip.compared, 'nominal');
  assert.ok(Math.abs(skip.offset[0]! - 2 / 3) < 1e-12);
  assert.ok(skip.constantWeights && Math.abs(skip.constantWeights.offset[0]! - 1 / 2) < 1e-12);
  assert.match(skip.verdict, /misaligned by 2\/3 output pixel\(s\) per axis \(transposed layers on their nominal grid; .* with constant weights, misaligned by 1\/2 output pixel/);
  // k4 s2 p1 on its own: nominal −1/4 (the bilinear kernel's centroid), constant weights −1/2 and +1/2 by phase.
  const k4 = stackAlignment({ input: 8, rank: 1, layers: [{ kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 }] }).axes[0]!;
  assert.deepEqual({ start: k4.start, dependsOnWeights: k4.dependsOnWeights, constant: k4.constantWeights.centres, nominal: k4.nominal.centres },
    { start: -0.25, dependsOnWeights: true, constant: [-0.5, 0.5], nominal: [-0.25] });
});

test('a period too long to follow is refused by name, before it is built', () => {
  const layers: StackLayer[] = [{ kind: 'resize', mode: 'nearest', scale: 600 }, { kind: 'resize', mode: 'nearest', scale: 600 }];
  assert.throws(() => stackAlignment({ input: 2, rank: 1, layers }), (error: unknown) => error instanceof TconvError
    && error.parameter === 'layers[1]'
    && /gives axis 0 a period of 360000 output phases to follow, over the limit of 262144/.test(error.message)
    && /analyse fewer upsampling layers at a time/.test(error.message));
});
