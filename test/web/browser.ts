/**
 * Test helpers for the explorer: build it once with Vite, serve it on 127.0.0.1 and drive Debian's Chromium
 * through playwright-core (headless, with the flags this machine's closed network needs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

const configFile = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Explorer {
  readonly url: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startExplorer(): Promise<Explorer> {
  const outDir = mkdtempSync(join(tmpdir(), 'tconv-web-'));
  await build({ configFile, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({ configFile, logLevel: 'silent', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server did not report a URL');
  // playwright gives Chromium a fresh, empty profile directory of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    url, browser,
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
