/**
 * The layer options shared by CLI commands (`--input 32x32 --kernel 3x5 …`), parsed into a canonical LayerSpec.
 * Sizes accept `N` or `NxM[xL]`; per-axis parameters `3` or `3x5`. When every value is a scalar the layer is 2D
 * unless `--rank` says otherwise (the shape module applies that rule; we only pass `rank` on).
 */
import { type Command, Option } from 'commander';
import type { LayerSpec, PerAxis, Rank } from '../shape/params.ts';
import { usageError } from './output.ts';

/** Raw option values as commander hands them over (strings until parsed). */
export interface LayerArgs {
  readonly input?: string;
  readonly kernel?: string;
  readonly stride?: string;
  readonly padding?: string;
  readonly outputPadding?: string;
  readonly dilation?: string;
  readonly groups?: string;
  readonly inChannels?: string;
  readonly outChannels?: string;
  readonly batch?: string;
  readonly rank?: string;
}

const AXIS_SEPARATOR = /[x×,]/;

/**
 * Parses `3`, `3x5` or `3x5x7` (also `3,5` or `3×5`) into a number or a per-axis tuple.
 * @example
 * parsePerAxis('--kernel', '3x5') // → [3, 5]
 * parsePerAxis('--stride', '2')   // → 2
 */
export function parsePerAxis(option: string, text: string): PerAxis {
  const parts = text.trim().split(AXIS_SEPARATOR);
  if (parts.length > 3 || !parts.every((part) => /^-?\d+$/.test(part.trim()))) {
    throw usageError(option, text, 'is not an integer or per-axis integers (at most 3, joined by x)', `write it as 3 or 3x5, e.g. ${option} 3`);
  }
  const values = parts.map((part) => Number(part));
  return values.length === 1 ? values[0]! : values;
}

/**
 * Parses a single integer option such as `--groups 2`.
 * @example
 * parseInteger('--groups', '2') // → 2
 */
export function parseInteger(option: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw usageError(option, text, 'is not an integer', `write a whole number, e.g. ${option} 1`);
  }
  return Number(text);
}

/** `--rank 1|2|3`: the rank of a layer whose sizes are all scalars. */
export function parseRank(text: string): Rank {
  if (!/^[123]$/.test(text.trim())) {
    throw usageError('--rank', text, 'must be 1, 2 or 3 (spatial axes)', 'use --rank 1 for a 1D layer, 2 for 2D, 3 for 3D');
  }
  return Number(text) as Rank;
}

/** Adds the canonical (PyTorch-meaning) layer options to a command. */
export function addLayerOptions(command: Command, { inputRequired = true } = {}): Command {
  const input = new Option('-i, --input <size>', 'spatial input size: N, NxM or NxMxL');
  if (inputRequired) input.makeOptionMandatory();
  return command
    .addOption(input)
    .requiredOption('-k, --kernel <k>', 'kernel size: 3 or per axis 3x5')
    .option('-s, --stride <s>', 'stride (default 1)')
    .option('-p, --padding <p>', 'padding removed from both ends of the output (default 0)')
    .option('--output-padding <op>', 'extra cells added at the end (default 0; below stride or dilation)')
    .option('-d, --dilation <d>', 'dilation (default 1)')
    .option('-g, --groups <g>', 'groups (default 1)')
    .option('--in-channels <c>', 'input channels (default 1)')
    .option('--out-channels <c>', 'output channels (default 1)')
    .option('--batch <n>', 'batch size (default 1)')
    .option('--rank <r>', 'spatial axes when every size is a single number: 1, 2 or 3 (default 2)');
}

/**
 * Turns parsed options into a transposed-convolution LayerSpec; the shape module checks the values.
 * @example
 * layerSpecFromArgs({ input: '32', kernel: '7', stride: '2', padding: '3' })
 * // → { kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }
 */
export function layerSpecFromArgs(args: LayerArgs): LayerSpec {
  const axes = (option: string, text: string | undefined): PerAxis | undefined => (text === undefined ? undefined : parsePerAxis(option, text));
  const integer = (option: string, text: string | undefined): number | undefined => (text === undefined ? undefined : parseInteger(option, text));
  const spec: Record<string, unknown> = {
    kind: 'convTranspose',
    input: axes('--input', args.input),
    kernel: axes('--kernel', args.kernel),
    stride: axes('--stride', args.stride),
    padding: axes('--padding', args.padding),
    outputPadding: axes('--output-padding', args.outputPadding),
    dilation: axes('--dilation', args.dilation),
    groups: integer('--groups', args.groups),
    inChannels: integer('--in-channels', args.inChannels),
    outChannels: integer('--out-channels', args.outChannels),
    batch: integer('--batch', args.batch),
    rank: args.rank === undefined ? undefined : parseRank(args.rank),
  };
  for (const key of Object.keys(spec)) if (spec[key] === undefined) delete spec[key];
  // --rank only decides for single numbers; a per-axis value of another length contradicts it.
  const tuple = Object.entries(spec).find(([, value]) => Array.isArray(value) && value.length !== spec.rank);
  if (spec.rank !== undefined && tuple) {
    throw usageError('--rank', spec.rank, `contradicts --${kebab(tuple[0])} ${(tuple[1] as number[]).join('x')}, which has ${(tuple[1] as number[]).length} axes`,
      'leave out --rank when sizes are given per axis, or give one value per axis');
  }
  return spec as unknown as LayerSpec;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A whole number of at least `min` (1 unless said): counts and limits such as `--limit 5`, `--target 3`.
 * @example
 * parseCount('--limit', '5') // → 5
 */
export function parseCount(option: string, text: string, min = 1): number {
  const value = parseInteger(option, text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw usageError(option, text, `must be a whole number of at least ${min}`, `write e.g. ${option} ${Math.max(min, 1)}`);
  }
  return value;
}

const SCALE: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/**
 * A budget such as `--max-flops 2e12`, `--max-cells 4M` or `--max-memory 8GiB` (k, M, G, T are powers of 1000;
 * KiB, MiB, GiB, TiB powers of 1024); `none` lifts it.
 * @example
 * parseBudget('--max-memory', '8GiB') // → 8589934592
 * parseBudget('--max-flops', '2e12')  // → 2000000000000
 */
export function parseBudget(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]i?b?|)\s*$/i.exec(text);
  if (text.trim().toLowerCase() === 'none') return Infinity;
  const scale = match ? SCALE[match[2]!.toLowerCase().replace(/^([kmgt])b$/, '$1')] : undefined;
  const value = match && scale !== undefined ? Number(match[1]) * scale : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw usageError(option, text, 'is not a positive amount', `write e.g. ${option} 2e12, ${option} 4G or ${option} none`);
  }
  return value;
}
