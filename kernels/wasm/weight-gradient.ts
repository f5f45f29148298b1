// The weight gradient of a transposed convolution (the JS side: src/train/weight-gradient-wasm.ts), per group one GEMM
//   ∂W[ci, co·K + tap] = Σ_p X[ci, p] · G[p, co·K + tap],  G[p, co·K + tap] = ∂Y[n, co, i·s + tap·d − padBegin]
// over the input positions p = (n, i), G zero where that output is outside ∂Y. Every input position meets each tap at
// exactly one output (tap k feeds phase (k·d − padBegin) mod s of the plan's polyphase view), so no inserted zero is
// multiplied, only the border's; the same pairs as the per-phase loop (src/train/weight-gradient.ts) and as the
// native kernel (kernels/native/src/backward_weight.h). ∂W's rows are X's channels, read in place by the f32_wgrad
// tile through a table of the chunk's positions (X is never copied); its columns, (output channel, tap) pairs, are
// gathered from ∂Y 8 at a time into a panel of the chunk's kc rows, used by every row block of the group. The
// columns are ∂W's own layout (Cin, Cout/groups, taps), so the tiles store into ∂W directly. A task is one range of
// column blocks of one group, over all K; index.ts's `work` hands the tasks to the threads (LAYOUT_WEIGHT_GRADIENT).
import {
  WG_BATCH, WG_CIN, WG_COUT, WG_GROUPS, WG_X, WG_GRAD_OUTPUT, WG_GRAD_WEIGHT, WG_WORKSPACE, WG_KC, WG_IN, WG_OUT,
  WG_KERNEL, WG_STRIDE, WG_DILATION, WG_PAD_BEGIN, WG_MR, WG_NR, WG_WS_TILE_ARGS, WG_WS_TABLES, WG_WORKSPACE_BYTES,
  WG_TASKS_PER_GROUP, WG_BLOCKS_PER_TASK,
} from '../../src/engine/backends/wasm/weight-gradient-layout';
import { at } from './memory';
import { WgradTileArgs, f32_wgrad_4x8__simd128 } from './weight-gradient-tile';

