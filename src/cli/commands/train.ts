/**
 * `tconv train --demo checkerboard`: trains the checkerboard experiment's small decoders (src/train/checkerboard-demo.ts)
 * side by side and reports each one's loss and checkerboard measure; a progress bar on stderr when it is a terminal,
 * `--json` with the per-variant curves, `--out DIR` with PNG frames of the outputs and an SVG plot of the curves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BACKEND_NAMES, type BackendChoice, getBackend } from '../../engine/index.ts';
import { curvesSvg, imageGridRaster } from '../../render/curves.ts';
import { encodePng } from '../../render/png.ts';
import { type DemoResult, type Frame, VARIANTS, type VariantName, runCheckerboardDemo } from '../../train/checkerboard-demo.ts';
import { parseCount } from '../layer-args.ts';
import { printJson, printLines, printTable, usageError } from '../output.ts';

interface TrainArgs {
  readonly demo?: string;
  readonly steps: string;
  readonly images: string;
  readonly channels: string;
  readonly seed: string;
  readonly lr: string;
  readonly variants?: string;
  readonly backend: string;
  readonly out?: string;
  readonly frames: string;
  readonly json?: boolean;
}

const DEMOS = ['checkerboard'];

export function register(program: Command): void {
  program
    .command('train')
    .summary('train the checkerboard experiment: transposed conv vs resize-conv vs sub-pixel (with and without ICNR)')
    .description('Train small decoders of the same depth, width and output size on procedurally drawn images and record, '
      + 'every step, the loss and a checkerboard measure of their outputs (docs/training.md defines it). Variants: '
      + `${VARIANTS.join(', ')}.`)
    .requiredOption('--demo <name>', `the demo to run (${DEMOS.join(', ')})`)
    .option('--steps <n>', 'training steps (full batch)', '150')
    .option('--images <n>', 'images in the data set (every step uses all of them)', '8')
    .option('--channels <n>', 'channels of the latent codes and hidden stages', '8')
    .option('--seed <n>', 'seed of the images, latent codes and weights', '1')
    .option('--lr <rate>', 'Adam learning rate', '0.01')
    .option('--variants <list>', `comma-separated subset of ${VARIANTS.join(',')}`)
    .option('-b, --backend <name>', 'backend of the forward passes and input gradients: auto, reference, wasm or native', 'auto')
    .option('-o, --out <dir>', 'write frame-STEP.png (rows: targets, then each variant) and curves.svg here')
    .option('--frames <n>', 'PNG frames to write with --out, evenly spaced from step 0 to the last', '5')
    .option('--json', 'print the settings and every variant\'s curves as JSON')
    .addHelpText('after', '\nExamples:\n  tconv train --demo checkerboard\n  tconv train --demo checkerboard --steps 400 --out runs/cb\n  tconv train --demo checkerboard --variants convT-k3,resize-conv --json')
    .action((args: TrainArgs) => {
      if (!DEMOS.includes(args.demo ?? '')) throw usageError('--demo', args.demo, `is not a demo (known: ${DEMOS.join(', ')})`, 'use --demo checkerboard');
      const steps = parseCount('--steps', args.steps);
      const frames = parseCount('--frames', args.frames);
      const lr = Number(args.lr);
      if (!(lr > 0 && lr < 10)) throw usageError('--lr', args.lr, 'must be a number between 0 and 10', 'use e.g. --lr 0.01');
      const variants = parseVariants(args.variants);
      const backend = parseBackend(args.backend);
      const frameSteps = args.out ? evenSteps(steps, frames) : [];
      if (args.out) mkdirSync(args.out, { recursive: true });
      const progress = process.stderr.isTTY && !args.json ? progressBar(steps, variants.length) : null;
      const written: string[] = [];
      const result = runCheckerboardDemo({
        steps, images: parseCount('--images', args.images), channels: parseCount('--channels', args.channels),
        seed: parseCount('--seed', args.seed, 0), learningRate: lr, variants, backend, frameSteps,
        onStep: progress ? (p) => progress.update(p.step, p.variant) : undefined,
        onFrame: args.out ? (frame) => written.push(writeFrame(args.out!, frame, variants)) : undefined,
      });
      progress?.done();
      if (args.out) {
        const svg = join(args.out, 'curves.svg');
        writeFileSync(svg, curvesPicture(result));
        written.push(svg);
      }
      if (args.json) {
        printJson({ ...result, files: written });
        return;
      }
      printSummary(result);
      if (written.length) printLines('', `wrote ${written.join(', ')}`);
    });
}

function parseVariants(text: string | undefined): VariantName[] {
  if (text === undefined) return [...VARIANTS];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.find((n) => !(VARIANTS as readonly string[]).includes(n));
  if (unknown !== undefined || names.length === 0) {
    throw usageError('--variants', text, `must name variants among ${VARIANTS.join(', ')}`, `use e.g. --variants ${VARIANTS[0]},${VARIANTS[2]}`);
  }
  return names as VariantName[];
}

function parseBackend(name: string): BackendChoice {
  const choices: readonly string[] = ['auto', ...BACKEND_NAMES];
  if (!choices.includes(name)) throw usageError('--backend', name, `is not a backend (known: ${choices.join(', ')})`, 'use --backend auto');
  getBackend(name as BackendChoice);
  return name as BackendChoice;
}

/** `count` steps from 0 to steps, evenly spaced, both ends included. */
function evenSteps(steps: number, count: number): number[] {
  if (count === 1) return [steps];
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * steps) / (count - 1))))];
}

