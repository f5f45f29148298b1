/**
 * ∂W of a transposed-convolution plan on the wasm kernels' own ∂W kernel (kernels/wasm/weight-gradient.ts, which
 * says how): per group one GEMM of X's channels (read in place) with the (output channel, tap) columns gathered from
 * ∂Y over the input positions, the f32_wgrad_4x8__simd128 tile storing into ∂W's layout. Its tasks (ranges of column
 * blocks) run on the wasm backend's threads, through the same `work` loop and pool as the forward.
 *
 * Every call copies X and ∂Y into one block of the wasm memory, kept and reused by all layers while large enough
 * (as the backend's own scratch block), and copies ∂W out.
 */
import { TconvError } from '../shape/errors.ts';
import type { Plan } from '../shape/plan.ts';
import { getRuntime, type Runtime } from '../engine/backends/wasm/runtime.ts';
import { HEADER_PTR } from '../engine/backends/wasm/control.ts';
import { KeptBlock } from '../engine/backends/wasm/heap.ts';
import { defaultThreads, wasmTuning } from '../engine/backends/wasm/index.ts';
import { H_DONE_TASKS, H_LAYOUT, H_NEXT_TASK, H_TASK_COUNT, H_THREADS, H_WEIGHT_GRADIENT, HEADER_INTS, LAYOUT_WEIGHT_GRADIENT } from '../engine/backends/wasm/layout.ts';
import * as L from '../engine/backends/wasm/weight-gradient-layout.ts';

/**
 * The rows of X one chunk reads (Cin/g channels × kc positions) stay within 256 KiB, a core's L2: every column panel
 * of the chunk reads them all. A K chunk has at least KC_MIN rows (else the tiles' stores dominate).
 */
const ROWS_FLOATS = 64 * 1024;
const KC_MIN = 64;
const KC_MAX = 2048;
/** Tasks per thread to aim for (column-block ranges), so a slower thread does not hold up the call. */
const TASKS_PER_THREAD = 4;
const MAX_THREADS = 64;

export interface WasmWeightGradient {
  readonly plan: Plan;
  /** The header image (addresses are written at each call). */
  readonly header: Int32Array;
  readonly kc: number;
  /** 8-column blocks of ∂W per group (the tasks split them). */
  readonly colBlocks: number;
  /** Bytes of one thread's workspace. */
  readonly workspaceBytes: number;
  /** Bytes of the block with one thread's workspace (header, X, ∂Y, ∂W, workspace). */
  readonly blockBytes: number;
  readonly offsets: { readonly x: number; readonly gradOutput: number; readonly gradWeight: number; readonly workspace: number };
}

/** A wasm32 memory addresses 4 GiB; keep 64 MiB for the headers, tables and the forward's blocks (as the backend). */
const ADDRESSABLE_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

const align = (n: number) => Math.ceil(n / 64) * 64;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Plans the kernel for a transposed plan (batch ≥ 1, pads.begin ≥ 0): K chunk and the block's layout.
 * @example
 * const k = wasmWeightGradient(planFromTensors('convTranspose', [2, 8, 5, 5], [8, 4, 4, 4], { stride: 2 }));
 * runWasmWeightGradient(k, x, gradOutput, dw);
 */
export function wasmWeightGradient(plan: Plan): WasmWeightGradient {
  const { batch, inChannels, outChannels, groups } = plan;
  const cinG = inChannels / groups;
  const positions = batch * plan.axes.reduce((a, axis) => a * axis.input, 1);
  const kc = Math.max(Math.min(KC_MIN, Math.ceil(positions / 4) * 4), Math.min(KC_MAX, Math.floor(ROWS_FLOATS / cinG / 4) * 4, Math.ceil(positions / 4) * 4));
  const workspaceBytes = align(L.WG_WS_TABLES + 4 * (kc + L.WG_NR * kc));

  const pad = 3 - plan.rank;
  const three = (pick: (a: Plan['axes'][number]) => number, unit: number) => [...new Array<number>(pad).fill(unit), ...plan.axes.map(pick)];
  const header = new Int32Array(L.WG_HEADER_INTS);
  header[L.WG_BATCH] = batch;
  header[L.WG_CIN] = inChannels;
  header[L.WG_COUT] = outChannels;
  header[L.WG_GROUPS] = groups;
  header[L.WG_KC] = kc;
  header.set(three((a) => a.input, 1), L.WG_IN);
  header.set(three((a) => a.output, 1), L.WG_OUT);
  header.set(three((a) => a.kernel, 1), L.WG_KERNEL);
  header.set(three((a) => a.stride, 1), L.WG_STRIDE);
  header.set(three((a) => a.dilation, 1), L.WG_DILATION);
  header.set(three((a) => a.padBegin, 0), L.WG_PAD_BEGIN);
  header[L.WG_WORKSPACE_BYTES] = workspaceBytes;
  const colBlocks = Math.ceil(((outChannels / groups) * plan.axes.reduce((a, axis) => a * axis.kernel, 1)) / L.WG_NR);

  const offsets = { x: align(4 * L.WG_HEADER_INTS), gradOutput: 0, gradWeight: 0, workspace: 0 };
  offsets.gradOutput = offsets.x + align(4 * size(plan.inputShape));
  offsets.gradWeight = offsets.gradOutput + align(4 * size(plan.outputShape));
  offsets.workspace = offsets.gradWeight + align(4 * size(plan.weightShape));
  const blockBytes = offsets.workspace + workspaceBytes;
  if (blockBytes > ADDRESSABLE_BYTES) {
    throw new TconvError({
      code: 'memory-limit', parameter: 'inputShape', value: [...plan.inputShape],
      rule: `needs ${(blockBytes / 1024 ** 3).toFixed(2)} GiB of WebAssembly memory for ∂W (X, ∂Y, ∂W and its panels), over the 4 GiB a wasm32 memory can address`,
      hint: 'use a smaller batch or input, or the native or reference backend',
    });
  }
  return { plan, header, kc, colBlocks, workspaceBytes, blockBytes, offsets };
}

