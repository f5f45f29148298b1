/**
 * The `wasm` backend: transposed and ordinary convolution, 1D/2D/3D, every parameter, float32, on WebAssembly
 * SIMD128 kernels (kernels/wasm) with worker threads. Design and bounds: docs/wasm.md.
 *
 * Per call: the plan's problem (combos, layout, blocking, tasks; cached per plan), the packed weights (packed
 * into the call's scratch block, or kept in the prepared weights' slot: docs/weights.md), then one header of int32s
 * is written into wasm memory with the combo and task tables (written once beside a prepared packing, else into the
 * scratch block when another layer wrote there), the input and bias are copied in, the threads run the tasks,
 * the activation (if any) and a residual's add (KernelArgs.residual) run on the output in wasm memory (elementwise.ts)
 * and the output is copied out.
 */
import { TconvError } from '../../../shape/errors.ts';
import type { Plan } from '../../../shape/plan.ts';
import { type Activation, alphaOf } from '../../ops/activation.ts';
import { type Availability, type Backend, type KernelArgs, availableCores } from '../../backend.ts';
import type { PackSlot } from '../../prepared-weights.ts';
import { registerBackend } from '../../registry.ts';
import { ThreadChoices } from '../../thread-choice.ts';
import * as L from './layout.ts';
import { HEADER_PTR } from './control.ts';
import { KeptBlock } from './heap.ts';
import { elementwiseTuning, runJob, wasmElementwise } from './elementwise.ts';
import { packWeights, packedSize } from './pack.ts';
import { DIRECT_WORKSPACE_BYTES, LAYOUT_CODE, channelWorkspaceBytes, type Problem, type WasmLayout, describeProblem, workspaceBytes } from './problem.ts';
import { winogradWorkspaceBytes } from './winograd.ts';
import { type Runtime, getRuntime, initWasm, singleThreadReason, unavailableReason } from './runtime.ts';

export { initWasm };

const MAX_THREADS = 64;

/**
 * Knobs for tests: `minFlopsPerThread` 0 makes even tiny layers use every requested thread (with
 * `threadChoiceTuning.mode` 'requested': else a layer's calls alternate and then keep the faster side, thread-choice.ts),
 * and `minFlopsToWake` 0 makes every threaded call wake napping or sleeping workers (else a sleeping one takes no part
 * in small calls).
 */
export const wasmTuning = {
  /**
   * Below this many FLOPs per thread, another thread costs more than it saves; the measured choice (thread-choice.ts)
   * decides for the layers above it. Until 2026-12-07 wasm-t2 the second thread rarely joined a zoo layer (it slept
   * through them: worker.mjs), so the older measurements that set 2 MFLOP measured a worker that was not there; with it
   * joining, the zoo's 1.8–3.5 MFLOP layers run in 0.5–0.55× the time on an idle second core (docs/perf-log.md).
   */
  minFlopsPerThread: 5e5,
  /**
   * Calls from this many FLOPs notify workers that nap between calls (a worker asleep is notified by any threaded
   * call: pool.ts). Workers nap only when worker.mjs NAPPING_MS > 0 (off: napping slowed the caller, docs/perf-log.md
   * 2026-12-07 wasm-t2); with 200 ms of napping, waiting for a nap to end cost the zoo layers more than this notify.
   * 0 notifies for every call; larger values leave small calls to the threads that poll.
   */
  minFlopsToWake: 0,
  /** Force one layout where it applies (tests run each on every shape); undefined = chosen per plan. */
  layout: undefined as WasmLayout | undefined,
  /**
   * Time each call's parts into lastCall.ms (the timing scripts turn it on). Off, a call reads the clock only for the
   * thread choice: six clock reads were ~0.4 µs of HiFi-GAN's 6–12 µs layer calls (docs/perf-log.md 2026-12-08).
   */
  timeParts: false,
};

/** The cores the runtime reports (availableCores), at most MAX_THREADS. */
export function defaultThreads(): number {
  return Math.min(MAX_THREADS, availableCores());
}

/** Problems by plan contents (the engine API plans every call anew), most recently used last, at most 64. */
const problems = new Map<string, Problem>();
const PROBLEM_CACHE_SIZE = 64;

/** Fast path: the engine caches plans (src/engine/ops/plan-from-tensors.ts), so a repeated layer passes the same
 * Plan object; its problem is found without building the string key (~1 µs of a seed layer's ~15 µs call). */
