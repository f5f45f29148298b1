// tconv WebAssembly kernels (AssemblyScript, SIMD128 + threads): the module's entry. Built by scripts/build-wasm.mjs.
//
// `work(header, tid)`: every thread (the caller and its workers) takes tasks from an atomic counter in the header
// until none are left. Each layer is an implicit GEMM per combo of phases,
//   C[co, col] = bias[co] + Σ_(tap, ci) A[co, (tap, ci)] · B[(tap, ci), col]
// with A the weights packed once per plan by the JS side (src/engine/backends/wasm/pack.ts) and B read through one
// of the layouts (layout.ts LAYOUT_*): packed per panel (packed-task.ts), in place (direct-task.ts) or along output
// channels (channel-task.ts), or a stride-1 3×3 conv as Winograd's F(2×2, 3×3) and a k4 s2 conv as F(3×3, 2×2) (winograd-task.ts); a conv with
// one output position per image is a dense layer whose rows are read in place (dense-task.ts). The tiles are
// the simd128 kernel set: gemm.ts, direct.ts (docs/kernels.md). `padInput(header)` is the direct layout's prologue.
// Element-wise jobs (LAYOUT_ELEMENTWISE) run the same way, their tasks being ranges of elementwise.ts kernels;
// `runElementwise(args, first, end)` runs one range on the calling thread. The same loop runs training's ∂W tasks
// (LAYOUT_WEIGHT_GRADIENT: weight-gradient.ts, its own header and workspace).
import {
  H_THREADS, H_TASK_COUNT, H_NEXT_TASK, H_DONE_TASKS, H_WORKSPACE, H_WORKSPACE_BYTES, H_LAYOUT, LAYOUT_DIRECT, LAYOUT_CHANNEL_VECTORS,
  LAYOUT_DENSE, LAYOUT_ELEMENTWISE, LAYOUT_WINOGRAD, LAYOUT_WINOGRAD_STRIDED, LAYOUT_WINOGRAD_TRANSPOSED, LAYOUT_WEIGHT_GRADIENT, H_WEIGHT_GRADIENT,
} from '../../src/engine/backends/wasm/layout';
import { ElementwiseArgs } from './elementwise-args';
import { runElementwiseTask } from './elementwise';
import { at } from './memory';
import { runPackedTask } from './packed-task';
import { runDirectTask } from './direct-task';
import { runChannelTask } from './channel-task';
import { runWinogradTask } from './winograd-task';
import { runDenseTask } from './dense-task';
import { runWeightGradientTask } from './weight-gradient';

export { padInput } from './pad-input';
export { runElementwise } from './elementwise';

/** Runs tasks until none are left; returns how many this thread ran. */
export function work(h: usize, tid: i32): i32 {
  if (tid >= at(h, H_THREADS)) return 0;
  const count = at(h, H_TASK_COUNT);
  if (at(h, H_LAYOUT) == LAYOUT_ELEMENTWISE) return elementwiseTasks(h, count);
  const ws = <usize>at(h, H_WORKSPACE) + <usize>tid * <usize>at(h, H_WORKSPACE_BYTES);
  const direct = at(h, H_LAYOUT) == LAYOUT_DIRECT;
  const weightGradient = at(h, H_LAYOUT) == LAYOUT_WEIGHT_GRADIENT;
  const channelVectors = at(h, H_LAYOUT) == LAYOUT_CHANNEL_VECTORS;
  const dense = at(h, H_LAYOUT) == LAYOUT_DENSE;
  const winograd = at(h, H_LAYOUT) == LAYOUT_WINOGRAD || at(h, H_LAYOUT) == LAYOUT_WINOGRAD_STRIDED || at(h, H_LAYOUT) == LAYOUT_WINOGRAD_TRANSPOSED;
  let ran = 0;
  while (true) {
    const task = atomic.add<i32>(h + (<usize>H_NEXT_TASK << 2), 1);
    if (task >= count) break;
    if (weightGradient) runWeightGradientTask(<usize>at(h, H_WEIGHT_GRADIENT), task, tid);
    else if (direct) runDirectTask(h, task, ws);
    else if (channelVectors) runChannelTask(h, task, ws);
    else if (winograd) runWinogradTask(h, task, ws);
    else if (dense) runDenseTask(h, task);
    else runPackedTask(h, task, ws);
    atomic.add<i32>(h + (<usize>H_DONE_TASKS << 2), 1);
    ran++;
  }
  return ran;
}

/** An element-wise job (elementwise.ts): H_WORKSPACE holds its ElementwiseArgs, each task `unitsPerTask` units. */
function elementwiseTasks(h: usize, count: i32): i32 {
  const args = changetype<ElementwiseArgs>(<usize>at(h, H_WORKSPACE));
  let ran = 0;
  while (true) {
    const task = atomic.add<i32>(h + (<usize>H_NEXT_TASK << 2), 1);
    if (task >= count) break;
    runElementwiseTask(args, task);
    atomic.add<i32>(h + (<usize>H_DONE_TASKS << 2), 1);
    ran++;
  }
  return ran;
}
