/**
 * The checkerboard experiment (issue 12; Odena et al., Distill 2016; Aitken et al., 2017): small decoders of the
 * same depth, width and output size learn to draw the same procedural images from learned latent codes (one code
 * per image, trained with the decoder, GLO-style), and each step records the loss and the checkerboard measure of
 * the outputs. Variants differ only in how each stage doubles the resolution:
 *   convT-k3     transposed conv, kernel 3, stride 2 (padding 1, output padding 1): phases get 2 and 1 taps per axis
 *   convT-k4     transposed conv, kernel 4, stride 2 (padding 1): 2 taps in every phase
 *   resize-conv  nearest resize ×2, then conv kernel 3 (padding 1), Odena et al.'s remedy
 *   subpixel     conv kernel 2 to 4× channels, then pixel shuffle ×2 (the same function class as convT-k4)
 *   subpixel-icnr the same, ICNR-initialised (Aitken et al.): every sub-pixel starts with the same kernel
 * Equal size: same stages and channels; convT-k3 and resize-conv have 9·C² weights per stage, convT-k4 and both
 * sub-pixel variants 16·C².
 */
import type { BackendChoice } from '../engine/backend.ts';
import { randomTensor } from '../tensor/random.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { TconvError } from '../shape/errors.ts';
import { checkerboardMeasure } from './checkerboard-measure.ts';
import { initialize } from './initializers.ts';
import { mseLoss } from './loss.ts';
import { ActivationModule, ConvModule, type Module, PixelShuffleModule, ResizeModule, Sequential } from './modules.ts';
import { adam, parameter, type Parameter } from './optimizers.ts';
import { drawShapes } from './procedural-images.ts';

export type VariantName = 'convT-k3' | 'convT-k4' | 'resize-conv' | 'subpixel' | 'subpixel-icnr';
export const VARIANTS: readonly VariantName[] = ['convT-k3', 'convT-k4', 'resize-conv', 'subpixel', 'subpixel-icnr'];

export interface DemoOptions {
  /** Training steps (full batch; default 150). */
  readonly steps?: number;
  /** Images in the data set, all in every step (default 8). */
  readonly images?: number;
  /** Channels of the latent code and the hidden stages (default 8). */
  readonly channels?: number;
  /** Upsampling stages of ×2 from the 4 × 4 latent (default 3: 32 × 32 images). */
  readonly stages?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  /** Backend of the forward passes and input gradients (default 'auto'). */
  readonly backend?: BackendChoice;
  readonly variants?: readonly VariantName[];
  /** Called after every step of every variant (progress). */
  readonly onStep?: (progress: StepProgress) => void;
  /** Steps after which onFrame receives every variant's outputs (step 0 = before training). */
  readonly frameSteps?: readonly number[];
  readonly onFrame?: (frame: Frame) => void;
}

export interface StepProgress {
  readonly step: number;
  readonly steps: number;
  readonly variant: VariantName;
  readonly loss: number;
  readonly checkerboard: number;
  readonly cellDeviation: number;
}

export interface Frame {
  readonly step: number;
  readonly targets: Tensor;
  /** Each decoder's output buffer: valid during the onFrame call, overwritten by the next step (copy to keep). */
  readonly outputs: ReadonlyMap<VariantName, Tensor>;
}

export interface VariantCurve {
  readonly name: VariantName;
  readonly description: string;
  readonly parameters: number;
  /** Index i: before step i + 1's update (index 0 = the untrained decoder); length steps + 1. */
  readonly loss: readonly number[];
  /** The checkerboard measure (checkerboard-measure.ts, 'phases'). */
  readonly checkerboard: readonly number[];
  /** Its companion that also counts non-periodic detail in flat cells ('cells'). */
  readonly cellDeviation: readonly number[];
}

export interface DemoResult {
  readonly settings: Required<Pick<DemoOptions, 'steps' | 'images' | 'channels' | 'stages' | 'learningRate' | 'seed'>> & { readonly imageSize: number; readonly latentSize: number };
  /** What the checkerboard numbers are, in words. */
  readonly measure: string;
  readonly variants: readonly VariantCurve[];
}

const DESCRIPTIONS: Readonly<Record<VariantName, string>> = {
  'convT-k3': 'transposed conv k3 s2 p1 op1 (uneven phases: 2 and 1 taps per axis)',
  'convT-k4': 'transposed conv k4 s2 p1 (even phases: 2 taps each)',
  'resize-conv': 'nearest resize ×2, conv k3 p1',
  subpixel: 'conv k2 to 4× channels, pixel shuffle ×2 (default init)',
  'subpixel-icnr': 'conv k2 to 4× channels, pixel shuffle ×2 (ICNR init)',
};

