/**
 * One spec for every backend the engine knows (BACKEND_NAMES), each test skipped with the backend's own reason when
 * it cannot run here — never left out silently. Per backend: the committed PyTorch golden vectors (both ops; the
 * reference is checked against them too), fresh random transposed and ordinary convolutions against the float64
 * reference (every parameter, odd sizes, 1D/2D/3D, bias or none, 1 and 2 threads, NaN-poisoned outputs so an
 * unwritten element fails), and batch 0. Backend-specific variants (native kernel sets and layouts, wasm layouts
 * and tiles) have their own tests in test/native and test/wasm. Replay a random case with TCONV_SEED=<seed>.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendName } from '../../src/engine/backend.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import { BACKEND_NAMES, closeEnough, conv, convTranspose, getBackend, listBackends, relativeL2Error, tensor } from '../../src/engine/index.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { createRng } from '../../src/tensor/rng.ts';
import { randomTensor } from '../../src/tensor/random.ts';
import { vectorCases, vectorFiles, runVector } from '../helpers/pytorch-vectors.ts';
import { planOf, randomConvSpec, randomLayer, runSeed } from '../helpers/random-layer.ts';
import { expectMatchesReference, referenceCase } from '../helpers/reference-case.ts';

after(() => getRuntime().pool?.close());

const goldenCases = () => vectorFiles().flatMap(vectorCases).filter((c) => c.expect !== 'failure');

const statuses = new Map(listBackends().map((s) => [s.name, s]));
const skipFor = (name: BackendName): string | false => {
  const status = statuses.get(name);
  return status?.available ? false : `${name} backend unavailable here: ${status?.reason ?? 'not registered'}`;
};

for (const name of BACKEND_NAMES) {
  const skip = skipFor(name);

  test(`${name}: the PyTorch golden vectors (transposed and ordinary, 1D/2D/3D)`, { skip }, () => {
    const cases = goldenCases();
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const y = runVector(c, name);
      assert.deepEqual(y.shape, c.outputs!.Y.shape, `${name}, ${c.name}: output shape`);
      assert.ok(closeEnough(y.data, c.outputs!.Y.data), `${name}, ${c.name}: relative L2 ${relativeL2Error(y.data, c.outputs!.Y.data)}`);
    }
  });

  // The reference is the oracle of the random cases (comparing it with itself would assert nothing); its own check
  // is the golden vectors above and the external suites.
  if (name !== 'reference') {
  test(`${name}: random transposed convolutions = reference (fresh seed, every parameter, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 45; c++) {
      const layer = randomLayer(rng, ([1, 2, 3] as const)[c % 3]!);
      const plan = planOf(layer, { bias: rng.next() < 0.5 });
      const problem = referenceCase(plan, rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(layer)}`);
    }
  });

  test(`${name}: random ordinary convolutions = reference (fresh seed, every parameter, 1 and 2 threads)`, { skip }, () => {
    const seed = runSeed();
    const rng = createRng(seed);
    const backend = getBackend(name);
    for (let c = 0; c < 45; c++) {
      const spec = randomConvSpec(rng, ([1, 2, 3] as const)[c % 3]!);
      const problem = referenceCase(planLayer(spec), rng);
      for (const threads of [1, 2]) expectMatchesReference(backend, problem, threads, `${name}, ${threads} thread(s), seed ${seed} (TCONV_SEED=${seed}), case ${c}: ${JSON.stringify(spec)}`);
    }
  });
  }

  test(`${name}: batch 0 gives an empty result of the right shape (both ops, every rank)`, { skip }, () => {
    for (const spatial of [[5], [5, 4], [3, 5, 4]]) {
      const ones = spatial.map(() => 3);
      const y = convTranspose(tensor([0, 2, ...spatial]), randomTensor([2, 3, ...ones], 1), null, { stride: 2, backend: name });
      assert.deepEqual(y.shape, [0, 3, ...spatial.map((n) => 2 * n + 1)], `${name} convTranspose ${spatial.length}D`);
      const z = conv(tensor([0, 2, ...spatial]), randomTensor([3, 2, ...ones], 1), null, { backend: name });
      assert.deepEqual(z.shape, [0, 3, ...spatial.map((n) => n - 2)], `${name} conv ${spatial.length}D`);
    }
  });
}
