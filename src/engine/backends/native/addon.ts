/**
 * Finds and loads the native addon (kernels/native, built from source by scripts/build-native.mjs when the package is
 * installed). Never throws: when the file is missing or cannot be loaded (no compiler at install time, npm did not
 * run the install script, another OS or CPU), the reason is kept for availability() and `tconv doctor`.
 * Node's built-ins are reached through process.getBuiltinModule, so a bundle for browsers that still includes this
 * module imports no `node:` specifier (the package's `browser` field swaps it out anyway).
 */

/** The functions kernels/native/src/addon.cc exports. */
export interface NativeAddon {
  capabilities(): { kernelSets: string[]; hardwareThreads: number; compiler: string; sanitized: boolean };
  prepare(header: Int32Array, weight: Float32Array, kernelSet: string, layout?: NativeLayoutName): NativeHandle;
  describe(handle: NativeHandle): NativeLayout;
  /** GFLOP/s of a register-only FMA loop on the calling thread, median of ~1 ms pieces over `seconds` of CPU time; 0 without FMA. */
  fmaPeak(kernelSet: string, seconds: number): number;
  /** `activation` as ACTIVATION_CODES (0 none … 5 silu; `alpha` the leaky slope), applied after the bias. */
  run(handle: NativeHandle, header: Int32Array, input: Float32Array, bias: Float32Array | null, output: Float32Array, threads: number, activation?: number, alpha?: number): void;
  /** Frees the handle's packed weights now (a released handle is refused by run and describe). */
  release(handle: NativeHandle): void;
  /** prepare + run + free in one call: nothing outlives it. */
  runOnce(
    header: Int32Array, weight: Float32Array, kernelSet: string, layout: NativeLayoutName | undefined,
    input: Float32Array, bias: Float32Array | null, output: Float32Array, threads: number, activation?: number, alpha?: number,
  ): void;
  /** out[i] = f(x[i]) with the element-wise kernels of `kernelSet` (kernels/native/src/eltwise.h); out may be x. */
  eltwiseMap(kernelSet: string, activation: number, alpha: number, x: Float32Array, out: Float32Array): void;
  /** out[i] = f(a[i] + b[i]); out may be a or b. */
  eltwiseAdd(kernelSet: string, activation: number, alpha: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** PRelu over blocks of `inner` values, block k with slope[k % slope.length]; out may be x. */
  eltwisePrelu(kernelSet: string, x: Float32Array, slope: Float32Array, inner: number, out: Float32Array): void;
  /** Group normalisation (ElementwiseKernels.groupNorm), then the activation; out may be x. */
  eltwiseGroupNorm(
    kernelSet: string, x: Float32Array, blocks: number, blockSize: number, channels: number, inner: number, epsilon: number,
    scale: Float32Array | null, shift: Float32Array | null, activation: number, alpha: number, out: Float32Array,
  ): void;
  /** Softmax of each row of `length` values (ElementwiseKernels.softmax); out may be x. */
  eltwiseSoftmax(kernelSet: string, x: Float32Array, length: number, out: Float32Array): void;
  /** out[i] = a·x[i] + b, or x[i]/a + b when `divide` (ElementwiseKernels.affine); out may be x. */
  eltwiseAffine(kernelSet: string, x: Float32Array, a: number, b: number, divide: boolean, out: Float32Array): void;
  /** out (m×n) = a (m×k) · b (k×n), sums in float64 (ElementwiseKernels.matmul, a or b stored transposed); out apart from a and b. */
  eltwiseMatmul(kernelSet: string, a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean, out: Float32Array): void;
  /** Nearest ×2 in 2D over rows of `width` values (ElementwiseKernels.upsample2x); out apart from x. */
  eltwiseUpsample2x(kernelSet: string, x: Float32Array, width: number, out: Float32Array): void;
  /** MaxPool 2×2 of stride 2, windows inside the input (ElementwiseKernels.maxPool2x2); out apart from x. */
  eltwiseMaxPool2x2(kernelSet: string, x: Float32Array, planes: number, inRows: number, inWidth: number, outRows: number, outWidth: number, out: Float32Array): void;
  /** DepthToSpace CRD (ElementwiseKernels.depthToSpace); out apart from x. */
  eltwiseDepthToSpace(kernelSet: string, x: Float32Array, planes: number, h: number, w: number, b: number, out: Float32Array): void;
  /** True when both arrays hold the same bits (memcmp). */
  sameBits(a: Float32Array, b: Float32Array): boolean;
  /** The micro-kernel tester: runs every kernel of the set alone against a scalar loop (kernels/native/src/ukernel_check.h). */
  checkKernels(kernelSet: string, seed: number): NativeKernelCheck[];
  /** Floats of workspace weightGradient needs (kernels/native/src/backward_weight.h); shape as weightGradient's. */
  weightGradientWorkspace(shape: Int32Array, kernelSet: string, threads: number): number;
  /** Training's ∂W of a transposed-convolution plan (shape: batch, Cin, Cout, groups, then per axis of 3: in, out, kernel, stride, dilation, padBegin). */
  weightGradient(
    shape: Int32Array, kernelSet: string, x: Float32Array, gradOutput: Float32Array, gradWeight: Float32Array, workspace: Float32Array, threads: number,
  ): void;
}

/** One row of the micro-kernel tester: a kernel (named f32_<kind>_<mr>x<nr>__<set>) run alone at one row count. */
export interface NativeKernelCheck {
  readonly kernel: string;
  /** The tile; 0 for kernels without one (pack, store, depthwise row). */
  readonly mr: number;
  readonly nr: number;
  /** Rows run, 1…mr (the remainder tiles); 0 where it does not apply. */
  readonly rows: number;
  readonly cases: number;
  readonly failures: number;
  /** "" when every case gave the scalar loop's bits. */
  readonly firstFailure: string;
}

/** Column layouts of the kernels (kernels/native/src/layout.cc, chosen in autotune.cc); normally the addon's cycle model picks one. */
export type NativeLayoutName = 'packed' | 'batch-minor' | 'direct' | 'depthwise'
  // Convs strided along W: packed from the input copy split into its W phases (direct layouts of such convs read it too).
  | 'packed-split'
  // Few input channels, many output channels: vectors over 8 output channels, one output row per task (channel_vector.h).
  | 'channel-vector'
  // Kernel = stride convs (∂X of k2 s2 transposed convs): one GEMM over the input packed space-to-depth (space_to_depth.h).
  | 'space-to-depth'
  // Convs with 3×3 stride-1 or 4×4 stride-2 kernels (groups 1, dilation 1): the Winograd layout (kernels/native/src/winograd.h),
  // which the addon otherwise chooses by a rule from the shape.
  | 'winograd'
  // Tests: the layout with four panels per task (weight chunks shared across panels) whatever the weight size.
  | 'packed+group' | 'batch-minor+group' | 'direct+group' | 'packed-split+group';

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
  /** Vectors over 8 output channels, one output row per task (channel_vector.h); absent from an addon built before it. */
  readonly channelVector?: boolean;
  /** The channel-vector layout's output channels per vector: 8 (AVX2), 16 (AVX-512), 0 for other layouts; absent from older addons. */
  readonly channelVectorLanes?: number;
  /** Kernel = stride: one GEMM over the input packed space-to-depth (space_to_depth.h); absent from an addon built before it. */
  readonly spaceToDepth?: boolean;
  /** W stride s > 1: the layout reads an input copy whose rows are split into their s W phases; 1: the input as it is. */
  readonly splitStep: number;
  /**
   * A conv whose taps read one residue class of the input along some axis (stride and dilation share a factor g):
   * the layout is the reduced conv's (stride s/g, the fields above), run on a copy of every g-th input value
   * (kernels/native/src/subsample.h); absent from an addon built before it.
   */
  readonly subsampled?: boolean;
  /** Direct vectors span rows: 16 consecutive positions of a stride-1 (H, W) plane whose rows are narrower or not a multiple of 16. */
  readonly flatRows: boolean;
  /** Stride-1 direct layout reading an input copy whose channel planes (4 KiB multiples) are padded off L1's set stride. */
  readonly padPlanes: boolean;
  /** The Winograd layout's name ("winograd F(2x2,3x3)", "winograd F(3x3,2x2) split"), or "" (absent from older addons). */
  readonly winograd?: string;
  readonly panelsPerTask: number;
  readonly tasks: number;
  readonly phaseCombinations: number;
  readonly packedWeightBytes: number;
  /** Bytes of the direct tap table prepare tabulated for a small direct layout (kernels/native/src/runners.h), else 0. */
  readonly tableBytes: number;
  readonly estimatedCycles: number;
  /** One-thread seconds on zero inputs when the addon measured its candidate layouts, else 0. */
  readonly measuredSeconds: number;
  /**
   * The most threads a call of this layer takes (one per task, one extra per 150k estimated cycles: schedule.cc
   * threadsFor); absent from an addon built before it.
   */
  readonly maxThreads?: number;
}

