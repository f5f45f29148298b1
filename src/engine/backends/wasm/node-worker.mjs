// The wasm worker under Node's worker_threads: the same loop as worker.mjs, with the setup from workerData.
import { workerData } from 'node:worker_threads';
import { start } from './worker.mjs';

start(workerData);
