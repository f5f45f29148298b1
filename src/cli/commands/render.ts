/**
 * `tconv render KIND …`: the pictures of the analysis as SVG or PNG files (src/render draws them; src/analysis
 * computes them), or as ASCII on the terminal when no --out is given. A layer is given with the usual layer options
 * (-i -k -s -p …); a stack with --stack "convT k4 s2 p1 x4" and -i for its input size.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { asciiLayer, asciiPhases, asciiStack } from '../../analysis/ascii.ts';
import { layerOverlap, stackOverlap } from '../../analysis/overlap.ts';
import { receptiveField } from '../../analysis/receptive-field.ts';
import { type StackSpec, describeLayer, resolveStack } from '../../analysis/stack.ts';
import { parseStack } from '../../analysis/stack-text.ts';
import { overlapHeatmapRaster, overlapHeatmapSvg } from '../../render/heatmap.ts';
import { encodePng } from '../../render/png.ts';
import { receptiveFieldRaster, receptiveFieldSvg } from '../../render/receptive-field.ts';
import { scatterAnimationSvg } from '../../render/animation.ts';
import { artifactRaster, artifactSvg } from '../../render/artifact.ts';
import { artifactImage } from '../../analysis/stack-run.ts';
import { tapDiagramSvg } from '../../render/taps.ts';
import type { Raster } from '../../render/raster.ts';
import { type PictureKind, checkPictureBudget, pictureCells } from '../../render/budget.ts';
import type { LayerSpec } from '../../shape/params.ts';
import { planGeometry } from '../../shape/plan.ts';
import { type LayerArgs, layerSpecFromArgs, parseBudget, parseCount, parseInteger, parsePerAxis, parseRank } from '../layer-args.ts';
import { fromFile, printJson, printLines, readUserFile, usageError } from '../output.ts';
import { lintModel } from '../../onnx/lint.ts';
import { readModel } from '../../onnx/model.ts';
import { parseDims } from './lint.ts';

interface RenderArgs extends LayerArgs {
  readonly stack?: string;
  readonly channels?: string;
  readonly position?: string;
  readonly at?: string;
  readonly out?: string;
  readonly format?: string;
  readonly cell?: string;
  readonly seed?: string;
  readonly weights?: string;
  readonly smooth?: boolean;
  readonly maxCells?: string;
  readonly json?: boolean;
  readonly model?: string;
  readonly dim?: string[];
}

/** What a picture is drawn from: one layer or a stack. */
type Subject = { readonly layer: LayerSpec } | { readonly stack: StackSpec };

interface Picture {
  readonly svg?: () => string;
  readonly png?: () => Raster;
  readonly text: () => string;
  /** The numbers behind the picture, for --json. */
  readonly data: () => unknown;
}

