/**
 * A small first-fit allocator over the WebAssembly.Memory, run from JS: the kernels never allocate. It holds the
 * cached packed weights (long-lived) and the per-call scratch block (reused while large enough).
 * Bytes below HEAP_BASE hold the header and the thread control words.
 */
export const HEAP_BASE = 64 * 1024;
const ALIGN = 64;
const PAGE = 64 * 1024;

interface Block {
  start: number;
  size: number;
}

export class WasmHeap {
  /** Free blocks sorted by address; the top of the heap is `end`. */
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>();
  private end = HEAP_BASE;

  constructor(private readonly memory: WebAssembly.Memory) {}

  /**
   * @example
   * const ptr = heap.alloc(1024); heap.release(ptr);
   */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const index = this.free.findIndex((b) => b.size >= size);
    let start: number;
    if (index >= 0) {
      const block = this.free[index]!;
      start = block.start;
      if (block.size === size) this.free.splice(index, 1);
      else {
        block.start += size;
        block.size -= size;
      }
    } else {
      start = this.end;
      this.end += size;
      this.reserve(this.end);
    }
    this.used.set(start, size);
    return start;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) return;
    this.used.delete(ptr);
    let at = this.free.findIndex((b) => b.start > ptr);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { start: ptr, size });
    // Coalesce with neighbours, then give the top back to `end`.
    const next = this.free[at + 1];
    const cur = this.free[at]!;
    if (next && cur.start + cur.size === next.start) {
      cur.size += next.size;
      this.free.splice(at + 1, 1);
    }
    const prev = this.free[at - 1];
    if (prev && prev.start + prev.size === cur.start) {
      prev.size += cur.size;
      this.free.splice(at, 1);
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.end) {
      this.end = last.start;
      this.free.pop();
    }
  }

  /** Bytes currently handed out. */
  get usedBytes(): number {
    let sum = 0;
    for (const size of this.used.values()) sum += size;
    return sum;
  }

  private reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    this.memory.grow(Math.ceil((end - have) / PAGE));
  }
}

/**
 * A block of the heap kept across calls and regrown (by half again) only when a call needs more: per-call scratch
 * that is not allocated per call. Each user (the conv's scratch, the element-wise operands, training's ∂W) keeps its own.
 */
export class KeptBlock {
  private ptr = 0;
  private size = 0;

  /** The block's address, at least `bytes` long (its contents are not kept when it grows). */
  reserve(heap: WasmHeap, bytes: number): number {
    if (this.size < bytes) {
      if (this.size > 0) heap.release(this.ptr);
      const size = Math.max(bytes, Math.floor(this.size * 1.5));
      this.ptr = heap.alloc(size);
      this.size = size;
    }
    return this.ptr;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.size;
  }
}
