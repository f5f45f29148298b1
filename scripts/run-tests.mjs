// Runs every test file under test/ with Node's built-in runner, TypeScript through tsx.
// Node 20's --test does not expand globs or pick up .ts files itself, so we list them here. --conditions=tconv-source
// resolves package.json "imports" to src/ (the sources under test), not to the built dist/.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...collect(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : collect('test');
const result = spawnSync(process.execPath, ['--conditions=tconv-source', '--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