/** One entry per picture kind: how to draw it for a subject. */
const KINDS: Record<string, { readonly about: string; readonly draw: (subject: Subject, args: RenderArgs) => Picture }> = {
  heatmap: {
    about: 'overlap heatmap of a layer or a stack (darker = more contributions)',
    draw: (subject, args) => {
      const summary = 'layer' in subject ? layerOverlap(subject.layer) : stackOverlap(subject.stack);
      const cell = cellOf(args);
      return {
        svg: () => overlapHeatmapSvg(summary, { ...cell, caption: caption(subject) }),
        png: () => overlapHeatmapRaster(summary, cell),
        text: () => ('layer' in subject ? asciiLayer(subject.layer) : asciiStack(subject.stack)),
        data: () => {
          const { axes, ...rest } = summary as typeof summary & { stack?: unknown; plan?: unknown };
          const { stack: _s, plan: _p, ...clean } = rest as Record<string, unknown>;
          return { ...clean, axes: axes.map(({ counts, interior, ...a }) => ({ ...a, counts })) };
        },
      };
    },
  },
  taps: {
    about: 'kernel taps feeding each phase of a transposed layer',
    draw: (subject) => {
      const layer = needLayer(subject, 'taps');
      const plan = planGeometry(layer);
      return {
        svg: () => tapDiagramSvg(plan),
        text: () => asciiPhases(plan).join('\n'),
        data: () => ({ phases: plan.phases.map((a) => a.phases.map((p) => ({ outputResidue: p.outputResidue, taps: p.taps }))) }),
      };
    },
  },
  rf: {
    about: 'receptive field of one output (--position) on the input grid',
    draw: (subject, args) => {
      const stack: StackSpec = 'stack' in subject ? subject.stack : { input: subject.layer.input, ...(subject.layer.rank ? { rank: subject.layer.rank } : {}), layers: [{ ...subject.layer, kind: 'convTranspose' }] };
      const rf = receptiveField(stack);
      const position = positionOf(args, rf.stack.outputSize);
      const cell = cellOf(args);
      const sets = rf.axes.map((a, i) => a.sets[position[i]!]!);
      return {
        svg: () => receptiveFieldSvg(rf, position, cell),
        png: () => receptiveFieldRaster(rf, position, cell),
        text: () => `receptive field of output (${position.join(', ')}): ${sets.map((s) => (s.length ? `[${s[0]}, ${s[s.length - 1]}]` : 'none')).join(' × ')} on an input of ${rf.stack.inputSize.join('×')}`,
        data: () => ({ position, sets, steps: rf.steps }),
      };
    },
  },
  animation: {
    about: 'animated SVG of a transposed layer scattering each input cell\'s kernel footprint (large inputs shown small)',
    draw: (subject) => {
      const plan = planGeometry(needLayer(subject, 'animation'));
      return {
        svg: () => scatterAnimationSvg(plan),
        text: () => asciiLayer(plan),
        data: () => ({ phases: plan.phases.map((a) => a.phases.map((p) => ({ outputResidue: p.outputResidue, taps: p.taps }))) }),
      };
    },
  },
  artifact: {
    about: 'the stack (or layer) run on a constant (or --smooth) input with random weights (--seed, --weights)',
    draw: (subject, args) => {
      const stack = stackOf(subject, args);
      const weights = args.weights ?? 'positive';
      if (weights !== 'positive' && weights !== 'signed') throw usageError('--weights', weights, 'must be positive or signed', 'use --weights positive (random blurs) or signed (PyTorch init)');
      const image = artifactImage(stack, { seed: args.seed === undefined ? 1 : parseInteger('--seed', args.seed), weights, input: args.smooth ? 'smooth' : 'constant' });
      const cell = cellOf(args);
      return {
        svg: () => artifactSvg(image, cell),
        png: () => artifactRaster(image, cell),
        text: () => `artifact image ${image.shape.join('×')}: interior roughness ${image.roughness.toFixed(3)}, spread (max − min)/mean ${image.interiorSpread.toFixed(3)} (write it with --out FILE.png to see it)`,
        data: () => ({ shape: image.shape, input: args.smooth ? 'smooth' : 'constant', interiorSpread: image.interiorSpread, roughness: image.roughness }),
      };
    },
  },
};

/** A stack to run: the given one, or the single layer as a one-layer stack (with --channels input channels). */
function stackOf(subject: Subject, args: RenderArgs): StackSpec {
  if ('stack' in subject) return subject.stack;
  const { kind: _kind, input, rank, inChannels: _in, outChannels, batch: _batch, bias: _bias, memoryLimitBytes: _m, ...options } = subject.layer;
  return {
    input, ...(rank ? { rank } : {}),
    ...(args.channels === undefined ? {} : { channels: parseCount('--channels', args.channels) }),
    layers: [{ kind: 'convTranspose', ...options, ...(outChannels ? { outChannels } : {}) }],
  };
}

