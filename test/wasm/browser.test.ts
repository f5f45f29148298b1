/**
 * The wasm backend in Chromium: kernels loaded by initWasm() from the bundled module (vite), shared memory in a
 * cross-origin-isolated page, and module Web Workers joining the calls of an engine worker (threads: 2).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { type InlineConfig, build, preview, type PreviewServer } from 'vite';
import { chromiumSkip, launchChromium } from '../helpers/chromium.ts';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
let outDir = '';
let server: PreviewServer;
let browser: Browser;

const skip = chromiumSkip();

before(async () => {
  if (skip) return;
  // The browser first: when it cannot start, no server has been started that could be left running.
  browser = await launchChromium();
  outDir = mkdtempSync(join(tmpdir(), 'tconv-wasm-web-'));
  const config: InlineConfig = {
    configFile: false, root: here('./browser'), base: './', logLevel: 'silent',
    resolve: { alias: [{ find: /^.*\/backends\/native\/index\.ts$/, replacement: here('../../src/engine/backends/native/unavailable.ts') }] },
    build: { outDir, emptyOutDir: true, target: 'es2022' },
    worker: { format: 'es' },
    preview: { host: '127.0.0.1', port: 0, headers: isolation },
  };
  await build(config);
  server = await preview(config);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('in a browser worker: correct results, shared memory, and a second thread that takes work', { timeout: 120_000, skip }, async () => {
  const page = await browser.newPage();
  await page.goto(server.resolvedUrls!.local[0]!);
  const report = (await page.evaluate('window.report')) as {
    error?: string; isolated: boolean; shared: boolean; worst: number; tasks: number; threads: number; callerTasks: number[];
  };
  assert.equal(report.error, undefined);
  assert.ok(report.isolated, 'the page is cross-origin isolated');
  assert.ok(report.shared, 'the runtime uses a shared memory');
  assert.ok(report.worst < 1e-5, `relative L2 ${report.worst}`);
  assert.equal(report.threads, 2);
  // Once the nested workers are up, the calling thread no longer runs every task itself.
  assert.ok(report.callerTasks.some((n) => n < report.tasks), `caller ran every task in all ${report.callerTasks.length} rounds (${report.tasks} tasks each)`);
});