/** ⌈a / b⌉ for b > 0 and any sign of a (i32 division truncates toward zero). */
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/** Task `task` of the ∂W header `h` on thread `tid`: its column blocks of ∂W for every input channel of its group (batch ≥ 1). */
export function runWeightGradientTask(h: usize, task: i32, tid: i32): void {
  const batch = at(h, WG_BATCH), cin = at(h, WG_CIN), cout = at(h, WG_COUT), groups = at(h, WG_GROUPS);
  const cinG = cin / groups, coutG = cout / groups;
  const inD = at(h, WG_IN), inH = at(h, WG_IN + 1), inW = at(h, WG_IN + 2);
  const outD = at(h, WG_OUT), outH = at(h, WG_OUT + 1), outW = at(h, WG_OUT + 2);
  const kD = at(h, WG_KERNEL), kH = at(h, WG_KERNEL + 1), kW = at(h, WG_KERNEL + 2);
  const sD = at(h, WG_STRIDE), sH = at(h, WG_STRIDE + 1), sW = at(h, WG_STRIDE + 2);
  const dD = at(h, WG_DILATION), dH = at(h, WG_DILATION + 1), dW = at(h, WG_DILATION + 2);
  const pD = at(h, WG_PAD_BEGIN), pH = at(h, WG_PAD_BEGIN + 1), pW = at(h, WG_PAD_BEGIN + 2);
  const taps = kD * kH * kW;
  const inSp = inD * inH * inW, outSp = outD * outH * outW;
  const x = <usize>at(h, WG_X), gy = <usize>at(h, WG_GRAD_OUTPUT), dw = <usize>at(h, WG_GRAD_WEIGHT);
  const kc = at(h, WG_KC);
  const ws = <usize>at(h, WG_WORKSPACE) + <usize>tid * <usize>at(h, WG_WORKSPACE_BYTES);
  const cols = coutG * taps;
  const colBlocks = (cols + WG_NR - 1) / WG_NR;
  const rowBlocks = (cinG + WG_MR - 1) / WG_MR;
  const args = changetype<WgradTileArgs>(ws + WG_WS_TILE_ARGS);
  args.rowBytes = <usize>cols << 2;
  args.columnBytes = 4;
  args.aRowBytes = <usize>inSp << 2;
  // Per K row: X's byte offset (image and position): the tile reads the rows there.
  const posX = ws + WG_WS_TABLES;
  const panel = posX + (<usize>kc << 2);
  const total = batch * inSp;
  args.positions = posX;
  const tasksPerGroup = at(h, WG_TASKS_PER_GROUP);
  const g = task / tasksPerGroup;
  const cbFirst = (task % tasksPerGroup) * at(h, WG_BLOCKS_PER_TASK);
  const cbEnd = min(colBlocks, cbFirst + at(h, WG_BLOCKS_PER_TASK));
  {
    const rows = x + (<usize>(g * cinG * inSp) << 2);
    const out = dw + (<usize>(g * cinG * cols) << 2);
    for (let k0 = 0; k0 < total; k0 += kc) {
      const kn = min(kc, total - k0);
      for (let k = 0; k < kn; k++) {
        const q = k0 + k;
        store<i32>(posX + (<usize>k << 2), ((q / inSp) * cin * inSp + q % inSp) << 2);
      }
      args.k = kn;
      args.accumulate = k0 > 0 ? 1 : 0;
      for (let cb = cbFirst; cb < cbEnd; cb++) {
        const validCols = min(WG_NR, cols - cb * WG_NR);
        // The panel: 8 (output channel, tap) columns of G for the chunk's K rows; zero outside ∂Y and past the columns.
        for (let lane = 0; lane < WG_NR; lane++) {
          const d = panel + (<usize>lane << 2);
          if (lane >= validCols) {
            for (let k = 0; k < kn; k++) store<f32>(d + (<usize>k << 5), 0);
            continue;
          }
          const c = cb * WG_NR + lane;
          const co = c / taps;
          const tap = c % taps;
          const tw = (tap % kW) * dW - pW, th = ((tap / kW) % kH) * dH - pH, td = (tap / (kW * kH)) * dD - pD;
          // Input positions along W in runs: input iw meets output iw·sW + tw, inside ∂Y for iw in [wLo, wHi).
          const wLo = ceilDiv(-tw, sW);
          const wHi = ceilDiv(outW - tw, sW);
          let k = 0;
          let q = k0;
          while (k < kn) {
            const n = q / inSp;
            const p = q % inSp;
            const iw = p % inW;
            const ih = (p / inW) % inH;
            const id = p / (inW * inH);
            const run = min(inW - iw, kn - k);
            const yd = id * sD + td, yh = ih * sH + th;
            const lo = <u32>yd < <u32>outD && <u32>yh < <u32>outH ? min(run, max(0, wLo - iw)) : run;
            const hi = lo < run ? max(lo, min(run, wHi - iw)) : run;
            let dst = d + (<usize>k << 5);
            for (let j = 0; j < lo; j++) { store<f32>(dst, 0); dst += 32; }
            if (hi > lo) {
              let src = gy + (<usize>(((n * cout + g * coutG + co) * outD + yd) * outH + yh) * <usize>outW << 2) + (<usize>((iw + lo) * sW + tw) << 2);
              const step = <usize>sW << 2;
              for (let j = lo; j < hi; j++) {
                store<f32>(dst, load<f32>(src));
                src += step;
                dst += 32;
              }
            }
            for (let j = hi; j < run; j++) { store<f32>(dst, 0); dst += 32; }
            k += run;
            q += run;
          }
        }
        args.b = panel;
        args.columns = validCols;
        for (let rb = 0; rb < rowBlocks; rb++) {
          args.a = rows + <usize>(rb * WG_MR) * args.aRowBytes;
          args.rows = min(WG_MR, cinG - rb * WG_MR);
          args.out = out + (<usize>(rb * WG_MR * cols + cb * WG_NR) << 2);
          f32_wgrad_4x8__simd128(args);
        }
      }
    }
  }
}