const LATENT_SIZE = 4;

export const MEASURE = 'checkerboard: per image, the mean over flat 2×2 stride cells (target constant on the cell and a 1-pixel margin) '
  + 'of the output\'s deviation from its cell mean, at each of the 4 cell positions; RMS over positions and images (image units, '
  + 'targets span [0, 1]). cellDeviation: the RMS deviation itself, not averaged per position first (also counts non-periodic detail).';

/** One upsampling stage cin → cout of a variant; seeds are shared across variants stage by stage. */
function stage(variant: VariantName, index: number, cin: number, cout: number, seed: number, backend: BackendChoice): Module[] {
  const name = `up${index}`;
  const transposed = (kernel: number, options: { padding: number; outputPadding?: number }) => {
    const weightShape = [cin, cout, kernel, kernel];
    const { weight, bias } = initialize('pytorch', { kind: 'convTranspose', weightShape, outChannels: cout, bias: true, seed });
    return [new ConvModule(name, 'convTranspose', weight, bias, { stride: 2, ...options, backend })];
  };
  if (variant === 'convT-k3') return transposed(3, { padding: 1, outputPadding: 1 });
  if (variant === 'convT-k4') return transposed(4, { padding: 1 });
  if (variant === 'resize-conv') {
    const { weight, bias } = initialize('pytorch', { kind: 'conv', weightShape: [cout, cin, 3, 3], outChannels: cout, bias: true, seed });
    return [new ResizeModule(`${name}.resize`, { scale: 2, mode: 'nearest' }), new ConvModule(name, 'conv', weight, bias, { padding: 1, backend })];
  }
  const init = variant === 'subpixel-icnr' ? 'icnr' : 'pytorch';
  const { weight, bias } = initialize(init, { kind: 'conv', weightShape: [4 * cout, cin, 2, 2], outChannels: 4 * cout, bias: true, seed, stride: 2 });
  // Kernel 2 with one cell of zero padding at the end keeps the size (the same alignment as convT-k4's phases).
  return [new ConvModule(name, 'conv', weight, bias, { pads: { begin: [0, 0], end: [1, 1] }, backend }), new PixelShuffleModule(`${name}.shuffle`, 2)];
}

/**
 * One variant's decoder: `stages` ×2 stages from `channels` to 1 channel, ReLU between them.
 * @example
 * demoDecoder('convT-k4', { channels: 8, stages: 3, seed: 1 }).forward(randomTensor([2, 8, 4, 4], 1)).shape // → [2, 1, 32, 32]
 */
export function demoDecoder(variant: VariantName, args: { readonly channels: number; readonly stages: number; readonly seed: number; readonly backend?: BackendChoice }): Sequential {
  const { channels, stages, seed, backend = 'auto' } = args;
  const modules: Module[] = [];
  for (let s = 0; s < stages; s++) {
    const last = s === stages - 1;
    modules.push(...stage(variant, s, channels, last ? 1 : channels, seed + 100 * (s + 1), backend));
    if (!last) modules.push(new ActivationModule(`relu${s}`, 'relu'));
  }
  return new Sequential(variant, modules);
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TconvError({ code: 'invalid-value', parameter: name, value, rule: `must be a whole number from 1 to ${max}`, hint: `use e.g. --${name} ${Math.min(8, max)}` });
  }
  return value;
}

/** The settings a demo runs with, every default filled in and checked. */
type DemoSettings = Omit<DemoResult['settings'], 'steps'>;

function demoSettings(options: DemoOptions): DemoSettings & { readonly backend: BackendChoice; readonly names: readonly VariantName[] } {
  const images = positiveInteger('images', options.images ?? 8, 256);
  const channels = positiveInteger('channels', options.channels ?? 8, 64);
  const stages = positiveInteger('stages', options.stages ?? 3, 4);
  const names = options.variants ?? VARIANTS;
  for (const v of names) {
    if (!VARIANTS.includes(v)) throw new TconvError({ code: 'invalid-value', parameter: 'variants', value: v, rule: `must be one of ${VARIANTS.join(', ')}`, hint: 'name the decoders to train' });
  }
  return {
    images, channels, stages, learningRate: options.learningRate ?? 0.01, seed: options.seed ?? 1,
    imageSize: LATENT_SIZE * 2 ** stages, latentSize: LATENT_SIZE, backend: options.backend ?? 'auto', names,
  };
}

/** One variant's state after a record: its outputs and the numbers of that record. */
export interface VariantRecord {
  readonly name: VariantName;
  /** The decoder's output buffer: overwritten by the next step (a step allocates no tensors; copy to keep). */
  readonly output: Tensor;
  readonly loss: number;
  readonly checkerboard: number;
  readonly cellDeviation: number;
}

