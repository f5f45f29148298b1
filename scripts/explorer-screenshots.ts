/**
 * The explorer's screenshots in docs/: the static build from a plain file server, default layer (the article's
 * k7 s2 p3 example), first screen at 1440×900 (docs/explorer-desktop.png) and 390×844 (docs/explorer-phone.png).
 *   node --conditions=tconv-source --import tsx scripts/explorer-screenshots.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launchChromium } from '../test/helpers/chromium.ts';
import { serveStatic } from '../test/helpers/static-server.ts';

const docs = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tconv-shots-'));
await build({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
const server = await serveStatic(outDir);
const browser = await launchChromium();
try {
  for (const [name, width, height] of [['explorer-desktop.png', 1440, 900], ['explorer-phone.png', 390, 844]] as const) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(server.url);
    await page.waitForSelector('#heatmap-body[data-done]');
    await page.waitForSelector('#evidence-positive[data-done]');
    await page.screenshot({ path: docs(name) });
    console.log(`docs/${name}: ${width}×${height}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
}
