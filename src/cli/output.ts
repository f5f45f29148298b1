/**
 * Output helpers shared by every CLI command: JSON for machines, aligned tables for people, and one place that
 * turns an error into one sentence and an exit status (design.md, "Errors": usage → 2, failure → 1).
 */
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

/**
 * Renders any error thrown by a command and returns the exit status: TconvError (bad parameters, bad usage) → 2,
 * anything else → 1. Human mode prints one sentence on stderr; JSON mode prints the error's data on stdout.
 */
export function reportError(error: unknown, json: boolean): number {
  if (error instanceof TconvError) {
    const status = FAILURE_CODES.has(error.code) ? EXIT.failure : EXIT.usage;
    if (json) printJson({ error: error.toJSON() });
    else process.stderr.write(`tconv: ${error.message}\n`);
    return status;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) printJson({ error: { code: 'failure', message } });
  else process.stderr.write(`tconv: ${message}\n`);
  // A stack helps only when debugging tconv itself.
  if (process.env.TCONV_DEBUG && error instanceof Error && !(error instanceof CliFailure)) process.stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}

/** JSON form of a usage error raised by the argument parser (commander), in the TconvError data shape. */
export function commanderUsageData(message: string): TconvErrorData & { message: string } {
  return { code: 'usage', parameter: 'arguments', value: process.argv.slice(2), rule: message, hint: 'see tconv --help', message };
}
