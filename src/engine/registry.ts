/**
 * Where backends register themselves. Kept apart from select.ts so a backend module can import it without an
 * import cycle (select.ts imports the backend modules for their side effect).
 */
import type { Backend, BackendName } from './backend.ts';
import type { NativeAddon } from './backends/native/addon.ts';

const backends = new Map<BackendName, Backend>();

/** Called once at the top level of each backend module. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function registeredBackend(name: BackendName): Backend | undefined {
  return backends.get(name);
}

let addonSource: (() => NativeAddon | null) | undefined;

/**
 * The native addon itself, for its calls beyond the Backend contract (the layers' weight comparison, training's ∂W
 * kernel): registered by the native backend module, not imported, so browser bundles never reach it.
 */
export function registerNativeAddon(source: () => NativeAddon | null): void {
  addonSource = source;
}

/** The loaded native addon, or null (not built, not registered, or not running in Node.js). */
export function nativeAddon(): NativeAddon | null {
  return addonSource?.() ?? null;
}

/**
 * The addon's bit-for-bit comparison of two weight arrays (its memcmp, ~10x faster than comparing in JavaScript),
 * which layers use before each forward; undefined without the addon (callers then compare in JavaScript).
 */
export function fastSameBits(): ((a: Float32Array, b: Float32Array) => boolean) | undefined {
  return nativeAddon()?.sameBits;
}
