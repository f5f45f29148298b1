// Builds the WebAssembly kernels (kernels/wasm, AssemblyScript) with the installed `assemblyscript` package.
// Runs at `npm ci` (prepare) and by hand: `node scripts/build-wasm.mjs`. The .wasm files ship in the package.
// Outputs (gitignored):
//   build/wasm/tconv-shared.wasm, tconv-single.wasm   the module for a shared / plain imported env.memory (SIMD128)
//   build/check/tconv-check.wasm                      test only, not shipped (package.json ships build/wasm/*.wasm):
//                                                     every tile alone (kernels/wasm/check.ts, test/wasm/ukernels.test.ts)
// Node reads them from disk; browsers and bundlers fetch them by `new URL(…, import.meta.url)` (see runtime.ts).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'build', 'wasm');
mkdirSync(outDir, { recursive: true });
// The base64 module of earlier builds is gone: a stale copy must not be picked up.
rmSync(join(outDir, 'tconv-wasm.mjs'), { force: true });
rmSync(join(outDir, 'tconv-wasm.d.mts'), { force: true });

// Two variants of the same source: `shared` imports a shared memory (threads); `single` a plain one, for
// browsers that are not cross-origin isolated (no SharedArrayBuffer). Atomics on unshared memory are valid.
async function build(name, entry, memoryFlags, dir = outDir) {
  mkdirSync(dir, { recursive: true });
  const outFile = join(dir, `tconv-${name}.wasm`);
  const stderr = { text: '', write(s) { this.text += s; } };
  const { error } = await asc.main([
    join(root, 'kernels', 'wasm', entry),
    '--outFile', outFile,
    '-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--noExportMemory',
    '--enable', 'simd,threads',
    '--importMemory', '--initialMemory', '32', ...memoryFlags,
  ], { stderr, stdout: stderr });
  if (error) {
    console.error(stderr.text);
    console.error(`build-wasm: ${error.message}`);
    process.exit(1);
  }
  return readFileSync(outFile);
}

const shared = await build('shared', 'index.ts', ['--sharedMemory', '--maximumMemory', '65536']);
const single = await build('single', 'index.ts', ['--maximumMemory', '65536']);
const check = await build('check', 'check.ts', ['--maximumMemory', '65536'], join(root, 'build', 'check'));
console.log(`build-wasm: build/wasm/tconv-{shared,single}.wasm, build/check/tconv-check.wasm (${shared.length}, ${single.length}, ${check.length} bytes)`);
