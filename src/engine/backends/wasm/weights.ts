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
  readonly fingerprint: Float32Array;
  readonly owner: Map<string, Entry>;
  readonly key: string;
}

const SAMPLES = 64;
export const WEIGHT_CACHE_BYTES = 1024 ** 3;

function fingerprintOf(weight: Float32Array): Float32Array {
  const out = new Float32Array(SAMPLES + 1);
  out[0] = weight.length;
  if (weight.length === 0) return out;
  for (let i = 0; i < SAMPLES; i++) out[i + 1] = weight[Math.floor((i * (weight.length - 1)) / (SAMPLES - 1))]!;
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
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
      if (sameBits(hit.fingerprint, fingerprintOf(weight))) {
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
    const entry: Entry = { ptr, bytes, fingerprint: fingerprintOf(weight), owner: entries, key: problem.packKey };
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
