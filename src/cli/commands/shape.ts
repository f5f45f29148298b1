/**
 * `tconv shape`: the output shape of a layer written in one framework's convention. The convention modules
 * (src/shape/conventions/*) translate the arguments to a canonical LayerSpec; planLayer checks and sizes it.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { KerasPadding } from '../../shape/conventions/keras.ts';
import type { LayerSpec, PerAxis } from '../../shape/params.ts';
import { CONVENTIONS, type Convention, type SourceLayer, type Translation, specFrom, translate } from '../../shape/translate.ts';
import { type Plan, planGeometry } from '../../shape/plan.ts';
import { type LayerArgs, addLayerOptions, layerSpecFromArgs, parseInteger, parsePerAxis } from '../layer-args.ts';
import { printJson, printLines, renderTable, usageError } from '../output.ts';

interface ShapeArgs extends LayerArgs {
  readonly convention: Convention;
  readonly conv?: boolean;
  readonly outputSize?: string;
  readonly outputShape?: string;
  readonly pads?: string;
  readonly autoPad?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('shape')
    .summary('output shape of a layer, written in a framework\'s convention')
    .description('Print the output shape of a transposed (or, with --conv, ordinary) convolution written in one '
      + 'framework\'s convention, and the same layer in canonical (PyTorch) parameters.');
  addLayerOptions(command)
    .addOption(new Option('-c, --convention <name>', 'how the parameters are written').choices(CONVENTIONS).default('pytorch'))
    .option('--conv', 'an ordinary convolution instead of a transposed one (pytorch, onnx)')
    .option('--output-size <size>', 'pytorch: forward(x, output_size), which picks outputPadding')
    .option('--pads <list>', 'onnx: pads, begin values then end values, e.g. 1,1,2,2')
    .option('--auto-pad <mode>', 'onnx: NOTSET, SAME_UPPER, SAME_LOWER or VALID')
    .option('--output-shape <size>', 'onnx: output_shape; tfjs: outputShape (spatial sizes)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', [
      '',
      'Keras and tfjs take --padding same or valid (tfjs also a number). Examples:',
      '  tconv shape --input 32 --kernel 7 --stride 2 --padding 3',
      '  tconv shape --convention onnx --input 3x3 --kernel 3 --stride 3x2 --output-shape 10x8',
      '  tconv shape --convention keras --input 32 --kernel 3 --stride 2 --padding same',
    ].join('\n'))
    .action((args: ShapeArgs) => {
      const spec = specFrom(sourceFor(args));
      const plan = planGeometry(args.conv ? { ...spec, kind: 'conv' } : spec);
      const translation = plan.kind === 'convTranspose' ? translate({ convention: 'canonical', spec }) : null;
      if (args.json) {
        const { plan: _plan, ...forms } = translation ?? { plan };
        printJson({ convention: args.convention, inputShape: plan.inputShape, outputShape: plan.outputShape, weightShape: plan.weightShape, axes: plan.axes, translation: translation ? forms : null });
      } else {
        printLines(...renderShape(args.convention, plan), ...(translation ? renderTranslation(translation) : []));
      }
    });
}

/** The layer as written in the chosen convention, for specFrom/translate (src/shape/translate.ts). */
function sourceFor(args: ShapeArgs): SourceLayer {
  const only = (option: string, value: unknown, ...conventions: Convention[]): void => {
    if (value !== undefined && !conventions.includes(args.convention)) {
      throw usageError(option, value, `applies to the ${conventions.join(' and ')} convention${conventions.length > 1 ? 's' : ''} only`,
        `add --convention ${conventions[0]}, or remove ${option}`);
    }
  };
  only('--output-size', args.outputSize, 'pytorch');
  only('--pads', args.pads, 'onnx');
  only('--auto-pad', args.autoPad, 'onnx');
  only('--output-shape', args.outputShape, 'onnx', 'tfjs');
  only('--conv', args.conv, 'pytorch', 'onnx');
  // Keras and tfjs write padding as a word; the canonical parser only reads numbers.
  const wordPadding = args.convention === 'keras' || args.convention === 'tfjs';
  const base = layerSpecFromArgs({ ...args, padding: wordPadding || args.convention === 'onnx' ? undefined : args.padding });
  const spread = spreader(rankOf(base));
  const input = spread(base.input)!;
  const kernel = spread(base.kernel)!;
  const inChannels = base.inChannels ?? 1;
  const outChannels = base.outChannels ?? 1;
  const batch = base.batch ?? 1;
  switch (args.convention) {
    case 'pytorch': {
      const outputSize = args.outputSize === undefined ? undefined : spread(parsePerAxis('--output-size', args.outputSize));
      return { convention: 'pytorch', layer: { ...base, input, inChannels, outChannels, batch, outputSize } };
    }
    case 'onnx': {
      if (args.padding !== undefined) throw usageError('--padding', args.padding, 'is not an ONNX attribute', 'use --pads begin…,end… or --auto-pad');
      const attributes = Object.fromEntries(Object.entries({
        kernel_shape: kernel, strides: spread(base.stride), dilations: spread(base.dilation),
        output_padding: spread(base.outputPadding), group: base.groups,
        pads: args.pads === undefined ? undefined : args.pads.split(',').map((text) => parseInteger('--pads', text)),
        auto_pad: args.autoPad,
        output_shape: args.outputShape === undefined ? undefined : spread(parsePerAxis('--output-shape', args.outputShape)),
      }).filter(([, v]) => v !== undefined));
      const groups = base.groups ?? 1;
      return {
        convention: 'onnx',
        node: {
          op: args.conv ? 'Conv' : 'ConvTranspose', attributes, inputShape: [batch, inChannels, ...input],
          weightShape: args.conv ? [outChannels, inChannels / groups, ...kernel] : [inChannels, outChannels / groups, ...kernel],
        },
      };
    }
    case 'keras':
      return {
        convention: 'keras',
        layer: {
          input, kernelSize: kernel, strides: base.stride, padding: paddingWord(args.padding, false) as KerasPadding | undefined,
          outputPadding: base.outputPadding, dilationRate: base.dilation, filters: outChannels, inChannels, batch, rank: base.rank,
        },
      };
    case 'tfjs': {
      if (args.outputShape === undefined) {
        throw usageError('--convention', 'tfjs', 'needs --output-shape (tf.conv2dTranspose takes the output shape as an argument)', 'give it, e.g. --output-shape 64x64');
      }
      only('--dilation', args.dilation, 'pytorch', 'onnx', 'keras');
      only('--output-padding', args.outputPadding, 'pytorch', 'onnx', 'keras');
      const output = spread(parsePerAxis('--output-shape', args.outputShape))!;
      return {
        convention: 'tfjs',
        args: {
          xShape: [batch, ...input, inChannels], filterShape: [...kernel, outChannels, inChannels],
          outputShape: [batch, ...output, outChannels], strides: base.stride, pad: paddingWord(args.padding, true) ?? 'valid',
        },
      };
    }
    default:
      throw usageError('--convention', args.convention, `must be one of ${CONVENTIONS.join(', ')}`, 'name the framework the layer is written in');
  }
}

