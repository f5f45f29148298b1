/**
 * The dense layout's rule and tasks (kernels/wasm/dense-task.ts): a conv whose kernel covers its input exactly — no
 * padding, dilation 1, one group — has one output position per image, out[n, co] = Σ_j X[n, j]·W[co, j] with
 * j = (ci, taps), and both rows lie contiguous in memory as they are (∂X of DCGAN's first layer, 1×1 → 4×4: its
 * ∂Y (16, 512, 4, 4) and weight (100, 512, 4, 4) are the rows of a 16 × 100 × 8192 product). The weights are copied,
 * never packed (packing cost ~8 ms of the 8.3 ms of that ∂X when the weights change every training step).
 * Its sums are in its own order (dense-task.ts), so it is chosen by this rule, never by timing: a layer gives the
 * same bits on every run and at every thread count.
 */
import type { Plan } from '../../../shape/plan.ts';
import { TASK_INTS, T_DENSE_END_BLOCK, T_DENSE_END_IMAGE, T_DENSE_FIRST_BLOCK, T_DENSE_FIRST_IMAGE } from './layout.ts';

/** A conv with one output per image whose kernel reads its whole input with no zeros: the dense layout's shapes. */
export function denseFits(plan: Plan): boolean {
  return plan.kind === 'conv' && plan.groups === 1
    && plan.axes.every((a) => a.padBegin === 0 && a.padEnd === 0 && a.kernel === a.input && (a.dilation === 1 || a.kernel === 1));
}

/**
 * Tasks of 4-channel blocks × images: one block per task over every image, the images split (at even counts, the
 * tile's 2) where that leaves fewer than 4 tasks per thread; dynamic scheduling evens out the rest. No workspace.
 */
export function denseTasks(plan: Plan, threads: number): Int32Array {
  const blocks = Math.ceil(plan.outChannels / 4);
  const batch = plan.batch;
  let images = batch;
  while (threads > 1 && images > 2 && blocks * Math.ceil(batch / images) < 4 * threads) images = 2 * Math.ceil(images / 4);
  const tasks = new Int32Array(blocks * Math.ceil(batch / images) * TASK_INTS);
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    for (let n = 0; n < batch; n += images, at += TASK_INTS) {
      tasks[at + T_DENSE_FIRST_BLOCK] = b;
      tasks[at + T_DENSE_END_BLOCK] = b + 1;
      tasks[at + T_DENSE_FIRST_IMAGE] = n;
      tasks[at + T_DENSE_END_IMAGE] = Math.min(batch, n + images);
    }
  }
  return tasks;
}
