/**
 * Runs the `tconv` CLI as a subprocess (what users and scripts see: stdout, stderr, exit status), from the TypeScript
 * sources under test, so a test never reads a stale dist/. The built bin is checked by test/package/consumers.test.ts,
 * which installs the packed tarball.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Node arguments that start the CLI from source: tsx's loader, then src/cli/main.ts. */
export const CLI_FROM_SOURCE: readonly string[] = ['--conditions=tconv-source', '--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [...CLI_FROM_SOURCE, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parses stdout as JSON, failing with the whole output when it is not. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the fields of whatever JSON a command prints
export function jsonOf(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
