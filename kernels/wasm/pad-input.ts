// The direct layout's prologue, run once per call before the threads start (the winograd layouts pad and split their
// input inside their tasks: kernels/wasm/winograd-task.ts transformInput).
import { H_BATCH, H_CIN, H_IN_D, H_IN_H, H_IN_W, H_INPUT, H_PADDED, H_PAD_LEFT, H_PAD_STEP, H_PADDED_W } from '../../src/engine/backends/wasm/layout';
import { at } from './memory';

/**
 * Copies the input as (N, D, H, C, W + padding) — channels interleaved by row, zeros padded along W — so the K loop
 * (channels of one input row) walks one contiguous block instead of C planes (fewer cache and TLB misses) and every
 * W tap reads inside the padded row.
 */
export function padInput(h: usize): void {
  const batch = at(h, H_BATCH), cin = at(h, H_CIN);
  const rowsPerChannel = at(h, H_IN_D) * at(h, H_IN_H);
  const inW = at(h, H_IN_W);
  const left = at(h, H_PAD_LEFT);
  const wp = at(h, H_PADDED_W);
  const rowBytes = <usize>inW << 2;
  const wpBytes = <usize>wp << 2;
  let src = <usize>at(h, H_INPUT);
  const padded = <usize>at(h, H_PADDED);
  const step = at(h, H_PAD_STEP);
  if (step > 1) {
    splitRows(batch, cin, rowsPerChannel, inW, left, wp, step, src, padded);
    return;
  }
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < cin; c++) {
      // Input row r of channel c goes to padded row (n·rows + r)·cin + c.
      let dst = padded + <usize>((n * rowsPerChannel) * cin + c) * wpBytes;
      // Rows are short: plain loops beat memory.copy/fill calls (a runtime call each in V8).
      for (let r = 0; r < rowsPerChannel; r++) {
        for (let i = 0; i < left; i++) store<f32>(dst + (<usize>i << 2), 0);
        const body = dst + (<usize>left << 2);
        let i = 0;
        for (; i + 4 <= inW; i += 4) v128.store(body + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
        for (; i < inW; i++) store<f32>(body + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        for (let j = left + inW; j < wp; j++) store<f32>(dst + (<usize>j << 2), 0);
        src += rowBytes;
        dst += <usize>cin * wpBytes;
      }
    }
  }
}

/**
 * A conv strided along W: each padded row is `step` segments of wp / step floats, segment p holding `left` zeros,
 * then x[p], x[p + step], …, then zeros (problem.ts splitW), so every W tap reads its phase contiguously.
 */
function splitRows(batch: i32, cin: i32, rowsPerChannel: i32, inW: i32, left: i32, wp: i32, step: i32, input: usize, padded: usize): void {
  const segW = wp / step;
  const wpBytes = <usize>wp << 2;
  let src = input;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < cin; c++) {
      let dst = padded + <usize>((n * rowsPerChannel) * cin + c) * wpBytes;
      for (let r = 0; r < rowsPerChannel; r++) {
        for (let p = 0; p < step; p++) {
          const seg = dst + (<usize>(p * segW) << 2);
          let i = 0;
          for (; i < left; i++) store<f32>(seg + (<usize>i << 2), 0);
          for (let x = p; x < inW; x += step, i++) store<f32>(seg + (<usize>i << 2), load<f32>(src + (<usize>x << 2)));
          for (; i < segW; i++) store<f32>(seg + (<usize>i << 2), 0);
        }
        src += <usize>inW << 2;
        dst += <usize>cin * wpBytes;
      }
    }
  }
}