const problemsByPlan = new WeakMap<Plan, { threads: number; layout: WasmLayout | undefined; problem: Problem }>();

function problemFor(plan: Plan, threads: number): Problem {
  const known = problemsByPlan.get(plan);
  if (known && known.threads === threads && known.layout === wasmTuning.layout) return known.problem;
  const problem = problemByKey(plan, threads);
  problemsByPlan.set(plan, { threads, layout: wasmTuning.layout, problem });
  return problem;
}

function problemByKey(plan: Plan, threads: number): Problem {
  let key = `${plan.kind}|${plan.batch}|${plan.inChannels}|${plan.outChannels}|${plan.groups}|${threads}|${wasmTuning.layout ?? ''}`;
  for (const a of plan.axes) key += `|${a.input},${a.kernel},${a.stride},${a.dilation},${a.padBegin},${a.padEnd}`;
  let problem = problems.get(key);
  if (problem) {
    problems.delete(key);
  } else {
    problem = describeProblem(plan, threads, wasmTuning.layout);
    if (problems.size >= PROBLEM_CACHE_SIZE) problems.delete(problems.keys().next().value!);
  }
  problems.set(key, problem);
  return problem;
}

/** The per-call block (tables, tensors, workspaces), kept and reused while large enough. */
const scratch = new KeptBlock();

/** Bytes of the most recent call's workspaces and of the whole scratch block (for the bench's memory report), its layout. */
export const lastCall = {
  workspaceBytes: 0, scratchBytes: 0, threads: 1, tasks: 0, callerTasks: 0,
  /** The layout the call ran (problem.ts WasmLayout: 'winograd', 'winograd-strided' and 'winograd-transposed' included). */
  layout: 'packed' as WasmLayout,
  /**
   * Milliseconds of the call's parts: setup (plan tables, weights), copy in, input padding, kernels, activation, copy
   * out; written only while wasmTuning.timeParts is on.
   */
  ms: { setup: 0, copyIn: 0, pad: 0, kernels: 0, activation: 0, copyOut: 0 },
};

/** The measured thread choice of each layer (its frozen plan) that may use more than one thread (thread-choice.ts). */
const choices = new ThreadChoices<Plan>();

function resolveThreads(rt: Runtime, plan: Plan, requested: number | undefined): number {
  let threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(requested ?? defaultThreads())));
  threads = Math.min(threads, Math.max(1, Math.floor(plan.flops / Math.max(1, wasmTuning.minFlopsPerThread))));
  if (threads > 1 && !(rt.pool?.ensure(threads))) threads = 1;
  return threads;
}

/** A wasm32 memory addresses 4 GiB; keep 64 MiB for the header, tables and the weight cache's other entries. */
const ADDRESSABLE_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

function checkAddressable(plan: Plan, bytes: number, layout: WasmLayout): void {
  if (bytes <= ADDRESSABLE_BYTES) return;
  // The winograd layouts' workspace holds their transformed input tiles and GEMM outputs.
  const workspace = layout.startsWith('winograd') ? `the ${layout} layout's transformed tiles and GEMM outputs` : `the ${layout} layout's workspace`;
  throw new TconvError({
    code: 'memory-limit', parameter: 'outputShape', value: plan.outputShape,
    rule: `needs ${(bytes / 1024 ** 3).toFixed(2)} GiB of WebAssembly memory (tensors, packed weights, ${workspace}), over the 4 GiB a wasm32 memory can address`,
    hint: 'use a smaller batch or input, or the native or reference backend',
  });
}

/** Typed views of the wasm memory, renewed when it grows (a grown memory has a new buffer). */
let views = { buffer: null as ArrayBufferLike | null, i32: new Int32Array(0), f32: new Float32Array(0) };
/** What the scratch block's tables were last written for (updated in place: nothing allocated per call). */
const tables = { problem: null as Problem | null, base: 0, weights: 0 };

/**
 * Each problem's header image and the scratch address and bias it was written for: a model alternates layers, and
 * the header holds no weights address, so a layer whose shape came before (HiFi-GAN repeats each shape 3–6 times)
 * copies it as it is (writing its ~30 fields cost ~0.5 µs of a 6–12 µs call).
 */
const headers = new WeakMap<Problem, { image: Int32Array<ArrayBuffer>; base: number; bias: boolean }>();

