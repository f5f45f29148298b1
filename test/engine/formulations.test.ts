/**
 * The reference scatter loop and the zero-insertion formulation agree, and the plan's output shape (the shape
 * formulas) matches what both actually produce — on ≥ 200 fresh random configurations per dimensionality.
 * Replay a failure with TCONV_SEED=<seed printed in the message>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convTranspose } from '../../src/engine/index.ts';
import { createRng, randomTensor, relativeL2Error, maxAbsError } from '../../src/tensor/index.ts';
import { zeroInsertConvTranspose } from '../helpers/zero-insert.ts';
import { type RandomLayer, layerOptions, planOf, randomLayer, runSeed } from '../helpers/random-layer.ts';

const CASES_PER_RANK = 220;

function describe(layer: RandomLayer): string {
  return JSON.stringify(layer);
}

for (const rank of [1, 2, 3] as const) {
  test(`reference loop = zero-insertion formulation, ${CASES_PER_RANK} random ${rank}D configurations`, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const seen = { kBelowS: 0, kEqualsS: 0, kNotMultipleOfS: 0, dilated: 0, grouped: 0, batched: 0, outputPadding: 0, asymmetric: 0, oddSizes: 0 };
    for (let c = 0; c < CASES_PER_RANK; c++) {
      const layer = randomLayer(rng, rank);
      const where = `seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${describe(layer)}`;
      const plan = planOf(layer);
      const x = randomTensor(plan.inputShape, rng.int(0, 2 ** 31));
      const w = randomTensor(plan.weightShape, rng.int(0, 2 ** 31));
      const b = randomTensor([plan.outChannels], rng.int(0, 2 ** 31));
      const bias = rng.next() < 0.5 ? b : null;

      const y = convTranspose(x, w, bias, { ...layerOptions(layer), backend: 'reference' });
      const z = zeroInsertConvTranspose({
        inputShape: x.shape, input: x.data, weightShape: w.shape, weight: w.data, bias: bias?.data ?? null,
        stride: layer.stride, dilation: layer.dilation, groups: layer.groups,
        padBegin: plan.axes.map((a) => a.padBegin), padEnd: plan.axes.map((a) => a.padEnd),
      });
      assert.deepEqual(y.shape, z.shape, `output shape of the reference vs zero insertion, ${where}`);
      assert.deepEqual([...plan.outputShape], z.shape, `plan (shape formula) vs actual output, ${where}`);
      const rel = relativeL2Error(y.data, z.data);
      assert.ok(rel < 1e-6 || maxAbsError(y.data, z.data) < 1e-6, `relative L2 ${rel}, ${where}`);

      layer.kernel.forEach((k, a) => {
        const s = layer.stride[a]!;
        if (k < s) seen.kBelowS++;
        if (k === s) seen.kEqualsS++;
        if (k % s !== 0) seen.kNotMultipleOfS++;
        if (layer.dilation[a]! > 1) seen.dilated++;
        if (layer.outputPadding[a]! > 0) seen.outputPadding++;
        if (layer.begin[a] !== layer.end[a]) seen.asymmetric++;
        if (layer.input[a]! % 2 === 1 && layer.input[a]! > 1) seen.oddSizes++;
      });
      if (layer.groups > 1) seen.grouped++;
      if (layer.batch > 1) seen.batched++;
    }
    // The claim "covers k < s, k = s, …" is checked, not hoped for.
    for (const [what, count] of Object.entries(seen)) assert.ok(count >= 5, `only ${count} cases with ${what} (seed ${seed})`);
  });
}