export function register(program: Command): void {
  program
    .command('render')
    .summary('draw the analysis: overlap heatmap, phase taps, receptive field, animation, artifact image')
    .description(`Draw a picture of a transposed layer or a stack. KIND is one of:\n${Object.entries(KINDS).map(([k, v]) => `  ${k.padEnd(10)} ${v.about}`).join('\n')}\n`
      + 'The file type follows --out (.svg or .png); without --out an ASCII version is printed.')
    .argument('<kind>', `picture to draw: ${Object.keys(KINDS).join(', ')}`)
    .option('-i, --input <size>', 'spatial input size of the layer or stack: N, NxM or NxMxL')
    .option('-k, --kernel <k>', 'kernel size of a single transposed layer: 3 or per axis 3x5')
    .option('-s, --stride <s>', 'stride (default 1)')
    .option('-p, --padding <p>', 'padding (default 0)')
    .option('--output-padding <op>', 'output padding (default 0)')
    .option('-d, --dilation <d>', 'dilation (default 1)')
    .option('--rank <r>', 'spatial axes when every size is a single number: 1, 2 or 3 (default 2)')
    .option('--model <file>', 'the upsampling path of an ONNX model (as tconv lint finds it) instead of a layer or --stack')
    .option('--dim <name=size>', 'with --model: size of a symbolic dimension, e.g. batch=4', (value: string, previous: string[] = []) => [...previous, value])
    .option('--stack <layers>', 'a stack instead of one layer, e.g. "convT k4 s2 p1 x4" or "conv k3 s2 p1, convT k3 s2 p1 op1, bilinear 2"')
    .option('-c, --channels <c>', 'channels of the stack input (default 1)')
    .option('--position <pos>', 'output position for rf, e.g. 5x5 (default: the centre)')
    .option('--at <pos>', 'same as --position, e.g. --at 5,5')
    .option('-o, --out <file>', 'write the picture to FILE.svg or FILE.png')
    .option('--format <f>', 'svg, png or text (default: from --out, else text)')
    .option('--cell <px>', 'cell size in pixels')
    .option('--seed <n>', 'seed of the random weights for artifact (default 1)')
    .option('--weights <kind>', 'artifact weights: positive (random blurs, default) or signed (PyTorch init)')
    .option('--smooth', 'artifact: a smooth input (one slow bump) instead of a constant one')
    .option('--max-cells <n>', 'work budget of the picture in cells, e.g. 2e8 or none (default 5e7; see docs/limits.md)')
    .option('--json', 'print the numbers behind the picture as JSON (and still write --out if given)')
    .addHelpText('after', '\nExamples:\n  tconv render heatmap -i 32 -k 7 -s 2 -p 3 --out k7s2.png\n  tconv render heatmap -i 4 --stack "convT k3 s2 p1 op1 x4" --out stack.svg\n  tconv render taps -i 32 -k 7 -s 2 -p 3 --out taps.svg\n  tconv render rf -i 8 --stack "convT k3 s2 p1 x2" --position 13x14 --out rf.svg\n  tconv render animation -i 4 -k 3 -s 2 --out sweep.svg\n  tconv render artifact -i 8 -c 16 --stack "convT k3 s2 p1 op1 x3" --out artifact.png\n  tconv render artifact --model test/fixtures/zoo/dcgan/model.onnx --out dcgan.png')
    .action((name: string, args: RenderArgs) => {
      const kind = ALIASES[name] ?? name;
      const entry = KINDS[kind];
      if (!entry) throw usageError('kind', name, `is not a picture tconv draws (${Object.keys(KINDS).join(', ')})`, `run e.g. tconv render heatmap -i 32 -k 7 -s 2 -p 3`);
      const format = formatOf(args);
      const maxCells = args.maxCells === undefined ? undefined : parseBudget('--max-cells', args.maxCells);
      const subject = subjectOf(args);
      // Priced from the sizes before anything is computed or drawn.
      checkPictureBudget(kind as PictureKind, cellsOf(kind as PictureKind, subject, args), maxCells);
      const picture = entry.draw(subject, args);
      if (args.out) {
        if (format === 'svg') {
          if (!picture.svg) throw usageError('--format', format, `is not available for ${kind}`, 'use --format png or text');
          writeFileSync(args.out, picture.svg());
        } else if (format === 'png') {
          if (!picture.png) throw usageError('--format', format, `is not available for ${kind}`, 'use --format svg or text');
          writeFileSync(args.out, encodePng(picture.png()));
        } else writeFileSync(args.out, `${picture.text()}\n`);
      }
      if (args.json) printJson({ kind, ...(args.out ? { file: args.out, format } : {}), data: picture.data() });
      else if (args.out) printLines(`wrote ${args.out} (${format})`);
      else printLines(picture.text());
    });
}

