// Builds the native addon (kernels/native → kernels/native/build/Release/tconv_native.node). It is the package's
// install script (`--optional`), run when tconv is installed (and at `npm ci` in the checkout): there a failed or
// impossible build never fails the install — the reason goes to kernels/native/build/status.txt, which `tconv doctor`
// shows, and the engine uses wasm. `tconv build-native` runs it again by hand.
// Nothing is downloaded: node-gyp (bundled with npm) is pointed at the headers of the Node that runs this script.
//
//   node scripts/build-native.mjs                 node-gyp build (falls back to plain g++ if node-gyp is missing)
//   node scripts/build-native.mjs --optional      the same, but exit 0 on failure after writing the reason down
//   node scripts/build-native.mjs --direct        plain g++, no node-gyp
//   node scripts/build-native.mjs --sanitize      plain g++ with -fsanitize=address,undefined into build/Sanitize/
//   TCONV_SKIP_NATIVE=1                           skip (exit 0)
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'kernels/native');
const args = new Set(process.argv.slice(2));
const statusFile = join(addonDir, 'build/status.txt');

/** Ends the build without an addon: the reason is kept for `tconv doctor`; only a required build fails. */
function giveUp(reason) {
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${reason}\n`);
  console.warn(`tconv: native addon not built (${reason}); the engine will use wasm`);
  process.exit(args.has('--optional') ? 0 : 1);
}

if (process.env.TCONV_SKIP_NATIVE === '1') giveUp('TCONV_SKIP_NATIVE=1 was set');
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  giveUp(`the native addon is built on Linux and macOS only (this is ${process.platform})`);
}

/** Node's own headers: <prefix>/include/node, next to the running node binary. */
function nodePrefix() {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include/node/node_api.h'))) return prefix;
  throw new Error(`Node headers not found under ${prefix}/include/node (install the Node development headers)`);
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
  ].filter(Boolean);
  return candidates.find((path) => existsSync(path));
}

function run(command, commandArgs, options = {}) {
  console.log(`tconv: ${[command, ...commandArgs].join(' ')}`);
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: addonDir, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}

/** Plain g++ with the same sources and defines as binding.gyp (one list, read from there). */
function buildDirect(sanitize) {
  const gyp = JSON.parse(readFileSync(join(addonDir, 'binding.gyp'), 'utf8')).targets[0];
  // include_dir is relative to the current directory.
  const addonApi = resolve(createRequire(join(root, 'package.json'))('node-addon-api').include_dir);
  const outDir = join(addonDir, sanitize ? 'build/Sanitize' : 'build/Release');
  mkdirSync(outDir, { recursive: true });
  const flags = sanitize
    ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined']
    : ['-O3'];
  run('g++', [
    '-std=c++17', '-shared', '-fPIC', '-fexceptions', '-Wall', ...flags,
    `-I${join(nodePrefix(), 'include/node')}`, `-I${addonApi}`, ...gyp.defines.map((d) => `-D${d}`),
    ...gyp.sources, '-o', join(outDir, 'tconv_native.node'), '-lpthread',
  ]);
}

try {
  if (args.has('--sanitize')) buildDirect(true);
  else if (args.has('--direct')) buildDirect(false);
  else {
    const nodeGyp = findNodeGyp();
    if (nodeGyp) run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodePrefix()}`, '--jobs=2']);
    else {
      console.log('tconv: node-gyp not found; building with g++ directly');
      buildDirect(false);
    }
  }
  rmSync(statusFile, { force: true });
  console.log('tconv: native addon built');
} catch (error) {
  giveUp(error.message);
}
