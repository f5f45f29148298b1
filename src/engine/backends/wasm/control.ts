/**
 * Fixed addresses in the low 64 KiB of the wasm memory (below the heap): the call header and the words threads
 * synchronise on. Shared by the caller (runtime.ts, pool.ts) and, through workerData, by worker.mjs.
 */
export const HEADER_PTR = 1024;
/** An element-wise job's ElementwiseArgs (kernels/wasm/elementwise-args.ts): written by the caller, read by every thread. */
export const ELEMENTWISE_ARGS_PTR = 2048;
/** Int32 indices (of the whole memory) of the control words. */
export const CONTROL = {
  /** Bumped by the caller to wake the workers for a call. */
  generation: 64,
  /** 1 while a call's header is valid; workers skip a wake-up that finds 0. */
  running: 65,
  /** Workers inside a call; the caller waits for 0 before touching the header again. */
  active: 66,
  /** Workers that have instantiated the module. */
  ready: 67,
  /** Set by a worker whose kernel trapped: the caller stops waiting for its task and throws. */
  failed: 68,
  /** Workers napping or asleep in Atomics.wait on `generation`: the caller notifies (a futex call) only when one is. */
  waiting: 69,
  /**
   * Workers asleep for good (past their napping time, worker.mjs): they join no call until one notifies, so the next
   * threaded call does, whatever its size.
   */
  sleeping: 70,
} as const;
