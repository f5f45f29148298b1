/**
 * Output helpers shared by every CLI command: JSON for machines, aligned tables for people, and one place that
 * turns an error into one sentence and an exit status (design.md, "Errors": usage → 2, failure → 1).
 */
import { readFileSync, statSync } from 'node:fs';
import { TconvError, type TconvErrorData } from '../shape/errors.ts';

/** Exit statuses of the `tconv` CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Prints one JSON value on stdout, indented, with arrays of numbers or strings kept on one line. */
export function printJson(value: unknown): void {
  process.stdout.write(`${formatJson(value)}\n`);
}

/**
 * @example
 * formatJson({ shape: [1, 3, 63, 63] }) // → '{\n  "shape": [1, 3, 63, 63]\n}'
 */
export function formatJson(value: unknown): string {
  // An array holding no object or array (its text has no brackets or braces) collapses to one line.
  return JSON.stringify(value, jsonReplacer, 2).replace(/\[\s*\n([^[\]{}]*?)\n\s*\]/g, (_, inner: string) => `[${inner.trim().split(/,\s*\n\s*/).join(', ')}]`);
}

// Infinity is a legitimate answer (an overlap ratio with bias-only holes); JSON has no spelling for it.
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  return value;
}

/** Prints lines of prose on stdout. */
export function printLines(...lines: readonly string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

export interface TableOptions {
  /** Columns aligned to the right (numbers); the others are aligned to the left. */
  readonly alignRight?: readonly number[];
  /** Prefix for every line, e.g. two spaces of indentation. */
  readonly indent?: string;
}

/**
 * Renders rows as a plain-text table: a header, then rows, columns separated by two spaces.
 * @example
 * renderTable(['k', 'out'], [['4', '64'], ['6', '64']], { alignRight: [1] })
 * // → 'k  out\n4   64\n6   64'
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...(row[c] ?? '')].length)));
  const right = new Set(options.alignRight ?? []);
  return all
    .map((row) => (options.indent ?? '') + row
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd())
    .join('\n');
}

/** Prints a table (see renderTable) on stdout. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[], options?: TableOptions): void {
  printLines(renderTable(header, rows, options));
}

/** A usage error raised by the CLI itself (a malformed argument), as TconvError data. */
export function usageError(parameter: string, value: unknown, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'usage', parameter, value, rule, hint });
}

/** Stops a command with a failure (exit 1) whose message is shown as is. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

/** Stops a command: throws a CliFailure (exit 1). */
export function fail(message: string): never {
  throw new CliFailure(message);
}

/** TconvErrors that are about a file's contents or the machine, not about how the command was written. */
const FAILURE_CODES: ReadonlySet<string> = new Set(['invalid-model']);
/** Codes that stay usage errors (exit 2) even when raised while reading a file: the fix is an argument. */
const ARGUMENT_CODES: ReadonlySet<string> = new Set(['usage', 'memory-limit', 'work-limit']);
/** Errors raised by the contents of a model or data file (exit 1, whatever their code). */
const fileProblems = new WeakSet<object>();

/**
 * Runs `read` (reading, checking or running what a model or data file says) and marks the TconvErrors it throws as
 * problems of the file, so the exit status is 1 for every kind of bad file (a malformed one, an unsupported
 * operator, a layer whose attributes break a rule), and 2 only for what the user's arguments can fix.
 * @example
 * const model = fromFile(() => readModel(bytes));
 */
export function fromFile<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TconvError && !ARGUMENT_CODES.has(error.code)) fileProblems.add(error);
    throw error;
  }
}

/** fromFile for a promise: `await fromFileAsync(() => runConformanceFile(path))`. */
export async function fromFileAsync<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof TconvError && !ARGUMENT_CODES.has(error.code)) fileProblems.add(error);
    throw error;
  }
}

/** Largest file a command reads whole (1 GiB): checked from the file's size before reading it. */
export const MAX_FILE_BYTES = 1024 ** 3;

/**
 * Reads a file the user named, refusing a missing path (exit 2) and a file over `maxBytes` (exit 1) before reading.
 * @example
 * readUserFile('model.onnx', 'model', 'the .onnx file')
 */
export function readUserFile(path: string, parameter: string, what: string, maxBytes = MAX_FILE_BYTES): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw usageError(parameter, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, `check the path to ${what}`);
  }
  if (size > maxBytes) {
    throw new TconvError({ code: 'invalid-model', parameter, value: `${size} bytes`, rule: `is larger than the limit of ${maxBytes} bytes for ${what}`, hint: 'give a smaller file' });
  }
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(parameter, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, `check the path to ${what}`);
  }
}

/**
 * Renders any error thrown by a command and returns the exit status: TconvError (bad parameters, bad usage) → 2,
 * anything else → 1. Human mode prints one sentence on stderr; JSON mode prints the error's data on stdout.
 */
export function reportError(error: unknown, json: boolean, command?: string): number {
  if (error instanceof TconvError) {
    const status = FAILURE_CODES.has(error.code) || fileProblems.has(error) ? EXIT.failure : EXIT.usage;
    const shown = inCliTerms(error, command);
    if (json) printJson({ error: shown.toJSON() });
    else process.stderr.write(`tconv: ${shown.message}\n`);
    return status;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) printJson({ error: { code: 'failure', message } });
  else process.stderr.write(`tconv: ${message}\n`);
  // A stack helps only when debugging tconv itself.
  if (process.env.TCONV_DEBUG && error instanceof Error && !(error instanceof CliFailure)) process.stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}

/** Library options that a command has a flag for: `tconv run --max-memory 8GiB` sets memoryLimitBytes. */
const FLAGS_BY_COMMAND: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  run: { memoryLimitBytes: '--max-memory' },
  export: { memoryLimitBytes: '--max-memory' },
};

/**
 * The error as the CLI user can act on it: a hint to raise a library option names the command's flag, or is
 * dropped when the command has none (the user cannot set memoryLimitBytes from `tconv lint`).
 */
function inCliTerms(error: TconvError, command: string | undefined): TconvError {
  const flags = FLAGS_BY_COMMAND[command ?? ''] ?? {};
  let hint = error.hint.replace(/ \(library option \w+\)/g, '');
  hint = hint.replace(/,? or raise (\w+)$/, (_whole, option: string) => (flags[option] ? `, or raise it with ${flags[option]}` : ''));
  hint = hint.replace(/^raise (\w+)$/, (whole, option: string) => (flags[option] ? `raise it with ${flags[option]}` : whole));
  return hint === error.hint ? error : new TconvError({ code: error.code, parameter: error.parameter, value: error.value, rule: error.rule, hint });
}

/** JSON form of a usage error raised by the argument parser (commander), in the TconvError data shape. */
export function commanderUsageData(message: string): TconvErrorData & { message: string } {
  return { code: 'usage', parameter: 'arguments', value: process.argv.slice(2), rule: message, hint: 'see tconv --help', message };
}
