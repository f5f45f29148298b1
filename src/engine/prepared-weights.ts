/**
 * Packed weights that cannot be stale (docs/weights.md). The backends repack a layer's weights into their kernels'
 * layout; reusing a packing across calls is only right while the weights are unchanged, and a Float32Array cannot
 * say when it was written to. So:
 * - the plain functional call (convTranspose/conv with a weight tensor) packs on every call and keeps nothing;
 * - `prepareWeights(weight)` copies the weights into a handle the caller owns: its packings are reused across calls
 *   and can never be stale, because nothing outside the handle can write its copy (editing the original array
 *   afterwards has no effect on the handle; prepare again for new weights);
 * - the layer objects (layers.ts) keep such a handle and compare their weights with its copy before each forward.
 *
 * Every handle's packings live in ONE cache, bounded in bytes and in number (least recently used evicted first), freed at once
 * by `dispose()`; a FinalizationRegistry frees what a forgotten handle held once it is garbage-collected.
 */
import { TconvError, formatValue } from '../shape/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type PlanMemo, newPlanMemo } from './ops/plan-memo.ts';

/** What a backend sees of a handle: its packed forms by the backend's own key. */
export interface PackSlot {
  get(key: string): unknown;
  /** Keeps a packed form of `bytes` bytes; `free` releases it (called on eviction, dispose or garbage collection). */
  put(key: string, value: unknown, bytes: number, free: () => void): void;
}

interface Pack {
  readonly key: string;
  readonly value: unknown;
  readonly bytes: number;
  readonly free: () => void;
  readonly owner: Map<string, Pack>;
}

/** Bound on all packed forms of all handles together (one more may exceed it while it is the only one). */
export const PACKED_WEIGHTS_LIMIT_BYTES = 512 * 1024 ** 2;

/**
 * Bound on the number of packings: a packing also holds its tiling and task tables (a few KiB natively), which its
 * byte count leaves out, so thousands of tiny forgotten handles are bounded by number instead.
 */
export const PACKED_WEIGHTS_LIMIT_COUNT = 1024;

/** Knobs for tests and the soak script: the bounds in force. */
export const packedWeightsTuning = { limitBytes: PACKED_WEIGHTS_LIMIT_BYTES, limitCount: PACKED_WEIGHTS_LIMIT_COUNT };

/** Insertion order = least recently used first. */
const lru = new Set<Pack>();
let totalBytes = 0;

function drop(pack: Pack): void {
  if (!lru.delete(pack)) return;
  pack.owner.delete(pack.key);
  // Registered only while it holds packings: a registration lives until the event loop turns, so one per handle
  // would grow without bound in a synchronous loop that forgets its handles.
  if (pack.owner.size === 0) finalizer.unregister(pack.owner);
  totalBytes -= pack.bytes;
  pack.free();
}

function dropAll(packs: Map<string, Pack>): void {
  for (const pack of [...packs.values()]) drop(pack);
}

const finalizer = new FinalizationRegistry<Map<string, Pack>>(dropAll);

interface Internal {
  readonly data: Float32Array;
  readonly packs: Map<string, Pack>;
  readonly slot: PackSlot;
  /** The plans of this handle's last few distinct calls (plan-memo.ts). */
  readonly plans: PlanMemo;
  disposed: boolean;
}

const internals = new WeakMap<PreparedWeights, Internal>();

/**
 * Weights copied once and packed once per layout and backend, for repeated calls. Pass it where the weight tensor
 * goes: `convTranspose(x, prepared, bias, options)`. Call `dispose()` when done (or let it be garbage-collected).
 */
export class PreparedWeights {
  readonly shape: readonly number[];

  constructor(weight: Tensor) {
    this.shape = Object.freeze([...weight.shape]);
    const packs = new Map<string, Pack>();
    const self = this; // only reachable from `internals`, keyed by this handle: no strong path keeps it alive
    const internal: Internal = {
      data: Float32Array.from(weight.data), packs, disposed: false, plans: newPlanMemo(),
      slot: {
        get(key) {
          const pack = packs.get(key);
          if (!pack) return undefined;
          lru.delete(pack);
          lru.add(pack);
          return pack.value;
        },
        put(key, value, bytes, free) {
          const old = packs.get(key);
          if (old) drop(old);
          // Evict before keeping: the bound holds except for a single packing larger than it.
          for (const victim of lru) {
            if (totalBytes + bytes <= packedWeightsTuning.limitBytes && lru.size < packedWeightsTuning.limitCount) break;
            drop(victim);
          }
          const pack: Pack = { key, value, bytes, free, owner: packs };
          if (packs.size === 0) finalizer.register(self, packs, packs);
          packs.set(key, pack);
          lru.add(pack);
          totalBytes += bytes;
        },
      },
    };
    internals.set(this, internal);
  }

