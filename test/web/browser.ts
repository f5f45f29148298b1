/**
 * Test helpers for the explorer: build the static site once with Vite (as `npm run build:site` does, into a temporary
 * folder), serve it with a plain static file server — once with no special headers, as any static host, and once
 * with the cross-origin isolation headers — and drive Debian's Chromium through playwright-core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../helpers/chromium.ts';
import { type StaticServer, serveStatic } from '../helpers/static-server.ts';

const configFile = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

export interface Explorer {
  /** The built site from a plain static server (no COOP/COEP headers). */
  readonly url: string;
  /** The same folder served with COOP: same-origin and COEP: require-corp. */
  readonly isolatedUrl: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startExplorer(): Promise<Explorer> {
  const outDir = mkdtempSync(join(tmpdir(), 'tconv-site-'));
  const servers: StaticServer[] = [];
  let browser: Browser | null = null;
  try {
    await build({ configFile, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    servers.push(await serveStatic(outDir), await serveStatic(outDir, { isolation: true }));
    browser = await launchChromium();
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  const opened = browser;
  return {
    url: servers[0]!.url, isolatedUrl: servers[1]!.url, browser: opened,
    async close() {
      await opened.close();
      await Promise.all(servers.map((s) => s.close()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
