/**
 * ∂W of a transposed-convolution plan on the wasm kernels' own ∂W kernel (kernels/wasm/weight-gradient.ts, which
 * says how): per group one GEMM of X's channels (read in place) with the (output channel, tap) columns gathered from
 * ∂Y over the input positions, the f32_wgrad_4x8__simd128 tile storing into ∂W's layout. One thread (docs/training.md).
 *
 * Every call copies X and ∂Y into one block of the wasm memory, kept and reused by all layers while large enough
 * (as the backend's own scratch block), and copies ∂W out.
 */
import { TconvError } from '../shape/errors.ts';
import type { Plan } from '../shape/plan.ts';
import { getRuntime, type Runtime } from '../engine/backends/wasm/runtime.ts';
import * as L from '../engine/backends/wasm/weight-gradient-layout.ts';

/**
 * The rows of X one chunk reads (Cin/g channels × kc positions) stay within 256 KiB, a core's L2: every column panel
 * of the chunk reads them all. A K chunk has at least KC_MIN rows (else the tiles' stores dominate).
 */
const ROWS_FLOATS = 64 * 1024;
const KC_MIN = 64;
const KC_MAX = 2048;

export interface WasmWeightGradient {
  readonly plan: Plan;
  /** The header image (addresses are written at each call). */
  readonly header: Int32Array;
  readonly kc: number;
  /** Bytes of the block: header, X, ∂Y, ∂W, workspace. */
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
  return { plan, header, kc, blockBytes, offsets };
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
  const header = new Int32Array(buffer, base, L.WG_HEADER_INTS);
  header.set(k.header);
  header[L.WG_X] = base + o.x;
  header[L.WG_GRAD_OUTPUT] = base + o.gradOutput;
  header[L.WG_GRAD_WEIGHT] = base + o.gradWeight;
  header[L.WG_WORKSPACE] = base + o.workspace;
  new Float32Array(buffer, base + o.x, x.length).set(x);
  new Float32Array(buffer, base + o.gradOutput, gradOutput.length).set(gradOutput);
  rt.weightGradient(base);
  result.set(new Float32Array(buffer, base + o.gradWeight, result.length));
}
