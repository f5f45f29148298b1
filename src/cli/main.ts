#!/usr/bin/env node
/**
 * The `tconv` command line. Each command lives in src/cli/commands/<name>.ts and exports `register(program)`;
 * to add one, add a line to COMMANDS. Only the command being run is loaded (the others pull in protobufjs, the
 * engine and the renderers, which would triple the start-up time); `tconv --help` loads them all for their
 * summaries. Errors are rendered in one place (output.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT, commanderUsageData, printJson, reportError } from './output.ts';

type Register = (program: Command) => void;

const COMMANDS: Readonly<Record<string, () => Promise<{ register: Register }>>> = {
  shape: () => import('./commands/shape.ts'),
  explain: () => import('./commands/explain.ts'),
  solve: () => import('./commands/solve.ts'),
  conformance: () => import('./commands/conformance.ts'),
  run: () => import('./commands/run.ts'),
  lint: () => import('./commands/lint.ts'),
  export: () => import('./commands/export.ts'),
  plan: () => import('./commands/plan.ts'),
  doctor: () => import('./commands/doctor.ts'),
  'build-native': () => import('./commands/build-native.ts'),
  render: () => import('./commands/render.ts'),
  stack: () => import('./commands/stack.ts'),
  alternatives: () => import('./commands/alternatives.ts'),
  train: () => import('./commands/train.ts'),
};

/** The one version source: package.json (src/cli and dist/cli both sit two levels below it). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** The commands argv needs: the one it names, or all of them (help, a typo, no command). */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv[2];
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const modules = await Promise.all(wanted.map((name) => COMMANDS[name]!()));
  return modules.map((m) => m.register);
}

/** Builds the program; settings made here are inherited by every command registered afterwards. */
export async function createProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('tconv')
    .description('Exact, fast and understandable transposed convolution: shapes, phases, checkerboards, receptive fields.')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    // Commander's own errors become exceptions, rendered by run() as one sentence with exit status 2.
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const register of await commandsFor(argv)) register(program);
  return program;
}

/** Runs the CLI on process-style argv (node, script, arguments…) and returns the exit status. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const program = await createProgram(argv);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (!(error instanceof CommanderError)) return reportError(error, json, argv[2]);
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
