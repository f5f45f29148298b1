/**
 * ∂W of a transposed-convolution plan on the wasm kernels' own ∂W kernel (kernels/wasm/weight-gradient.ts): per
 * (group, tap) one GEMM of X's channels with ∂Y's over the tap's (image, position) pairs, the operands gathered per
 * chunk into packed panels, the f32_wgrad_4x8__simd128 tile over them into a tap-major copy of ∂W, scattered into ∂W's
 * layout at the end. The per-tap pair ranges come from the plan's
 * phases (the same tapRanges as the float64 reference, weight-gradient.ts). One thread (see docs/training.md).
 *
 * Every call copies X and ∂Y into one block of the wasm memory, kept and reused by all layers while large enough
 * (as the backend's own scratch block), and copies ∂W out.
 */
import type { Plan } from '../shape/plan.ts';
import { getRuntime, type Runtime } from '../engine/backends/wasm/runtime.ts';
import * as L from '../engine/backends/wasm/weight-gradient-layout.ts';
import { tapRanges } from './weight-gradient.ts';

/** The columns panel (all columns · kc) stays within 64 KiB (measured on dcgan-2, unet-up-2, superres: 256 and 16 KiB were slower). */
const COLUMN_PANEL_FLOATS = 16 * 1024;
const KC_MIN = 16;
const KC_MAX = 2048;

/**
 * Knobs for tests: force the tile's orientation. By default X's channels are the rows (read in place, never copied)
 * and ∂Y's the packed columns; ∂Y's as rows (X gathered per tap into the columns) measured 1.5–2.1× slower even where
 * ∂Y has 1, 3 or 8 channels (16 × 64 × 32², k4 s2, the same process), so it is kept for the tests only.
 */
export const wasmWeightGradientTuning = { rowsFromX: undefined as boolean | undefined };

export interface WasmWeightGradient {
  readonly plan: Plan;
  /** The header image (addresses relative to the block: rebased at each call) and the ranges tables. */
  readonly header: Int32Array;
  readonly ranges: Int32Array;
  readonly kc: number;
  readonly workspaceBytes: number;
  /** Bytes of the block: header, ranges, X, ∂Y, ∂W, the tiles' tap-major copy of ∂W, workspace. */
  readonly blockBytes: number;
  readonly offsets: { readonly ranges: number; readonly x: number; readonly gradOutput: number; readonly gradWeight: number; readonly tapMajor: number; readonly workspace: number };
}

const align = (n: number) => Math.ceil(n / 64) * 64;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Plans the kernel for a transposed plan: tile orientation, K chunk, the block's layout.
 * @example
 * const k = wasmWeightGradient(planFromTensors('convTranspose', [2, 8, 5, 5], [8, 4, 4, 4], { stride: 2 }));
 * runWasmWeightGradient(k, x, gradOutput, dw);
 */