/** Other names accepted for a kind. */
const ALIASES: Readonly<Record<string, string>> = { 'receptive-field': 'rf' };

function subjectOf(args: RenderArgs): Subject {
  if (args.model !== undefined) {
    if (args.stack !== undefined || args.kernel !== undefined) throw usageError('--model', args.model, 'cannot be given together with --stack or --kernel', 'draw a model, a stack or a layer, one at a time');
    const path = args.model;
    const model = fromFile(() => readModel(readUserFile(path, 'model', 'the .onnx file')));
    const report = fromFile(() => lintModel(model, { dims: parseDims(args.dim ?? []) }));
    if (!report.path) throw usageError('--model', path, `has no upsampling path to draw (${report.pathNote ?? 'no conv, transposed conv or resize layers'})`, 'run tconv lint on it to see its layers');
    return { stack: report.path.stack };
  }
  if (args.stack !== undefined && /\.json$/i.test(args.stack.trim())) return { stack: stackFromFile(args.stack.trim(), args) };
  if (args.stack !== undefined) {
    if (args.kernel !== undefined) throw usageError('--stack', args.stack, 'cannot be given together with --kernel', 'describe one layer with -k/-s/-p or a stack with --stack, not both');
    if (args.input === undefined) throw usageError('--input', undefined, 'is required with --stack', 'give the stack input size, e.g. -i 4');
    const stack: StackSpec = {
      input: parsePerAxis('--input', args.input), layers: parseStack(args.stack, '--stack'),
      ...(args.rank === undefined ? {} : { rank: parseRank(args.rank) }),
      ...(args.channels === undefined ? {} : { channels: parseInteger('--channels', args.channels) }),
    };
    resolveStack(stack);
    return { stack };
  }
  if (args.kernel === undefined) throw usageError('--kernel', undefined, 'is required (or --stack)', 'give a layer, e.g. -i 32 -k 7 -s 2 -p 3, or a stack with --stack');
  if (args.input === undefined) throw usageError('--input', undefined, 'is required', 'give the input size, e.g. -i 32');
  return { layer: layerSpecFromArgs(args) };
}

/** File extensions --out accepts, by the format written. */
const EXTENSIONS: Readonly<Record<string, 'svg' | 'png' | 'text'>> = { '.svg': 'svg', '.png': 'png', '.txt': 'text' };

function formatOf(args: RenderArgs): 'svg' | 'png' | 'text' {
  const given = args.format;
  if (given !== undefined && given !== 'svg' && given !== 'png' && given !== 'text') throw usageError('--format', given, 'must be svg, png or text', 'use --format svg, or an --out file ending in .svg or .png');
  if (args.out === undefined) return given ?? 'text';
  // The file's name must say what it holds: h.gif holding SVG text would mislead every program that opens it.
  const extension = /\.[^./\\]+$/.exec(args.out.toLowerCase())?.[0] ?? '';
  const byName = EXTENSIONS[extension];
  if (byName === undefined) {
    throw usageError('--out', args.out, `ends in "${extension || '(no extension)'}", a format tconv does not write`, 'name a .svg, .png or .txt file');
  }
  if (given !== undefined && given !== byName) {
    throw usageError('--format', given, `contradicts --out ${args.out} (${byName})`, `drop --format, or name the file ${args.out.replace(/\.[^./\\]+$/, given === 'text' ? '.txt' : `.${given}`)}`);
  }
  return byName;
}

