/**
 * tconv as users install it: `npm pack` (which builds dist/), then the tarball installed into a fresh project —
 * offline from npm's cache where it can be — and used from plain Node (ESM and require), from strict TypeScript under
 * both module resolutions, and from a Vite page in Chromium; publint and arethetypeswrong read the package too.
 * Slow (a pack, an install that builds the native addon, a Vite build), so every check shares one install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromiumSkip, launchChromium } from '../helpers/chromium.ts';

const root = resolve(import.meta.dirname, '../..');
/** A tool of the checkout's own devDependencies, by the file its package.json names as its bin. */
const bin = (pkg: string, path: string): string => join(root, 'node_modules', pkg, path);

let work = '';
let project = '';
let tarball = '';

/** Runs a command to completion; fails the test with its output when it does not exit 0. */
function run(command: string, args: readonly string[], cwd: string, timeout = 300_000): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output.slice(-4000)}`);
  return result.stdout;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'tconv-consumers-'));
  // prepack's build prints before npm's JSON.
  const output = run('npm', ['pack', '--json', '--pack-destination', work], root);
  const packed = JSON.parse(output.slice(output.search(/^\[/m))) as { filename: string }[];
  tarball = join(work, packed[0]!.filename);
  project = join(work, 'consumer');
  mkdirSync(project);
  // npm ≥ 11 runs a dependency's install script only when the project allows it: this is how a user opts in to the
  // native addon's build from source.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { tconv: true } }));
  const typesNode = (JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], project, 600_000);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the build, the kernels and the addon sources, and no tests or tooling', () => {
  const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const files = listing.map((f) => f.replace(/^package\//, ''));
  for (const expected of ['dist/api/index.js', 'dist/api/index.d.ts', 'dist/engine/backends/wasm/worker.mjs', 'build/wasm/tconv-single.wasm',
    'build/wasm/tconv-shared.wasm', 'kernels/native/binding.gyp', 'kernels/native/src/addon.cc', 'scripts/build-native.mjs', 'bin/tconv.mjs']) {
    assert.ok(files.includes(expected), `${expected} is in the tarball`);
  }
  const unwanted = files.filter((f) => /^(test|bench|web|src|\.ci|docs)\//.test(f) || f.endsWith('.test.js'));
  assert.deepEqual(unwanted, []);
});

test('Node ESM: the native and wasm backends load from the installed package and agree', () => {
  writeFileSync(join(project, 'esm.mjs'), `
import { convTranspose, getBackend, listBackends, tensor } from 'tconv';
const x = tensor([2, 4, 7, 5], Float32Array.from({ length: 280 }, (_, i) => Math.sin(i * 0.7)));
const w = tensor([4, 3, 3, 4], Float32Array.from({ length: 144 }, (_, i) => Math.cos(i * 1.3)));
const options = { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] };
const runs = ['native', 'wasm', 'reference'].map((backend) => convTranspose(x, w, null, { ...options, backend }));
const worst = (a, b) => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
console.log(JSON.stringify({ auto: getBackend('auto').name, shape: runs[0].shape, available: listBackends().filter((b) => b.available).map((b) => b.name),
  nativeVsReference: worst(runs[0], runs[2]), wasmVsReference: worst(runs[1], runs[2]) }));
`);
  const report = JSON.parse(run(process.execPath, ['esm.mjs'], project)) as Record<string, unknown>;
  assert.deepEqual(report.available, ['native', 'wasm', 'reference'], 'the addon was built at install and the wasm kernels ship');
  assert.equal(report.auto, 'native');
  assert.deepEqual(report.shape, [2, 3, 14, 18]);
  assert.ok((report.nativeVsReference as number) < 1e-4 && (report.wasmVsReference as number) < 1e-4, JSON.stringify(report));
});

test('require(\'tconv\') and its subpaths from CommonJS', () => {
  writeFileSync(join(project, 'cjs.cjs'), `
const tconv = require('tconv');
const { solve } = require('tconv/shape');
console.log(JSON.stringify({ shape: tconv.planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }).outputShape,
  solve: typeof solve, error: typeof tconv.TconvError }));
`);
  assert.deepEqual(JSON.parse(run(process.execPath, ['cjs.cjs'], project)), { shape: [1, 1, 63, 63], solve: 'function', error: 'function' });
});

test('the installed bin answers, and tconv doctor reports the backends', () => {
  const tconv = join(project, 'node_modules/.bin/tconv');
  assert.match(run(tconv, ['explain', '--input', '32', '--kernel', '7', '--stride', '2', '--padding', '3'], project), /Output: 63×63/);
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(run(tconv, ['--version'], project).trim(), version);
  assert.match(run(tconv, ['doctor'], project), /backend "auto" uses: native/);
});

test('strict TypeScript consumers (nodenext and bundler resolution, skipLibCheck off) compile with no error', () => {
  writeFileSync(join(project, 'use.ts'), `
import { TconvError, convTranspose, getBackend, initWasm, planLayer, tensor, type Tensor } from 'tconv';
import { explainLayer } from 'tconv/analysis';
import { lintModel, readModel } from 'tconv/onnx';
import { overlapHeatmapSvg } from 'tconv/render';
import { solve, translate } from 'tconv/shape';
const x: Tensor = tensor([1, 1, 4, 4], new Float32Array(16));
const y: Tensor = convTranspose(x, tensor([1, 1, 3, 3], new Float32Array(9)), null, { stride: 2, backend: 'auto' });
const size: readonly number[] = planLayer({ kind: 'convTranspose', input: 32, kernel: 4, stride: 2, padding: 1 }).outputShape;
export const used = [y, size, explainLayer, lintModel, readModel, overlapHeatmapSvg, solve, translate, TconvError, getBackend, initWasm];
`);
  writeFileSync(join(project, 'node.ts'), `
