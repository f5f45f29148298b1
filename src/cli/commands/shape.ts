/**
 * `tconv shape`: the output shape of a layer written in one framework's convention. The convention modules
 * (src/shape/conventions/*) translate the arguments to a canonical LayerSpec; planLayer checks and sizes it.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { fromOnnx } from '../../shape/conventions/onnx.ts';
import { fromPytorch } from '../../shape/conventions/pytorch.ts';
import type { LayerSpec, PerAxis } from '../../shape/params.ts';
import { type Plan, planLayer } from '../../shape/plan.ts';
import { type LayerArgs, addLayerOptions, layerSpecFromArgs, parseInteger, parsePerAxis } from '../layer-args.ts';
import { printJson, printLines, renderTable, usageError } from '../output.ts';

const CONVENTIONS = ['pytorch', 'onnx', 'keras', 'tfjs'] as const;
type Convention = (typeof CONVENTIONS)[number];

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
    .option('--output-shape <size>', 'onnx: output_shape')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', [
      '',
      'Keras and tfjs take --padding same or valid. Examples:',
      '  tconv shape --input 32 --kernel 7 --stride 2 --padding 3',
      '  tconv shape --convention onnx --input 3x3 --kernel 3 --stride 3x2 --output-shape 10x8',
    ].join('\n'))
    .action((args: ShapeArgs) => {
      const spec = specFor(args);
      const plan = planLayer(spec);
      if (args.json) printJson({ convention: args.convention, inputShape: plan.inputShape, outputShape: plan.outputShape, weightShape: plan.weightShape, axes: plan.axes });
      else printLines(...renderShape(args.convention, plan));
    });
}

/** The canonical spec of the layer as the chosen convention reads the arguments. */
function specFor(args: ShapeArgs): LayerSpec {
  const kind = args.conv ? 'conv' : 'convTranspose';
  const only = (option: string, value: string | undefined, convention: Convention): void => {
    if (value !== undefined && args.convention !== convention) {
      throw usageError(option, value, `applies to the ${convention} convention only`, `add --convention ${convention}, or remove ${option}`);
    }
  };
  only('--output-size', args.outputSize, 'pytorch');
  only('--pads', args.pads, 'onnx');
  only('--auto-pad', args.autoPad, 'onnx');
  if (args.convention === 'pytorch') {
    const base = layerSpecFromArgs(args);
    if (args.outputSize === undefined) return { ...base, kind };
    const spread = spreader(rankOf(base));
    const outputSize = spread(parsePerAxis('--output-size', args.outputSize))!;
    return { ...base, kind, ...fromPytorch({ ...base, input: spread(base.input)!, outputSize }) };
  }
  if (args.convention === 'onnx') {
    const base = layerSpecFromArgs({ ...args, padding: undefined });
    if (args.padding !== undefined) throw usageError('--padding', args.padding, 'is not an ONNX attribute', 'use --pads begin…,end… or --auto-pad');
    const spread = spreader(rankOf(base));
    const input = spread(base.input)!;
    const attributes = Object.fromEntries(Object.entries({
      kernel_shape: spread(base.kernel), strides: spread(base.stride), dilations: spread(base.dilation),
      output_padding: spread(base.outputPadding), group: base.groups,
      pads: args.pads === undefined ? undefined : args.pads.split(',').map((text) => parseInteger('--pads', text)),
      auto_pad: args.autoPad, output_shape: args.outputShape === undefined ? undefined : spread(parsePerAxis('--output-shape', args.outputShape)),
    }).filter(([, v]) => v !== undefined));
    const channels = base.inChannels ?? 1;
    return fromOnnx({
      op: kind === 'conv' ? 'Conv' : 'ConvTranspose', attributes,
      inputShape: [base.batch ?? 1, channels, ...input],
      weightShape: kind === 'conv'
        ? [base.outChannels ?? 1, channels / (base.groups ?? 1), ...spread(base.kernel)!]
        : [channels, (base.outChannels ?? 1) / (base.groups ?? 1), ...spread(base.kernel)!],
    });
  }
  throw usageError('--convention', args.convention, 'is not available yet', 'use pytorch or onnx');
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