function headerOf(problem: Problem): { image: Int32Array<ArrayBuffer>; base: number; bias: boolean } {
  let header = headers.get(problem);
  if (!header) {
    header = { image: new Int32Array(L.HEADER_INTS), base: -1, bias: false };
    headers.set(problem, header);
  }
  return header;
}

/**
 * The combo table (with its tap and K-offset tables) and then the tasks, as they sit from `combosPtr` on, with each
 * combo's weights address relative to the packed weights (patchWeights adds it): built once per (problem, address).
 */
function tableImage(problem: Problem, combosPtr: number, tableBytes: number): Int32Array {
  const image = new Int32Array(tableBytes / 4);
  let offsetsPtr = combosPtr + 4 * problem.combos.length * L.COMBO_INTS;
  let packed = 0;
  problem.combos.forEach((combo, s) => {
    const p = s * L.COMBO_INTS;
    combo.axes.forEach((a, axis) => {
      image[p + L.C_COUNT + axis] = a.outputCount;
      image[p + L.C_OUT_FIRST + axis] = a.firstOutput;
      image[p + L.C_OUT_STEP + axis] = a.outputStep;
      image[p + L.C_IN_STEP + axis] = a.inputStep;
      image[p + L.C_TAPS + axis] = a.inputOffsets.length;
      image[p + L.C_OFFSETS + axis] = offsetsPtr;
      image.set(a.inputOffsets, (offsetsPtr - combosPtr) / 4);
      offsetsPtr += 4 * a.inputOffsets.length;
    });
    const groupBytes = 4 * problem.packedFloats[s]!;
    image[p + L.C_WEIGHTS] = packed;
    image[p + L.C_GROUP_BYTES] = groupBytes;
    image[p + L.C_K] = combo.k;
    image[p + L.C_COLUMNS] = combo.columns;
    const kOffsets = problem.kOffsets[s];
    if (kOffsets) {
      image[p + L.C_K_OFFSETS] = offsetsPtr;
      image.set(kOffsets, (offsetsPtr - combosPtr) / 4);
      offsetsPtr += 4 * kOffsets.length;
    }
    packed += groupBytes * problem.groups;
  });
  image.set(problem.tasks, (offsetsPtr - combosPtr) / 4);
  return image;
}

/**
 * Each problem's table image for the scratch address it was last written at. A model alternates layers, so the
 * tables are rewritten on almost every call: copying the image and patching the weights addresses is one memcpy,
 * where writing the fields one by one into the shared memory cost 1–2.5 µs of a zoo layer's 6–12 µs call.
 */
const images = new WeakMap<Problem, { combosPtr: number; image: Int32Array }>();

function writeTables(i32: Int32Array, problem: Problem, combosPtr: number, weightsPtr: number, tableBytes: number): void {
  let known = images.get(problem);
  if (known?.combosPtr !== combosPtr) {
    known = { combosPtr, image: tableImage(problem, combosPtr, tableBytes) };
    images.set(problem, known);
  }
  const { image } = known;
  i32.set(image, combosPtr / 4);
  for (let s = 0; s < problem.combos.length; s++) {
    const at = combosPtr / 4 + s * L.COMBO_INTS + L.C_WEIGHTS;
    i32[at] = weightsPtr + image[s * L.COMBO_INTS + L.C_WEIGHTS]!;
  }
}

interface Addresses { inputPtr: number; outputPtr: number; biasPtr: number; combosPtr: number; tasksPtr: number; threads: number; wsPtr: number; wsBytes: number; paddedPtr: number }

