/**
 * `npm start` serves the explorer and stops with whoever started it: a SIGTERM to npm (which npm does not pass on
 * through `sh -c`) must not leave the server running as an orphan.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm start serves the explorer, and SIGTERM to npm stops the server too', { timeout: 240_000 }, async () => {
  const npm = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  npm.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let server = 0;
  try {
    for (let waited = 0; waited < 200_000 && !/tconv explorer: (http:\S+)/.test(output); waited += 250) await sleep(250);
    const url = /tconv explorer: (http:\S+)/.exec(output)?.[1];
    assert.ok(url, `no URL printed:\n${output}`);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const found = spawnSync('pgrep', ['-f', 'node scripts/start.mjs'], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    server = found.find((pid) => pid > 0) ?? 0;
    assert.ok(server > 0, 'the server process is running');
    npm.kill('SIGTERM');
    for (let waited = 0; waited < 10_000 && alive(server); waited += 100) await sleep(100);
    assert.equal(alive(server), false, 'the explorer server exited with npm');
  } finally {
    npm.kill('SIGKILL');
    if (server && alive(server)) process.kill(server, 'SIGKILL');
  }
});
