/**
 * The analysis commands run in this process (commander + the same register functions and error rendering as the
 * bin), so tests can call them often without a ~1 s subprocess each. test/analysis/cli.test.ts still runs the real
 * bin for a few calls, so the wiring in src/cli/main.ts is covered too.
 */
import { Command } from 'commander';
import { register as registerAlternatives } from '../../src/cli/commands/alternatives.ts';
import { register as registerExplain } from '../../src/cli/commands/explain.ts';
import { register as registerPlan } from '../../src/cli/commands/plan.ts';
import { register as registerRender } from '../../src/cli/commands/render.ts';
import { register as registerStack } from '../../src/cli/commands/stack.ts';
import { reportError } from '../../src/cli/output.ts';
import type { CliResult } from '../cli/run-cli.ts';

export function runInProcess(...args: string[]): CliResult {
  const program = new Command('tconv').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const register of [registerPlan, registerRender, registerStack, registerAlternatives, registerExplain]) register(program);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr.push(String(chunk)); return true; }) as typeof process.stderr.write;
  let status = 0;
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    status = reportError(error, args.includes('--json'));
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  return { status, stdout: stdout.join(''), stderr: stderr.join('') };
}
