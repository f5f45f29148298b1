/**
 * The README's console examples are the real output: every `$ npx tconv …` block is run (from source) and compared
 * line by line. A line `…` in the README stands for any number of lines left out; `$ echo $?` checks the exit status
 * of the command before it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { type CliResult, runCli } from './run-cli.ts';

const root = resolve(import.meta.dirname, '../..');

interface Example {
  readonly command: string;
  readonly expected: string[];
}

/** `$ command` lines and the output under each, from every ```console block of a Markdown file. */
export function consoleExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const block of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    let current: { command: string; expected: string[] } | null = null;
    for (const line of block[1]!.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2).replace(/\s+#.*$/, '').trim(), expected: [] };
        examples.push(current);
      } else current?.expected.push(line);
    }
  }
  // A blank line between two examples of one block belongs to neither.
  for (const example of examples) while (example.expected.at(-1) === '') example.expected.pop();
  return examples;
}

/** Matches actual lines to expected ones, where an expected `…` skips any number of actual lines. */
function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const go = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length;
    if (expected[e] === '…') {
      for (let skip = a; skip <= actual.length; skip++) if (go(e + 1, skip)) return true;
      return false;
    }
    return a < actual.length && actual[a]!.trimEnd() === expected[e]!.trimEnd() && go(e + 1, a + 1);
  };
  return go(0, 0);
}

/** Splits a command line into words; the README's examples use no quoting. */
const words = (command: string): string[] => command.split(/\s+/).filter(Boolean);

test('every tconv example in the README prints what the README shows', () => {
  const examples = consoleExamples(readFileSync(resolve(root, 'README.md'), 'utf8'));
  const tconvExamples = examples.filter((e) => e.command.startsWith('npx tconv '));
  assert.ok(tconvExamples.length >= 5, `found ${tconvExamples.length} tconv examples`);
  let last: CliResult | null = null;
  for (const example of examples) {
    if (example.command === 'echo $?') {
      assert.ok(last, '`echo $?` follows a tconv command');
      assert.equal(String(last.status), example.expected.join('\n').trim());
      continue;
    }
    if (!example.command.startsWith('npx tconv ')) {
      last = null;
      continue;
    }
    // Paths in the README are relative to the checkout; the shared vectors sit beside it.
    const args = words(example.command).slice(2).map((w) => (w.startsWith('test/') ? resolve(root, w) : w.startsWith('../shared/') ? resolve(root, w) : w));
    last = runCli(...args);
    const actual = `${last.stdout}${last.stderr}`.replace(/\n$/, '').split('\n');
    assert.ok(matches(example.expected, actual), `\`${example.command}\` prints:\n${actual.join('\n')}\n\nThe README shows:\n${example.expected.join('\n')}`);
  }
});