/** The call's header image (layout.ts H_*); counters the threads bump start at 0. */
function writeHeader(header: Int32Array, plan: Plan, problem: Problem, p: Addresses): void {
  const [inD, inH, inW] = problem.inSize;
  const [outD, outH, outW] = problem.outSize;
  header[L.H_BATCH] = plan.batch;
  header[L.H_CIN] = plan.inChannels;
  header[L.H_CIN_G] = problem.cinG;
  header[L.H_COUT] = plan.outChannels;
  header[L.H_M] = problem.m;
  header[L.H_IN_D] = inD;
  header[L.H_IN_H] = inH;
  header[L.H_IN_W] = inW;
  header[L.H_OUT_D] = outD;
  header[L.H_OUT_H] = outH;
  header[L.H_OUT_W] = outW;
  header[L.H_INPUT] = p.inputPtr;
  header[L.H_OUTPUT] = p.outputPtr;
  header[L.H_BIAS] = p.biasPtr;
  header[L.H_COMBOS] = p.combosPtr;
  header[L.H_TASKS] = p.tasksPtr;
  header[L.H_TASK_COUNT] = problem.tasks.length / L.TASK_INTS;
  header[L.H_THREADS] = p.threads;
  header[L.H_WORKSPACE] = p.wsPtr;
  header[L.H_WORKSPACE_BYTES] = p.wsBytes;
  header[L.H_KC] = problem.kc;
  header[L.H_NC] = problem.nc;
  header[L.H_LAYOUT] = LAYOUT_CODE[problem.layout];
  header[L.H_PADDED] = p.paddedPtr;
  header[L.H_PAD_LEFT] = problem.padLeft;
  header[L.H_PADDED_W] = problem.paddedW;
  header[L.H_PAD_STEP] = problem.splitStep;
  header[L.H_PAD_TOP] = problem.padTop;
  header[L.H_COMBO_COUNT] = problem.combos.length;
}

const align = (n: number) => Math.ceil(n / 64) * 64;

/** The activation code the tiles apply as they store (layout.ts H_ACTIVATION), ACT_NONE for the others. */
function storeActivationOf(activation: Activation | null | undefined): number {
  if (activation?.kind === 'relu') return L.ACT_RELU;
  if (activation?.kind === 'leakyRelu') return L.ACT_LEAKY_RELU;
  return L.ACT_NONE;
}

/** leakyRelu's slope as the header's f64 (H_ALPHA, two int32s, little-endian as wasm memory). */
const alphaWords = new Float64Array(1);
const alphaInts = new Int32Array(alphaWords.buffer);
function setAlpha(header: Int32Array, alpha: number): void {
  alphaWords[0] = alpha;
  header[L.H_ALPHA] = alphaInts[0]!;
  header[L.H_ALPHA + 1] = alphaInts[1]!;
}

/** Byte sizes of a problem's call blocks (computed once per problem: they were ~1 µs of a seed layer's call). */
const sizes = new WeakMap<Problem, ReturnType<typeof computeSizes>>();

function sizesOf(plan: Plan, problem: Problem): ReturnType<typeof computeSizes> {
  let known = sizes.get(problem);
  if (!known) {
    known = computeSizes(plan, problem);
    sizes.set(problem, known);
  }
  return known;
}

function computeSizes(plan: Plan, problem: Problem) {
  const offsetInts = problem.combos.reduce((sum, s) => sum + s.axes.reduce((t, a) => t + a.inputOffsets.length, 0), 0)
    + problem.kOffsets.reduce((sum, t) => sum + t.length, 0);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const winograd = problem.layout.startsWith('winograd');
  return {
    tableBytes: 4 * (problem.combos.length * L.COMBO_INTS + offsetInts + problem.tasks.length),
    // The direct and channel-vectors layouts read the input in place: no panels in their workspace.
    // The dense layout has none (its tasks read both rows in place, the tile's arguments in registers).
    wsBytes: problem.layout === 'dense' ? 0 : problem.layout === 'direct' ? DIRECT_WORKSPACE_BYTES
      : problem.layout === 'channel-vectors' ? channelWorkspaceBytes(problem.combos)
      : winograd ? winogradWorkspaceBytes(problem.kc, problem.m, problem.nc) : workspaceBytes(problem.kc, problem.nc),
    inputBytes: align(4 * size(plan.inputShape)),
    outputBytes: align(4 * size(plan.outputShape)),
    // Direct: rows padded along W; the winograd layouts read the input in place (their tasks pad it as they read).
    paddedBytes: winograd ? 0 : align(4 * (size(plan.inputShape) / plan.axes[plan.axes.length - 1]!.input) * problem.paddedW),
    packedBytes: 4 * packedSize(problem),
  };
}

