/**
 * End-to-end tests of the explorer in Debian's Chromium: every number the page shows is compared with the
 * library's own answer for the same layer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { explainLayer } from '../../src/analysis/explain.ts';
import { layerOverlap, overlapMap } from '../../src/analysis/overlap.ts';
import { receptiveField, receptiveFieldAt } from '../../src/analysis/receptive-field.ts';
import { artifactImage } from '../../src/analysis/stack-run.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { type Explorer, startExplorer } from './browser.ts';

let explorer: Explorer;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  explorer = await startExplorer();
  page = await explorer.browser.newPage({ viewport: { width: 1280, height: 1600 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
after(async () => {
  await explorer?.close();
});

async function open(query = ''): Promise<void> {
  await page.goto(`${explorer.url}${query}`);
  await page.waitForSelector('body[data-ready]');
}

async function setField(name: string, value: number): Promise<void> {
  await page.fill(`#field-${name}`, String(value));
}

const text = async (selector: string): Promise<string> => (await page.textContent(selector))?.trim() ?? '';

describe('explorer', () => {
  test('the default layer shows the library\'s output size and checkerboard verdict', async () => {
    await open();
    const report = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 3 });
    assert.equal(await text('#output-size'), report.outputShape.join('×'));
    assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), String(report.checkerboard));
    assert.match(await text('#verdict'), new RegExp(report.overlapLevels.join(':')));
    const counts = await page.$$eval('#phase-table .tap-count', (cells) => cells.map((c) => Number(c.textContent)));
    assert.deepEqual(counts, report.phases.flat());
    // The tap diagram (src/render) draws the same phases: 4 and 3 taps per axis, 2×2 sub-kernels in 2D.
    const diagram = await page.$$eval('#tap-diagram g.phase', (groups) => groups.map((g) => Number(g.getAttribute('data-taps'))));
    assert.deepEqual(diagram, report.phases.flat());
    assert.equal(await page.$$eval('#tap-diagram g.subkernel', (groups) => groups.length), 4);
  });

  test('typing values updates the size, the verdict and the URL', async () => {
    await open();
    await setField('kernel', 4);
    await setField('padding', 1);
    await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '64×64');
    assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'false');
    assert.match(page.url(), /k=4/);
    assert.match(page.url(), /p=1/);
  });

  test('an invalid combination shows the library\'s error next to the control, not a broken page', async () => {
    await open();
    await setField('outputPadding', 2);
    let expected = '';
    try {
      planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3, outputPadding: 2 });
    } catch (error) {
      expected = (error as Error).message;
    }
    assert.ok(expected.length > 0, 'the library refuses outputPadding 2 with stride 2');
    await page.waitForFunction(() => (document.querySelector('#error-outputPadding')?.textContent ?? '') !== '');
    assert.equal(await text('#error-outputPadding'), expected);
    assert.equal(await page.getAttribute('#field-outputPadding', 'aria-invalid'), 'true');
    await setField('outputPadding', 1);
    await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '64×64');
    assert.equal(await text('#error-outputPadding'), '');
  });

  test('the heatmap shows the library\'s overlap counts, cell by cell', async () => {
    await open('?r=2&i=12&k=7&s=2&p=3');
    const overlap = layerOverlap({ kind: 'convTranspose', input: 12, kernel: 7, stride: 2, padding: 3 });
    const expected = [...overlapMap(overlap)];
    const shown = await page.$$eval('#heatmap-card svg.heatmap rect[data-count]', (cells) => cells.map((c) => Number(c.getAttribute('data-count'))));
    assert.equal(shown.length, overlap.shape[0]! * overlap.shape[1]!);
    assert.deepEqual(shown, expected);
    // Heavier overlap is drawn darker.
    const fill = (r: number, c: number) => page.getAttribute(`#heatmap-card rect[data-r="${r}"][data-c="${c}"]`, 'fill');
    const lightness = (hsl: string | null) => Number(/(\d+)%\)$/.exec(hsl ?? '')?.[1]);
    const heavy = expected.indexOf(Math.max(...expected));
    const light = expected.indexOf(Math.min(...expected));
    const cols = overlap.shape[1]!;
    assert.ok(lightness(await fill(Math.floor(heavy / cols), heavy % cols)) < lightness(await fill(Math.floor(light / cols), light % cols)));
  });

  test('pointing at an output cell shows its receptive field', async () => {
    await open('?r=2&i=12&k=3&s=2&p=1&op=1');
    await page.hover('#heatmap-card rect[data-r="5"][data-c="6"]');
    await page.waitForSelector('#rf-text');
    const rf = receptiveField({ input: [12, 12], rank: 2, layers: [{ kind: 'convTranspose', kernel: 3, stride: 2, padding: 1, outputPadding: 1 }] });
    const at = receptiveFieldAt(rf, [5, 6]);
    const [rows, cols] = at.intervals;
    assert.match(await text('#rf-text'), new RegExp(`rows ${rows!.start}–${rows!.end}.*columns ${cols!.start}–${cols!.end}`));
    const highlighted = await page.$$eval('#rf-grid rect[data-in="1"]', (cells) => cells.length);
    assert.equal(highlighted, (rows!.end - rows!.start + 1) * (cols!.end - cols!.start + 1));
  });

  test('the article presets show the claim beside the true size', async () => {
    await open();
    await page.click('button[data-preset="article-k3"]');
    await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '32×32');
    assert.match(await text('#article-claim'), /34×34/);
    await page.click('button[data-preset="article-k7"]');
    await page.waitForFunction(() => document.querySelector('#output-size')?.textContent === '63×63');
    assert.match(await text('#article-claim'), /66×66.*63×63/);
    assert.match(page.url(), /k=7/);
  });

  test('a shared URL restores the layer', async () => {
    await open('?r=1&i=16&k=4&s=2&p=1&d=1&op=0&g=1&ci=2&co=4');
    assert.equal(await text('#output-size'), '32');
    assert.equal(await page.inputValue('#field-kernel'), '4');
    assert.equal(await page.inputValue('#field-rank'), '1');
  });

  test('one click applies an artifact-free alternative', async () => {
    await open();
    const button = page.locator('button.alternative').first();
    const kernel = Number(await button.getAttribute('data-kernel'));
    await button.click();
    await page.waitForFunction((k) => (document.querySelector('#field-kernel') as HTMLInputElement).value === String(k), kernel);
    assert.equal(await page.getAttribute('#verdict', 'data-checkerboard'), 'false');
  });

  test('the animation steps through the scatter', async () => {
    await open('?r=1&i=8&k=3&s=2&p=1');
    const filled = () => page.$$eval('#animation-svg rect[data-count]', (cells) => cells.filter((c) => c.getAttribute('data-count') !== '0').length);
    assert.equal(await filled(), 0);
    await page.click('#animation-step');
    assert.ok((await filled()) > 0);
    assert.match(await text('#animation-status'), /Input 0 scattered to outputs/);
  });

  test('the stack builder shows shapes flowing and the compounded verdict', async () => {
    await open('?r=2&i=4&k=4&s=2&p=1&stack=t4.2.1.0,t4.2.1.0');
    assert.equal(await text('#stack-flow'), '4×4 → 8×8 → 16×16');
    assert.match(await text('#stack-verdict'), /even/);
    await open('?r=2&i=4&k=4&s=2&p=1&stack=t3.2.1.1,t3.2.1.1');
    assert.match(await text('#stack-verdict'), /uneven/);
    await page.click('text=+ transposed conv');
    await page.waitForFunction(() => (document.querySelector('#stack-flow')?.textContent ?? '').endsWith('32×32'));
  });

  test('the engine worker draws the artifact image and runs the sample image through the stack', async () => {
    const even = { input: 8, rank: 2 as const, channels: 1, layers: [{ kind: 'convTranspose' as const, kernel: 4, stride: 2, padding: 1, outChannels: 1 }, { kind: 'convTranspose' as const, kernel: 4, stride: 2, padding: 1, outChannels: 1 }] };
    const uneven = { ...even, layers: even.layers.map((l) => ({ ...l, kernel: 3, outputPadding: 1 })) };
    const spreads: number[] = [];
    for (const [query, spec] of [['?i=8&stack=t4.2.1.0,t4.2.1.0', even], ['?i=8&stack=t3.2.1.1,t3.2.1.1', uneven]] as const) {
      await open(query);
      await page.waitForSelector('#artifact-canvas[data-done]', { timeout: 20_000 });
      await page.waitForSelector('#image-canvas[data-done]', { timeout: 20_000 });
      const shown = Number(await page.getAttribute('#artifact-canvas', 'data-spread'));
      const expected = artifactImage(spec, { seed: 1 }).interiorSpread;
      assert.ok(Math.abs(shown - expected) <= 1e-4 * Math.max(1, expected), `${query}: page ${shown}, library ${expected}`);
      spreads.push(shown);
      assert.equal(await page.$eval('#image-canvas', (c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`), '32×32');
    }
    assert.ok(spreads.every((x) => Number.isFinite(x) && x > 0), 'random weights always leave some interior variation');
  });

  test('a huge layer shows its numbers and a corner of the heatmap instead of freezing the page', async () => {
    await open('?r=2&i=20000&k=7&s=2&p=3&ci=1&co=1&stack=t4.2.1.0');
    assert.equal(await text('#output-size'), '39999×39999');
    const cells = await page.$$eval('#heatmap-card svg.heatmap rect[data-count]', (rects) => rects.length);
    assert.equal(cells, 96 * 96);
    assert.match(await text('#heatmap-card .legend'), /top-left 96×96 of 39999×39999/);
    await page.hover('#heatmap-card rect[data-r="40"][data-c="41"]');
    assert.match(await text('#rf-text'), /output \(40, 41\) reads input rows/);
    assert.ok(await page.$$eval('#rf-grid rect', (rects) => rects.length) <= 32 * 32);
    assert.match(await text('#image-skipped'), /larger/);
    // Too long to analyse position by position: the numbers stay, the heatmap card says why it is missing.
    await open('?r=2&i=3000000&k=7&s=2&p=3&ci=1&co=1&stack=t4.2.1.0');
    assert.equal(await text('#output-size'), '5999999×5999999');
    assert.match(await text('#heatmap-skipped'), /^input \(3000000\) makes axis 0 of layer 1 too long to analyse position by position/);
    assert.equal(await page.$('#invalid-card'), null);
  });

  test('a screenshot of the page shows the heatmap', async () => {
    await open();
    const shot = PNG.sync.read(await page.screenshot({ fullPage: false }));
    assert.ok(shot.width >= 1000 && shot.height >= 1000);
    const box = await page.locator('#heatmap-card svg.heatmap').boundingBox();
    assert.ok(box, 'the heatmap is laid out');
    // The heatmap's centre is coloured (blue channel dominates), not blank page background.
    const x = Math.round(box.x + box.width / 2);
    const y = Math.round(box.y + box.height / 2);
    if (y < shot.height) {
      const i = (y * shot.width + x) * 4;
      assert.ok(shot.data[i + 2]! > shot.data[i]! + 20, 'heatmap pixels are blue-ish');
    }
    assert.deepEqual(pageErrors, []);
  });
});
