/**
 * The wasm backend's element-wise kernels (Backend.elementwise, kernels/wasm/elementwise.ts). A job's arguments are
 * one ElementwiseArgs struct at a fixed address (control.ts ELEMENTWISE_ARGS_PTR); it runs on the calling thread, or
 * as tasks on the pool's threads when it is large enough to pay for them. `wasmElementwise` copies its operands into
 * a scratch block of the wasm memory, runs the job in place and copies the result out; the conv epilogue (index.ts)
 * runs the same map kernel on a layer's output while it is still in wasm memory, so on this backend a fused
 * Conv + Tanh and the Conv followed by the Tanh give the same bits.
 */
import { type ElementwiseKernels, jsElementwise } from '../../elementwise.ts';
import { ACTIVATION_CODES, type Activation, alphaOf } from '../../ops/activation.ts';
import { ELEMENTWISE_ARGS_PTR, HEADER_PTR } from './control.ts';
import { KeptBlock } from './heap.ts';
import * as L from './layout.ts';
import { type Runtime, getRuntime } from './runtime.ts';

/** What a job computes (ElementwiseArgs' fields; addresses are byte offsets in the wasm memory). */
export interface ElementwiseJob {
  readonly kernel: number;
  readonly x: number;
  readonly b?: number;
  readonly out: number;
  /** Elements, blocks for group norm, or rows for softmax. */
  readonly units: number;
  readonly activation: Activation | null;
  readonly inner?: number;
  readonly channels?: number;
  readonly blockSize?: number;
  readonly epsilon?: number;
  readonly scale?: number;
  readonly shift?: number;
  /** affine: out = factor·x + offset, or x/factor + offset when `divide`. */
  readonly factor?: number;
  readonly offset?: number;
  readonly divide?: boolean;
}

/** Knobs for tests: `minElementsPerThread` 0 makes every job use every thread it is given. */
export const elementwiseTuning = {
  /**
   * Below this many elements per thread a job stays on the calling thread: waking the workers and the shared
   * counters cost microseconds, while tanh runs ~2 ns an element and relu a tenth of that (a job of 64 k tanh
   * outputs is ~0.1 ms on one thread).
   */
  minElementsPerThread: 32 * 1024,
  /**
   * Threads Backend.elementwise's calls may use: ElementwiseKernels carries no thread count (a model run's `threads`
   * does not reach it), so they stay on the calling thread unless a host raises this. The conv epilogue uses the
   * layer call's threads.
   */
  threads: 1,
  /** Jobs under this many elements do not wake napping or sleeping workers (see wasmTuning.minFlopsToWake); 0 always does. */
  minElementsToWake: 512 * 1024,
};

/**
 * Whether a job's units are blocks or rows (group norm's blocks of `blockSize`, softmax's rows of `inner`, matmul's
 * output rows), not elements.
 */
const unitsAreBlocks = (job: ElementwiseJob) =>
  job.kernel === L.EW_GROUP_NORM || job.kernel === L.EW_SOFTMAX || job.kernel === L.EW_MATMUL || job.kernel === L.EW_UP2X;

/** How many elements of work one unit is (a matmul row: its n·k products). */
function elementsOf(job: ElementwiseJob): number {
  if (job.kernel === L.EW_GROUP_NORM) return job.units * (job.blockSize ?? 1);
  if (job.kernel === L.EW_SOFTMAX) return job.units * (job.inner ?? 1);
  if (job.kernel === L.EW_MATMUL) return job.units * (job.inner ?? 1) * (job.channels ?? 1);
  if (job.kernel === L.EW_UP2X) return job.units * (job.inner ?? 1) * 4;
  return job.units;
}

/** Cheap kernels (relu, leakyRelu, copy, add, prelu, affine) run at memory speed: threads pay only at 8× the size. */
function isCheap(job: ElementwiseJob): boolean {
  const kind = job.activation?.kind;
  return !unitsAreBlocks(job) && kind !== 'tanh' && kind !== 'sigmoid' && kind !== 'silu';
}

/** Threads a job of this size pays for, at most `requested`. */
export function jobThreads(job: ElementwiseJob, requested: number): number {
  const perThread = elementwiseTuning.minElementsPerThread * (isCheap(job) ? 8 : 1);
  return Math.max(1, Math.min(requested, job.units, perThread > 0 ? Math.floor(elementsOf(job) / perThread) : requested));
}

