#!/usr/bin/env node
// The `tconv` command: the compiled CLI in dist/ (built by `npm run build`, which `npm ci` and `npm pack` run).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tconv: the CLI is not built (dist/cli/main.js is missing); run `npm run build` in the tconv checkout\n');
  process.exit(1);
}
await import(main.href);
