/**
 * The explorer is built with Vite: a plain TypeScript page, no framework. The library is imported from ../src
 * directly; the native addon (Node only) is left out, as the package's browser condition leaves it out.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Cross-origin isolation lets the engine use SharedArrayBuffer (WebAssembly threads) in the browser.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here('.'),
  resolve: {
    // The page imports the library's sources: resolve its own `#native-backend` import to the sources too (the
    // browser stub), not to a dist/ that a fresh checkout has not built.
    conditions: ['tconv-source', ...defaultClientConditions],
  },
  base: './',
  // build/site, not dist/: dist/ is what npm packs. The folder works from any static host: threads when the host
  // sends the isolation headers below, one thread otherwise (the page says which).
  build: { outDir: here('../build/site'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolation, fs: { allow: [here('..')] } },
  preview: { host: '127.0.0.1', headers: isolation },
});
