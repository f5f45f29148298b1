// `npm run build` (also the prepare and prepack steps): compiles src/ into dist/ — ESM JavaScript, declarations and
// source maps, one file per module — with the TypeScript compiler itself. tsc rather than a bundler: the package is
// a library of subpaths whose modules users import one by one (tree-shaking, `tconv/shape` without the engine), tsc
// already rewrites our `.ts` import paths, and it is the only tool that also writes the declarations.
// After tsc: the plain-JavaScript wasm worker is copied beside its loader, and declaration files get `.js` paths.
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build: tsc failed');
  process.exit(result.status ?? 1);
}

// Files tsc does not emit: plain JavaScript modules loaded by URL at run time.
for (const file of ['engine/backends/wasm/worker.mjs', 'engine/backends/wasm/node-worker.mjs']) copyFileSync(join(root, 'src', file), join(dist, file));

// tsc keeps `./x.ts` in the declarations it writes; consumers resolve declarations beside the `.js` files.
const tsPath = /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;
let declarations = 0;
function rewrite(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) rewrite(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(tsPath, (_, lead, quote, stem) => `${lead}${quote}${stem}.js${quote}`);
      if (fixed !== text) writeFileSync(path, fixed);
      declarations++;
    }
  }
}
rewrite(dist);
console.log(`build: dist/ written (${declarations} declaration files)`);
