/**
 * The native backend: SIMD micro-kernels (AVX-512, AVX2, portable) in a Node-API addon, with its own thread pool.
 * The plan crosses the boundary as one Int32Array (header.ts). Plain weights are packed, run and freed inside one
 * addon call (runOnce: nothing outlives it, so a synchronous loop holds no memory); prepared weights keep their
 * packed handle in their slot, released synchronously when evicted or disposed (docs/weights.md).
 */
import type { Plan } from '../../../shape/plan.ts';
import { type Availability, type Backend, type KernelArgs, availableCores } from '../../backend.ts';
import { type ElementwiseKernels, jsElementwise } from '../../elementwise.ts';
import { ACTIVATION_CODES, activate, alphaOf } from '../../ops/activation.ts';
import type { PackSlot } from '../../prepared-weights.ts';
import { registerBackend, registerNativeAddon } from '../../registry.ts';
import { ThreadChoices } from '../../thread-choice.ts';
import { type NativeAddon, type NativeHandle, type NativeLayout, type NativeLayoutName, defaultKernelSet, loadAddon } from './addon.ts';
import { nativeHeader } from './header.ts';

export type KernelSetName = 'avx512' | 'avx2' | 'scalar';

/** Headers by plan signature: the engine plans every call anew, and building a header costs more than this key. */
const bySignature = new Map<string, { header: Int32Array; key: string }>();
const MAX_SIGNATURES = 256;

/** Everything the header is a function of, as a short string (also part of the packed-weight slot key). */
function signatureOf(plan: Plan): string {
  let key = `${plan.kind}|${plan.batch}|${plan.inChannels}|${plan.outChannels}|${plan.groups}|${plan.bias ? 1 : 0}`;
  for (const a of plan.axes) key += `|${a.input},${a.kernel},${a.stride},${a.dilation},${a.padBegin},${a.padEnd}`;
  return key;
}

function headerOf(plan: Plan): { header: Int32Array; key: string } {
  const key = signatureOf(plan);
  let entry = bySignature.get(key);
  if (!entry) {
    entry = { header: nativeHeader(plan), key };
    if (bySignature.size >= MAX_SIGNATURES) bySignature.delete(bySignature.keys().next().value!);
    bySignature.set(key, entry);
  }
  return entry;
}

/** Whether the addon has the element-wise kernels (a build from before them lacks eltwiseMap and the rest). */
const hasElementwise = (addon: NativeAddon): boolean => typeof (addon as Partial<NativeAddon>).eltwiseMap === 'function';

export interface NativeBackendOptions {
  /** Force a kernel set (tests use this to cover every path); default: the best this CPU supports. */
  readonly kernelSet?: KernelSetName;
  /** Force a column layout where it applies (tests); default: the addon's cycle model chooses. */
  readonly layout?: NativeLayoutName;
}

/** The addon and its best kernel set, or why there is none. */
function resolve(kernelSet: KernelSetName | undefined): { addon: NativeAddon; kernelSet: string; reason: string } | { addon: null; reason: string } {
  const status = loadAddon();
  if (!status.addon) return { addon: null, reason: status.reason };
  let capabilities: ReturnType<NativeAddon['capabilities']>;
  try {
    capabilities = status.addon.capabilities();
  } catch (error) {
    return { addon: null, reason: `the addon at ${status.path} does not answer: ${(error as Error).message}` };
  }
  const chosen = kernelSet ?? defaultKernelSet(capabilities.kernelSets);
  if (!chosen || !capabilities.kernelSets.includes(chosen)) {
    const named = kernelSet ?? `${process.env.TCONV_NATIVE_KERNELS} (from TCONV_NATIVE_KERNELS; unset it or name one of those)`;
    return { addon: null, reason: `kernel set ${named} is not supported by this CPU (supported: ${capabilities.kernelSets.join(', ')})` };
  }
  const sanitized = capabilities.sanitized ? ', sanitizer build' : '';
  return {
    addon: status.addon, kernelSet: chosen,
    reason: `addon loaded from ${status.path}; ${chosen} kernels${!kernelSet && process.env.TCONV_NATIVE_KERNELS ? ' (TCONV_NATIVE_KERNELS)' : ''} (CPU supports ${capabilities.kernelSets.join(', ')}), ${capabilities.hardwareThreads} hardware threads, ${capabilities.compiler}${sanitized}`,
  };
}

export interface FmaPeak {
  readonly kernelSet: string;
  /** Single-thread GFLOP/s of independent FMAs with no memory traffic: what "% of peak" divides by. */
  readonly gflops: number;
}

/**
 * The core's FMA peak right now, with the best kernel set that has SIMD FMA; null without the addon or FMA. On a
 * shared machine the clock moves with the neighbours' load, so measure it in the same run as what it is compared to.
 * @example
 * measureFmaPeak(0.3) // → { kernelSet: 'avx512', gflops: 218.3 } on an AVX-512 machine
 */