export function wasmWeightGradient(plan: Plan): WasmWeightGradient {
  const { batch, inChannels, outChannels, groups } = plan;
  const cinG = inChannels / groups;
  const coutG = outChannels / groups;
  const rowsFromX = wasmWeightGradientTuning.rowsFromX ?? true;
  const colFloats = Math.ceil((rowsFromX ? coutG : cinG) / L.WG_NR) * L.WG_NR;
  const axes = [...plan.axes];
  const positions = axes.reduce((a, axis) => a * axis.input, 1);
  const kc = Math.max(KC_MIN, Math.min(KC_MAX, Math.floor(COLUMN_PANEL_FLOATS / colFloats / 4) * 4, Math.ceil((batch * positions) / 4) * 4));
  const workspaceBytes = align(L.WG_WS_TABLES + 4 * (2 * kc + colFloats * kc));

  const pad = 3 - plan.rank;
  const three = (pick: (a: Plan['axes'][number]) => number) => [...new Array<number>(pad).fill(1), ...axes.map(pick)];
  const header = new Int32Array(L.WG_HEADER_INTS);
  header[L.WG_BATCH] = batch;
  header[L.WG_CIN] = inChannels;
  header[L.WG_COUT] = outChannels;
  header[L.WG_GROUPS] = groups;
  header[L.WG_ROWS_FROM_X] = rowsFromX ? 1 : 0;
  header[L.WG_KC] = kc;
  header.set(three((a) => a.input), L.WG_IN);
  header.set(three((a) => a.output), L.WG_OUT);
  header.set(three((a) => a.kernel), L.WG_KERNEL);
  header.set(three((a) => a.stride), L.WG_STRIDE);
  header[L.WG_TASK_COUNT] = groups * size(plan.axes.map((a) => a.kernel));
  header[L.WG_WORKSPACE_BYTES] = workspaceBytes;

  // Per axis (unit axes in front), each tap's (first input, first output, count).
  const perAxis = [
    ...new Array<number[]>(pad).fill([0, 0, 1]),
    ...axes.map((a, i) => tapRanges(plan.phases[i]!.phases, a.kernel, a.input, a.stride).flatMap((r) => [r.firstInput, r.firstOutput, r.count])),
  ];
  const ranges = Int32Array.from(perAxis.flat());
  const rangeOffsets = [0, perAxis[0]!.length, perAxis[0]!.length + perAxis[1]!.length];
  rangeOffsets.forEach((o, a) => { header[L.WG_RANGES + a] = 4 * o; });

  const offsets = { ranges: 4 * L.WG_HEADER_INTS, x: 0, gradOutput: 0, gradWeight: 0, tapMajor: 0, workspace: 0 };
  offsets.x = align(offsets.ranges + 4 * ranges.length);
  offsets.gradOutput = offsets.x + align(4 * size(plan.inputShape));
  offsets.gradWeight = offsets.gradOutput + align(4 * size(plan.outputShape));
  offsets.tapMajor = offsets.gradWeight + align(4 * size(plan.weightShape));
  offsets.workspace = offsets.tapMajor + align(4 * size(plan.weightShape));
  return { plan, header, ranges, kc, workspaceBytes, blockBytes: offsets.workspace + workspaceBytes, offsets };
}

/** The block all wasm ∂W calls share, kept while large enough. */
let block = { ptr: 0, bytes: 0 };

function blockFor(rt: Runtime, bytes: number): number {
  if (block.bytes < bytes) {
    if (block.bytes > 0) rt.heap.release(block.ptr);
    const grown = Math.max(bytes, Math.floor(block.bytes * 1.5));
    block = { ptr: rt.heap.alloc(grown), bytes: grown };
  }
  return block.ptr;
}

/** ∂W (Cin, Cout/groups, k…) of the kernel's plan for input x and output gradient gradOutput, into `result`. */
export function runWasmWeightGradient(k: WasmWeightGradient, x: Float32Array, gradOutput: Float32Array, result: Float32Array): void {
  const rt = getRuntime();
  const base = blockFor(rt, k.blockBytes);
  const o = k.offsets;
  const buffer = rt.memory.buffer;
  const i32 = new Int32Array(buffer, base, L.WG_HEADER_INTS);
  i32.set(k.header);
  i32[L.WG_X] = base + o.x;
  i32[L.WG_GRAD_OUTPUT] = base + o.gradOutput;
  i32[L.WG_GRAD_WEIGHT] = base + o.gradWeight;
  i32[L.WG_TAP_MAJOR] = base + o.tapMajor;
  i32[L.WG_WORKSPACE] = base + o.workspace;
  for (let a = 0; a < 3; a++) i32[L.WG_RANGES + a] = base + o.ranges + k.header[L.WG_RANGES + a]!;
  i32[L.WG_NEXT_TASK] = 0;
  new Int32Array(buffer, base + o.ranges, k.ranges.length).set(k.ranges);
  new Float32Array(buffer, base + o.x, x.length).set(x);
  new Float32Array(buffer, base + o.gradOutput, gradOutput.length).set(gradOutput);
  rt.weightGradient(base, 0);
  rt.weightGradientScatter(base);
  result.set(new Float32Array(buffer, base + o.gradWeight, result.length));
}
