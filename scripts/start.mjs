// `npm start`: builds the explorer and serves it on 127.0.0.1, printing the URL (works offline).
import { build, preview } from 'vite';

const configFile = new URL('../web/vite.config.ts', import.meta.url).pathname;
const port = Number(process.env.PORT ?? 5173);
console.log('tconv: building the explorer…');
await build({ configFile, logLevel: 'warn' });
const server = await preview({ configFile, preview: { port, host: '127.0.0.1', strictPort: false } });
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`tconv explorer: ${url}`);
console.log('Try the presets, or the CLI: npx tconv explain --input 32 --kernel 7 --stride 2 --padding 3');
