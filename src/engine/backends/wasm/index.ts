/**
 * The `wasm` backend: transposed and ordinary convolution, 1D/2D/3D, every parameter, float32, on WebAssembly
 * SIMD128 kernels (kernels/wasm) with worker threads. Design and bounds: docs/wasm.md.
 *
 * Per call: the plan's problem (subproblems, blocking, work items; cached per plan), the packed weights (cached per
 * weight buffer and layout), then one header of int32s is written into wasm memory with the subproblem and item
 * tables, the input and bias are copied in, the threads run the items and the output is copied out.
 */
import { TconvError } from '../../../shape/errors.ts';
import type { Plan } from '../../../shape/plan.ts';
import type { Backend, KernelArgs } from '../../backend.ts';
import { registerBackend } from '../../registry.ts';
import * as L from '../../../../kernels/wasm/layout.ts';
import { HEADER_PTR } from './control.ts';
import { packedSize } from './pack.ts';
import { type KernelMode, type Problem, describeProblem, workspaceBytes } from './problem.ts';
import { type Runtime, getRuntime, initWasm, unavailableReason } from './runtime.ts';

export { initWasm };

const MAX_THREADS = 64;

/** Knobs for tests: `minFlopsPerThread` 0 makes even tiny layers use every requested thread. */
export const wasmTuning = {
  /** Below this many FLOPs per thread, waking another thread costs more than it saves. */
  minFlopsPerThread: 4e6,
  /** Force one kernel (tests run both on every shape); undefined = chosen per plan. */
  mode: undefined as KernelMode | undefined,
};

/** os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers. */
export function defaultThreads(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, n));
}

/** Problems by plan contents (the engine API plans every call anew), most recently used last, at most 64. */
const problems = new Map<string, Problem>();
const PROBLEM_CACHE_SIZE = 64;

function problemFor(plan: Plan, threads: number): Problem {
  let key = `${plan.kind}|${plan.batch}|${plan.inChannels}|${plan.outChannels}|${plan.groups}|${threads}|${wasmTuning.mode ?? ''}`;
  for (const a of plan.axes) key += `|${a.input},${a.kernel},${a.stride},${a.dilation},${a.padBegin},${a.padEnd}`;
  let problem = problems.get(key);
  if (problem) {
    problems.delete(key);
  } else {
    problem = describeProblem(plan, threads, wasmTuning.mode);
    if (problems.size >= PROBLEM_CACHE_SIZE) problems.delete(problems.keys().next().value!);
  }
  problems.set(key, problem);
  return problem;
}

/** The per-call block (tables, tensors, workspaces), kept and reused while large enough. */
let scratch = { ptr: 0, bytes: 0 };

function scratchFor(rt: Runtime, bytes: number): number {
  if (scratch.bytes < bytes) {
    if (scratch.bytes > 0) rt.heap.release(scratch.ptr);
    const size = Math.max(bytes, scratch.bytes * 1.5);
    scratch = { ptr: rt.heap.alloc(size), bytes: size };
  }
  return scratch.ptr;
}

/** Bytes of the most recent call's workspaces and of the whole scratch block (for the bench's memory report). */
export const lastCall = {
  workspaceBytes: 0, scratchBytes: 0, threads: 1, items: 0, callerItems: 0,
  /** Milliseconds of the call's parts: setup (plan tables, weights), copy in, input padding, kernels, copy out. */
  ms: { setup: 0, copyIn: 0, pad: 0, kernels: 0, copyOut: 0 },
};

function resolveThreads(rt: Runtime, plan: Plan, requested: number | undefined): number {
  let threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(requested ?? defaultThreads())));
  threads = Math.min(threads, Math.max(1, Math.floor(plan.flops / Math.max(1, wasmTuning.minFlopsPerThread))));
  if (threads > 1 && !(rt.pool && rt.pool.ensure(threads))) threads = 1;
  return threads;
}

/** A wasm32 memory addresses 4 GiB; keep 64 MiB for the header, tables and the weight cache's other entries. */
const ADDRESSABLE_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

