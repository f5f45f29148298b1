/**
 * `tconv doctor` names every backend with its availability and reason, and 'auto' falls back (to wasm, else
 * reference) when the native addon is missing — simulated by pointing TCONV_NATIVE_ADDON at a file that does not exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { kernelSets, skipReason } from './native-support.ts';
import { CLI_FROM_SOURCE } from '../cli/run-cli.ts';

function doctor(env: Record<string, string> = {}, ...args: string[]) {
  const result = spawnSync(process.execPath, [...CLI_FROM_SOURCE, 'doctor', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('tconv doctor --json lists native, wasm and reference with a reason each', { skip: skipReason }, () => {
  const result = doctor({}, '--json');
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.backends.map((b: { name: string }) => b.name), ['native', 'wasm', 'reference']);
  const native = report.backends[0];
  assert.equal(native.available, true);
  assert.match(native.reason, /addon loaded from .*tconv_native\.node; (avx512|avx2|scalar) kernels/);
  assert.equal(report.auto, 'native');
  assert.ok(report.native.kernelSets.includes('scalar'));
});

test('tconv doctor --peak measures the FMA peak of the best kernel set; the addon refuses bad arguments', { skip: skipReason }, () => {
  const report = JSON.parse(doctor({}, '--json', '--peak').stdout);
  assert.equal(report.fmaPeak.kernelSet, report.native.kernelSets[0]);
  // One core of any AVX2/AVX-512 CPU: several GFLOP/s at the very least, and below 64 FMA flops per cycle at 8 GHz.
  assert.ok(report.fmaPeak.gflops > 5 && report.fmaPeak.gflops < 512, String(report.fmaPeak.gflops));
  assert.match(doctor({}, '--peak').stdout, /FMA peak now: [\d.]+ GFLOP\/s per thread \((avx512|avx2), register-only loop/);
  assert.equal(doctor({}, '--json').stdout.includes('fmaPeak'), false);  // only measured when asked
  const addon = loadAddon().addon!;
  assert.equal(addon.fmaPeak('scalar', 0.01), 0);
  assert.throws(() => addon.fmaPeak('sse9', 0.01), /kernel set "sse9" is not available on this CPU/);
  assert.throws(() => addon.fmaPeak(kernelSets[0]!, 60), /seconds = 60\.0+ must be above 0 and at most 10/);
});

test('tconv doctor explains a missing addon, and auto falls back to another backend', () => {
  const result = doctor({ TCONV_NATIVE_ADDON: '/nonexistent/tconv_native.node' });
  assert.equal(result.status, 0, result.stderr);
  // No status file from an install-time build beside it: npm never ran the install script, so say how to build.
  assert.match(result.stdout, /native\s+no\s+the addon is not built \(\/nonexistent\/tconv_native\.node is missing; npm ≥ 11 skips dependency install scripts unless allowed: `npm install-scripts approve tconv && npm rebuild tconv`, or build it with `npx tconv build-native`/);
  assert.match(result.stdout, /backend "auto" uses: (wasm|reference)/);
});

test('tconv doctor explains an addon that fails to load', () => {
  // Not a shared object at all (a text file named like an addon): dlopen refuses it.
  const fake = join(mkdtempSync(join(tmpdir(), 'tconv-doctor-')), 'tconv_native.node');
  writeFileSync(fake, 'not an ELF file\n');
  const result = doctor({ TCONV_NATIVE_ADDON: fake }, '--json');
  const native = JSON.parse(result.stdout).backends[0];
  assert.equal(native.available, false);
  assert.match(native.reason, /^the addon failed to load: /);
});

test('TCONV_NATIVE_KERNELS picks the default kernel set; a set this CPU lacks makes native unavailable, named', { skip: skipReason }, () => {
  const other = kernelSets.at(-1)!;  // the portable set: every CPU with the addon has it, and it is never the best of two
  const chosen = JSON.parse(doctor({ TCONV_NATIVE_KERNELS: other }, '--json').stdout).backends[0];
  assert.equal(chosen.available, true);
  assert.match(chosen.reason, new RegExp(`; ${other} kernels \\(TCONV_NATIVE_KERNELS\\)`));
  const lacking = JSON.parse(doctor({ TCONV_NATIVE_KERNELS: 'neon' }, '--json').stdout);
  assert.equal(lacking.backends[0].available, false);
  assert.match(lacking.backends[0].reason, /kernel set neon \(from TCONV_NATIVE_KERNELS; unset it or name one of those\) is not supported by this CPU/);
  assert.equal(lacking.auto, 'wasm');
});
