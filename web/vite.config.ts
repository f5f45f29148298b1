/**
 * The explorer is built with Vite: a plain TypeScript page, no framework. The library is imported from ../src
 * directly; the native addon (Node only) is left out as the package's browser condition leaves it out.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Cross-origin isolation lets the engine use SharedArrayBuffer (WebAssembly threads) in the browser.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here('.'),
  resolve: {
    // The engine imports '#native-backend' (package.json "imports"); a page gets the module that registers nothing.
    alias: [{ find: '#native-backend', replacement: here('../src/engine/backends/native/unavailable.ts') }],
  },
  base: './',
  build: { outDir: here('../build/site'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolation, fs: { allow: [here('..')] } },
  preview: { host: '127.0.0.1', headers: isolation },
});
