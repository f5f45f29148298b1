/**
 * From tensor shapes to a plan: the channels, kernel and batch come from the input and weight shapes, the rest from
 * the layer options. Weight and bias shapes are checked here, before anything is allocated.
 */
import { TconvError, formatValue } from '../../shape/errors.ts';
import { type LayerKind, type LayerOptions, type PerAxis, checkInteger } from '../../shape/params.ts';
import { type Plan, planLayer } from '../../shape/plan.ts';
import type { BackendChoice } from '../backend.ts';
import type { Activation } from './activation.ts';

export interface EngineOptions {
  /** Which compute backend runs the layer (default 'auto': native, else wasm, else reference). */
  readonly backend?: BackendChoice;
  /** Worker threads for backends that use them. */
  readonly threads?: number;
  /** Refuse layers whose tensors would need more bytes than this (default 4 GiB). */
  readonly memoryLimitBytes?: number;
  /**
   * Write the result here instead of a new array: a Float32Array of exactly the output's size that shares no memory
   * with the input, weight or bias (whole-model callers reuse their buffers). The returned tensor's data is it.
   */
  readonly out?: Float32Array;
  /** Applied to the output after the bias, in the same call: `{ kind: 'relu' }` or `{ kind: 'leakyRelu', alpha }`. */
  readonly activation?: Activation;
}

/** Layer options for the engine: `kernel` may be left out (it is read from the weight shape). */
export type EngineLayerOptions = Omit<LayerOptions, 'kernel'> & { readonly kernel?: PerAxis } & EngineOptions & {
  /** Plan with a bias (default true); convTranspose/conv set it from the bias argument. */
  readonly bias?: boolean;
};

/**
 * Plans are readonly, so a layer called again with the same shapes and options reuses its plan: for the small
 * layers a call costs a few microseconds, and re-planning was most of it. Bounded; refused layers are not cached.
 * The key is exact (keyOf): JSON.stringify wrote NaN and ±Infinity as null, so after one valid call `stride: NaN`
 * found the default layer's plan. Values a key cannot spell exactly skip the cache and are planned (and refused).
 */
const PLAN_CACHE_SIZE = 256;
const planCache = new Map<string, Plan>();

/** One value of a key: integers and booleans as themselves, per-axis lists of integers, pads; else null. */
function keyPart(value: unknown): string | null {
  if (value === undefined) return 'u';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  if (Array.isArray(value)) {
    let out = '[';
    for (const v of value) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return null;
      out += `${v},`;
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 2) {
    const { begin, end } = value as { begin?: unknown; end?: unknown };
    const b = Array.isArray(begin) ? keyPart(begin) : null;
    const e = Array.isArray(end) ? keyPart(end) : null;
    return b !== null && e !== null ? `{${b}${e}}` : null;
  }
  return null;
}

/** The exact cache key of a call, or null when some value cannot be a key (then the call is planned uncached). */
function keyOf(kind: LayerKind, inputShape: readonly number[], weightShape: readonly number[], options: EngineLayerOptions): string | null {
  // memoryLimitBytes may be any positive number (Infinity too): spelled by String, which tells NaN apart; checked when planned.
  const limit = options.memoryLimitBytes;
  const limitPart = limit === undefined ? 'u' : typeof limit === 'number' && limit > 0 ? String(limit) : null;
  const parts = [inputShape, weightShape, options.kernel, options.stride, options.padding, options.outputPadding,
    options.dilation, options.groups, options.pads, options.bias].map(keyPart);
  if (limitPart === null || parts.includes(null)) return null;
  return `${kind}|${parts.join('|')}|${limitPart}`;
}

/**
 * @example
 * planFromTensors('convTranspose', [1, 16, 8, 8], [16, 8, 4, 4], { stride: 2, padding: 1 }).outputShape
 * // → [1, 8, 16, 16]
 */
