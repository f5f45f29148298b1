/**
 * `tconv solve --from 32 --to 64`: every single-layer configuration mapping one size to another, ranked
 * checkerboard-free first (src/shape/inverse.ts does the work; this file parses and renders).
 */
import type { Command } from 'commander';
import { solve } from '../../shape/inverse.ts';
import { parseBudget, parseCount, parseInteger, parsePerAxis, parseRank } from '../layer-args.ts';
import { printJson, printLines, renderTable } from '../output.ts';

interface SolveArgs {
  readonly from: string;
  readonly to: string;
  readonly rank?: string;
  readonly maxKernel?: string;
  readonly maxStride?: string;
  readonly maxPadding?: string;
  readonly maxDilation?: string;
  readonly limit: string;
  readonly maxCandidates?: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('solve')
    .summary('list the layers that map one size to another, artifact-free first')
    .description('List every single transposed-convolution layer (kernel, stride, padding, outputPadding, dilation) that '
      + 'maps size --from to size --to, ranked: checkerboard-free first (equal taps in every phase), then smallest kernel and cost.')
    .requiredOption('-f, --from <size>', 'input size: N, NxM or NxMxL')
    .requiredOption('-t, --to <size>', 'wanted output size, same form')
    .option('--rank <r>', 'spatial axes when both sizes are single numbers: 1, 2 or 3 (default 2)')
    .option('--max-kernel <k>', 'largest kernel to consider')
    .option('--max-stride <s>', 'largest stride to consider')
    .option('--max-padding <p>', 'largest padding to consider')
    .option('--max-dilation <d>', 'largest dilation to consider')
    .option('-n, --limit <n>', 'show at most this many rows (human output)', '12')
    .option('--all', 'show every solution')
    .option('--max-candidates <n>', 'search budget in candidate steps, e.g. 1e9 or none (default 2e7; see docs/limits.md)')
    .option('--json', 'print the solutions as JSON')
    .addHelpText('after', '\nExample:\n  tconv solve --from 32 --to 64')
    .action((args: SolveArgs) => {
      const optional = (option: string, text: string | undefined) => (text === undefined ? undefined : parseInteger(option, text));
      const query = {
        from: parsePerAxis('--from', args.from),
        to: parsePerAxis('--to', args.to),
        rank: args.rank === undefined ? undefined : parseRank(args.rank),
        maxKernel: optional('--max-kernel', args.maxKernel),
        maxStride: optional('--max-stride', args.maxStride),
        maxPadding: optional('--max-padding', args.maxPadding),
        maxDilation: optional('--max-dilation', args.maxDilation),
        ...(args.maxCandidates === undefined ? {} : { maxCandidates: parseBudget('--max-candidates', args.maxCandidates) }),
      };
      // Checked before the search: a bad --limit should not wait for it.
      const shown = args.all ? undefined : parseCount('--limit', args.limit);
      const solutions = solve(query);
      if (args.json) {
        printJson({ from: query.from, to: query.to, count: solutions.length, solutions });
        return;
      }
      const limit = shown ?? solutions.length;
      const cell = (value: unknown): string => (Array.isArray(value) ? value.join('×') : String(value));
      const rows = solutions.slice(0, limit).map((x, rank) => [
        String(rank + 1), cell(x.kernel), cell(x.stride), cell(x.padding), cell(x.outputPadding), cell(x.dilation),
        x.even ? 'yes' : x.holes > 0 ? 'holes' : 'no', x.phaseTaps.map((taps) => taps.join(':')).join(' × '),
      ]);
      const even = solutions.filter((x) => x.even).length;
      printLines(
        `${solutions.length} layer${solutions.length === 1 ? '' : 's'} map ${cell(query.from)} to ${cell(query.to)} (${even} artifact-free)${solutions.length > limit ? `; the first ${limit}:` : ':'}`,
        renderTable(['#', 'kernel', 'stride', 'padding', 'outputPadding', 'dilation', 'even', 'taps per phase'], rows, { alignRight: [0] }),
      );
      if (solutions.length > limit) printLines(`(--all or --limit N for more)`);
    });
}
