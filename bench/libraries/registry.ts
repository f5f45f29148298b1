/**
 * Every library the bench can time, by name. The modules are imported only inside the child process that times
 * them, so one library's thread pool or WebAssembly memory never shares a process with another's.
 */
import type { BenchLibrary } from './library.ts';

export const LIBRARY_NAMES = ['reference', 'wasm', 'native', 'ort-node', 'ort-web', 'tfjs-wasm', 'tfjs-cpu'] as const;
export type LibraryName = (typeof LIBRARY_NAMES)[number];

export interface LibraryDescriptor {
  readonly name: LibraryName;
  /** tconv's own backends are compared with the best peer; peers are what they are compared with. */
  readonly role: 'tconv' | 'peer';
  /** Why the library runs on one thread only (then it is not run at other thread counts), or null. */
  readonly singleThreaded: string | null;
  /** Loads the library for one thread count (thread pools are configured once per process). */
  readonly load: (threads: number) => Promise<BenchLibrary>;
}

export const LIBRARIES: readonly LibraryDescriptor[] = [
  { name: 'reference', role: 'tconv', singleThreaded: 'the reference backend is single-threaded', load: async (t) => (await import('./tconv.ts')).tconvBackend('reference', t) },
  { name: 'wasm', role: 'tconv', singleThreaded: null, load: async (t) => (await import('./tconv.ts')).tconvBackend('wasm', t) },
  { name: 'native', role: 'tconv', singleThreaded: null, load: async (t) => (await import('./tconv.ts')).tconvBackend('native', t) },
  { name: 'ort-node', role: 'peer', singleThreaded: null, load: async (t) => (await import('./ort.ts')).ortNode(t) },
  { name: 'ort-web', role: 'peer', singleThreaded: null, load: async (t) => (await import('./ort.ts')).ortWeb(t) },
  { name: 'tfjs-wasm', role: 'peer', singleThreaded: 'tfjs-backend-wasm has no threads in Node', load: async () => (await import('./tfjs.ts')).tfjs('wasm') },
  { name: 'tfjs-cpu', role: 'peer', singleThreaded: 'tfjs-backend-cpu is single-threaded JavaScript', load: async () => (await import('./tfjs.ts')).tfjs('cpu') },
];

export function describeLibrary(name: LibraryName): LibraryDescriptor {
  const found = LIBRARIES.find((l) => l.name === name);
  if (!found) throw new Error(`unknown library ${name}`);
  return found;
}