function checkAddressable(plan: Plan, bytes: number): void {
  if (bytes <= ADDRESSABLE_BYTES) return;
  throw new TconvError({
    code: 'memory-limit', parameter: 'outputShape', value: plan.outputShape,
    rule: `needs ${(bytes / 1024 ** 3).toFixed(2)} GiB of WebAssembly memory (tensors, packed weights, workspace), over the 4 GiB a wasm32 memory can address`,
    hint: 'use a smaller batch or input, or the native or reference backend',
  });
}

function run(args: KernelArgs): void {
  const { plan, input, weight, bias, output } = args;
  if (output.length === 0) return;
  const t0 = performance.now();
  const rt = getRuntime();
  const threads = resolveThreads(rt, plan, args.threads);
  const problem = problemFor(plan, threads);

  const offsetInts = problem.subs.reduce((sum, s) => sum + s.axes.reduce((t, a) => t + a.offsets.length, 0), 0)
    + problem.kOffsets.reduce((sum, t) => sum + t.length, 0);
  const tableBytes = 4 * (problem.subs.length * L.SUB_INTS + offsetInts + problem.items.length);
  const align = (n: number) => Math.ceil(n / 64) * 64;
  // Direct mode reads the padded input and needs no per-thread panel (16 bytes keep the layout uniform).
  const wsBytes = problem.mode === 'direct' ? 64 : workspaceBytes(problem.kc, problem.nc);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const inputBytes = align(4 * size(plan.inputShape));
  const biasBytes = align(4 * (bias ? plan.outChannels : 0));
  const outputBytes = align(4 * size(plan.outputShape));
  const paddedBytes = align(4 * (size(plan.inputShape) / plan.axes[plan.axes.length - 1]!.input) * problem.paddedW);
  const total = align(tableBytes) + inputBytes + biasBytes + outputBytes + paddedBytes + threads * wsBytes;
  checkAddressable(plan, total + 4 * packedSize(problem));
  const weightsPtr = rt.weights.get(problem, weight);
  const base = scratchFor(rt, total);

  const buffer = rt.memory.buffer;
  const i32 = new Int32Array(buffer);
  const subsPtr = base;
  let offsetsPtr = subsPtr + 4 * problem.subs.length * L.SUB_INTS;
  let packed = weightsPtr;
  problem.subs.forEach((sub, s) => {
    const p = subsPtr / 4 + s * L.SUB_INTS;
    sub.axes.forEach((a, axis) => {
      i32[p + L.S_COUNT + axis] = a.count;
      i32[p + L.S_OUT_FIRST + axis] = a.outFirst;
      i32[p + L.S_OUT_STEP + axis] = a.outStep;
      i32[p + L.S_IN_STEP + axis] = a.inStep;
      i32[p + L.S_TAPS + axis] = a.offsets.length;
      i32[p + L.S_OFFSETS + axis] = offsetsPtr;
      i32.set(a.offsets, offsetsPtr / 4);
      offsetsPtr += 4 * a.offsets.length;
    });
    const groupBytes = 4 * problem.packedFloats[s]!;
    i32[p + L.S_WEIGHTS] = packed;
    i32[p + L.S_GROUP_BYTES] = groupBytes;
    i32[p + L.S_K] = sub.k;
    i32[p + L.S_COLUMNS] = sub.columns;
    const kOffsets = problem.kOffsets[s];
    if (kOffsets) {
      i32[p + L.S_K_OFFSETS] = offsetsPtr;
      i32.set(kOffsets, offsetsPtr / 4);
      offsetsPtr += 4 * kOffsets.length;
    }
    packed += groupBytes * problem.groups;
  });
  const itemsPtr = offsetsPtr;
  i32.set(problem.items, itemsPtr / 4);
  const inputPtr = base + align(tableBytes);
  const biasPtr = inputPtr + inputBytes;
  const outputPtr = biasPtr + biasBytes;
  const paddedPtr = outputPtr + outputBytes;
  const wsPtr = paddedPtr + paddedBytes;
  const t1 = performance.now();
  new Float32Array(buffer, inputPtr, input.length).set(input);
  if (bias) new Float32Array(buffer, biasPtr, bias.length).set(bias);
  for (let t = 0; t < threads; t++) i32.fill(0, (wsPtr + t * wsBytes) / 4, (wsPtr + t * wsBytes) / 4 + 4);

  const h = HEADER_PTR / 4;
  const [inD, inH, inW] = problem.inSize;
  const [outD, outH, outW] = problem.outSize;
  i32.fill(0, h, h + L.HEADER_INTS);
  i32[h + L.H_BATCH] = plan.batch;
  i32[h + L.H_CIN] = plan.inChannels;
  i32[h + L.H_CIN_G] = problem.cinG;
  i32[h + L.H_COUT] = plan.outChannels;
  i32[h + L.H_M] = problem.m;
  i32[h + L.H_IN_D] = inD;
  i32[h + L.H_IN_H] = inH;
  i32[h + L.H_IN_W] = inW;
  i32[h + L.H_OUT_D] = outD;
  i32[h + L.H_OUT_H] = outH;
  i32[h + L.H_OUT_W] = outW;
  i32[h + L.H_INPUT] = inputPtr;
  i32[h + L.H_OUTPUT] = outputPtr;
  i32[h + L.H_BIAS] = bias ? biasPtr : 0;
  i32[h + L.H_SUBS] = subsPtr;
  i32[h + L.H_ITEMS] = itemsPtr;
  i32[h + L.H_ITEM_COUNT] = problem.items.length / L.ITEM_INTS;
  i32[h + L.H_THREADS] = threads;
  i32[h + L.H_WORKSPACE] = wsPtr;
  i32[h + L.H_WORKSPACE_BYTES] = wsBytes;
  i32[h + L.H_KC] = problem.kc;
  i32[h + L.H_NC] = problem.nc;
  i32[h + L.H_BATCH_INNER] = problem.batchInner ? 1 : 0;
  i32[h + L.H_MODE] = problem.mode === 'direct' ? L.MODE_DIRECT : L.MODE_GEMM;
  i32[h + L.H_PADDED] = paddedPtr;
  i32[h + L.H_PAD_LEFT] = problem.padLeft;
  i32[h + L.H_PADDED_W] = problem.paddedW;
  i32[h + L.H_SUB_COUNT] = problem.subs.length;
  const t2 = performance.now();
  if (problem.mode === 'direct') rt.padInput(HEADER_PTR);
  const t3 = performance.now();

  const callerItems = threads > 1 ? rt.pool!.run(rt.work) : rt.work(HEADER_PTR, 0);
  const t4 = performance.now();
  output.set(new Float32Array(rt.memory.buffer, outputPtr, output.length));
  const ms = lastCall.ms;
  ms.setup = t1 - t0;
  ms.copyIn = t2 - t1;
  ms.pad = t3 - t2;
  ms.kernels = t4 - t3;
  ms.copyOut = performance.now() - t4;
  lastCall.workspaceBytes = threads * wsBytes;
  lastCall.scratchBytes = total;
  lastCall.threads = threads;
  lastCall.items = problem.items.length / L.ITEM_INTS;
  lastCall.callerItems = callerItems;
}

/**
 * Frees the packed-weight cache. Weights are cached per Float32Array with a 64-sample fingerprint: call this after
 * changing a few weights in place (a change that the samples miss would otherwise keep the old packing).
 * @example
 * weight.data[3] = 0.5; clearPackedWeights();
 */
export function clearPackedWeights(): void {
  getRuntime().weights.clear();
}

export const wasmBackend: Backend = {
  name: 'wasm',
  availability() {
    const reason = unavailableReason();
    return reason ? { available: false, reason } : { available: true, reason: 'WebAssembly SIMD128 kernels (AssemblyScript), worker threads' };
  },
  convTranspose: run,
  conv: run,
};

registerBackend(wasmBackend);
