/**
 * The `tconv` command line. Each command lives in src/cli/commands/<name>.ts and exports `register(program)`;
 * to add one, import it here and add it to COMMANDS. Errors are rendered in one place (output.ts).
 */
import { Command, CommanderError } from 'commander';
import { EXIT, commanderUsageData, printJson, reportError } from './output.ts';
import { register as registerShape } from './commands/shape.ts';
import { register as registerExplain } from './commands/explain.ts';
import { register as registerSolve } from './commands/solve.ts';
import { register as registerConformance } from './commands/conformance.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerLint } from './commands/lint.ts';
import { register as registerExport } from './commands/export.ts';
import { register as registerPlan } from './commands/plan.ts';
import { register as registerDoctor } from './commands/doctor.ts';
import { register as registerRender } from './commands/render.ts';
import { register as registerStack } from './commands/stack.ts';
import { register as registerAlternatives } from './commands/alternatives.ts';

const COMMANDS: readonly ((program: Command) => void)[] = [registerShape, registerExplain, registerSolve, registerConformance, registerRun, registerLint, registerExport, registerPlan, registerDoctor, registerRender, registerStack, registerAlternatives];

/** Builds the program; settings made here are inherited by every command registered afterwards. */
export function createProgram(): Command {
  const program = new Command('tconv')
    .description('Exact, fast and understandable transposed convolution: shapes, phases, checkerboards, receptive fields.')
    .version('0.1.0', '-V, --version')
    .showSuggestionAfterError(true)
    // Commander's own errors become exceptions, rendered by run() as one sentence with exit status 2.
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI on process-style argv (node, script, arguments…) and returns the exit status. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (!(error instanceof CommanderError)) return reportError(error, json);
    const command = program.commands.find((c) => c.name() === argv[2]);
    return reportCommanderError(error, command ? `tconv ${command.name()}` : 'tconv', json);
  }
}

// Help and version are "errors" to commander that already printed what they should.
const INFORMATIONAL = new Set(['commander.helpDisplayed', 'commander.version']);

function reportCommanderError(error: CommanderError, command: string, json: boolean): number {
  if (INFORMATIONAL.has(error.code)) return EXIT.ok;
  if (error.code === 'commander.help') return EXIT.usage; // no command given: commander printed the help
  // "error: unknown option '--kernal'\n(Did you mean --kernel?)" → one sentence, pointing at the right help.
  const sentence = error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '').trim();
  if (json) printJson({ error: commanderUsageData(sentence) });
  else process.stderr.write(`tconv: ${sentence}; see ${command} --help\n`);
  return EXIT.usage;
}

// `tconv … | head` closes the pipe early: stop quietly, as other command-line tools do, instead of a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

process.exitCode = await run(process.argv);
