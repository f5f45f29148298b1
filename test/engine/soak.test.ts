/**
 * The soak script, briefly: a synchronous loop of calls with fresh weights every call, on every backend and every
 * way of calling, keeps RSS within the stated bound (scripts/soak.ts; issue 15). Run in a child process so the
 * RSS is the loop's own. A memory bound, not a timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/soak.ts', import.meta.url));

interface Row { backend: string; mode: string; calls: number; startMiB: number; peakMiB: number; boundMiB: number; ok: boolean }

test('soak: 3000 calls with fresh weights per backend and mode stay within the bound (the cache evicts, native frees at once)', () => {
  // The cache bound is lowered to 4 MiB so the 'forgotten' handles reach it and must be evicted within 3000 calls.
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--calls', '3000', '--channels', '2', '--cache-mb', '4', '--bound-mb', '48', '--json'], {
    encoding: 'utf8', timeout: 240_000,
  });
  assert.equal(run.error, undefined);
  const rows = JSON.parse(run.stdout.trim().split('\n').pop()!) as Row[];
  assert.ok(rows.length >= 4, 'every mode ran on at least the reference backend');
  for (const row of rows) {
    assert.equal(row.calls, 3000);
    assert.ok(row.peakMiB - row.startMiB <= row.boundMiB, `${row.backend} ${row.mode}: RSS rose ${(row.peakMiB - row.startMiB).toFixed(1)} MiB, bound ${row.boundMiB}`);
    assert.ok(row.ok);
  }
  assert.equal(run.status, 0, run.stderr);
});

test('soak: flags are checked (a bad number exits 2 with one sentence)', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--calls', 'abc'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^soak: --calls \(abc\) must be a positive number\n$/);
});
