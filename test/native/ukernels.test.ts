/**
 * The micro-kernel tester (kernels/native/src/ukernel_check.h), run through the addon for every kernel set this CPU
 * supports: each tile's GEMM and direct kernels alone at every row count 1…mr (the remainder tiles), with zero tail
 * columns and partial lane masks (the NR remainders), and the packer, store and depthwise row — each against a scalar
 * loop summing in the same order, bit for bit. Kernel names follow f32_<kind>_<mr>x<nr>__<set> (docs/kernels.md).
 * Replay with TCONV_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { runSeed } from '../helpers/random-layer.ts';
import { kernelSets, skipReason } from './native-support.ts';

const TILE_NAME = /^f32_(gemm|direct)_(\d+)x(\d+)__([a-z0-9]+)$/;

test('every micro-kernel alone gives the scalar loop\'s bits, at every row remainder, on every kernel set', { skip: skipReason }, () => {
  const addon = loadAddon().addon!;
  const seed = runSeed() >>> 0;
  for (const kernelSet of kernelSets) {
    const rows = addon.checkKernels(kernelSet, seed);
    for (const row of rows) {
      assert.ok(row.cases > 0, `${row.kernel} ran no case`);
      assert.equal(row.failures, 0, `${row.kernel}${row.rows ? ` with ${row.rows} rows` : ''}: ${row.failures} of ${row.cases} cases differ, first: ${row.firstFailure}; seed ${seed} (TCONV_SEED=${seed})`);
    }
    // Every tile is run at every row count 1…mr, and its name says its shape and set.
    const tiles = rows.filter((row) => row.mr > 0);
    assert.ok(tiles.some((row) => row.kernel.startsWith('f32_gemm_')), `${kernelSet}: no GEMM tile was tested`);
    for (const row of tiles) {
      const match = TILE_NAME.exec(row.kernel);
      assert.ok(match, `${row.kernel} does not follow f32_<kind>_<mr>x<nr>__<set>`);
      assert.deepEqual([Number(match[2]), Number(match[3]), match[4]], [row.mr, row.nr, kernelSet], `${row.kernel}: name and tile disagree`);
      const counts = tiles.filter((other) => other.kernel === row.kernel).map((other) => other.rows).sort((a, b) => a - b);
      assert.deepEqual(counts, Array.from({ length: row.mr }, (_, i) => i + 1), `${row.kernel}: not run at every row count`);
    }
    for (const kind of ['pack', 'store', ...(kernelSet === 'scalar' ? [] : ['dwconv_row_pair', 'split_s2'])]) {
      assert.ok(rows.some((row) => row.kernel === `f32_${kind}__${kernelSet}`), `${kernelSet}: f32_${kind} was not tested`);
    }
  }
});
