/**
 * Finds and loads the native addon (kernels/native, built by scripts/build-native.mjs at `npm ci`). Never throws:
 * when the file is missing or cannot be loaded (no compiler at install time, another OS or CPU), the reason is
 * kept for availability() and `tconv doctor`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The functions kernels/native/src/addon.cc exports. */
export interface NativeAddon {
  capabilities(): { kernelSets: string[]; hardwareThreads: number; compiler: string; sanitized: boolean };
  prepare(header: Int32Array, weight: Float32Array, kernelSet: string, layout?: NativeLayoutName): NativeHandle;
  describe(handle: NativeHandle): NativeLayout;
  /** GFLOP/s of a register-only FMA loop on the calling thread, median of ~1 ms pieces over `seconds` of CPU time; 0 without FMA. */
  fmaPeak(kernelSet: string, seconds: number): number;
  run(handle: NativeHandle, header: Int32Array, input: Float32Array, bias: Float32Array | null, output: Float32Array, threads: number): void;
  /** Frees the handle's packed weights now (a released handle is refused by run and describe). */
  release(handle: NativeHandle): void;
  /** prepare + run + free in one call: nothing outlives it. */
  runOnce(
    header: Int32Array, weight: Float32Array, kernelSet: string, layout: NativeLayoutName | undefined,
    input: Float32Array, bias: Float32Array | null, output: Float32Array, threads: number,
  ): void;
  /** True when both arrays hold the same bits (memcmp). */
  sameBits(a: Float32Array, b: Float32Array): boolean;
}

/** Column layouts of the kernels (kernels/native/src/engine.cc); normally the addon's cycle model picks one. */
export type NativeLayoutName = 'packed' | 'batch-minor' | 'direct' | 'depthwise'
  // Tests: the layout with four panels per task (weight chunks shared across panels) whatever the weight size.
  | 'packed+group' | 'batch-minor+group' | 'direct+group';

/** Opaque: packed weights and the chosen tiling, owned by the addon (freed by release(), else when garbage-collected). */
export interface NativeHandle {
  readonly __nativeHandle: unique symbol;
}

export interface NativeLayout {
  readonly kernelSet: string;
  readonly mr: number;
  readonly nr: number;
  readonly batchMinor: boolean;
  readonly direct: boolean;
  readonly depthwise: boolean;
  readonly panelsPerTask: number;
  readonly tasks: number;
  readonly phaseCombinations: number;
  readonly packedWeightBytes: number;
  readonly estimatedCycles: number;
  /** One-thread seconds on zero inputs when the addon measured its candidate layouts, else 0. */
  readonly measuredSeconds: number;
}

export type AddonStatus = { readonly addon: NativeAddon; readonly path: string } | { readonly addon: null; readonly path: string; readonly reason: string };

/** Default build output; TCONV_NATIVE_ADDON points elsewhere (the sanitizer build uses it). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../../../kernels/native/build/Release/tconv_native.node', import.meta.url));

let cached: AddonStatus | undefined;

/**
 * @example
 * const status = loadAddon();
 * status.addon ? status.addon.capabilities().kernelSets : status.reason
 */
export function loadAddon(): AddonStatus {
  if (cached) return cached;
  const path = process.env.TCONV_NATIVE_ADDON || DEFAULT_ADDON_PATH;
  cached = load(path);
  return cached;
}

function load(path: string): AddonStatus {
  if (typeof process === 'undefined' || !process.versions?.node) {
    return { addon: null, path, reason: 'not running in Node.js' };
  }
  if (!existsSync(path)) {
    return { addon: null, path, reason: `the addon is not built (${path} is missing; run \`node scripts/build-native.mjs\`, which needs g++ and node-gyp)` };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.run !== 'function' || typeof addon.prepare !== 'function' || typeof addon.runOnce !== 'function') {
      return { addon: null, path, reason: `${path} is not the tconv addon, or an older build of it (no prepare/run/runOnce: rebuild with \`node scripts/build-native.mjs\`)` };
    }
    return { addon, path };
  } catch (error) {
    return { addon: null, path, reason: `the addon failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
}
