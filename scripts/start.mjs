// `npm start`: builds the explorer and serves it on 127.0.0.1, printing the URL (works offline). Ctrl-C or SIGTERM
// closes the server and exits, so `npm start` never leaves an orphan serving.
import { build, preview } from 'vite';

const configFile = new URL('../web/vite.config.ts', import.meta.url).pathname;
const port = Number(process.env.PORT ?? 5173);
console.log('tconv: building the explorer…');
await build({ configFile, logLevel: 'warn' });
const server = await preview({ configFile, preview: { port, host: '127.0.0.1', strictPort: false } });
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`tconv explorer: ${url}`);
console.log('Try the presets, or the CLI: npx tconv explain --input 32 --kernel 7 --stride 2 --padding 3');

function stop(why) {
  console.log(`tconv: ${why}, closing the explorer`);
  // close() waits for open connections; a browser's keep-alive socket must not keep the process alive.
  server.httpServer.closeAllConnections?.();
  server.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => stop(signal));
// `npm start` runs this under `sh -c`; a SIGTERM to npm ends npm and the shell but is not passed on to us, so a
// changed parent (we were re-parented) means whoever started us is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop('the process that started the explorer has ended');
}, 500).unref();
