/**
 * Loads the kernels once: compiles the module (synchronously in Node; browsers call `initWasm()` first), creates the
 * memory — shared where SharedArrayBuffer and blocking waits exist, plain otherwise (then calls run on one thread) —
 * and owns the heap and the thread pool (prepared weights keep their packings in it: src/engine/prepared-weights.ts).
 */
import { WasmHeap } from './heap.ts';
import { ThreadPool, canBlock } from './pool.ts';

export interface Runtime {
  readonly memory: WebAssembly.Memory;
  readonly heap: WasmHeap;
  readonly work: (header: number, tid: number) => number;
  /** Direct mode's single-threaded prologue: the W-padded input copy. */
  readonly padInput: (header: number) => void;
  /** Null when threads are impossible here (no shared memory, or this thread may not block). */
  readonly pool: ThreadPool | null;
}

interface Bytes {
  readonly shared: Uint8Array;
  readonly single: Uint8Array;
}

/**
 * Node reads the built .wasm files synchronously (no top-level await, so CommonJS hosts can load tconv too);
 * browsers and bundlers call initWasm(), which fetches them. Both name the files as `new URL('…', import.meta.url)`
 * literals, the form Vite, webpack and esbuild recognise and copy into a build with no configuration.
 */
let bytes: Bytes | null = null;
let loadError = '';

function readNodeBytes(): Bytes | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as { readFileSync(url: URL): Uint8Array } | undefined;
  if (!fs) return null;
  try {
    return {
      shared: fs.readFileSync(new URL('../../../../build/wasm/tconv-shared.wasm', import.meta.url)),
      single: fs.readFileSync(new URL('../../../../build/wasm/tconv-single.wasm', import.meta.url)),
    };
  } catch (error) {
    loadError = `the kernels are not built (run \`node scripts/build-wasm.mjs\`): ${(error as Error).message}`;
    return null;
  }
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the wasm kernels from ${url.href} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fetchModuleBytes(): Promise<Bytes> {
  const [shared, single] = await Promise.all([
    fetchBytes(new URL('../../../../build/wasm/tconv-shared.wasm', import.meta.url)),
    fetchBytes(new URL('../../../../build/wasm/tconv-single.wasm', import.meta.url)),
  ]);
  return { shared, single };
}

function moduleBytes(shared: boolean): Uint8Array {
  return shared ? bytes!.shared : bytes!.single;
}

let runtime: Runtime | null = null;

function threadsPossible(): boolean {
  return singleThreadReason() === '';
}

/**
 * Why the wasm backend runs on one thread here, or '' when it can use worker threads: threads need shared memory
 * (a cross-origin-isolated page in browsers) and a thread that may block (a Web Worker, not the page's own thread).
 * @example
 * singleThreadReason() // → '' in Node; 'the page is not cross-origin isolated (…)' on a plain static host
 */
export function singleThreadReason(): string {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp for threads)';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'this JavaScript engine offers no SharedArrayBuffer';
  if (!canBlock()) return 'this thread may not block (the page\'s main thread): run tconv in a Web Worker for threads';
  return '';
}

function create(module: WebAssembly.Module, shared: boolean): Runtime {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared } as WebAssembly.MemoryDescriptor);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const work = instance.exports.work as (header: number, tid: number) => number;
  const padInput = instance.exports.padInput as (header: number) => void;
  const heap = new WasmHeap(memory);
  return { memory, heap, work, padInput, pool: shared ? new ThreadPool(module, memory) : null };
}

/** Why the backend cannot run here, or '' when it can. */
export function unavailableReason(): string {
  // Asked on every engine call (backend choice): answered once, except while the bytes are still missing.
  if (reasonChecked) return '';
  if (typeof WebAssembly !== 'object') return 'this JavaScript engine has no WebAssembly';
  bytes ??= readNodeBytes();
  if (!bytes) return loadError || 'the kernels are not loaded yet (call initWasm() first in browsers)';
  if (!WebAssembly.validate(moduleBytes(false) as BufferSource)) return 'this engine lacks WebAssembly SIMD128';
  reasonChecked = true;
  return '';
}

let reasonChecked = false;

/** The runtime, created on first use (synchronous compile: fine in Node and in workers). */
export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const reason = unavailableReason();
  if (reason) throw new Error(reason);
  const shared = threadsPossible();
  const module = new WebAssembly.Module(moduleBytes(shared) as BufferSource);
  runtime = create(module, shared);
  return runtime;
}

/**
 * Compiles asynchronously (browsers forbid synchronous compiles of large modules on the page's thread).
 * @example
 * await initWasm(); convTranspose(x, w, b, { backend: 'wasm', stride: 2 })
 */
export async function initWasm(): Promise<void> {
  if (runtime) return;
  bytes ??= readNodeBytes() ?? (await fetchModuleBytes());
  const reason = unavailableReason();
  if (reason) throw new Error(reason);
  const shared = threadsPossible();
  const module = await WebAssembly.compile(moduleBytes(shared) as BufferSource);
  runtime ??= create(module, shared);
}