let views = { buffer: null as ArrayBufferLike | null, i32: new Int32Array(0), f32: new Float32Array(0), f64: new Float64Array(0) };

function viewsOf(rt: Runtime): typeof views {
  const buffer = rt.memory.buffer;
  if (views.buffer !== buffer) views = { buffer, i32: new Int32Array(buffer), f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
  return views;
}

/** The most recent job's threads and tasks (tests check that a split job was split). */
export const lastJob = { threads: 1, tasks: 1 };

/** Runs a job on `threads` threads at most (the calling thread alone when the job is small or no pool exists). */
export function runJob(rt: Runtime, job: ElementwiseJob, threads: number): void {
  if (job.units === 0) return;
  const { i32, f64 } = viewsOf(rt);
  const a = ELEMENTWISE_ARGS_PTR / 4;
  i32[a + L.EA_X / 4] = job.x;
  i32[a + L.EA_B / 4] = job.b ?? 0;
  i32[a + L.EA_OUT / 4] = job.out;
  i32[a + L.EA_UNITS / 4] = job.units;
  i32[a + L.EA_KERNEL / 4] = job.kernel;
  i32[a + L.EA_ACTIVATION / 4] = job.activation ? ACTIVATION_CODES[job.activation.kind] : ACTIVATION_CODES.none;
  f64[(ELEMENTWISE_ARGS_PTR + L.EA_ALPHA) / 8] = alphaOf(job.activation);
  i32[a + L.EA_INNER / 4] = job.inner ?? 1;
  i32[a + L.EA_CHANNELS / 4] = job.channels ?? 1;
  i32[a + L.EA_BLOCK_SIZE / 4] = job.blockSize ?? 0;
  f64[(ELEMENTWISE_ARGS_PTR + L.EA_EPSILON) / 8] = job.epsilon ?? 0;
  i32[a + L.EA_SCALE / 4] = job.scale ?? 0;
  i32[a + L.EA_SHIFT / 4] = job.shift ?? 0;
  f64[(ELEMENTWISE_ARGS_PTR + L.EA_FACTOR) / 8] = job.factor ?? 1;
  f64[(ELEMENTWISE_ARGS_PTR + L.EA_OFFSET) / 8] = job.offset ?? 0;
  i32[a + L.EA_DIVIDE / 4] = job.divide ? 1 : 0;
  const useThreads = rt.pool ? jobThreads(job, threads) : 1;
  if (useThreads <= 1 || !rt.pool?.ensure(useThreads)) {
    rt.elementwise(ELEMENTWISE_ARGS_PTR, 0, job.units);
    lastJob.threads = 1;
    lastJob.tasks = 1;
    return;
  }
  // A few tasks per thread (taken dynamically); element ranges stay multiples of 4 (whole vectors but the last).
  const tasks = Math.min(job.units, 4 * useThreads);
  let perTask = Math.ceil(job.units / tasks);
  if (!unitsAreBlocks(job)) perTask = Math.ceil(perTask / 4) * 4;
  i32[a + L.EA_UNITS_PER_TASK / 4] = perTask;
  const h = HEADER_PTR / 4;
  i32.fill(0, h, h + L.HEADER_INTS);
  i32[h + L.H_LAYOUT] = L.LAYOUT_ELEMENTWISE;
  i32[h + L.H_WORKSPACE] = ELEMENTWISE_ARGS_PTR;
  i32[h + L.H_TASK_COUNT] = Math.ceil(job.units / perTask);
  i32[h + L.H_THREADS] = useThreads;
  rt.pool.run(rt.work, elementsOf(job) >= elementwiseTuning.minElementsToWake);
  lastJob.threads = useThreads;
  lastJob.tasks = i32[h + L.H_TASK_COUNT]!;
}

/** The block the copied operands live in, kept and reused while large enough (apart from the conv's, whose tables persist). */
const scratch = new KeptBlock();

const align = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Copies each array into the scratch block (64-byte aligned, one after the other); returns their addresses. An array
 * with `rowsOf[i]` > 0 is a matrix of that many rows stored transposed: it is copied in as its transpose; with −1 it
 * only gets its space (an output).
 */
function copyIn(rt: Runtime, arrays: readonly Float32Array[], rowsOf: readonly number[] = []): number[] {
  const base = scratch.reserve(rt.heap, arrays.reduce((sum, a) => sum + align(4 * a.length), 0));
  const { f32 } = viewsOf(rt);
  const ptrs: number[] = [];
  let at = base;
  for (const [i, a] of arrays.entries()) {
    const rows = rowsOf[i] ?? 0;
    if (rows < 0) {
      // Space only (an output): nothing to copy.
    } else if (rows > 0) {
      const columns = a.length / rows;
      const to = at / 4;
      for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) f32[to + c * rows + r] = a[r * columns + c]!;
    } else {
      f32.set(a, at / 4);
    }
    ptrs.push(at);
    at += align(4 * a.length);
  }
  return ptrs;
}

