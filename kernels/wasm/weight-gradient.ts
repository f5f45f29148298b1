// The weight gradient of a transposed convolution from the plan's polyphase view (the JS side:
// src/train/weight-gradient-wasm.ts). Tap k of an axis feeds one phase: input j + firstInput meets output
// firstOutput + stride·j (the header's ranges). So per tap the gradient is one GEMM,
//   ∂W[ci, co, tap] = Σ_(n, j) X[n, ci, j + firstInput] · ∂Y[n, co, firstOutput + stride·j],
// over the K = batch · ∏ count pairs: no zero products, each pair once. Per chunk of kc pairs, one operand (the
// columns: ∂Y's channels, or X's) is gathered into an 8-wide packed panel (at most 256 KiB: L2) and the f32_wgrad
// tile reads the other (the rows) in place through the chunk's table of pair offsets, so X, read by every tap, is
// never copied per tap (when its channels are the rows, the default). The tiles write a tap-major copy of ∂W (contiguous rows, whole-vector stores);
// weightGradientScatter turns it into ∂W's (Cin, Cout/groups, taps) layout in one pass. Writing ∂W directly put
// every tile's 32 outputs on 32 cache lines and swept the whole of ∂W once per tap and chunk.
// A task is one (group, tap); threads take tasks from an atomic counter (each writes its own part of the copy).
import {
  WG_BATCH, WG_CIN, WG_COUT, WG_GROUPS, WG_ROWS_FROM_X, WG_X, WG_GRAD_OUTPUT, WG_GRAD_WEIGHT, WG_WORKSPACE, WG_KC,
  WG_IN, WG_OUT, WG_KERNEL, WG_STRIDE, WG_RANGES, WG_TASK_COUNT, WG_NEXT_TASK, WG_WORKSPACE_BYTES, WG_TAP_MAJOR,
  R_FIRST_INPUT, R_FIRST_OUTPUT, R_COUNT, RANGE_INTS, WG_MR, WG_NR, WG_WS_TILE_ARGS, WG_WS_TABLES,
} from '../../src/engine/backends/wasm/weight-gradient-layout';
import { at } from './memory';
import { WgradTileArgs, f32_wgrad_4x8__simd128 } from './weight-gradient-tile';

/** One operand's gather: channels [first, first + count) of a tensor, `planeBytes` apart, at the chunk's K positions. */
@inline function packPanel(dest: usize, src: usize, first: i32, count: i32, planeBytes: usize, positions: usize, kn: i32, width: i32, kc: i32): void {
  const blocks = (count + width - 1) / width;
  const rowBytes = <usize>width << 2;
  for (let b = 0; b < blocks; b++) {
    const panel = dest + (<usize>(b * kc * width) << 2);
    for (let lane = 0; lane < width; lane++) {
      const c = b * width + lane;
      let d = panel + (<usize>lane << 2);
      if (c >= count) {
        for (let k = 0; k < kn; k++) { store<f32>(d, 0); d += rowBytes; }
        continue;
      }
      const plane = src + <usize>(first + c) * planeBytes;
      for (let k = 0; k < kn; k++) {
        store<f32>(d, load<f32>(plane + <usize>at(positions, k)));
        d += rowBytes;
      }
    }
  }
}