export function planFromTensors(
  kind: LayerKind, inputShape: readonly number[], weightShape: readonly number[], options: EngineLayerOptions = {},
): Plan {
  const key = keyOf(kind, inputShape, weightShape, options);
  if (key === null) return planUncached(kind, inputShape, weightShape, options);
  const cached = planCache.get(key);
  if (cached) return cached;
  const plan = planUncached(kind, inputShape, weightShape, options);
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.clear();
  planCache.set(key, plan);
  return plan;
}

function planUncached(
  kind: LayerKind, inputShape: readonly number[], weightShape: readonly number[], options: EngineLayerOptions,
): Plan {
  const rank = inputShape.length - 2;
  if (rank < 1 || rank > 3) {
    throw new TconvError({
      code: 'invalid-rank', parameter: 'input.shape', value: [...inputShape],
      rule: `has ${inputShape.length} dimensions, but a layer takes N, C and 1 to 3 spatial sizes (3 to 5 dimensions)`,
      hint: 'reshape the input to NCW, NCHW or NCDHW',
    });
  }
  const transposed = kind === 'convTranspose';
  const layout = transposed ? '(Cin, Cout/groups, k…)' : '(Cout, Cin/groups, k…)';
  if (weightShape.length !== rank + 2) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'weight.shape', value: [...weightShape],
      rule: `has ${weightShape.length} dimensions, but a ${rank}D layer needs ${rank + 2}: ${layout}`,
      hint: `give the weight as ${layout} with ${rank} kernel sizes`,
    });
  }
  const groups = checkInteger('groups', options.groups ?? 1, 'positive', 'use groups = 1 for an ordinary layer');
  const inChannels = inputShape[1]!;
  const kernel = weightShape.slice(2);
  if (options.kernel !== undefined) {
    if (typeof options.kernel !== 'number' && !Array.isArray(options.kernel)) {
      throw new TconvError({
        code: 'invalid-value', parameter: 'kernel', value: options.kernel as unknown,
        rule: `must be a number or a list of ${rank} numbers (one per spatial axis)`,
        hint: 'leave kernel out (it is read from the weight) or give the weight\'s kernel sizes',
      });
    }
    const given = typeof options.kernel === 'number' ? new Array<number>(rank).fill(options.kernel) : [...options.kernel];
    if (given.length !== rank || given.some((k, a) => k !== kernel[a])) {
      throw new TconvError({
        code: 'weight-shape', parameter: 'kernel', value: options.kernel,
        rule: `does not match the weight's kernel sizes ${formatValue(kernel)} (weight shape ${formatValue([...weightShape])})`,
        hint: 'leave kernel out (it is read from the weight) or make them agree',
      });
    }
  }
  // The weight's channel dimension that must match the input's channels: dim 0 (transposed) or dim 1 × groups (conv).
  const weightInChannels = transposed ? weightShape[0]! : weightShape[1]! * groups;
  if (weightInChannels !== inChannels) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'weight.shape', value: [...weightShape],
      rule: transposed
        ? `starts with ${weightShape[0]} input channels, but the input has ${inChannels} (layout ${layout})`
        : `has ${weightShape[1]} input channels per group × ${groups} group(s) = ${weightInChannels}, but the input has ${inChannels} (layout ${layout})`,
      hint: transposed
        ? `use a weight of shape [${inChannels}, Cout/groups, ${kernel.join(', ')}]`
        : `use a weight of shape [Cout, ${Number.isInteger(inChannels / groups) ? inChannels / groups : 'Cin/groups'}, ${kernel.join(', ')}]`,
    });
  }
  const outChannels = transposed ? weightShape[1]! * groups : weightShape[0]!;
  return planLayer({
    kind,
    input: inputShape.slice(2),
    batch: inputShape[0],
    inChannels,
    outChannels,
    kernel,
    stride: options.stride,
    padding: options.padding,
    outputPadding: options.outputPadding,
    dilation: options.dilation,
    groups,
    pads: options.pads,
    bias: options.bias ?? true,
    memoryLimitBytes: options.memoryLimitBytes,
    rank: rank as 1 | 2 | 3,
  });
}