function writeFrame(dir: string, frame: Frame, variants: readonly VariantName[]): string {
  const [count, , size] = frame.targets.shape as [number, number, number, number];
  const rows = [frame.targets.data, ...variants.map((v) => frame.outputs.get(v)!.data)];
  const file = join(dir, `frame-${String(frame.step).padStart(5, '0')}.png`);
  writeFileSync(file, encodePng(imageGridRaster({ rows, count, size, scale: 3 })));
  return file;
}

function curvesPicture(result: DemoResult): string {
  const series = (key: 'loss' | 'checkerboard') => result.variants.map((v) => ({ name: v.name, values: v[key] }));
  return curvesSvg({
    title: `tconv train --demo checkerboard: ${result.settings.images} images of ${result.settings.imageSize}², ${result.settings.steps} steps`,
    panels: [{ label: 'loss (MSE)', logScale: true, series: series('loss') }, { label: 'checkerboard measure', logScale: true, series: series('checkerboard') }],
  });
}

function printSummary(result: DemoResult): void {
  const s = result.settings;
  printLines(`checkerboard demo: ${s.images} images ${s.imageSize}×${s.imageSize} from ${s.channels}×${s.latentSize}×${s.latentSize} latent codes, ${s.stages} stages ×2, ${s.steps} steps of Adam (lr ${s.learningRate}), seed ${s.seed}`, '');
  const f = (v: number) => v.toFixed(4);
  printTable(
    ['variant', 'weights', 'loss start', 'loss end', 'checkerboard start', 'peak', 'end', 'cell deviation end'],
    result.variants.map((v) => [
      v.name, String(v.parameters), f(v.loss[0]!), f(v.loss.at(-1)!), f(v.checkerboard[0]!),
      f(v.checkerboard.reduce((a, b) => Math.max(a, b), 0)), f(v.checkerboard.at(-1)!), f(v.cellDeviation.at(-1)!),
    ]),
  );
  printLines('', `measure: ${result.measure}`);
}

/** A one-line bar on stderr, redrawn in place (only when stderr is a terminal). */
function progressBar(steps: number, variants: number) {
  const total = (steps + 1) * variants;
  let done = 0;
  return {
    update(step: number, variant: string) {
      done++;
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] step ${step}/${steps} ${variant.padEnd(14)}`);
    },
    done() {
      process.stderr.write('\r\u001b[K');
    },
  };
}
