/**
 * Float32 buffers of freed intermediates, by length, for the next step (or run) that needs one of that length. It
 * holds at most as many bytes as the largest run so far had alive at once (a run frees more than it takes: the
 * engine's convolutions allocate their own outputs), so a session keeps at most twice its peak.
 */
export class BufferArena {
  private readonly free = new Map<number, Float32Array[]>();
  private heldBytes = 0;
  private limitBytes = 0;

  /** Raises the bound on held bytes to a run's peak of live bytes. */
  allow(peakLiveBytes: number): void {
    this.limitBytes = Math.max(this.limitBytes, peakLiveBytes);
  }

  take(length: number): Float32Array | undefined {
    const list = this.free.get(length);
    const buffer = list?.pop();
    if (buffer) this.heldBytes -= buffer.byteLength;
    return buffer;
  }

  give(buffer: Float32Array): void {
    if (this.heldBytes + buffer.byteLength > this.limitBytes) return; // left to the garbage collector
    const list = this.free.get(buffer.length);
    if (list) list.push(buffer);
    else this.free.set(buffer.length, [buffer]);
    this.heldBytes += buffer.byteLength;
  }

  /** Bytes held for reuse (not alive in any run). */
  get bytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.free.clear();
    this.heldBytes = 0;
  }
}
