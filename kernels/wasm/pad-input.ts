// The direct and winograd layouts' prologue, run once per call before the threads start.
import {
  H_BATCH, H_CIN, H_IN_D, H_IN_H, H_IN_W, H_INPUT, H_LAYOUT, H_PADDED, H_PADDED_H, H_PAD_LEFT, H_PAD_STEP, H_PAD_TOP, H_PADDED_W,
  LAYOUT_WINOGRAD, LAYOUT_WINOGRAD_STRIDED,
} from '../../src/engine/backends/wasm/layout';
import { at } from './memory';

/**
 * Copies the input as (N, D, H, C, W + padding) — channels interleaved by row, zeros padded along W — so the K loop
 * (channels of one input row) walks one contiguous block instead of C planes (fewer cache and TLB misses) and every
 * W tap reads inside the padded row.
 */
export function padInput(h: usize): void {
  if (at(h, H_LAYOUT) == LAYOUT_WINOGRAD) {
    padPlanes(h);
    return;
  }
  if (at(h, H_LAYOUT) == LAYOUT_WINOGRAD_STRIDED) {
    padPhases(h);
    return;
  }
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

/**
 * The winograd layout's input: each channel plane copied with zeros around it, H_PAD_TOP rows above and H_PAD_LEFT
 * columns left, into (N, C, Hp, Wp) with Hp = H_PADDED_H = 2·⌈outH / 2⌉ + 2 rows of Wp = H_PADDED_W floats, so that every
 * 4×4 input tile of every 2×2 output tile (partial ones at the bottom and right included) reads inside it.
 */
function padPlanes(h: usize): void {
  const planes = at(h, H_BATCH) * at(h, H_CIN);
  const inH = at(h, H_IN_H), inW = at(h, H_IN_W);
  const top = at(h, H_PAD_TOP), left = at(h, H_PAD_LEFT);
  const wp = at(h, H_PADDED_W);
  const hp = at(h, H_PADDED_H);
  const rowBytes = <usize>inW << 2;
  const input = <usize>at(h, H_INPUT);
  let dst = <usize>at(h, H_PADDED);
  const zero = f32x4.splat(0);
  for (let plane = 0; plane < planes; plane++) {
    let src = input + <usize>plane * <usize>inH * rowBytes;
    for (let y = 0; y < hp; y++) {
      const sy = y - top;
      if (sy < 0 || sy >= inH) {
        let i = 0;
        for (; i + 4 <= wp; i += 4) v128.store(dst + (<usize>i << 2), zero);
        for (; i < wp; i++) store<f32>(dst + (<usize>i << 2), 0);
      } else {
        for (let i = 0; i < left; i++) store<f32>(dst + (<usize>i << 2), 0);
        const body = dst + (<usize>left << 2);
        let i = 0;
        for (; i + 4 <= inW; i += 4) v128.store(body + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
        for (; i < inW; i++) store<f32>(body + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        for (let j = left + inW; j < wp; j++) store<f32>(dst + (<usize>j << 2), 0);
        src += rowBytes;
      }
      dst += <usize>wp << 2;
    }
  }
}

/**
 * The winograd-strided layout's input (a k4 s2 conv): plane (n, 2·a + b, ci) of (N, 4·Cin, Hp, Wp) holds at (y, x)
 * the input at (2y + a − padTop, 2x + b − padLeft), zero outside: output (oy, ox) then reads it at (oy + i, ox + j)
 * through sub-kernel w[2i + a][2j + b], a stride-1 2×2 correlation over 4·Cin channels.
 */
function padPhases(h: usize): void {
  const batch = at(h, H_BATCH), cin = at(h, H_CIN);
  const inH = at(h, H_IN_H), inW = at(h, H_IN_W);
  const top = at(h, H_PAD_TOP), left = at(h, H_PAD_LEFT);
  const wp = at(h, H_PADDED_W), hp = at(h, H_PADDED_H);
  const input = <usize>at(h, H_INPUT);
  const padded = <usize>at(h, H_PADDED);
  const planeBytes = <usize>(hp * wp) << 2;
  for (let n = 0; n < batch; n++) {
    for (let a = 0; a < 2; a++) {
      for (let ci = 0; ci < cin; ci++) {
        const plane = input + (<usize>((n * cin + ci) * inH * inW) << 2);
        // Phases (a, 0) and (a, 1) of channel ci: both from the same input rows.
        let even = padded + <usize>((n * 4 + 2 * a) * cin + ci) * planeBytes;
        let odd = even + <usize>cin * planeBytes;
        for (let y = 0; y < hp; y++) {
          const sy = 2 * y + a - top;
          if (sy < 0 || sy >= inH) {
            for (let x = 0; x < wp; x++) {
              store<f32>(even + (<usize>x << 2), 0);
              store<f32>(odd + (<usize>x << 2), 0);
            }
          } else {
            const row = plane + (<usize>(sy * inW) << 2);
            let x = 0;
            while (x < wp) {
              const sx = 2 * x - left;
              if (sx >= 0 && sx + 8 <= inW && x + 4 <= wp) {
                // Four of each phase: the even and odd lanes of 8 inputs.
                const v0 = v128.load(row + (<usize>sx << 2)), v1 = v128.load(row + (<usize>sx << 2), 16);
                v128.store(even + (<usize>x << 2), i32x4.shuffle(v0, v1, 0, 2, 4, 6));
                v128.store(odd + (<usize>x << 2), i32x4.shuffle(v0, v1, 1, 3, 5, 7));
                x += 4;
              } else {
                store<f32>(even + (<usize>x << 2), sx >= 0 && sx < inW ? load<f32>(row + (<usize>sx << 2)) : 0);
                store<f32>(odd + (<usize>x << 2), sx + 1 >= 0 && sx + 1 < inW ? load<f32>(row + (<usize>(sx + 1) << 2)) : 0);
                x++;
              }
            }
          }
          even += <usize>wp << 2;
          odd += <usize>wp << 2;
        }
      }
    }
  }
}
