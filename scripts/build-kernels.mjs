// Runs at `npm ci` (the package's prepare step): builds the WebAssembly kernels (required) and the native addon
// (optional: where it cannot be built, installation still succeeds and the engine falls back to wasm).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

function run(script, required) {
  if (!existsSync(script)) return;
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) {
    if (required) process.exit(result.status ?? 1);
    console.warn(`tconv: ${script} failed; continuing without it`);
  }
}

run('scripts/build-wasm.mjs', true);
run('scripts/build-native.mjs', false);
