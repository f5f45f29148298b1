/**
 * The packed-weight cache: weights are packed once per (weight buffer, plan layout) into wasm memory and reused
 * while the same Float32Array is passed again. A sparse fingerprint (length + 64 sampled values) catches weights
 * reloaded in place; entries die with their weight buffer (FinalizationRegistry) or when the cache exceeds its
 * byte budget (least recently used first).
 */
import type { WasmHeap } from './heap.ts';
import { packWeights, packedSize } from './pack.ts';
import type { Problem } from './problem.ts';

interface Entry {
  readonly ptr: number;
  readonly bytes: number;
  readonly fingerprint: Uint32Array;
  /** The weight's length, a bit view of it (kept: one per entry, not per call) and the sampled indices. */
  readonly length: number;
  readonly bits: Uint32Array;
  readonly indices: Int32Array;
  readonly owner: Map<string, Entry>;
  readonly key: string;
}

const SAMPLES = 64;
export const WEIGHT_CACHE_BYTES = 1024 ** 3;

/** The bits of 64 evenly spaced weights (and the length): compared on every call, so no allocation there. */
function sampleIndices(length: number): Int32Array {
  const out = new Int32Array(length === 0 ? 0 : SAMPLES);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor((i * (length - 1)) / (SAMPLES - 1));
  return out;
}

function bitsOf(weight: Float32Array): Uint32Array {
  return new Uint32Array(weight.buffer, weight.byteOffset, weight.length);
}

function fingerprintOf(bits: Uint32Array, indices: Int32Array): Uint32Array {
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = bits[indices[i]!]!;
  return out;
}

/** Same length and the same bits at the sampled indices (bitwise: NaN and -0 compare exactly). */
function unchanged(entry: Entry, weight: Float32Array): boolean {
  if (entry.length !== weight.length) return false;
  const { bits, indices, fingerprint } = entry;
  for (let i = 0; i < indices.length; i++) if (bits[indices[i]!] !== fingerprint[i]) return false;
  return true;
}

export class WeightCache {
  private readonly byWeight = new WeakMap<Float32Array, Map<string, Entry>>();
  /** Insertion order = least recently used first. */
  private readonly lru = new Set<Entry>();
  private total = 0;
  private readonly finalizer: FinalizationRegistry<Map<string, Entry>>;

  constructor(private readonly heap: WasmHeap, private readonly memory: WebAssembly.Memory) {
    this.finalizer = new FinalizationRegistry((entries) => {
      for (const entry of entries.values()) this.drop(entry);
    });
  }

  /**
   * Byte address of the packed weights for this problem, packing them on first use.
   * @example
   * const ptr = cache.get(problem, weight)
   */
  get(problem: Problem, weight: Float32Array): number {
    let entries = this.byWeight.get(weight);
    const hit = entries?.get(problem.packKey);
    if (hit) {
      if (unchanged(hit, weight)) {
        this.lru.delete(hit);
        this.lru.add(hit);
        return hit.ptr;
      }
      this.drop(hit);
    }
    if (!entries) {
      entries = new Map();
      this.byWeight.set(weight, entries);
      this.finalizer.register(weight, entries);
    }
    const bytes = packedSize(problem) * 4;
    while (this.total + bytes > WEIGHT_CACHE_BYTES && this.lru.size > 0) this.drop(this.lru.values().next().value!);
    const ptr = this.heap.alloc(bytes);
    packWeights(problem, weight, new Float32Array(this.memory.buffer, ptr, bytes / 4));
    const bits = bitsOf(weight);
    const indices = sampleIndices(weight.length);
    const entry: Entry = { ptr, bytes, fingerprint: fingerprintOf(bits, indices), length: weight.length, bits, indices, owner: entries, key: problem.packKey };
    entries.set(problem.packKey, entry);
    this.lru.add(entry);
    this.total += bytes;
    return ptr;
  }

  /** Bytes of packed weights held. */
  get bytes(): number {
    return this.total;
  }

  clear(): void {
    for (const entry of [...this.lru]) this.drop(entry);
  }

  private drop(entry: Entry): void {
    if (!this.lru.delete(entry)) return;
    entry.owner.delete(entry.key);
    this.heap.release(entry.ptr);
    this.total -= entry.bytes;
  }
}