  /** Frees every packed form now; the handle cannot be used afterwards. Calling it twice is harmless. */
  dispose(): void {
    const internal = internals.get(this)!;
    if (internal.disposed) return;
    internal.disposed = true;
    dropAll(internal.packs);
  }

  get disposed(): boolean {
    return internals.get(this)!.disposed;
  }
}

/**
 * Copies a weight tensor into a handle whose packed forms are kept across calls (the fast path for repeated calls
 * with the same weights). Editing `weight.data` afterwards does not change the handle: prepare again.
 * @example
 * const w = prepareWeights(randomTensor([16, 8, 4, 4], 1));
 * const y = convTranspose(randomTensor([1, 16, 8, 8], 2), w, null, { stride: 2, padding: 1 }); // y.shape → [1, 8, 16, 16]
 * w.dispose();
 */
export function prepareWeights(weight: Tensor): PreparedWeights {
  if (weight instanceof PreparedWeights) return weight;
  const candidate = weight as { shape?: unknown; data?: unknown } | null;
  if (candidate === null || typeof candidate !== 'object' || !Array.isArray(candidate.shape)) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'weight', value: weight,
      rule: 'must be a tensor: an object with a shape (list of sizes) and data (Float32Array or list of numbers)',
      hint: 'build it with tensor(shape, data)',
    });
  }
  const data = toFloat32('weight', candidate.data);
  const size = (candidate.shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'weight.data', value: `${data.length} values`,
      rule: `does not fit weight.shape ${formatValue(candidate.shape)}, which needs ${size}`,
      hint: 'build tensors with tensor(shape, data) so the two agree',
    });
  }
  return new PreparedWeights({ shape: candidate.shape as number[], data });
}

/** The handle's own copy, its pack slot and plan memo (engine-internal: the copy must never be handed to callers). */
export function preparedParts(weights: PreparedWeights): { readonly data: Float32Array; readonly slot: PackSlot; readonly plans: PlanMemo } {
  const internal = internals.get(weights)!;
  if (internal.disposed) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'weight', value: `prepared weights of shape ${formatValue([...weights.shape])}`,
      rule: 'were disposed', hint: 'prepare the weights again with prepareWeights(weight)',
    });
  }
  return internal;
}

/** True when `data` holds exactly the handle's weights (bit for bit: NaN and −0 count). */
export function preparedMatches(weights: PreparedWeights, data: ArrayLike<number>, sameBits?: (a: Float32Array, b: Float32Array) => boolean): boolean {
  const internal = internals.get(weights)!;
  if (internal.disposed || !(data instanceof Float32Array) || data.length !== internal.data.length) return false;
  if (sameBits) return sameBits(internal.data, data);
  const a = internal.data;
  // Eight bytes at a time where both views allow it (twice as fast as 32-bit words in V8).
  if (a.byteOffset % 8 === 0 && data.byteOffset % 8 === 0) {
    const half = a.length >> 1;
    const x = new BigInt64Array(a.buffer, a.byteOffset, half);
    const y = new BigInt64Array(data.buffer, data.byteOffset, half);
    for (let i = 0; i < half; i++) if (x[i] !== y[i]) return false;
    if (a.length % 2 === 0) return true;
  }
  const x = new Int32Array(a.buffer, a.byteOffset, a.length);
  const y = new Int32Array(data.buffer, data.byteOffset, data.length);
  for (let i = a.byteOffset % 8 === 0 && data.byteOffset % 8 === 0 ? a.length - 1 : 0; i < a.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Bytes of packed weights held by every handle together (for tests and the soak script). */
export function packedWeightBytes(): number {
  return totalBytes;
}

/**
 * Tensor data as a Float32Array: a Float32Array as it is; other numeric typed arrays and arrays of numbers
 * converted (a copy); anything else (a string, BigInt arrays, arrays holding non-numbers) refused by name. Every
 * backend receives what this returns, so the same input gives the same answer or the same error on each.
 * @example
 * toFloat32('input', [1, 2, 3]) // → Float32Array [1, 2, 3]
 */
export function toFloat32(name: string, data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) {
    return Float32Array.from(data as unknown as ArrayLike<number>);
  }
  if (Array.isArray(data)) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v: unknown = data[i];
      if (typeof v !== 'number') {
        throw new TconvError({
          code: 'invalid-value', parameter: `${name}.data[${i}]`, value: v,
          rule: 'must be a number', hint: 'give tensor data as a Float32Array or a list of numbers',
        });
      }
      out[i] = v;
    }
    return out;
  }
  const kind = data === null ? 'null' : ArrayBuffer.isView(data) ? data.constructor.name : typeof data;
  throw new TconvError({
    code: 'invalid-value', parameter: `${name}.data`, value: kind === 'string' ? `a string of ${(data as string).length} characters` : kind,
    rule: 'must be a Float32Array, another numeric typed array or a list of numbers',
    hint: 'build tensors with tensor(shape, data)',
  });
}