/**
 * The demo one step at a time (what the explorer's Train card runs in a Web Worker, so it can pause between steps).
 * Made, it has recorded step 0 (the untrained decoders); each `step()` is one Adam update of every variant, then a
 * record of the updated decoders. After n steps its curves equal runCheckerboardDemo({ steps: n })'s exactly (that
 * function is this loop).
 */
export interface CheckerboardTrainer {
  readonly settings: DemoSettings;
  readonly targets: Tensor;
  /** Updates done so far. */
  readonly steps: number;
  /** Every variant at the latest record (step `steps`), in order. */
  readonly latest: readonly VariantRecord[];
  step(): readonly VariantRecord[];
  /** Every variant's curves so far (index i = after i updates; length steps + 1). */
  curves(): readonly VariantCurve[];
}

/**
 * @example
 * const trainer = createCheckerboardTrainer({ images: 4, seed: 1 });
 * trainer.step(); trainer.step();
 * trainer.curves()[0].loss // → 3 values: steps 0, 1 and 2
 */
export function createCheckerboardTrainer(options: Omit<DemoOptions, 'steps' | 'onStep' | 'frameSteps' | 'onFrame'> = {}): CheckerboardTrainer {
  const { backend, names, ...settings } = demoSettings(options);
  const { images, channels, stages, seed, imageSize, learningRate } = settings;
  const targets = drawShapes({ count: images, size: imageSize, seed });
  const runs = names.map((name) => {
    const net = demoDecoder(name, { channels, stages, seed, backend });
    // Every variant starts from the same latent codes.
    const latent = parameter('latent', randomTensor([images, channels, LATENT_SIZE, LATENT_SIZE], seed + 7, { distribution: 'normal' }));
    const params: Parameter[] = [...net.parameters(), latent];
    return {
      // ∂loss/∂output, written by every record into this one buffer (the output's shape, fixed for the run).
      name, net, latent, optimizer: adam(params, { lr: learningRate }), gradient: tensor([images, 1, imageSize, imageSize]),
      weights: net.parameters().reduce((s, p) => s + p.value.data.length, 0),
      loss: [] as number[], checkerboard: [] as number[], cellDeviation: [] as number[],
    };
  });
  let steps = 0;
  // Forward, loss and measures of the current decoders; the loss gradient is kept for the next update (each module
  // keeps its forward's input, so the backward of this forward can run later).
  const record = (): VariantRecord[] => runs.map((run) => {
    const output = run.net.forward(run.latent.value);
    const loss = mseLoss(output, targets, run.gradient).value;
    const checkerboard = checkerboardMeasure(output, targets, 2, 'phases');
    const cellDeviation = checkerboardMeasure(output, targets, 2, 'cells');
    run.loss.push(loss);
    run.checkerboard.push(checkerboard);
    run.cellDeviation.push(cellDeviation);
    return { name: run.name, output, loss, checkerboard, cellDeviation };
  });
  let latest = record();
  return {
    settings, targets,
    get steps() { return steps; },
    get latest() { return latest; },
    step() {
      for (const run of runs) {
        run.optimizer.zeroGrad();
        run.latent.grad.set(run.net.backward(run.gradient).data);
        run.optimizer.step();
      }
      steps++;
      latest = record();
      return latest;
    },
    curves: () => runs.map((r) => ({ name: r.name, description: DESCRIPTIONS[r.name], parameters: r.weights, loss: [...r.loss], checkerboard: [...r.checkerboard], cellDeviation: [...r.cellDeviation] })),
  };
}

/**
 * Trains every variant for the same steps on the same images and latent initialisation; returns the curves.
 * @example
 * const result = runCheckerboardDemo({ steps: 20, images: 4 });
 * result.variants.map((v) => v.checkerboard.at(-1))
 */
export function runCheckerboardDemo(options: DemoOptions = {}): DemoResult {
  const steps = positiveInteger('steps', options.steps ?? 150, 100_000);
  const trainer = createCheckerboardTrainer(options);
  const frameSteps = new Set(options.frameSteps ?? []);
  const report = (records: readonly VariantRecord[]) => {
    const step = trainer.steps;
    for (const r of records) options.onStep?.({ step, steps, variant: r.name, loss: r.loss, checkerboard: r.checkerboard, cellDeviation: r.cellDeviation });
    if (frameSteps.has(step)) options.onFrame?.({ step, targets: trainer.targets, outputs: new Map(records.map((r) => [r.name, r.output])) });
  };
  report(trainer.latest);
  while (trainer.steps < steps) report(trainer.step());
  return { settings: { ...trainer.settings, steps }, measure: MEASURE, variants: trainer.curves() };
}
