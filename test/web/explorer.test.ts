/**
 * End-to-end tests of the explorer in Debian's Chromium, on the static build served by a plain file server, at a
 * desktop (1440×900) and a phone (390×844) size. Every number the page shows is compared with the library's own
 * answer for the same layer; layout, focus, errors, accessibility (axe-core) and the static site are checked too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { explainLayer } from '../../src/analysis/explain.ts';
import { layerOverlap, overlapMap } from '../../src/analysis/overlap.ts';
import { receptiveField, receptiveFieldAt } from '../../src/analysis/receptive-field.ts';
import { artifactImage } from '../../src/analysis/stack-run.ts';
import { animationPlan } from '../../src/render/animation.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { VARIANTS, runCheckerboardDemo } from '../../src/train/checkerboard-demo.ts';
import { TRAIN_SETTINGS } from '../../web/src/train-settings.ts';
import { chromiumSkip } from '../helpers/chromium.ts';
import { type Explorer, startExplorer } from './browser.ts';

const skip = chromiumSkip();
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const SIZES = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let explorer: Explorer;
const pageErrors: string[] = [];

async function newPage(size: { width: number; height: number } = SIZES[0], base = explorer.url): Promise<Page & { base: string }> {
  const page = await explorer.browser.newPage({ viewport: { width: size.width, height: size.height } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return Object.assign(page, { base });
}

async function open(page: Page & { base: string }, query = ''): Promise<void> {
  await page.goto(`${page.base}${query}`);
  await page.waitForSelector('body[data-ready]');
}

const text = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector))?.trim() ?? '';

/** Pointer at the centre of heatmap cell (row, col), whatever the canvas's CSS size. */
async function hoverCell(page: Page, id: string, row: number, col: number): Promise<void> {
  const canvas = page.locator(`#${id}-canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box, 'the heatmap is laid out');
  const rows = Number(await canvas.getAttribute('data-rows'));
  const cols = Number(await canvas.getAttribute('data-cols'));
  await page.mouse.move(box.x + ((col + 0.5) * box.width) / cols, box.y + ((row + 0.5) * box.height) / rows);
}

describe('explorer', { skip }, () => {
  before(async () => {
    explorer = await startExplorer();
  });
  after(async () => {
    await explorer?.close();
  });

  for (const size of SIZES) {
    test(`${size.name}: the answer and the picture are on the first screen, and nothing scrolls sideways`, async () => {
      const page = await newPage(size);
      try {
        for (const query of ['', '?r=2&i=8&k=4&s=2&p=1', '?r=1&i=16&k=5&s=3&p=1']) {
          await open(page, query);
          for (const selector of ['#output-size', '#verdict', '#overlap-picture']) {
            const box = await page.locator(selector).boundingBox();
            assert.ok(box, `${selector} is laid out`);
            assert.ok(box.y >= 0 && box.y + box.height <= size.height, `${query || 'default'}: ${selector} ends at ${box.y + box.height}, below the ${size.height} px fold`);
            assert.ok(box.x >= 0 && box.x + box.width <= size.width, `${selector} fits across`);
          }
          const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
          assert.ok(widths.scroll <= widths.view, `${query || 'default'}: the page is ${widths.scroll} px wide in a ${widths.view} px window`);
        }
        // The rest of the page too (stack, pictures, tables) stays inside the window once everything has drawn.
        await open(page, '?r=2&i=32&k=7&s=2&p=3&stack=t3.2.1.1,t3.2.1.1');
        await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
        const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
        assert.ok(widths.scroll <= widths.view, `the fully drawn page is ${widths.scroll} px wide in a ${widths.view} px window`);
        // Touch targets: every button and field is at least 36 px tall (44 on the phone).
        const minimum = size.width < 600 ? 44 : 36;
        const small = await page.$$eval('#controls button, #controls input[type=number], #controls select', (nodes, min) =>
          nodes.filter((n) => (n as HTMLElement).getBoundingClientRect().height < min - 0.5).map((n) => n.id || n.textContent), minimum);
        assert.deepEqual(small, []);
      } finally {
        await page.close();
      }
    });

    test(`${size.name}: axe-core finds no accessibility violations`, async () => {
      const page = await newPage(size);
      try {
        await open(page, '?r=2&i=16&k=3&s=2&p=1&op=1&stack=t4.2.1.0');
        await page.waitForSelector('#heatmap-canvas');
        await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
          const result = await axe.run();
          return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        assert.deepEqual(violations, []);
      } finally {
        await page.close();
      }
    });
  }

  test('the default layer: the library\'s size, verdict with its reason, bars and formula', async () => {
    const page = await newPage();
    try {
      await open(page);
      const report = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 3 });
      assert.equal(await text(page, '#output-size'), report.outputShape.join('×'));
      assert.equal(await text(page, '#input-size'), report.inputShape.join('×'));
      assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'true');
      const verdict = await text(page, '#verdict');
      assert.match(verdict, /^Checkerboard: /);
      assert.ok(verdict.includes(report.reasons[0]!), `the verdict gives the library's reason: ${verdict}`);
      assert.match(verdict, /16, 12 or 9 contributions/);
      assert.equal(await text(page, '#formula'), report.formulas[0]!.filled);
      const bars = await page.$$eval('#overlap-picture rect[data-count]', (rects) => rects.map((r) => Number(r.getAttribute('data-count'))));
      const phases = report.phases[1]!;
      assert.deepEqual(bars, bars.map((_, o) => phases[o % phases.length]));
      assert.ok(bars.length >= 12);
      // The k7 preset is the default layer and shows as pressed, with the article's claim beside the true size.
      assert.equal(await page.getAttribute('button[data-preset="article-k7"]', 'aria-pressed'), 'true');
      assert.match(await text(page, '#article-claim'), /The widely read article \(which one\) says 66×66; the exact size is 63×63/);
      // The phase table and tap diagram (src/render) show the same phases (drawn just after the first paint).
      await page.waitForSelector('#tap-diagram');
      const counts = await page.$$eval('#phase-table .tap-count', (cells) => cells.map((c) => Number(c.textContent)));
      assert.deepEqual(counts, report.phases.flat());
      const diagram = await page.$$eval('#tap-diagram g.phase', (groups) => groups.map((g) => Number(g.getAttribute('data-taps'))));
      assert.deepEqual(diagram, report.phases.flat());
    } finally {
      await page.close();
    }
  });

  test('an even layer says why in one sentence', async () => {
    const page = await newPage();
    try {
      await open(page, '?r=2&i=8&k=4&s=2&p=1');
      assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'false');
      assert.match(await text(page, '#verdict'), /^Even: every output takes 2 kernel taps per axis, whichever phase it is in, so every interior output receives 4 contributions/);
    } finally {
      await page.close();
    }
  });

  for (const size of SIZES) {
    test(`${size.name}: sliders and number entry update the size, the verdict and the URL`, async () => {
      const page = await newPage(size);
      try {
        await open(page);
        await page.fill('#range-kernel', '4');
        await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '60×60');
        assert.equal(await page.inputValue('#field-kernel'), '4');
        await page.fill('#field-padding', '1');
        await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '64×64');
        assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'false');
        assert.equal(await page.inputValue('#range-padding'), '1');
        assert.match(page.url(), /k=4/);
        assert.match(page.url(), /p=1/);
        assert.match(await text(page, '#live'), /32×32 to 64×64: even/);
        // Groups and channels sit under "Advanced" and show the weight's shape.
        assert.equal(await page.isVisible('#field-groups'), false);
        await page.click('#advanced summary');
        await page.fill('#field-outChannels', '6');
        await page.waitForFunction(() => /3×6×4×4/.test(document.querySelector('#weight-shape')?.textContent ?? ''));
      } finally {
        await page.close();
      }
    });
  }

  for (const size of SIZES) {
    test(`${size.name}: errors: worded with the field's label, beside the field, with a red border; an empty field is an error`, async () => {
      const page = await newPage(size);
      try {
        await open(page);
        await page.fill('#field-outputPadding', '2');
        await page.waitForFunction(() => (document.querySelector('#error-outputPadding')?.textContent ?? '') !== '');
        const message = await text(page, '#error-outputPadding');
        assert.match(message, /^Output padding 2 must be smaller than stride \(2\) or dilation \(1\); use output padding 0 or 1\.$/);
        assert.equal(await page.getAttribute('#field-outputPadding', 'aria-invalid'), 'true');
        const border = await page.$eval('#field-outputPadding', (n) => getComputedStyle(n).borderTopColor);
        assert.equal(border, 'rgb(192, 0, 26)');
        assert.equal(await page.$('#output-size'), null, 'no stale answer beside an error');
        assert.match(await text(page, '#invalid-message'), /Output padding 2/);
        await page.fill('#field-outputPadding', '1');
        await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '64×64');
        assert.equal(await text(page, '#error-outputPadding'), '');
        // Emptied: an error at once, not the old answer.
        await page.fill('#field-kernel', '');
        await page.waitForSelector('#invalid-message');
        assert.equal(await text(page, '#error-kernel'), 'Kernel size is empty: enter a whole number.');
        assert.equal(await page.getAttribute('#field-kernel', 'aria-invalid'), 'true');
        assert.match(await text(page, '#live'), /Kernel size is empty/);
        // A rule about another field names it in words too.
        await page.fill('#field-kernel', '7');
        await page.click('#advanced summary');
        await page.fill('#field-groups', '2');
        await page.waitForFunction(() => (document.querySelector('#error-inChannels')?.textContent ?? '') !== '');
        const groups = await text(page, '#error-inChannels');
        assert.match(groups, /^In channels 3 must be divisible by groups \(2\)/);
        assert.doesNotMatch(groups, /inChannels|outputPadding/);
      } finally {
        await page.close();
      }
    });
  }

  for (const size of SIZES) {
    test(`${size.name}: the heatmap (canvas) reads out the library's overlap counts and the receptive field of the cell pointed at`, async () => {
      const page = await newPage(size);
      try {
        await open(page, '?r=2&i=12&k=7&s=2&p=3');
        await page.waitForSelector('#heatmap-canvas');
        const overlap = layerOverlap({ kind: 'convTranspose', input: 12, kernel: 7, stride: 2, padding: 3 });
        const expected = overlapMap(overlap);
        const cols = overlap.shape[1]!;
        assert.equal(Number(await page.getAttribute('#heatmap-canvas', 'data-rows')), overlap.shape[0]);
        for (const [r, c] of [[0, 0], [5, 6], [6, 7], [11, 3], [22, 22]] as const) {
          await hoverCell(page, 'heatmap', r, c);
          const count = expected[r * cols + c]!;
          await page.waitForFunction(([r, c]) => (document.querySelector('#heatmap-readout')?.textContent ?? '').startsWith(`Output (${r}, ${c})`), [r, c]);
          assert.equal(await text(page, '#heatmap-readout'), `Output (${r}, ${c}): ${count} contribution${count === 1 ? '' : 's'}.`);
        }
        // Heavier overlap is drawn darker: read the canvas pixels.
        const heavy = expected.indexOf(Math.max(...expected));
        const light = expected.indexOf(Math.min(...expected));
        const [heavyLuma, lightLuma] = await page.$eval('#heatmap-canvas', (canvas, cells) => cells.map((i) => {
          const [r, g, b] = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(i % (canvas as HTMLCanvasElement).width, Math.floor(i / (canvas as HTMLCanvasElement).width), 1, 1).data;
          return 0.3 * r! + 0.59 * g! + 0.11 * b!;
        }), [heavy, light]);
        assert.ok(heavyLuma! < lightLuma!);
        // The legend names the counts it colours.
        const legend = await page.$$eval('#heatmap-card .swatch', (s) => s.map((n) => Number(n.textContent)));
        assert.equal(legend[0], Math.min(...expected));
        assert.equal(legend.at(-1), Math.max(...expected));
        // Receptive field of output (5, 6), as the library computes it.
        await open(page, '?r=2&i=12&k=3&s=2&p=1&op=1');
        await page.waitForSelector('#heatmap-canvas');
        await hoverCell(page, 'heatmap', 5, 6);
        await page.waitForSelector('#rf-text');
        const rf = receptiveField({ input: [12, 12], rank: 2, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }] });
        const [rows, columns] = receptiveFieldAt(rf, [5, 6]).intervals;
        assert.match(await text(page, '#rf-text'), new RegExp(`rows ${rows!.start}–${rows!.end}.*columns ${columns!.start}–${columns!.end}`));
        assert.equal(await page.$$eval('#rf-grid rect[data-in="1"]', (cells) => cells.length), (rows!.end - rows!.start + 1) * (columns!.end - columns!.start + 1));
        // Keyboard: the map takes focus and the arrow keys move the inspected cell.
        await page.focus('#heatmap-card .heatmap-wrap');
        await page.keyboard.press('ArrowRight');
        assert.match(await text(page, '#heatmap-readout'), /^Output \(5, 7\)/);
      } finally {
        await page.close();
      }
    });
  }

  test('what "even" means, shown: constant, random and ICNR weights, each the library\'s number', async () => {
    const page = await newPage();
    try {
      await open(page, '?r=2&i=12&k=2&s=2&p=0');
      const spec = { input: 12, rank: 2 as const, channels: 1, layers: [{ kind: 'convTranspose' as const, kernel: 2, stride: 2, padding: 0, dilation: 1, outputPadding: 0, outChannels: 1 }] };
      const spreads: Record<string, number> = {};
      for (const weights of ['constant', 'positive', 'icnr'] as const) {
        await page.waitForSelector(`#evidence-${weights}[data-done]`, { timeout: 30_000 });
        const shown = Number(await page.getAttribute(`#evidence-${weights}`, 'data-spread'));
        const expected = artifactImage(spec, { seed: 1, weights }).interiorSpread;
        assert.ok(Math.abs(shown - expected) <= 1e-4 * Math.max(1, expected), `${weights}: page ${shown}, library ${expected}`);
        spreads[weights] = shown;
      }
      assert.ok(spreads.constant! < 1e-6 && spreads.icnr! < 1e-6, 'even: flat with constant and ICNR weights');
      assert.ok(spreads.positive! > 0.05, 'random weights still print a pattern on an even layer');
      assert.match(await text(page, '#even-meaning'), /equal overlap for constant weights/);
      // An uneven layer: ICNR is refused by name, with the library's reason.
      await open(page, '?r=2&i=12&k=3&s=2&p=1');
      await page.waitForSelector('#evidence-icnr[data-refused]', { state: 'attached', timeout: 30_000 });
      assert.match(await text(page, '#evidence-icnr-note'), /^Kernel size 3 is not a multiple of the stride 2/);
      assert.equal(await page.isVisible('#evidence-icnr'), false, 'no empty picture beside a refusal');
    } finally {
      await page.close();
    }
  });

  test('presets set or clear the stack, so the page never contradicts itself', async () => {
    const page = await newPage();
    try {
      await open(page);
      await page.click('button[data-preset="unet"]');
      await page.waitForSelector('#stack-verdict');
      assert.equal(await text(page, '#stack-flow'), '28×28 → 56×56 → 112×112 → 224×224');
      const verdict = await text(page, '#stack-verdict');
      assert.match(verdict, /^Even overlap: with constant weights/);
      assert.match(verdict, /Random weights .* can still print a pattern/);
      assert.doesNotMatch(verdict, /no checkerboard/);
      assert.equal(await page.getAttribute('button[data-preset="unet"]', 'aria-pressed'), 'true');
      assert.equal(await text(page, '#live'), 'Preset U-Net up k2 s2. 28×28 to 56×56: even.');
      await page.click('button[data-preset="article-k7"]');
      await page.waitForSelector('#stack-empty');
      assert.equal(await page.$('#stack-verdict'), null);
      assert.equal(await page.getAttribute('button[data-preset="unet"]', 'aria-pressed'), 'false');
      // "Add this layer to the stack".
      await page.click('#add-to-stack');
      await page.waitForSelector('#stack-flow');
      assert.equal(await text(page, '#stack-flow'), '32×32 → 63×63');
      assert.match(page.url(), /stack=t7\.2\.3\.0/);
    } finally {
      await page.close();
    }
  });

  for (const size of SIZES) {
    test(`${size.name}: focus stays put after presets, alternatives and stack edits (keyboard)`, async () => {
      const page = await newPage(size);
      try {
        await open(page);
        await page.focus('button[data-preset="dcgan"]');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '16×16');
        assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.preset), 'dcgan');
        await open(page);
        await page.focus('#alternatives-card button.alternative.primary');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelector('#verdict')?.getAttribute('data-checkerboard') === 'false');
        assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
        assert.equal(await page.evaluate(() => document.activeElement?.closest('section')?.id), 'alternatives-card');
        await page.focus('[data-key="stack-remove-0"]');
        const before = await page.$$eval('.stack-layer', (rows) => rows.length);
        await page.keyboard.press('Enter');
        await page.waitForFunction((n) => document.querySelectorAll('.stack-layer').length === n - 1, before);
        assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
        assert.equal(await page.evaluate(() => document.activeElement?.closest('section')?.id), 'stack-card');
      } finally {
        await page.close();
      }
    });
  }

  test('your layer vs the suggested fix, and one click applies it', async () => {
    const page = await newPage();
    try {
      await open(page);
      const report = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }, { alternatives: 4 });
      const best = report.alternatives[0]!.perAxis[0]![0]!;
      assert.match(await text(page, '#fix-yours h3'), /k7 s2 p3/);
      assert.match(await text(page, '#fix-suggested h3'), new RegExp(`k${best.kernel} s${best.stride} p${best.padding}`));
      assert.match(await text(page, '#fix-suggested'), /Even:/);
      await page.click('#alternatives-card button.alternative.primary');
      await page.waitForFunction((k) => (document.querySelector('#field-kernel') as HTMLInputElement).value === String(k), best.kernel);
      assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'false');
      assert.match(await text(page, '#fix-none'), /already even/);
    } finally {
      await page.close();
    }
  });

  for (const size of SIZES) {
    test(`${size.name}: the animation: scatter and direct views, a scrub bar, and what reaches the output pointed at`, async () => {
      const page = await newPage(size);
      try {
        await open(page, '?r=2&i=8&k=3&s=2&p=1');
        await page.waitForSelector('#animation-canvas');
        const filled = async () => Number(await page.getAttribute('#animation-canvas', 'data-filled'));
        assert.equal(await filled(), 0);
        await page.click('#animation-step');
        assert.equal(await filled(), 9, 'one input stamps the 3×3 kernel into the full output');
        assert.match(await text(page, '#animation-status'), /^Step 1 of 16: input \(0, 0\) stamps the kernel/);
        await page.fill('#animation-scrub', '16');
        assert.equal(await page.getAttribute('#animation-canvas', 'data-step'), '16');
        // The direct view, run to the end, fills every kept output of the layer on the 4×4 input it shows.
        await page.check('#animation-view-direct');
        const shown = animationPlan(planLayer({ kind: 'convTranspose', rank: 2, input: 8, kernel: 3, stride: 2, padding: 1 }), 4);
        const outputs = shown.axes[0]!.output * shown.axes[1]!.output;
        assert.equal(await page.getAttribute('#animation-scrub', 'max'), String(outputs));
        await page.fill('#animation-scrub', String(outputs));
        assert.equal(await filled(), outputs);
        // Pointing at output (2, 3): the inputs under the flipped kernel are the library's overlap count.
        const overlap = overlapMap(layerOverlap(shown));
        const canvas = page.locator('#animation-canvas');
        await canvas.scrollIntoViewIfNeeded();
        const box = (await canvas.boundingBox())!;
        const [cell, rightX, top, width] = await canvas.evaluate((c) => [Number(c.dataset.cell), Number(c.dataset.rightX), Number(c.dataset.top), Number.parseFloat((c as HTMLCanvasElement).style.width)]);
        const scale = box.width / width!;
        await page.mouse.move(box.x + (rightX! + 3.5 * cell!) * scale, box.y + (top! + 2.5 * cell!) * scale);
        const status = await text(page, '#animation-status');
        assert.match(status, new RegExp(`^Output \\(2, 3\\): the flipped kernel covers 9 cells, ${overlap[2 * shown.axes[1]!.output + 3]} of them inputs`));
      } finally {
        await page.close();
      }
    });
  }

  for (const [size, seed] of [[SIZES[0], 1], [SIZES[1], 3]] as const) {
    test(`${size.name}: the Train card: idle until Start, trains in the worker, Pause stops the counter, the numbers are runCheckerboardDemo's`, async () => {
      const page = await newPage(size);
      try {
        await open(page);
        await page.waitForSelector('#train-card');
        // Lower on the page than the first picture, and nothing runs (the worker is not even loaded) until Start.
        const first = (await page.locator('#overlap-picture').boundingBox())!;
        const trainCard = (await page.locator('#train-card').boundingBox())!;
        assert.ok(trainCard.y >= first.y + first.height, 'the Train card is below the first picture');
        assert.equal(await page.getAttribute('#train-progress', 'data-step'), '0');
        assert.equal(await page.getAttribute('#train-toggle', 'data-backend'), null);
        const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('train-worker')).length);
        assert.equal(await loaded(), 0, 'no training worker before Start');
        assert.match(await text(page, '#train-measure'), /^Checkerboard measure: .*0 is none/);
        assert.equal(await page.getAttribute('#train-measure a', 'href'), '#g-measure');
        assert.match(await text(page, '#g-measure + dd'), /docs\/training\.md/);

        await page.fill('#train-seed', String(seed));
        await page.click('#train-toggle');
        await page.waitForFunction(() => Number(document.querySelector('#train-progress')?.getAttribute('data-step')) >= 3, undefined, { timeout: 60_000 });
        assert.equal(await loaded(), 1);
        assert.equal(await page.getAttribute('#train-backend', 'data-backend'), 'wasm');
        assert.match(await text(page, '#train-backend'), /WebAssembly/);
        assert.equal(await text(page, '#train-toggle'), 'Pause');
        assert.equal(await page.isDisabled('#train-seed'), true);

        await page.click('#train-toggle');
        await page.waitForSelector('#train-progress[data-state="paused"]', { timeout: 60_000 });
        await page.waitForFunction(() => document.querySelector('#train-progress')?.textContent?.startsWith('Paused'));
        const steps = Number(await page.getAttribute('#train-progress', 'data-step'));
        assert.equal(await text(page, '#train-toggle'), 'Resume');
        // Paused means paused: the counter stays while the worker would have had time for many steps.
        await page.waitForTimeout(600);
        assert.equal(Number(await page.getAttribute('#train-progress', 'data-step')), steps);
        assert.match(await text(page, '#train-progress'), new RegExp(`^Paused at step ${steps} of 300; one step of all five decoders: median \\d+ ms over ${steps} steps\\.$`));

        // The numbers shown are the worker's run of the library: Node's run of the same demo gives the same values.
        const expected = runCheckerboardDemo({ ...TRAIN_SETTINGS, steps, seed, backend: 'wasm' });
        for (const variant of expected.variants) {
          const figure = `#train-${variant.name}`;
          assert.equal(Number(await page.getAttribute(figure, 'data-step')), steps);
          for (const key of ['loss', 'checkerboard'] as const) {
            const shown = Number(await page.getAttribute(figure, `data-${key}`));
            const want = variant[key][steps]!;
            assert.ok(Math.abs(shown - want) <= 1e-4 * Math.max(Math.abs(want), 1e-3), `${variant.name} ${key} at step ${steps}: page ${shown}, Node ${want}`);
          }
          assert.equal(await text(page, `${figure}-numbers`), `loss ${variant.loss[steps]!.toFixed(4)} · checkerboard ${variant.checkerboard[steps]!.toFixed(4)}`);
        }
        // Both curves hold every step of every variant: 5 lines of steps + 1 points.
        for (const plot of ['#train-loss-plot', '#train-measure-plot']) {
          const lines = await page.$$eval(`${plot} polyline.curve`, (nodes) => nodes.map((n) => [n.getAttribute('data-series'), n.getAttribute('points')!.trim().split(/\s+/).length]));
          assert.deepEqual(lines, VARIANTS.map((v) => [v, steps + 1]));
        }
        // The outputs are drawn: a 2×2 mosaic of the 32×32 outputs, not blank.
        const pixels = await page.$eval('#train-convT-k3-canvas', (c) => {
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          return { size: `${canvas.width}×${canvas.height}`, levels: new Set(Array.from({ length: data.length / 4 }, (_, i) => data[i * 4])).size };
        });
        assert.deepEqual(pixels.size, '64×64');
        assert.ok(pixels.levels > 10, `${pixels.levels} grey levels`);

        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(context: string): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
          const result = await axe.run('#train-card');
          return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        assert.deepEqual(violations, []);

        // Resume goes on from the same step; Reset clears the card and lets the seed be changed.
        await page.click('#train-toggle');
        await page.waitForFunction((n) => Number(document.querySelector('#train-progress')?.getAttribute('data-step')) > n, steps, { timeout: 60_000 });
        await page.click('#train-reset');
        await page.waitForSelector('#train-progress[data-state="idle"]');
        assert.equal(await page.getAttribute('#train-progress', 'data-step'), '0');
        assert.equal(await text(page, '#train-toggle'), 'Start');
        assert.equal(await text(page, '#train-convT-k3-numbers'), '—');
        assert.equal(await page.isDisabled('#train-seed'), false);
        assert.equal(await page.$$eval('#train-loss-plot polyline', (n) => n.length), 0);
      } finally {
        await page.close();
      }
    });
  }

  test('a shared URL restores the layer', async () => {
    const page = await newPage();
    try {
      await open(page, '?r=1&i=16&k=4&s=2&p=1&d=1&op=0&g=1&ci=2&co=4');
      assert.equal(await text(page, '#output-size'), '32');
      assert.equal(await page.inputValue('#field-kernel'), '4');
      assert.equal(await page.inputValue('#field-rank'), '1');
    } finally {
      await page.close();
    }
  });

  test('the stack: shapes, compounded verdict, the engine\'s pictures, and an uploaded image that stays', async () => {
    const page = await newPage();
    try {
      const even = { input: 8, rank: 2 as const, channels: 1, layers: [{ kind: 'convTranspose' as const, kernel: 4, stride: 2, padding: 1, outChannels: 1 }, { kind: 'convTranspose' as const, kernel: 4, stride: 2, padding: 1, outChannels: 1 }] };
      const uneven = { ...even, layers: even.layers.map((l) => ({ ...l, kernel: 3, outputPadding: 1 })) };
      for (const [query, spec, word] of [['?i=8&stack=t4.2.1.0,t4.2.1.0', even, 'Even'], ['?i=8&stack=t3.2.1.1,t3.2.1.1', uneven, 'Uneven']] as const) {
        await open(page, query);
        await page.waitForSelector('#artifact-canvas[data-done]', { timeout: 30_000 });
        assert.equal(await text(page, '#stack-flow'), '8×8 → 16×16 → 32×32');
        assert.match(await text(page, '#stack-verdict'), new RegExp(`^${word} overlap`));
        const shown = Number(await page.getAttribute('#artifact-canvas', 'data-spread'));
        const expected = artifactImage(spec, { seed: 1 }).interiorSpread;
        assert.ok(Math.abs(shown - expected) <= 1e-4 * Math.max(1, expected), `${query}: page ${shown}, library ${expected}`);
        await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
        assert.equal(await page.$eval('#image-canvas', (c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`), '32×32');
        assert.equal(await page.$eval('#image-input', (c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`), '8×8');
      }
      // A stack error names the layer and the field in the builder's words.
      await open(page, '?i=8&stack=t3.2.1.3');
      await page.waitForSelector('#stack-error');
      assert.match(await text(page, '#stack-error'), /^layer 1 output padding \(3\) must be smaller than stride \(2\)/);
      await open(page, '?i=8&stack=t3.2.1.1,t3.2.1.1');
      await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
      // An uploaded image survives a change elsewhere (here the input size, which redraws the stack card).
      const png = new PNG({ width: 16, height: 16 });
      for (let i = 0; i < 16 * 16; i++) png.data.set([i % 16 < 8 ? 255 : 0, 0, 0, 255], i * 4);
      await page.setInputFiles('#image-file', { name: 'half.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
      await page.waitForSelector('#image-canvas[data-source="upload"]', { timeout: 30_000 });
      await page.fill('#field-input', '6');
      await page.waitForFunction(() => document.querySelector('#stack-flow')?.textContent === '6×6 → 12×12 → 24×24', undefined, { timeout: 30_000 });
      await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#image-canvas', 'data-source'), 'upload');
      assert.match(await text(page, '#image-note'), /^half\.png, 6×6 → 24×24/);
    } finally {
      await page.close();
    }
  });

  test('no input blocks the page: large layers show progress then the result, huge ones the library\'s refusal', async () => {
    const page = await newPage();
    try {
      await open(page, '?r=2&i=20000&k=7&s=2&p=3&ci=1&co=1&stack=t4.2.1.0');
      // The answer is there at once; the heatmap is computed in the worker.
      assert.equal(await text(page, '#output-size'), '39999×39999');
      await page.waitForSelector('#heatmap-canvas', { timeout: 60_000 });
      assert.equal(await page.getAttribute('#heatmap-canvas', 'data-rows'), '96');
      assert.match(await text(page, '#heatmap-card .legend'), /top-left 96×96 of 39999×39999/);
      await hoverCell(page, 'heatmap', 40, 41);
      await page.waitForSelector('#rf-text');
      assert.match(await text(page, '#rf-text'), /output \(40, 41\) reads input rows/);
      // The engine pictures are priced first and refused by name.
      await page.waitForSelector('#evidence-constant[data-refused]', { state: 'attached', timeout: 60_000 });
      await page.waitForSelector('#image-canvas[data-refused]', { state: 'attached', timeout: 60_000 });
      assert.match(await text(page, '#image-note'), /needs more than the budget/);
      assert.match(await text(page, '#evidence-constant-note'), /artifact picture .* needs more than the budget/);
      await open(page, '?r=2&i=3000000&k=7&s=2&p=3&ci=1&co=1&stack=t4.2.1.0');
      assert.equal(await text(page, '#output-size'), '5999999×5999999');
      await page.waitForSelector('#heatmap-skipped', { timeout: 60_000 });
      assert.match(await text(page, '#heatmap-skipped'), /^input \(3000000\) makes axis 0 of layer 1 too long to analyse position by position/);
      await page.waitForSelector('#stack-error', { timeout: 60_000 });
      assert.equal(await page.$('#invalid-card'), null);
    } finally {
      await page.close();
    }
  });

  test('a huge stride is explained in the worker: progress first, then the answer, with long lists cut short', async () => {
    const page = await newPage();
    try {
      // The progress note may be replaced by the answer before a query could read it: record every one shown.
      await page.addInitScript(() => {
        const seen: string[] = [];
        Object.assign(window, { progressSeen: seen });
        new MutationObserver(() => {
          const note = document.getElementById('explain-progress')?.textContent;
          if (note && seen.at(-1) !== note) seen.push(note);
        }).observe(document, { childList: true, subtree: true });
      });
      await open(page, '?r=2&i=32&k=3&s=5000&p=0');
      await page.waitForSelector('#output-size', { timeout: 60_000 });
      // explainLayer takes the library seconds here: the page showed progress instead of freezing.
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
      assert.match(seen[0] ?? '', /Working out a layer with kernel 3, stride 5000/);
      const report = explainLayer({ kind: 'convTranspose', rank: 2, input: 32, kernel: 3, stride: 5000, padding: 0 }, { alternatives: 0, sweep: 0 });
      assert.equal(await text(page, '#output-size'), report.outputShape.join('×'));
      assert.match(await text(page, '#verdict'), /^Holes: /);
      await page.waitForSelector('#phase-table');
      assert.equal(await page.$$eval('#phase-table .tap-count', (cells) => cells.length), 2 * 16);
      assert.match(await text(page, '#phase-table'), /and 4984 more phases on this axis/);
      await page.waitForSelector('#animation-skipped');
      assert.match(await text(page, '#tap-diagram-skipped'), /up to 32/);
      assert.match(await text(page, '#animation-skipped'), /at most 120 cells per axis/);
      // Leaving such a layer before its answer arrives, then coming back, still ends with its answer.
      await open(page, '?r=2&i=32&k=3&s=5000&p=0');
      await page.fill('#field-stride', '2');
      await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '65×65');
      await page.fill('#field-stride', '5000');
      await page.waitForFunction((size) => document.querySelector('#output-size')?.textContent === size, report.outputShape.join('×'), { timeout: 60_000 });
    } finally {
      await page.close();
    }
  });

  test('the static site: one thread from a plain server, threads when cross-origin isolated, and the page says which', async () => {
    for (const [base, isolated] of [[explorer.url, false], [explorer.isolatedUrl, true]] as const) {
      const page = await newPage(SIZES[0], base);
      try {
        await open(page, '?i=8&stack=t4.2.1.0');
        await page.waitForFunction(() => document.querySelector('#engine-status')?.hasAttribute('data-threads'), undefined, { timeout: 30_000 });
        assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolated);
        const status = await text(page, '#engine-status');
        const cores = await page.evaluate(() => navigator.hardwareConcurrency);
        if (isolated && cores > 1) assert.match(status, /^Engine: WebAssembly in a Web Worker, \d+ threads \(this page is cross-origin isolated\)/);
        else assert.match(status, /one thread/);
        if (!isolated) assert.match(status, /not cross-origin isolated/);
        // The wasm kernels load from the built folder in both cases.
        await page.waitForSelector('#image-canvas[data-done]', { timeout: 30_000 });
        assert.match(await text(page, '#image-note'), /on the wasm backend/);
      } finally {
        await page.close();
      }
    }
  });

  test('a screenshot shows the coloured bars and no page errors were raised', async () => {
    const page = await newPage();
    try {
      await open(page);
      const shot = PNG.sync.read(await page.screenshot({ fullPage: false }));
      const box = await page.locator('#overlap-picture rect[data-count="4"]').first().boundingBox();
      assert.ok(box);
      const i = (Math.round(box.y + box.height - 4) * shot.width + Math.round(box.x + box.width / 2)) * 4;
      assert.ok(shot.data[i + 2]! > shot.data[i]! + 20, 'the heaviest bar is blue');
    } finally {
      await page.close();
    }
    assert.deepEqual(pageErrors, []);
  });
});
