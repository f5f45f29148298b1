/**
 * The list of compute backends and the choice among them. 'auto' takes the first available of native, wasm,
 * reference (fastest first); naming one that is unknown or unavailable is a TconvError, never a silent fallback.
 *
 * Adding a backend: its module calls `registerBackend(backend)` (from ./registry.ts) at the top level, and one
 * import line for it goes below. Its availability() must not throw (report `available: false` and why instead).
 */
import { TconvError } from '../shape/errors.ts';
import type { Availability, Backend, BackendChoice, BackendName } from './backend.ts';
import { type ElementwiseKernels, jsElementwise } from './elementwise.ts';
import { registerBackend, registeredBackend } from './registry.ts';
import { referenceBackend } from './backends/reference.ts';
// Other backends register themselves when imported. The native one is '#native-backend' (package.json "imports"):
// the addon loader under Node, an empty module under the `browser` condition, so browser bundles never reach it.
import '#native-backend';
import './backends/wasm/index.ts';

registerBackend(referenceBackend);

/** Every backend name, in 'auto' preference order. */
export const BACKEND_NAMES: readonly BackendName[] = ['native', 'wasm', 'reference'];

export interface BackendStatus extends Availability {
  readonly name: BackendName;
  /** False when this build of tconv does not include the backend at all. */
  readonly installed: boolean;
}

/**
 * Every backend with whether it can run here and why (what `tconv doctor` shows).
 * @example
 * listBackends().find((b) => b.name === 'reference') // → { name: 'reference', installed: true, available: true, reason: '…' }
 */
export function listBackends(): BackendStatus[] {
  return BACKEND_NAMES.map((name) => {
    const backend = registeredBackend(name);
    if (!backend) return { name, installed: false, available: false, reason: notInBuild(name) };
    return { name, installed: true, ...safeAvailability(backend) };
  });
}

/**
 * @example
 * getBackend('auto').name   // → 'native', 'wasm' or 'reference', whichever comes first and runs here
 * getBackend('reference')   // → the float64 reference loops
 */
export function getBackend(name: BackendChoice = 'auto'): Backend {
  if (name === 'auto') {
    for (const candidate of BACKEND_NAMES) {
      const backend = registeredBackend(candidate);
      if (backend && safeAvailability(backend).available) return backend;
    }
    return referenceBackend;
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'backend', value: name,
      rule: `is not a backend (known: auto, ${BACKEND_NAMES.join(', ')})`,
      hint: 'use backend "auto" to pick the fastest available one',
    });
  }
  const backend = registeredBackend(name);
  const status = backend ? safeAvailability(backend) : { available: false, reason: notInBuild(name) };
  if (!backend || !status.available) {
    throw new TconvError({
      code: 'unsupported', parameter: 'backend', value: name,
      rule: `is not available here (${status.reason})`,
      hint: 'use backend "auto" or "reference", or see `tconv doctor`',
    });
  }
  return backend;
}

/**
 * The element-wise kernels of the backend `choice` names ('auto' resolved as getBackend resolves it), or the
 * JavaScript ones when it has none: what the ONNX executor's element-wise ops and fused steps run on, so they
 * compute the activations exactly as that backend's layer calls do.
 * @example
 * elementwiseKernels('reference').map({ kind: 'tanh' }, x, x) // → the float64 loops, rounded once
 */
export function elementwiseKernels(choice: BackendChoice = 'auto'): ElementwiseKernels {
  return getBackend(choice).elementwise ?? jsElementwise;
}

function notInBuild(name: BackendName): string {
  const base = `the ${name} backend is not part of this build`;
  // In a checkout, TypeScript run without the source condition loads dist/'s native backend, a separate copy.
  if (name === 'native' && import.meta.url.endsWith('.ts')) return `${base} (run the TypeScript sources with \`node --conditions=tconv-source --import tsx\`)`;
  return base;
}

function safeAvailability(backend: Backend): Availability {
  try {
    return backend.availability();
  } catch (error) {
    return { available: false, reason: `availability check failed: ${(error as Error).message}` };
  }
}
