/**
 * The CLI's synchronous commands run in this process (commander + the same register functions and error rendering
 * as the bin, errors named with the command), so tests can call them often without a ~1 s subprocess each.
 * Synchronous on purpose: while stdout is captured nothing else (the test reporter) may write. Commands whose action
 * is async (conformance) go through the real bin (run-cli.ts); test/analysis/cli.test.ts also runs the real bin for
 * a few calls, so the wiring in src/cli/main.ts is covered too.
 */
import { Command } from 'commander';
import { register as registerAlternatives } from '../../src/cli/commands/alternatives.ts';
import { register as registerExplain } from '../../src/cli/commands/explain.ts';
import { register as registerExport } from '../../src/cli/commands/export.ts';
import { register as registerLint } from '../../src/cli/commands/lint.ts';
import { register as registerPlan } from '../../src/cli/commands/plan.ts';
import { register as registerRender } from '../../src/cli/commands/render.ts';
import { register as registerRun } from '../../src/cli/commands/run.ts';
import { register as registerSolve } from '../../src/cli/commands/solve.ts';
import { register as registerStack } from '../../src/cli/commands/stack.ts';
import { reportError } from '../../src/cli/output.ts';
import type { CliResult } from './run-cli.ts';

const REGISTERS = [registerPlan, registerRender, registerStack, registerAlternatives, registerExplain, registerRun, registerLint, registerSolve, registerExport];

export function runInProcess(...args: string[]): CliResult {
  const program = new Command('tconv').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const register of REGISTERS) register(program);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr.push(String(chunk)); return true; }) as typeof process.stderr.write;
  let status = 0;
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    program.parse(args, { from: 'user' });
    status = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    status = reportError(error, args.includes('--json'), args[0]);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = before;
  }
  return { status, stdout: stdout.join(''), stderr: stderr.join('') };
}
