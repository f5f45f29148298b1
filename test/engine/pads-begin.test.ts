/**
 * A negative pads.begin (zero, bias-only cells before the output; what tfjs's conv3dTranspose 'same' makes with
 * kernel < stride) on every available backend, against the zero-insertion formulation, on fresh random layers.
 * Replay a failure with TCONV_SEED=<seed printed in the message>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convTranspose, listBackends } from '../../src/engine/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng, randomTensor, closeEnough, relativeL2Error } from '../../src/tensor/index.ts';
import { zeroInsertConvTranspose } from '../helpers/zero-insert.ts';
import { toSubPixel } from '../../src/analysis/subpixel.ts';
import { runSeed } from '../helpers/random-layer.ts';

test('negative pads.begin: every backend = zero insertion, and the plan\'s shape is the actual one', () => {
  const seed = runSeed();
  const rng = createRng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const backends = listBackends().filter((b) => b.available).map((b) => b.name);
  let checked = 0;
  for (let c = 0; c < 150; c++) {
    const rank = int(1, 3);
    const axes = Array.from({ length: rank }, () => {
      const [stride, dilation] = [int(1, 4), int(1, 3)];
      const limit = Math.max(stride, dilation);
      return { input: int(1, rank === 3 ? 4 : 7), kernel: int(1, 4), stride, dilation, begin: int(1 - limit, 0), end: int(0, 2), op: int(0, limit - 1) };
    });
    const groups = int(1, 2);
    const options = {
      stride: axes.map((a) => a.stride), dilation: axes.map((a) => a.dilation), groups,
      pads: { begin: axes.map((a) => a.begin), end: axes.map((a) => a.end) }, outputPadding: axes.map((a) => a.op),
    };
    const spec = { kind: 'convTranspose' as const, input: axes.map((a) => a.input), kernel: axes.map((a) => a.kernel), inChannels: groups * int(1, 2), outChannels: groups * int(1, 3), batch: int(1, 2), ...options };
    let plan: ReturnType<typeof planLayer>;
    try { plan = planLayer(spec); } catch { continue; } // an output size below 1
    const where = `seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`;
    const x = randomTensor(plan.inputShape, seed + c);
    const w = randomTensor(plan.weightShape, seed + c + 1);
    const b = randomTensor([plan.outChannels], seed + c + 2);
    const z = zeroInsertConvTranspose({
      inputShape: x.shape, input: x.data, weightShape: w.shape, weight: w.data, bias: b.data, stride: options.stride, dilation: options.dilation,
      groups, padBegin: plan.axes.map((a) => a.padBegin), padEnd: plan.axes.map((a) => a.padEnd),
    });
    assert.deepEqual([...plan.outputShape], z.shape, `plan vs actual output, ${where}`);
    for (const backend of backends) {
      const y = convTranspose(x, w, b, { ...options, backend });
      assert.deepEqual(y.shape, z.shape, `${backend}: ${where}`);
      assert.ok(closeEnough(y.data, z.data), `${backend}: relative L2 ${relativeL2Error(y.data, z.data)}, ${where}`);
    }
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} layers checked (seed ${seed})`);
});

test('pads.begin: −begin must stay below max(stride, dilation); an ordinary conv refuses it', () => {
  assert.deepEqual(planLayer({ kind: 'convTranspose', input: 3, kernel: 1, stride: 3, pads: { begin: -2, end: 0 } as never }).outputShape, [1, 1, 9, 9]);
  assert.throws(() => planLayer({ kind: 'convTranspose', input: [3], kernel: [1], stride: [3], pads: { begin: [-3], end: [0] } }),
    /^TconvError: pads\.begin\[0\] \(-3\) adds 3 zero cell\(s\) before the output, but at most max\(stride, dilation\) − 1 = 2 can be added \(as with outputPadding at the end\); use pads\.begin -2 or more$/);
  assert.throws(() => planLayer({ kind: 'conv', input: [3], kernel: [1], pads: { begin: [-1], end: [0] } }), /^TconvError: pads\.begin\[0\] \(-1\) must be a non-negative integer/);
});

test('the sub-pixel rewrite refuses cells before the output by name (it can only crop)', () => {
  assert.throws(() => toSubPixel(randomTensor([1, 1, 1], 1), null, { kernel: 1, stride: 3, pads: { begin: [-1], end: [0] } }, [4]),
    /^TconvError: pads\.begin \(\[-1\]\) must be 0 or more for the sub-pixel rewrite/);
});