import { readTensorFile, runConformanceFile, measureFmaPeak } from 'tconv/node';
export const used = [readTensorFile, runConformanceFile, measureFmaPeak];
`);
  const strict = { target: 'ES2022', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true };
  writeFileSync(join(project, 'tsconfig.nodenext.json'), JSON.stringify({
    compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] }, files: ['use.ts', 'node.ts'],
  }));
  // A browser app: no Node types at all, so nothing the page imports may need them.
  writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify({
    compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] }, files: ['use.ts'],
  }));
  const tsc = bin('typescript', 'bin/tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], project);
  run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], project);
});

test('publint --strict and arethetypeswrong find nothing in the tarball', () => {
  assert.match(run(process.execPath, [bin('publint', 'src/cli.js'), '--strict', tarball], root), /All good/);
  // ESM only: require('tconv') works through Node's require(esm) (≥ 20.19, tested above), so the CommonJS and
  // node10 resolutions are out of scope — the esm-only profile.
  run(process.execPath, [bin('@arethetypeswrong/cli', 'dist/index.js'), tarball, '--profile', 'esm-only'], root);
});

/** A static file server like any plain host: with or without the headers that make a page cross-origin isolated. */
function serve(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((request, response) => {
    const path = join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'));
    if (!path.startsWith(dir)) return void response.writeHead(403).end();
    try {
      const body = readFileSync(path);
      const headers: Record<string, string> = { 'content-type': types[extname(path)] ?? 'application/octet-stream' };
      if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      response.writeHead(200, headers).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    done({ server, url: `http://127.0.0.1:${address.port}/` });
  }));
}

test('a Vite page with no tconv configuration builds and computes on the wasm backend in Chromium', { skip: chromiumSkip() }, async () => {
  const page = join(project, 'page');
  mkdirSync(page, { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><meta charset="utf-8"><title>tconv</title><pre id="out"></pre><script type="module" src="./main.js"></script>');
  // The same computation on the page's thread and in a Web Worker (the only place threads are possible).
  const compute = `
import { convTranspose, initWasm, listBackends, tensor } from 'tconv';
export async function compute() {
  await initWasm();
  const x = tensor([1, 32, 20, 20], Float32Array.from({ length: 12800 }, (_, i) => Math.sin(i * 0.37)));
  const w = tensor([32, 32, 4, 4], Float32Array.from({ length: 16384 }, (_, i) => Math.cos(i * 0.11) / 16));
  const fast = convTranspose(x, w, null, { stride: 2, padding: 1, backend: 'wasm' });
  const ref = convTranspose(x, w, null, { stride: 2, padding: 1, backend: 'reference' });
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ref.data[i] - fast.data[i]));
  return { shape: fast.shape, worst, wasm: listBackends().find((b) => b.name === 'wasm').reason, backends: listBackends().map((b) => b.name + ':' + b.available) };
}`;
  writeFileSync(join(page, 'compute.js'), compute);
  writeFileSync(join(page, 'worker.js'), `import { compute } from './compute.js';\ncompute().then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));\n`);
  writeFileSync(join(page, 'main.js'), `
import { compute } from './compute.js';
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const inWorker = new Promise((done) => { worker.onmessage = (e) => done(e.data); });
window.report = Promise.all([compute().catch((e) => ({ error: String(e) })), inWorker]).then(([main, worker]) => ({ main, worker, isolated: crossOriginIsolated }));
`);
  run(process.execPath, [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn', '--outDir', 'out', '--emptyOutDir'], page);
  const out = join(page, 'out');
  assert.ok(readdirSync(join(out, 'assets')).some((f) => f.endsWith('.wasm')), 'Vite copied the kernels');
  const browser = await launchChromium();
  const servers: Server[] = [];
  try {
    for (const isolated of [true, false]) {
      const { server, url } = await serve(out, isolated);
      servers.push(server);
      const tab = await browser.newPage();
      await tab.goto(url);
      const report = (await tab.evaluate('window.report')) as Record<string, Record<string, unknown> & { error?: string }> & { isolated: boolean };
      assert.equal(report.isolated, isolated);
      for (const where of ['main', 'worker'] as const) {
        const r = report[where]!;
        assert.equal(r.error, undefined, `${where}: ${r.error}`);
        assert.deepEqual(r.shape, [1, 32, 40, 40]);
        assert.ok((r.worst as number) < 1e-4, `${where}: worst ${r.worst}`);
        assert.deepEqual(r.backends, ['native:false', 'wasm:true', 'reference:true']);
      }
      // Threads exactly where they are possible: a Web Worker of a cross-origin-isolated page.
      assert.match(report.worker!.wasm as string, isolated ? /worker threads/ : /one thread: the page is not cross-origin isolated/);
      assert.match(report.main!.wasm as string, isolated ? /one thread: this thread may not block/ : /one thread: the page is not cross-origin isolated/);
      await tab.close();
    }
  } finally {
    await browser.close();
    for (const server of servers) server.close();
  }
});