/** Cells of the picture, from sizes only (planning a layer or resolving a stack lists no positions). */
function cellsOf(kind: PictureKind, subject: Subject, args: RenderArgs): number {
  if (kind === 'taps' || kind === 'animation') {
    if (!('layer' in subject)) return 0; // refused by the picture itself: it draws one layer
    return pictureCells(kind, { axes: planGeometry(subject.layer).axes });
  }
  return pictureCells(kind, { stack: resolveStack(stackOf(subject, args)) });
}

function cellOf(args: RenderArgs): { cell?: number } {
  return args.cell === undefined ? {} : { cell: parseCount('--cell', args.cell) };
}

/** --stack FILE.json: a StackSpec { "input", "rank"?, "channels"?, "layers": [{ "kind": "convTranspose", … }] }; -i, --rank, -c override. */
function stackFromFile(path: string, args: RenderArgs): StackSpec {
  if (args.kernel !== undefined) throw usageError('--stack', path, 'cannot be given together with --kernel', 'describe one layer with -k/-s/-p or a stack with --stack, not both');
  let spec: Partial<StackSpec> | null;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8')) as Partial<StackSpec> | null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError('--stack', path, code ? `cannot be read (${code})` : `is not valid JSON (${(error as Error).message})`, code ? 'check the path to the JSON stack' : 'fix the JSON syntax');
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || !Array.isArray(spec.layers) || (spec.input === undefined && args.input === undefined)) {
    throw usageError('--stack', path, 'must hold a JSON object with "input" and "layers"', 'write e.g. { "input": 4, "layers": [{ "kind": "convTranspose", "kernel": 4, "stride": 2, "padding": 1 }] }');
  }
  const stack = {
    ...spec, layers: spec.layers,
    input: args.input === undefined ? spec.input! : parsePerAxis('--input', args.input),
    ...(args.rank === undefined ? {} : { rank: parseRank(args.rank) }),
    ...(args.channels === undefined ? {} : { channels: parseInteger('--channels', args.channels) }),
  } as StackSpec;
  resolveStack(stack);
  return stack;
}

function positionOf(args: RenderArgs, shape: readonly number[]): number[] {
  const text = args.position ?? args.at;
  if (text === undefined) return shape.map((n) => Math.floor(n / 2));
  const p = parsePerAxis(args.position === undefined ? '--at' : '--position', text);
  const position = typeof p === 'number' ? shape.map(() => p) : [...p];
  if (position.length !== shape.length || position.some((v, i) => v < 0 || v >= shape[i]!)) {
    throw usageError(args.position === undefined ? '--at' : '--position', text, `is outside the output (${shape.join('×')})`, `give one index per axis below ${shape.join('×')}`);
  }
  return position;
}

function needLayer(subject: Subject, kind: string): LayerSpec {
  if ('layer' in subject) return subject.layer;
  throw usageError('--stack', 'a stack', `cannot be drawn as ${kind}`, 'give one transposed layer with -i -k -s -p');
}

function caption(subject: Subject): string {
  if ('stack' in subject) {
    const stack = resolveStack(subject.stack);
    return `${subject.stack.layers.map(describeLayer).join(' → ')}: ${stack.inputSize.join('×')} → ${stack.outputSize.join('×')}`;
  }
  const l = subject.layer;
  const f = (v: unknown) => (Array.isArray(v) ? v.join('×') : String(v ?? ''));
  return `convT k${f(l.kernel)} s${f(l.stride ?? 1)} p${f(l.padding ?? 0)} on ${f(l.input)}`;
}