function run(args: KernelArgs): void {
  const { plan, input, weight, bias, output } = args;
  if (output.length === 0) return;
  const timed = wasmTuning.timeParts;
  const t0 = timed ? performance.now() : 0;
  const rt = getRuntime();
  const usable = resolveThreads(rt, plan, args.threads);
  // A layer that may run on more than one thread runs on one or on those, whichever its measured calls favour.
  const choice = usable > 1 ? choices.for(plan, usable) : null;
  const threads = choice ? choice.next() : usable;
  const problem = problemFor(plan, threads);

  const { tableBytes, wsBytes, inputBytes, outputBytes, paddedBytes, packedBytes } = sizesOf(plan, problem);
  const biasBytes = align(4 * (bias ? plan.outChannels : 0));
  const { residual } = args;
  const callBytes = align(tableBytes) + inputBytes + biasBytes + outputBytes + paddedBytes + threads * wsBytes + (residual ? outputBytes : 0);
  checkAddressable(plan, callBytes + packedBytes, problem.layout);
  // Prepared weights keep their packing in their slot; plain weights are packed into the scratch block every call.
  const kept = args.packs ? keptPacking(rt, problem, weight, args.packs, packedBytes) : null;
  // Tables beside a kept packing are written once; the scratch block's are rewritten when another layer wrote them.
  const keptCombos = kept ? keptTables(rt, kept, problem, tableBytes) : 0;
  const total = kept ? callBytes : callBytes + align(packedBytes);
  const base = scratch.reserve(rt.heap, total);
  const weightsPtr = kept ? kept.ptr : base + callBytes;
  if (!kept) packWeights(problem, weight, new Float32Array(rt.memory.buffer, weightsPtr, packedBytes / 4));

  const buffer = rt.memory.buffer;
  if (views.buffer !== buffer) views = { buffer, i32: new Int32Array(buffer), f32: new Float32Array(buffer) };
  const i32 = views.i32;
  const f32 = views.f32;
  const combosPtr = kept ? keptCombos : base;
  const tasksPtr = combosPtr + tableBytes - 4 * problem.tasks.length;
  const inputPtr = base + align(tableBytes);
  const biasPtr = inputPtr + inputBytes;
  const outputPtr = biasPtr + biasBytes;
  const paddedPtr = outputPtr + outputBytes;
  const wsPtr = paddedPtr + paddedBytes;
  const residualPtr = wsPtr + threads * wsBytes;
  // The scratch block's tables depend only on (problem, scratch address, packed weights) and nothing else writes
  // them: a layer called again reuses them (a kept packing's tables are written once beside it). The header is copied
  // from the problem's image, written when the scratch address or the bias changed, with the tables' address patched
  // (writing the header's ~30 fields one by one into the shared memory cost ~2 µs of a seed layer's call).
  // A kept packing's call may write its input over the scratch block's tables: they are written again next time.
  if (kept) tables.problem = null;
  else if (tables.problem !== problem || tables.base !== base || tables.weights !== weightsPtr) {
    writeTables(i32, problem, combosPtr, weightsPtr, tableBytes);
    tables.problem = problem;
    tables.base = base;
    tables.weights = weightsPtr;
  }
  const headerImage = headerOf(problem);
  if (headerImage.base !== base || headerImage.bias !== !!bias) {
    writeHeader(headerImage.image, plan, problem, { inputPtr, outputPtr, biasPtr: bias ? biasPtr : 0, combosPtr, tasksPtr, threads, wsPtr, wsBytes, paddedPtr });
    headerImage.base = base;
    headerImage.bias = !!bias;
  }
  const header = headerImage.image;
  header[L.H_COMBOS] = combosPtr;
  header[L.H_TASKS] = tasksPtr;
  const t1 = timed ? performance.now() : 0;
  f32.set(input, inputPtr / 4);
  if (bias) f32.set(bias, biasPtr / 4);
  if (residual) f32.set(residual.data, residualPtr / 4);
  if (wsBytes > 0) for (let t = 0; t < threads; t++) i32.fill(0, (wsPtr + t * wsBytes) / 4, (wsPtr + t * wsBytes) / 4 + 4);

  // The tiles apply relu and leakyRelu as they store; any other activation runs as a job on the output.
  const fused = storeActivationOf(args.activation);
  header[L.H_ACTIVATION] = fused;
  if (fused === L.ACT_LEAKY_RELU) setAlpha(header, alphaOf(args.activation ?? null));
  i32.set(header, HEADER_PTR / 4);
  const t2 = timed ? performance.now() : 0;
  if (problem.layout === 'direct') rt.padInput(HEADER_PTR);
  // The thread choice measures the kernels and the activation of every call it chooses for.
  const t3 = timed || choice ? performance.now() : 0;

  const callerTasks = threads > 1 ? rt.pool!.run(rt.work, plan.flops >= wasmTuning.minFlopsToWake) : rt.work(HEADER_PTR, 0);
  const t4 = timed ? performance.now() : 0;
  // The epilogue: the activation runs on the output while it is in wasm memory (the map kernel of Backend.elementwise,
  // so a fused step and the unfused pair agree), on the call's threads when the output is large enough to pay.
  if (args.activation && fused === L.ACT_NONE) runJob(rt, { kernel: L.EW_MAP, x: outputPtr, out: outputPtr, units: output.length, activation: args.activation }, threads);
  // A residual is added here by the add kernel of Backend.elementwise (its operand order, activation and threads), so
  // the sum has its bits without the output copied out and back in with the residual.
  if (residual) {
    const x = residual.first ? residualPtr : outputPtr;
    runJob(rt, { kernel: L.EW_ADD, x, b: x === outputPtr ? residualPtr : outputPtr, out: outputPtr, units: output.length, activation: residual.activation }, elementwiseTuning.threads);
  }
  const t5 = timed || choice ? performance.now() : 0;
  choice?.record(threads, t5 - t3);
  output.set(f32.subarray(outputPtr / 4, outputPtr / 4 + output.length));
  if (timed) {
    const ms = lastCall.ms;
    ms.setup = t1 - t0;
    ms.copyIn = t2 - t1;
    ms.pad = t3 - t2;
    ms.kernels = t4 - t3;
    ms.activation = t5 - t4;
    ms.copyOut = performance.now() - t5;
  }
  lastCall.workspaceBytes = threads * wsBytes;
  lastCall.scratchBytes = total;
  lastCall.threads = threads;
  lastCall.tasks = problem.tasks.length / L.TASK_INTS;
  lastCall.callerTasks = callerTasks;
  lastCall.layout = problem.layout;
}