/** Runs (group, tap) tasks until none are left, writing the tap-major copy; returns how many this thread ran. */
export function weightGradient(h: usize, tid: i32): i32 {
  const batch = at(h, WG_BATCH), cin = at(h, WG_CIN), cout = at(h, WG_COUT), groups = at(h, WG_GROUPS);
  const cinG = cin / groups, coutG = cout / groups;
  const inD = at(h, WG_IN), inH = at(h, WG_IN + 1), inW = at(h, WG_IN + 2);
  const outD = at(h, WG_OUT), outH = at(h, WG_OUT + 1), outW = at(h, WG_OUT + 2);
  const kD = at(h, WG_KERNEL), kH = at(h, WG_KERNEL + 1), kW = at(h, WG_KERNEL + 2);
  const sD = at(h, WG_STRIDE), sH = at(h, WG_STRIDE + 1), sW = at(h, WG_STRIDE + 2);
  const rD = <usize>at(h, WG_RANGES), rH = <usize>at(h, WG_RANGES + 1), rW = <usize>at(h, WG_RANGES + 2);
  const kSp = kD * kH * kW;
  const inSp = inD * inH * inW, outSp = outD * outH * outW;
  const x = <usize>at(h, WG_X), gy = <usize>at(h, WG_GRAD_OUTPUT);
  const tapMajor = <usize>at(h, WG_TAP_MAJOR);
  const kc = at(h, WG_KC);
  const ws = <usize>at(h, WG_WORKSPACE) + <usize>tid * <usize>at(h, WG_WORKSPACE_BYTES);
  const rowsFromX = at(h, WG_ROWS_FROM_X) != 0;
  // The tile's rows and columns: channels of X and of ∂Y, or the other way round.
  const rowCount = rowsFromX ? cinG : coutG;
  const colCount = rowsFromX ? coutG : cinG;
  const colBlocks = (colCount + WG_NR - 1) / WG_NR;
  const args = changetype<WgradTileArgs>(ws + WG_WS_TILE_ARGS);
  args.rowBytes = <usize>colCount << 2;
  args.columnBytes = 4;
  args.aRowBytes = rowsFromX ? <usize>inSp << 2 : <usize>outSp << 2;
  const posX = ws + WG_WS_TABLES;
  const posY = posX + (<usize>kc << 2);
  const colPanel = posY + (<usize>kc << 2);
  const xPlane = <usize>inSp << 2, yPlane = <usize>outSp << 2;
  const count = at(h, WG_TASK_COUNT);
  let ran = 0;
  while (true) {
    const task = atomic.add<i32>(h + (<usize>WG_NEXT_TASK << 2), 1);
    if (task >= count) break;
    ran++;
    const g = task / kSp;
    const tap = task % kSp;
    const kw = tap % kW, kh = (tap / kW) % kH, kd = tap / (kW * kH);
    const fiD = at(rD, kd * RANGE_INTS + R_FIRST_INPUT), foD = at(rD, kd * RANGE_INTS + R_FIRST_OUTPUT), cD = at(rD, kd * RANGE_INTS + R_COUNT);
    const fiH = at(rH, kh * RANGE_INTS + R_FIRST_INPUT), foH = at(rH, kh * RANGE_INTS + R_FIRST_OUTPUT), cH = at(rH, kh * RANGE_INTS + R_COUNT);
    const fiW = at(rW, kw * RANGE_INTS + R_FIRST_INPUT), foW = at(rW, kw * RANGE_INTS + R_FIRST_OUTPUT), cW = at(rW, kw * RANGE_INTS + R_COUNT);
    // This task's (rows, columns) block of the tap-major copy (task = g · taps + tap).
    const out = tapMajor + (<usize>task * <usize>(rowCount * colCount) << 2);
    const positions = cD * cH * cW;
    const total = batch * positions;
    if (total == 0) {
      // The tap pairs nothing (it only ever reads outside the output): its gradient is 0.
      memory.fill(out, 0, <usize>(rowCount * colCount) << 2);
      continue;
    }
    for (let k0 = 0; k0 < total; k0 += kc) {
      const kn = min(kc, total - k0);
      // The chunk's pairs as byte offsets of X and ∂Y from channel 0 of image 0 (channel planes are added in packPanel).
      let n = k0 / positions;
      const p = k0 % positions;
      let jw = p % cW;
      let jh = (p / cW) % cH;
      let jd = p / (cW * cH);
      for (let k = 0; k < kn; k++) {
        const xi = n * cin * inSp + ((fiD + jd) * inH + fiH + jh) * inW + fiW + jw;
        const yi = n * cout * outSp + ((foD + sD * jd) * outH + foH + sH * jh) * outW + foW + sW * jw;
        store<i32>(posX + (<usize>k << 2), xi << 2);
        store<i32>(posY + (<usize>k << 2), yi << 2);
        if (++jw == cW) {
          jw = 0;
          if (++jh == cH) {
            jh = 0;
            if (++jd == cD) { jd = 0; n++; }
          }
        }
      }
      if (rowsFromX) packPanel(colPanel, gy, g * coutG, coutG, yPlane, posY, kn, WG_NR, kc);
      else packPanel(colPanel, x, g * cinG, cinG, xPlane, posX, kn, WG_NR, kc);
      args.k = kn;
      args.accumulate = k0 > 0 ? 1 : 0;
      args.positions = rowsFromX ? posX : posY;
      const rowBase = rowsFromX ? x + <usize>(g * cinG) * xPlane : gy + <usize>(g * coutG) * yPlane;
      const rowBlocks = (rowCount + WG_MR - 1) / WG_MR;
      for (let cb = 0; cb < colBlocks; cb++) {
        args.b = colPanel + (<usize>(cb * WG_NR * kc) << 2);
        args.columns = min(WG_NR, colCount - cb * WG_NR);
        for (let rb = 0; rb < rowBlocks; rb++) {
          args.a = rowBase + <usize>(rb * WG_MR) * args.aRowBytes;
          args.rows = min(WG_MR, rowCount - rb * WG_MR);
          args.out = out + (<usize>(rb * WG_MR * colCount + cb * WG_NR) << 2);
          f32_wgrad_4x8__simd128(args);
        }
      }
    }
  }
  return ran;
}

/** ∂W[(g·cinG + ci)·coutG + co][tap] from the tap-major copy, written in ∂W's order (one thread, after the tasks). */
export function weightGradientScatter(h: usize): void {
  const groups = at(h, WG_GROUPS);
  const cinG = at(h, WG_CIN) / groups, coutG = at(h, WG_COUT) / groups;
  const kSp = at(h, WG_KERNEL) * at(h, WG_KERNEL + 1) * at(h, WG_KERNEL + 2);
  const rowsFromX = at(h, WG_ROWS_FROM_X) != 0;
  const colCount = rowsFromX ? coutG : cinG;
  const block = <usize>(cinG * coutG) << 2;
  // Strides of ci and co in a tap's (rows, columns) block.
  const ciBytes: usize = rowsFromX ? <usize>colCount << 2 : 4;
  const coBytes: usize = rowsFromX ? 4 : <usize>colCount << 2;
  const tapMajor = <usize>at(h, WG_TAP_MAJOR);
  let dst = <usize>at(h, WG_GRAD_WEIGHT);
  for (let g = 0; g < groups; g++) {
    const groupBase = tapMajor + <usize>(g * kSp) * block;
    for (let ci = 0; ci < cinG; ci++) {
      for (let co = 0; co < coutG; co++) {
        let src = groupBase + <usize>ci * ciBytes + <usize>co * coBytes;
        for (let t = 0; t < kSp; t++) {
          store<f32>(dst, load<f32>(src));
          dst += 4;
          src += block;
        }
      }
    }
  }
}