export type AddonStatus = { readonly addon: NativeAddon; readonly path: string } | { readonly addon: null; readonly path: string; readonly reason: string };

interface NodeBuiltins {
  readonly fs: { existsSync(path: string): boolean; readFileSync(path: string, encoding: 'utf8'): string };
  readonly module: { createRequire(from: string): (id: string) => unknown };
  readonly url: { fileURLToPath(url: URL): string };
}

function nodeBuiltins(): NodeBuiltins | null {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) return null;
  return { fs: get('node:fs') as NodeBuiltins['fs'], module: get('node:module') as NodeBuiltins['module'], url: get('node:url') as NodeBuiltins['url'] };
}

/** Where the build puts the addon, relative to this module (src/ and dist/ sit at the same depth). */
const ADDON_URL = '../../../../kernels/native/build/Release/tconv_native.node';
/** What scripts/build-native.mjs wrote when the install-time build failed or was skipped. */
const STATUS_URL = '../../../../kernels/native/build/status.txt';

/** Default build output; TCONV_NATIVE_ADDON points elsewhere (the sanitizer build uses it). */
export function defaultAddonPath(): string {
  const node = nodeBuiltins();
  return node ? node.url.fileURLToPath(new URL(ADDON_URL, import.meta.url)) : ADDON_URL;
}

