/**
 * Measures the explorer's Train card in Chromium: the static build from a plain file server (one wasm thread) and
 * from one sending the isolation headers (wasm threads), at 1440×900. Start is pressed and the card trains for
 * --steps steps; each step's time is the worker's own (performance.now() around one update and record of all five
 * decoders, 4 images of 32×32; posted with the step and put on the page's timeline as 'tconv:train-step'). While it
 * trains, arrow keys move the kernel slider: the browser's Event Timing figure (key press to next paint) says whether
 * the page stays responsive. Then the bench's own case (bench/backward.ts's demo-step: one convT-k4 decoder, 8 images,
 * one Adam step; scripts/explorer-train-step.ts) is timed in a Web Worker of the same page. Prints medians and quartiles.
 *   node --conditions=tconv-source --import tsx scripts/explorer-train.ts [--steps 120] [--presses 30]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { launchChromium } from '../test/helpers/chromium.ts';
import { serveStatic } from '../test/helpers/static-server.ts';

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: '120' }, presses: { type: 'string', default: '30' } } });
const steps = Number(args.steps);
const presses = Number(args.presses);
const outDir = mkdtempSync(join(tmpdir(), 'tconv-train-'));
await build({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
// The bench's demo-step (scripts/explorer-train-step.ts) as a module of its own beside the site, run in a Web Worker.
await build({
  configFile: false, logLevel: 'silent', resolve: { conditions: ['tconv-source', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: join(outDir, 'step'), emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0,
    lib: { entry: fileURLToPath(new URL('./explorer-train-step.ts', import.meta.url)), formats: ['es'], fileName: 'step' },
  },
});
writeFileSync(join(outDir, 'step', 'worker.js'), "import { timeDemoSteps } from './step.js';\nself.onmessage = async (e) => self.postMessage(await timeDemoSteps(e.data));\n");
const servers = [await serveStatic(outDir), await serveStatic(outDir, { isolation: true })];
const browser = await launchChromium();

const quantile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))]!;
};
const stats = (values: readonly number[]): string => {
  const q = (p: number): number => quantile(values, p);
  return `median ${q(0.5).toFixed(1)} ms (quartiles ${q(0.25).toFixed(1)}–${q(0.75).toFixed(1)}, max ${q(1).toFixed(1)}; ${values.length} samples)`;
};

try {
  console.log(`Chromium ${browser.version()}, ${steps} steps of the Train card (five decoders, 4 images of 32×32, 8 channels):`);
  for (const [server, label] of [[servers[0]!, 'plain server (one wasm thread)'], [servers[1]!, 'cross-origin isolated (wasm threads)']] as const) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(`${server.url}?r=2&i=32&k=7&s=2&p=3&stack=`);
      await page.waitForSelector('#train-card');
      await page.evaluate(`window.tconvEvents = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'keydown') window.tconvEvents.push(e.duration); }).observe({ type: 'event', durationThreshold: 16 });`);
      // Key presses on the kernel slider (kernel 7 ↔ 6), first with the card idle, then while it trains.
      const pressKeys = async (): Promise<number[]> => {
        await page.evaluate('window.tconvEvents.length = 0');
        await page.focus('#range-kernel');
        for (let i = 0; i < presses; i++) {
          await page.keyboard.press(i % 2 === 0 ? 'ArrowLeft' : 'ArrowRight');
          await page.waitForTimeout(80);
        }
        return (await page.evaluate('window.tconvEvents.slice()')) as number[];
      };
      const idle = await pressKeys();
      await page.click('#train-toggle');
      await page.waitForFunction(`Number(document.querySelector('#train-progress').dataset.step) >= 1`, undefined, { timeout: 60_000 });
      const events = await pressKeys();
      await page.waitForFunction(`Number(document.querySelector('#train-progress').dataset.step) >= ${steps}`, undefined, { timeout: 600_000 });
      await page.click('#train-toggle');
      await page.waitForSelector('#train-progress[data-state="paused"]');
      const times = (await page.evaluate("performance.getEntriesByName('tconv:train-step').map((e) => e.duration)")) as number[];
      const draws = (await page.evaluate("performance.getEntriesByName('tconv:train-draw').map((e) => e.duration)")) as number[];
      const backend = await page.getAttribute('#train-backend', 'data-backend');
      // The bench's case: one decoder (convT-k4), 8 images, one Adam step, in a worker of this page.
      const bench = (await page.evaluate(`new Promise((resolve) => {
        const worker = new Worker('./step/worker.js', { type: 'module' });
        worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
        worker.postMessage(${steps});
      })`)) as { backend: string; ms: number[] };
      console.log(`  ${label}, ${backend} backend:`);
      console.log(`    the bench's demo-step (convT-k4 decoder, 8 images; ${bench.backend}, in a worker): ${stats(bench.ms.slice(5))}`);
      // The first steps warm the JIT and the kernels' packings.
      const warm = times.slice(5);
      console.log(`    one step of all five decoders (worker): ${stats(warm)}; a fifth of the median: ${(quantile(warm, 0.5) / 5).toFixed(1)} ms`);
      console.log(`    the card's redraw on the page's thread (outputs and both curves): ${stats(draws)}`);
      const said = (values: number[]) => (values.length ? stats(values) : `none of ${presses} presses took 16 ms or more`);
      console.log(`    key press to next paint, card idle (Event Timing, entries ≥ 16 ms): ${said(idle)}`);
      console.log(`    key press to next paint while training:                            ${said(events)}`);
    } finally {
      await page.close();
    }
  }
} finally {
  await browser.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(outDir, { recursive: true, force: true });
}
