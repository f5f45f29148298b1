// bench --models: its options and the pure parts of its report (rounds merged, ratios against each peer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_LIBRARIES, parseBenchArgs } from '../../bench/args.ts';
import { mergeRounds, modelRatio } from '../../bench/models.ts';
import type { ModelResult } from '../../bench/model-child.ts';

const ok = (medianMs: number): ModelResult => ({
  model: 'dcgan', status: 'ok', reason: null, medianMs, minMs: medianMs, samples: 5, relErr: 1e-7, profile: null, peakRssMiB: 100,
});

test('--models defaults to the libraries that load whole models, and --only still chooses', () => {
  assert.deepEqual(parseBenchArgs(['--models']).libraries, MODEL_LIBRARIES);
  assert.equal(parseBenchArgs(['--models']).models, true);
  assert.equal(parseBenchArgs([]).models, false);
  assert.deepEqual(parseBenchArgs(['--models', '--only', 'native,ort-node']).libraries, ['native', 'ort-node']);
});

test('rounds merge to the median of the round medians; one failed round fails the cell with its reason', () => {
  assert.equal(mergeRounds([ok(3), ok(1), ok(2)], 'native', 1).medianMs, 2);
  const failed = mergeRounds([ok(3), { ...ok(1), status: 'wrong', reason: 'relative L2 error 1e-3 exceeds 1e-5', medianMs: null }], 'wasm', 2);
  assert.equal(failed.status, 'wrong');
  assert.equal(failed.medianMs, null);
  assert.match(failed.reason!, /exceeds/);
});

test('a ratio is the peer\'s time over tconv\'s at the same model and thread count, or null when either is missing', () => {
  const records = [mergeRounds([ok(4)], 'native', 1), mergeRounds([ok(2)], 'ort-node', 1), mergeRounds([ok(1)], 'ort-node', 2)];
  assert.equal(modelRatio(records, 'dcgan', 'native', 'ort-node', 1), 0.5);
  assert.equal(modelRatio(records, 'dcgan', 'native', 'ort-node', 2), null);
});