function copyOut(rt: Runtime, ptr: number, out: Float32Array): void {
  out.set(viewsOf(rt).f32.subarray(ptr / 4, ptr / 4 + out.length));
}

/** The wasm backend's Backend.elementwise: operands copied in, one job (elementwiseTuning.threads), the result copied out. */
export const wasmElementwise: ElementwiseKernels = {
  map(f, x, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [p] = copyIn(rt, [x]) as [number];
    runJob(rt, { kernel: L.EW_MAP, x: p, out: p, units: out.length, activation: f }, elementwiseTuning.threads);
    copyOut(rt, p, out);
  },
  add(a, b, out, f) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [pa, pb] = copyIn(rt, [a, b]) as [number, number];
    runJob(rt, { kernel: L.EW_ADD, x: pa, b: pb, out: pa, units: out.length, activation: f }, elementwiseTuning.threads);
    copyOut(rt, pa, out);
  },
  preluChannels(x, slope, inner, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [p, ps] = copyIn(rt, [x, slope]) as [number, number];
    runJob(rt, { kernel: L.EW_PRELU, x: p, b: ps, out: p, units: out.length, activation: null, inner, channels: slope.length }, elementwiseTuning.threads);
    copyOut(rt, p, out);
  },
  groupNorm(x, args, f, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const none = new Float32Array(0);
    const [p, ps, pt] = copyIn(rt, [x, args.scale ?? none, args.shift ?? none]) as [number, number, number];
    runJob(rt, {
      kernel: L.EW_GROUP_NORM, x: p, out: p, units: args.blocks, activation: f, inner: args.inner, channels: args.channels,
      blockSize: args.blockSize, epsilon: args.epsilon, scale: args.scale ? ps : 0, shift: args.shift ? pt : 0,
    }, elementwiseTuning.threads);
    copyOut(rt, p, out);
  },
  softmax(x, length, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [p] = copyIn(rt, [x]) as [number];
    runJob(rt, { kernel: L.EW_SOFTMAX, x: p, out: p, units: out.length / length, activation: null, inner: length }, elementwiseTuning.threads);
    copyOut(rt, p, out);
  },
  affine(x, a, b, divide, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [p] = copyIn(rt, [x]) as [number];
    runJob(rt, { kernel: L.EW_AFFINE, x: p, out: p, units: out.length, activation: null, factor: a, offset: b, divide }, elementwiseTuning.threads);
    copyOut(rt, p, out);
  },
  matmul(a, b, m, k, n, out, transA = false, transB = false) {
    if (out.length === 0) return;
    const rt = getRuntime();
    // The product goes to a block of its own after the operands (it is written while they are read); an operand
    // stored transposed is laid out row-major as it is copied in.
    const [pa, pb, py] = copyIn(rt, [a, b, out], [transA ? k : 0, transB ? n : 0, -1]) as [number, number, number];
    runJob(rt, { kernel: L.EW_MATMUL, x: pa, b: pb, out: py, units: m, activation: null, inner: n, channels: k }, elementwiseTuning.threads);
    copyOut(rt, py, out);
  },
  upsample2x(x, width, out) {
    if (out.length === 0) return;
    const rt = getRuntime();
    const [p, py] = copyIn(rt, [x, out], [0, -1]) as [number, number];
    runJob(rt, { kernel: L.EW_UP2X, x: p, out: py, units: x.length / width, activation: null, inner: width }, elementwiseTuning.threads);
    copyOut(rt, py, out);
  },
  // MaxPool and DepthToSpace stay in JavaScript here: the copies into wasm memory and back cost what their loops do
  // (a wasm DepthToSpace kernel measured no faster on ESPCN's, 170–177 µs against 168–206: docs/perf-log.md).
  maxPool2x2: jsElementwise.maxPool2x2,
  depthToSpace: jsElementwise.depthToSpace,
};