export function measureFmaPeak(seconds = 0.3): FmaPeak | null {
  const status = loadAddon();
  if (!status.addon) return null;
  for (const kernelSet of status.addon.capabilities().kernelSets) {
    const gflops = status.addon.fmaPeak(kernelSet, seconds);
    if (gflops > 0) return { kernelSet, gflops };
  }
  return null;
}

/**
 * @example
 * const native = createNativeBackend({ kernelSet: 'avx2' });
 * native.availability().available // → true on an AVX2 machine with the addon built
 */
export function createNativeBackend(options: NativeBackendOptions = {}): Backend & { layout(plan: Plan, weight: Float32Array): NativeLayout } {
  let resolved: ReturnType<typeof resolve> | undefined;
  const state = () => (resolved ??= resolve(options.kernelSet));

  // The engine hands a repeated layer the same frozen Plan (plan caches): its header and slot key are found by
  // identity, without spelling the signature string (~3 µs of a small layer's call).
  const byPlan = new WeakMap<Plan, { header: Int32Array; slotKey: string }>();
  const callKeys = (kernelSet: string, plan: Plan): { header: Int32Array; slotKey: string } => {
    let entry = byPlan.get(plan);
    if (!entry) {
      const { header, key } = headerOf(plan);
      entry = { header, slotKey: `native|${kernelSet}|${options.layout ?? ''}|${key}` };
      byPlan.set(plan, entry);
    }
    return entry;
  };

  // The most threads each prepared handle's calls take (describe's maxThreads; 1 when the addon does not say), and
  // the measured thread choice of those that may take more than one (thread-choice.ts). A handle another backend
  // instance prepared (the same slot key) is described on its first call here.
  const maxThreads = new WeakMap<NativeHandle, number>();
  const maxThreadsOf = (addon: NativeAddon, handle: NativeHandle, layout?: NativeLayout): number => {
    let n = maxThreads.get(handle);
    if (n === undefined) {
      n = (layout ?? addon.describe(handle)).maxThreads ?? 1;
      maxThreads.set(handle, n);
    }
    return n;
  };
  const choices = new ThreadChoices<NativeHandle>();

  // Prepared weights only: their slot keeps the handle; `free` releases its packed weights at once.
  const kept = (addon: NativeAddon, kernelSet: string, plan: Plan, weight: Float32Array, packs: PackSlot): { handle: NativeHandle; header: Int32Array } => {
    const { header, slotKey } = callKeys(kernelSet, plan);
    let handle = packs.get(slotKey) as NativeHandle | undefined;
    if (!handle) {
      const fresh = addon.prepare(header, weight, kernelSet, options.layout);
      const layout = addon.describe(fresh);
      maxThreadsOf(addon, fresh, layout);
      // The handle holds its packed weights and, for small direct layouts, a tap table: both count against the bound
      // (an addon built before the table reports none). Winograd's transformed weights are 1.8× (3×3) or 4× (k4 s2)
      // the weights: the addon's own count.
      const packed = Math.max(4 * weight.length, layout.packedWeightBytes);
      packs.put(slotKey, fresh, packed + (layout.tableBytes ?? 0), () => addon.release(fresh));
      handle = fresh;
    }
    return { handle, header };
  };

  const run = (args: KernelArgs): void => {
    const s = state();
    if (!s.addon) throw new Error(`native backend unavailable: ${s.reason}`);
    const bias = args.plan.bias ? args.bias : null;
    const threads = args.threads ?? availableCores();
    // The activation crosses as two numbers, applied inside the addon call after the bias; without one the call
    // keeps its six (eight) arguments, which every build of the addon takes.
    // The activation crosses as two numbers and is applied inside the addon call by the element-wise kernels (an
    // addon built before them applies relu and leakyRelu only: the others then run in JavaScript after the call).
    const act = args.activation && (hasElementwise(s.addon) || args.activation.kind === 'relu' || args.activation.kind === 'leakyRelu') ? args.activation : null;
    if (args.packs) {
      const { handle, header } = kept(s.addon, s.kernelSet, args.plan, args.weight, args.packs);
      // A layer that would run on more than one thread runs on one or on those, whichever its measured calls favour.
      const usable = Math.min(threads, maxThreadsOf(s.addon, handle));
      const choice = usable > 1 ? choices.for(handle, usable) : null;
      const n = choice ? choice.next() : threads;
      const start = choice ? performance.now() : 0;
      if (act) s.addon.run(handle, header, args.input, bias, args.output, n, ACTIVATION_CODES[act.kind], alphaOf(act));
      else s.addon.run(handle, header, args.input, bias, args.output, n);
      choice?.record(n, performance.now() - start);
    } else {
      const header = callKeys(s.kernelSet, args.plan).header;
      if (act) s.addon.runOnce(header, args.weight, s.kernelSet, options.layout, args.input, bias, args.output, threads, ACTIVATION_CODES[act.kind], alphaOf(act));
      else s.addon.runOnce(header, args.weight, s.kernelSet, options.layout, args.input, bias, args.output, threads);
    }
    if (args.activation && !act) activate(args.output, args.output, args.activation);
  };

  const ready = (): { addon: NativeAddon; kernelSet: string } => {
    const s = state();
    if (!s.addon) throw new Error(`native backend unavailable: ${s.reason}`);
    return s;
  };
  // The kernel set's element-wise kernels (kernels/native/src/eltwise.h), the ones its layer calls' activation runs;
  // the JavaScript ones with an addon built before them (as its layer calls then apply tanh, sigmoid and silu).
  const elementwise: ElementwiseKernels = {
    map(f, x, out) {
      const s = ready();
      if (!hasElementwise(s.addon)) jsElementwise.map(f, x, out);
      else s.addon.eltwiseMap(s.kernelSet, ACTIVATION_CODES[f.kind], alphaOf(f), x, out);
    },
    add(a, b, out, f) {
      const s = ready();
      if (!hasElementwise(s.addon)) jsElementwise.add(a, b, out, f);
      else s.addon.eltwiseAdd(s.kernelSet, f ? ACTIVATION_CODES[f.kind] : 0, alphaOf(f), a, b, out);
    },
    preluChannels(x, slope, inner, out) {
      const s = ready();
      if (!hasElementwise(s.addon)) jsElementwise.preluChannels(x, slope, inner, out);
      else if (out.length > 0) s.addon.eltwisePrelu(s.kernelSet, x, slope, inner, out);
    },
    groupNorm(x, args, f, out) {
      const s = ready();
      if (!hasElementwise(s.addon)) {
        jsElementwise.groupNorm(x, args, f, out);
        return;
      }
      const { blocks, blockSize, channels, inner, epsilon, scale, shift } = args;
      s.addon.eltwiseGroupNorm(s.kernelSet, x, blocks, blockSize, channels, inner, epsilon, scale, shift, f ? ACTIVATION_CODES[f.kind] : 0, alphaOf(f), out);
    },
    softmax(x, length, out) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseSoftmax !== 'function') jsElementwise.softmax(x, length, out);
      else if (out.length > 0) s.addon.eltwiseSoftmax(s.kernelSet, x, length, out);
    },
    affine(x, a, b, divide, out) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseAffine !== 'function') jsElementwise.affine(x, a, b, divide, out);
      else s.addon.eltwiseAffine(s.kernelSet, x, a, b, divide, out);
    },
    matmul(a, b, m, k, n, out, transA = false, transB = false) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseMatmul !== 'function') jsElementwise.matmul(a, b, m, k, n, out, transA, transB);
      else s.addon.eltwiseMatmul(s.kernelSet, a, b, m, k, n, transA, transB, out);
    },
    upsample2x(x, width, out) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseUpsample2x !== 'function') jsElementwise.upsample2x(x, width, out);
      else s.addon.eltwiseUpsample2x(s.kernelSet, x, width, out);
    },
    maxPool2x2(x, planes, inRows, inWidth, outRows, outWidth, out) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseMaxPool2x2 !== 'function') jsElementwise.maxPool2x2(x, planes, inRows, inWidth, outRows, outWidth, out);
      else s.addon.eltwiseMaxPool2x2(s.kernelSet, x, planes, inRows, inWidth, outRows, outWidth, out);
    },
    depthToSpace(x, planes, h, w, b, out) {
      const s = ready();
      if (typeof (s.addon as Partial<NativeAddon>).eltwiseDepthToSpace !== 'function') jsElementwise.depthToSpace(x, planes, h, w, b, out);
      else s.addon.eltwiseDepthToSpace(s.kernelSet, x, planes, h, w, b, out);
    },
  };

  return {
    name: 'native',
    elementwise,
    availability(): Availability {
      const s = state();
      return { available: s.addon !== null, reason: s.reason };
    },
    convTranspose: run,
    conv: run,
    layout(plan: Plan, weight: Float32Array): NativeLayout {
      const s = state();
      if (!s.addon) throw new Error(`native backend unavailable: ${s.reason}`);
      const handle = s.addon.prepare(headerOf(plan).header, weight, s.kernelSet, options.layout);
      try {
        return s.addon.describe(handle);
      } finally {
        s.addon.release(handle);
      }
    },
  };
}

export const nativeBackend = createNativeBackend();
registerBackend(nativeBackend);
registerNativeAddon(() => loadAddon().addon);
