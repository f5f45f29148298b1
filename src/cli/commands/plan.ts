/**
 * `tconv plan --from 4 --to 64 --layers 4`: decoder stacks of transposed convolutions that reach the target size
 * exactly, ranked checkerboard-free first, then FLOPs (for the given channels), then receptive field
 * (src/analysis/planner.ts does the work; this file parses and renders).
 */
import type { Command } from 'commander';
import { type DecoderPlan, planDecoder } from '../../analysis/planner.ts';
import { parseBudget, parseCount, parseInteger, parseRank } from '../layer-args.ts';
import { printJson, printLines, renderTable, usageError } from '../output.ts';

interface PlanArgs {
  readonly from: string;
  readonly to: string;
  readonly layers: string;
  readonly rank?: string;
  readonly maxKernel?: string;
  readonly maxStride?: string;
  readonly channels?: string;
  readonly allowStride1?: boolean;
  readonly limit: string;
  readonly maxCandidates?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('plan')
    .summary('plan a decoder: transposed-conv stacks that reach a size exactly, artifact-free first')
    .description('List stacks of --layers transposed convolutions taking size --from to size --to exactly, ranked: '
      + 'checkerboard-free first (every layer has equal taps per phase), then FLOPs for the given channels, then '
      + 'receptive field (larger first).')
    .requiredOption('-f, --from <size>', 'decoder input size (same on every axis)')
    .requiredOption('-t, --to <size>', 'size to reach')
    .requiredOption('-l, --layers <n>', 'number of transposed layers')
    .option('--rank <r>', 'spatial axes: 1, 2 or 3 (default 2; FLOPs scale with it)')
    .option('--max-kernel <k>', 'largest kernel to consider (default 7)')
    .option('--max-stride <s>', 'largest stride to consider (default 4)')
    .option('-c, --channels <list>', 'channels before each layer and after the last, e.g. 512,256,128,64,3 (default 1)')
    .option('--allow-stride1', 'also consider stride-1 layers')
    .option('-n, --limit <n>', 'how many stacks to list', '10')
    .option('--max-candidates <n>', 'search budget in candidate layers, e.g. 1e9 or none (default 2e8; see docs/limits.md)')
    .option('--json', 'print the stacks as JSON')
    .addHelpText('after', '\nExamples:\n  tconv plan --from 4 --to 64 --layers 4\n  tconv plan --from 4 --to 64 --layers 4 --channels 512,256,128,64,3 --max-kernel 5\n  tconv plan --from 16 --to 4096 --layers 4 --rank 1 --max-kernel 16 --max-stride 8')
    .action((args: PlanArgs) => {
      const optional = (option: string, text: string | undefined) => (text === undefined ? undefined : parseInteger(option, text));
      const query = {
        from: parseInteger('--from', args.from),
        to: parseInteger('--to', args.to),
        layers: parseInteger('--layers', args.layers),
        ...(args.rank === undefined ? {} : { rank: parseRank(args.rank) }),
        ...(args.maxKernel === undefined ? {} : { maxKernel: optional('--max-kernel', args.maxKernel)! }),
        ...(args.maxStride === undefined ? {} : { maxStride: optional('--max-stride', args.maxStride)! }),
        ...(args.channels === undefined ? {} : { channels: parseChannels(args.channels) }),
        allowStride1: args.allowStride1 ?? false,
        limit: parseCount('--limit', args.limit),
        ...(args.maxCandidates === undefined ? {} : { maxCandidates: parseBudget('--max-candidates', args.maxCandidates) }),
      };
      const plans = planDecoder(query);
      if (args.json) {
        printJson({ from: query.from, to: query.to, layers: query.layers, count: plans.length, plans: plans.map(({ stack: _stack, ...rest }) => rest) });
        return;
      }
      if (plans.length === 0) {
        printLines(`No stack of ${query.layers} transposed layers takes ${query.from} to ${query.to} within the limits; try more layers, --max-kernel, --max-stride or --allow-stride1.`);
        return;
      }
      printLines(`Decoders from ${query.from} to ${query.to} in ${query.layers} transposed layers (checkerboard-free first, then FLOPs, then receptive field):`, '');
      printLines(renderTable(['#', 'layers (kernel stride padding outputPadding)', 'sizes', 'even', 'FLOPs', 'RF'], plans.map((p, i) => row(p, i)), { alignRight: [0, 4, 5] }));
      printLines('', 'even: every layer has the same number of taps in each phase (kernel a multiple of stride), so no checkerboard from the geometry.',
        'RF: largest receptive field of an output, in decoder-input pixels per axis.');
    });
}

function row(p: DecoderPlan, i: number): string[] {
  const layers = p.layers.map((l) => `k${l.kernel} s${l.stride} p${l.padding}${l.outputPadding ? ` op${l.outputPadding}` : ''}`).join(' | ');
  const sizes = [p.layers[0]!.input, ...p.layers.map((l) => l.output)].join('→');
  return [String(i + 1), layers, sizes, p.even ? 'yes' : `no (${p.unevenLayers})`, formatFlops(p.flops), String(p.receptiveField)];
}

function formatFlops(flops: number): string {
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} G`;
  if (flops >= 1e6) return `${(flops / 1e6).toFixed(2)} M`;
  if (flops >= 1e3) return `${(flops / 1e3).toFixed(1)} k`;
  return String(flops);
}

function parseChannels(text: string): number[] {
  const parts = text.split(/[,x×]/).map((s) => s.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw usageError('--channels', text, 'is not a list of whole numbers', 'write e.g. --channels 512,256,128,64,3');
  }
  return parts.map(Number);
}
