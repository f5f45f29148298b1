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

type SameBits = (a: Float32Array, b: Float32Array) => boolean;
let sameBitsSource: (() => SameBits | undefined) | undefined;

/**
 * A backend may offer a fast bit-for-bit comparison of two weight arrays (the native addon's memcmp), which layers
 * use before each forward. Registered here, not imported, so browser bundles never reach the native module.
 */
export function registerSameBits(source: () => SameBits | undefined): void {
  sameBitsSource = source;
}

/** The registered fast comparison, or undefined (callers then compare in JavaScript). */
export function fastSameBits(): SameBits | undefined {
  return sameBitsSource?.();
}

let addonSource: (() => NativeAddon | null) | undefined;

/**
 * The native addon itself, for its calls beyond the Backend contract (training's ∂W kernel, src/train): registered
 * by the native backend module, like registerSameBits, so browser bundles never reach it.
 */
export function registerNativeAddon(source: () => NativeAddon | null): void {
  addonSource = source;
}

/** The loaded native addon, or null (not built, not registered, or not running in Node.js). */
export function nativeAddon(): NativeAddon | null {
  return addonSource?.() ?? null;
}
