// Start-up time of the built CLI against a bare Node (`node -e 0`), medians of alternating runs so both sides see the
// same machine load. A measurement, not a test: `node scripts/cli-startup.mjs [--runs 15]` (after `npm run build`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const bin = fileURLToPath(new URL('../bin/tconv.mjs', import.meta.url));
const commands = {
  'node -e 0': ['-e', '0'],
  'tconv --help': [bin, '--help'],
  'tconv explain …': [bin, 'explain', '--input', '32', '--kernel', '7', '--stride', '2', '--padding', '3'],
};

function once(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let r = 0; r < runs; r++) for (const [name, args] of Object.entries(commands)) times[name].push(once(args));
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const base = median(times['node -e 0']);
for (const [name, list] of Object.entries(times)) {
  console.log(`${name.padEnd(16)} ${median(list).toFixed(0).padStart(5)} ms  ${(median(list) / base).toFixed(2)}× node -e 0`);
}