/**
 * The kernel set native calls use when none is named: TCONV_NATIVE_KERNELS when it is set (e.g. `avx2` on an AVX-512
 * CPU, to measure what an AVX2-only machine gets), else the best one this CPU supports; null when the variable names
 * a set this CPU lacks.
 * @example
 * defaultKernelSet(['avx512', 'avx2', 'scalar']) // → 'avx512', or 'avx2' with TCONV_NATIVE_KERNELS=avx2
 */
export function defaultKernelSet(supported: readonly string[]): string | null {
  const wanted = typeof process === 'undefined' ? undefined : process.env?.TCONV_NATIVE_KERNELS;
  if (!wanted) return supported[0] ?? null;
  return supported.includes(wanted) ? wanted : null;
}

let cached: AddonStatus | undefined;

/**
 * @example
 * const status = loadAddon();
 * status.addon ? status.addon.capabilities().kernelSets : status.reason
 */
export function loadAddon(): AddonStatus {
  if (cached) return cached;
  const node = nodeBuiltins();
  if (!node || typeof process === 'undefined' || !process.versions?.node) {
    cached = { addon: null, path: ADDON_URL, reason: 'not running in Node.js' };
    return cached;
  }
  cached = load(node, process.env.TCONV_NATIVE_ADDON || defaultAddonPath());
  return cached;
}

function notBuiltReason(node: NodeBuiltins, path: string): string {
  const statusPath = node.url.fileURLToPath(new URL(STATUS_URL, import.meta.url));
  const status = node.fs.existsSync(statusPath) ? node.fs.readFileSync(statusPath, 'utf8').trim() : '';
  const build = 'build it with `npx tconv build-native` (needs g++, make, python3 and the Node headers)';
  if (status) return `the addon was not built at install time (${status}); ${build}`;
  // No status file: the install script never ran. npm ≥ 11 runs a dependency's install script only when allowed.
  return `the addon is not built (${path} is missing; npm ≥ 11 skips dependency install scripts unless allowed: ` +
    `\`npm install-scripts approve tconv && npm rebuild tconv\`, or ${build})`;
}

function load(node: NodeBuiltins, path: string): AddonStatus {
  if (!node.fs.existsSync(path)) return { addon: null, path, reason: notBuiltReason(node, path) };
  try {
    const addon = node.module.createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.run !== 'function' || typeof addon.prepare !== 'function' || typeof addon.runOnce !== 'function') {
      return { addon: null, path, reason: `${path} is not the tconv addon, or an older build of it (no prepare/run/runOnce: rebuild with \`npx tconv build-native\`)` };
    }
    return { addon, path };
  } catch (error) {
    return { addon: null, path, reason: `the addon failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
}