/** The block all wasm ∂W calls share, kept while large enough. */
const block = new KeptBlock();

/** The most recent call's threads and tasks, and how many of them the calling thread ran (tests, the bench). */
export const lastWeightGradientCall = { threads: 1, tasks: 0, callerTasks: 0 };

/** Threads as the backend resolves them: at most the requested (default: the cores), the column blocks and one per minFlopsPerThread. */
function resolveThreads(rt: Runtime, k: WasmWeightGradient, requested: number | undefined): number {
  let threads = Math.max(1, Math.min(MAX_THREADS, k.plan.groups * k.colBlocks, Math.floor(requested ?? defaultThreads())));
  threads = Math.min(threads, Math.max(1, Math.floor(k.plan.flops / Math.max(1, wasmTuning.minFlopsPerThread))));
  if (threads > 1 && !rt.pool?.ensure(threads)) threads = 1;
  return threads;
}

/** ∂W (Cin, Cout/groups, k…) of the kernel's plan for input x and output gradient gradOutput, into `result`. */
export function runWasmWeightGradient(k: WasmWeightGradient, x: Float32Array, gradOutput: Float32Array, result: Float32Array, requestedThreads?: number): void {
  const rt = getRuntime();
  const threads = resolveThreads(rt, k, requestedThreads);
  const base = block.reserve(rt.heap, k.blockBytes + (threads - 1) * k.workspaceBytes);
  // Tasks: ranges of column blocks per group, about TASKS_PER_THREAD per thread — no more: every task reads all of
  // its group's X once (one thread: one task per group, X's chunks each read while hot in L2 by every column block).
  const perGroup = threads === 1 ? 1 : Math.min(k.colBlocks, Math.ceil((TASKS_PER_THREAD * threads) / k.plan.groups));
  const blocksPerTask = Math.ceil(k.colBlocks / perGroup);
  const tasksPerGroup = Math.ceil(k.colBlocks / blocksPerTask);
  const tasks = k.plan.groups * tasksPerGroup;
  const o = k.offsets;
  const buffer = rt.memory.buffer;
  const header = new Int32Array(buffer, base, L.WG_HEADER_INTS);
  header.set(k.header);
  header[L.WG_TASKS_PER_GROUP] = tasksPerGroup;
  header[L.WG_BLOCKS_PER_TASK] = blocksPerTask;
  header[L.WG_X] = base + o.x;
  header[L.WG_GRAD_OUTPUT] = base + o.gradOutput;
  header[L.WG_GRAD_WEIGHT] = base + o.gradWeight;
  header[L.WG_WORKSPACE] = base + o.workspace;
  new Float32Array(buffer, base + o.x, x.length).set(x);
  new Float32Array(buffer, base + o.gradOutput, gradOutput.length).set(gradOutput);
  // The call header every thread's `work` loop reads: the task counter and where the ∂W header is.
  const call = new Int32Array(buffer, HEADER_PTR, HEADER_INTS);
  call[H_THREADS] = threads;
  call[H_TASK_COUNT] = tasks;
  call[H_NEXT_TASK] = 0;
  call[H_DONE_TASKS] = 0;
  call[H_LAYOUT] = LAYOUT_WEIGHT_GRADIENT;
  call[H_WEIGHT_GRADIENT] = base;
  const callerTasks = threads > 1 ? rt.pool!.run(rt.work) : rt.work(HEADER_PTR, 0);
  Object.assign(lastWeightGradientCall, { threads, tasks, callerTasks });
  result.set(new Float32Array(buffer, base + o.gradWeight, result.length));
}