/** The bias must be one value per output channel. */
export function checkBias(plan: Plan, bias: { readonly shape: readonly number[] } | null | undefined): void {
  if (bias == null) return;
  if (bias.shape.length !== 1 || bias.shape[0] !== plan.outChannels) {
    throw new TconvError({
      code: 'weight-shape', parameter: 'bias.shape', value: [...bias.shape],
      rule: `must be [${plan.outChannels}], one value per output channel`,
      hint: `give a bias of shape [${plan.outChannels}], or null for no bias`,
    });
  }
}

/** What the ops take as a tensor: an object with a shape (list of sizes) and data (typed array or list). */
export function checkTensor(name: string, t: unknown): void {
  const candidate = t as { shape?: unknown; data?: { length?: unknown } } | null;
  if (candidate === null || typeof candidate !== 'object' || !Array.isArray(candidate.shape)
    || candidate.data == null || typeof candidate.data.length !== 'number') {
    throw new TconvError({
      code: 'invalid-value', parameter: name, value: t,
      rule: 'must be a tensor: an object with a shape (list of sizes) and data (Float32Array or list of numbers)',
      hint: 'build it with tensor(shape, data)',
    });
  }
}

/** Threads, where given: a whole number from 1 to 256 (the native pool's limit, kept for every backend). */
export function checkThreads(threads: unknown): void {
  if (threads === undefined) return;
  checkInteger('threads', threads, 'positive', 'use threads 1 or more, or leave it out to use every core');
  if ((threads as number) > 256) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'threads', value: threads, rule: 'must be at most 256',
      hint: 'use threads 256 or fewer, or leave it out to use every core',
    });
  }
}

/** A tensor's data must hold exactly one value per element of its shape. */
export function checkData(name: string, t: { readonly shape: readonly number[]; readonly data: ArrayLike<number> }): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== size) {
    throw new TconvError({
      code: 'invalid-value', parameter: `${name}.data`, value: `${t.data.length} values`,
      rule: `does not fit ${name}.shape ${formatValue([...t.shape])}, which needs ${size}`,
      hint: 'build tensors with tensor(shape, data) so the two agree',
    });
  }
}

/** Two views share memory when they are on one buffer and their byte ranges meet (empty views never do). */
function shareMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0
    && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * The caller's output buffer (EngineOptions.out), when given: a Float32Array of the output's size, apart from every
 * tensor the call reads (a kernel writing into its own input would read its results back).
 */
export function checkOut(out: unknown, plan: Plan, reads: Readonly<Record<'input' | 'weight' | 'bias', Float32Array | null>>): Float32Array | null {
  if (out === undefined) return null;
  const size = plan.outputShape.reduce((a, b) => a * b, 1);
  if (!(out instanceof Float32Array)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'out', value: out === null ? null : ArrayBuffer.isView(out) ? out.constructor.name : typeof out,
      rule: `must be a Float32Array of the output's ${size} values`,
      hint: `allocate it as new Float32Array(${size}), or leave out out to get a new array`,
    });
  }
  if (out.length !== size) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'out', value: `a Float32Array of ${out.length} values`,
      rule: `must hold exactly the output's ${size} values (output shape ${formatValue([...plan.outputShape])})`,
      hint: `allocate it as new Float32Array(${size})`,
    });
  }
  for (const name of ['input', 'weight', 'bias'] as const) {
    const read = reads[name];
    if (read && shareMemory(out, read)) {
      throw new TconvError({
        code: 'invalid-value', parameter: 'out', value: `a Float32Array sharing memory with the ${name}`,
        rule: `must not overlap the ${name}: the layer reads it while writing the output`,
        hint: 'give out a buffer of its own (in-place layers are not supported)',
      });
    }
  }
  return out;
}