/**
 * Prepared weights' packing for one layout, kept in their slot: the packed weights and, per problem that reads them,
 * its combo and task tables written once beside them with the packing's address (a model alternates layers, so the
 * scratch block's tables were rewritten on almost every call). Freed together when the slot frees the packing.
 */
interface KeptPacking {
  readonly ptr: number;
  readonly tables: Map<Problem, number>;
}

/** The packing of prepared weights for this problem's layout: kept in their slot, packed on first use. */
function keptPacking(rt: Runtime, problem: Problem, weight: Float32Array, packs: PackSlot, bytes: number): KeptPacking {
  const key = problem.packKey;
  const known = packs.get(key) as KeptPacking | undefined;
  if (known !== undefined) return known;
  const ptr = rt.heap.alloc(bytes);
  packWeights(problem, weight, new Float32Array(rt.memory.buffer, ptr, bytes / 4));
  const packing: KeptPacking = { ptr, tables: new Map() };
  packs.put(key, packing, bytes, () => {
    for (const at of packing.tables.values()) rt.heap.release(at);
    rt.heap.release(ptr);
  });
  return packing;
}

const KEPT_TABLES_PER_PACKING = 8;

/** The problem's tables beside a kept packing, written on its first call (they hold the packing's address). */
function keptTables(rt: Runtime, packing: KeptPacking, problem: Problem, tableBytes: number): number {
  let at = packing.tables.get(problem);
  if (at === undefined) {
    // Weights called with many input shapes (or problems rebuilt after leaving the problem cache) start afresh.
    if (packing.tables.size >= KEPT_TABLES_PER_PACKING) {
      for (const old of packing.tables.values()) rt.heap.release(old);
      packing.tables.clear();
    }
    at = rt.heap.alloc(tableBytes);
    const buffer = rt.memory.buffer;
    if (views.buffer !== buffer) views = { buffer, i32: new Int32Array(buffer), f32: new Float32Array(buffer) };
    writeTables(views.i32, problem, at, packing.ptr, tableBytes);
    packing.tables.set(problem, at);
  }
  return at;
}

/** Once available the runtime stays so: the answer is kept (getBackend asks on every call; the sentence cost ~1.5 µs). */
let available: Availability | null = null;

export const wasmBackend: Backend = {
  name: 'wasm',
  availability() {
    if (available) return available;
    const reason = unavailableReason();
    if (reason) return { available: false, reason };
    const single = singleThreadReason();
    const threads = single ? `one thread: ${single}` : `up to ${defaultThreads()} worker threads`;
    available = { available: true, reason: `WebAssembly SIMD128 kernels (AssemblyScript), ${threads}` };
    return available;
  },
  convTranspose: run,
  conv: run,
  elementwise: wasmElementwise,
  takesResidual: true,
};

registerBackend(wasmBackend);
