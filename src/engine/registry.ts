/**
 * Where backends register themselves. Kept apart from select.ts so a backend module can import it without an
 * import cycle (select.ts imports the backend modules for their side effect).
 */
import type { Backend, BackendName } from './backend.ts';

const backends = new Map<BackendName, Backend>();

/** Called once at the top level of each backend module. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function registeredBackend(name: BackendName): Backend | undefined {
  return backends.get(name);
}
