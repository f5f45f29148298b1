/**
 * Measures the explorer's redraw in Chromium: the static build from a plain file server at 1440×900, input 32,
 * the kernel slider moved 7 → 5 → 7 … Each change is timed from the slider's input event to the next painted frame
 * once (a) the answer (size, verdict, bars) shows the new layer and (b) the heatmap, computed in the worker, is
 * drawn (the frame after it); and to (c) the three engine pictures of "What even means" arriving. Then (d) the browser's
 * own input-to-next-paint figure (Event Timing) for arrow keys on the slider (kernel 7 ↔ 6). Prints medians and quartiles.
 *   node --conditions=tconv-source --import tsx scripts/explorer-redraw.ts [--changes 40] [--input 32]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { launchChromium } from '../test/helpers/chromium.ts';
import { serveStatic } from '../test/helpers/static-server.ts';

const { values: args } = parseArgs({ options: { changes: { type: 'string', default: '40' }, input: { type: 'string', default: '32' } } });
const changes = Number(args.changes);
const outDir = mkdtempSync(join(tmpdir(), 'tconv-redraw-'));
await build({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
const server = await serveStatic(outDir);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${server.url}?r=2&i=${args.input}&k=7&s=2&p=3&stack=`);
  await page.waitForSelector('#heatmap-body[data-done]');
  const samples: { answer: number; heatmap: number; pictures: number }[] = [];
  for (let i = 0; i < changes + 4; i++) {
    const kernel = i % 2 === 0 ? 5 : 7;
    // Plain JavaScript text: tsx would wrap named functions in a helper the page does not have.
    const sample = (await page.evaluate(`(async () => {
      const k = ${kernel};
      const oldHeat = document.querySelector('#heatmap-body');
      const oldPictures = [...document.querySelectorAll('#evidence-card canvas')];
      const slider = document.querySelector('#range-kernel');
      const started = performance.now();
      let answerAt = 0, heatAt = 0, picturesAt = 0, heatPainted = 0;
      await new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          const now = performance.now();
          if (!answerAt && (document.querySelector('#formula')?.textContent ?? '').includes('(' + k + ' − 1)')) answerAt = now;
          const heat = document.querySelector('#heatmap-body');
          if (!heatAt && heat && heat !== oldHeat && heat.hasAttribute('data-done')) {
            heatAt = now;
            // The frame after the heatmap is drawn: when the change is on screen.
            requestAnimationFrame(() => setTimeout(() => { heatPainted = performance.now(); observer.takeRecords(); done(); }, 0));
          }
          const pictures = [...document.querySelectorAll('#evidence-card canvas')];
          if (!picturesAt && pictures.length === 3 && pictures.every((c) => !oldPictures.includes(c) && (c.dataset.done || c.dataset.refused))) picturesAt = now;
          done();
        });
        const done = () => { if (answerAt && heatPainted && picturesAt) { observer.disconnect(); resolve(); } };
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        slider.value = String(k);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
      });
      return { answer: answerAt - started, heatmap: heatPainted - started, pictures: picturesAt - started };
    })()`)) as { answer: number; heatmap: number; pictures: number };
    if (i >= 4) samples.push(sample); // the first changes warm the JIT
  }
  const stats = (values: number[]): string => {
    const sorted = [...values].sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))]!;
    return `median ${q(0.5).toFixed(1)} ms (quartiles ${q(0.25).toFixed(1)}–${q(0.75).toFixed(1)}, max ${q(1).toFixed(1)})`;
  };
  const renders = (await page.evaluate("performance.getEntriesByName('tconv:render').map((e) => e.duration)")) as number[];
  console.log(`Chromium ${browser.version()}, input ${args.input}, kernel 7 ↔ 5, ${samples.length} changes:`);
  console.log(`  answer shown (size, verdict, bars):        ${stats(samples.map((s) => s.answer))}`);
  console.log(`  answer and heatmap painted:                ${stats(samples.map((s) => s.heatmap))}`);
  console.log(`  of which render() on the page's thread:   ${stats(renders.slice(-samples.length))}`);
  console.log(`  three engine pictures arrived (worker):    ${stats(samples.map((s) => s.pictures))}`);

  // The browser's own figure: Event Timing's duration of a trusted key press on the slider, from the event to the next
  // paint (rounded to 8 ms by the browser). Arrow keys move the kernel one step, so this is kernel 7 ↔ 6.
  await page.evaluate(`window.tconvEvents = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'keydown') window.tconvEvents.push(e.duration); }).observe({ type: 'event', durationThreshold: 16 });`);
  await page.focus('#range-kernel');
  for (let i = 0; i < changes; i++) {
    await page.keyboard.press(i % 2 === 0 ? 'ArrowLeft' : 'ArrowRight');
    await page.waitForFunction(`document.querySelector('#evidence-card canvas[data-done]') !== null`);
    await page.waitForTimeout(50);
  }
  const presses = (await page.evaluate('window.tconvEvents')) as number[];
  console.log(`  key press to next paint (Event Timing, kernel 7 ↔ 6, ${presses.length} presses): ${stats(presses)}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
}