/** Keras/tfjs padding: "same" or "valid" (tfjs also takes a number). */
function paddingWord(text: string | undefined, numberAllowed: boolean): 'same' | 'valid' | number | undefined {
  if (text === undefined) return undefined;
  if (text === 'same' || text === 'valid') return text;
  if (numberAllowed && /^\d+$/.test(text)) return Number(text);
  throw usageError('--padding', text, `must be same or valid${numberAllowed ? ' or a number' : ''} in this convention`, 'write --padding same or --padding valid');
}

/** One number per axis: a scalar is repeated `rank` times. */
function spreader(rank: number): (value: PerAxis | undefined) => number[] | undefined {
  return (value) => (value === undefined ? undefined : typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value]);
}

/** The rank the shape module would infer: the common tuple length, else --rank, else 2. */
function rankOf(spec: LayerSpec): number {
  for (const value of [spec.input, spec.kernel, spec.stride, spec.padding, spec.outputPadding, spec.dilation]) {
    if (Array.isArray(value)) return value.length;
  }
  return spec.rank ?? 2;
}

function renderShape(convention: Convention, plan: Plan): string[] {
  const name = `${plan.kind === 'conv' ? 'Conv' : 'ConvTranspose'}${plan.rank}d`;
  const spatial = (shape: readonly number[]) => shape.slice(2).join('×');
  const rows = plan.axes.map((axis, a) => [
    String(a), String(axis.input), String(axis.kernel), String(axis.stride), String(axis.dilation),
    axis.padding === null ? `${axis.padBegin}/${axis.padEnd}` : String(axis.padding),
    axis.outputPadding === null ? '—' : String(axis.outputPadding), String(axis.output),
  ]);
  return [
    `${name} (${convention}): input ${spatial(plan.inputShape)} → output ${spatial(plan.outputShape)}`,
    `  tensors (N, C, spatial): input ${plan.inputShape.join('×')}, output ${plan.outputShape.join('×')}, weight ${plan.weightShape.join('×')}`,
    `  canonical (PyTorch) parameters per axis${plan.axes.some((axis) => axis.padding === null) ? ' (padding shown as begin/end crop where asymmetric)' : ''}:`,
    renderTable(['axis', 'input', 'kernel', 'stride', 'dilation', 'padding', 'outputPadding', 'output'], rows, { indent: '    ', alignRight: [1, 2, 3, 4, 5, 6, 7] }),
  ];
}

/** The same layer in every convention (src/shape/translate.ts), with the crop when one cannot express it. */
function renderTranslation(translation: Translation): string[] {
  const lines = ['  the same layer in each framework:'];
  for (const convention of CONVENTIONS) {
    const form = translation[convention];
    lines.push(`    ${convention.padEnd(8)}${form.code}`);
    if (!form.expressible) lines.push(`    ${''.padEnd(8)}(${form.note})`);
    // An exact form whose weight is more than PyTorch's W (zero taps added) must say how to build it.
    else if (form.weightFromPytorch.startsWith('F.pad')) lines.push(`    ${''.padEnd(8)}(weight: ${form.weightFromPytorch}; ${form.note})`);
  }
  return lines;
}
