// The f32_gemm tiles of the simd128 set (docs/kernels.md grammar): MR output channels × NR = 8 columns of a packed
// panel, one template `gemmTile<ROWS>` instantiated for every row count 1…MR (the row remainders).
import { at, loadColumns, storeActivation, storeColumns } from './memory';
import { GemmTileArgs } from './tile-args';

/**
 * ROWS × 8 register tile: 2·ROWS f32x4 accumulators, per K step two panel vectors and one broadcast weight per row;
 * mul + add (SIMD128 has no fused multiply-add), in K order: the reduction order every kernel keeps. ROWS is a
 * constant at every call, so the unused rows compile away.
 */
@inline function gemmTile(t: GemmTileArgs, ROWS: i32): void {
  const rowBytes = t.channelBytes;
  const r0 = t.out;
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  const colOut = t.columns;
  const cols = t.validColumns;
  const zero = f32x4.splat(0);
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (!t.accumulate) {
    const bias = t.bias;
    if (bias != 0) {
      c00 = v128.load32_splat(bias);
      c10 = ROWS > 1 ? v128.load32_splat(bias, 4) : zero;
      c20 = ROWS > 2 ? v128.load32_splat(bias, 8) : zero;
      c30 = ROWS > 3 ? v128.load32_splat(bias, 12) : zero;
    } else {
      c00 = zero;
      c10 = zero;
      c20 = zero;
      c30 = zero;
    }
    c01 = c00;
    c11 = c10;
    c21 = c20;
    c31 = c30;
  } else {
    c00 = loadColumns(r0, colOut, cols, 0);
    c01 = loadColumns(r0, colOut, cols, 1);
    c10 = ROWS > 1 ? loadColumns(r1, colOut, cols, 0) : zero;
    c11 = ROWS > 1 ? loadColumns(r1, colOut, cols, 1) : zero;
    c20 = ROWS > 2 ? loadColumns(r2, colOut, cols, 0) : zero;
    c21 = ROWS > 2 ? loadColumns(r2, colOut, cols, 1) : zero;
    c30 = ROWS > 3 ? loadColumns(r3, colOut, cols, 0) : zero;
    c31 = ROWS > 3 ? loadColumns(r3, colOut, cols, 1) : zero;
  }
  const a = t.a;
  const segs = t.segments;
  const nseg = t.segmentCount;
  let bp = t.b;
  for (let g = 0; g < nseg; g++) {
    let ap = a + (<usize>at(segs, 2 * g) << 4);
    const n = at(segs, 2 * g + 1);
    for (let kk = 0; kk < n; kk++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let w = v128.load32_splat(ap);
      c00 = f32x4.add(c00, f32x4.mul(w, b0));
      c01 = f32x4.add(c01, f32x4.mul(w, b1));
      if (ROWS > 1) {
        w = v128.load32_splat(ap, 4);
        c10 = f32x4.add(c10, f32x4.mul(w, b0));
        c11 = f32x4.add(c11, f32x4.mul(w, b1));
      }
      if (ROWS > 2) {
        w = v128.load32_splat(ap, 8);
        c20 = f32x4.add(c20, f32x4.mul(w, b0));
        c21 = f32x4.add(c21, f32x4.mul(w, b1));
      }
      if (ROWS > 3) {
        w = v128.load32_splat(ap, 12);
        c30 = f32x4.add(c30, f32x4.mul(w, b0));
        c31 = f32x4.add(c31, f32x4.mul(w, b1));
      }
      ap += 16;
      bp += 32;
    }
  }
  const act = t.activation;
  if (act != 0) {
    const alpha = t.alpha;
    c00 = storeActivation(c00, act, alpha);
    c01 = storeActivation(c01, act, alpha);
    if (ROWS > 1) {
      c10 = storeActivation(c10, act, alpha);
      c11 = storeActivation(c11, act, alpha);
    }
    if (ROWS > 2) {
      c20 = storeActivation(c20, act, alpha);
      c21 = storeActivation(c21, act, alpha);
    }
    if (ROWS > 3) {
      c30 = storeActivation(c30, act, alpha);
      c31 = storeActivation(c31, act, alpha);
    }
  }
  const contiguous = t.contiguous;
  storeColumns(r0, colOut, cols, contiguous, c00, c01);
  if (ROWS > 1) storeColumns(r1, colOut, cols, contiguous, c10, c11);
  if (ROWS > 2) storeColumns(r2, colOut, cols, contiguous, c20, c21);
  if (ROWS > 3) storeColumns(r3, colOut, cols, contiguous, c30, c31);
}

/** Up to 4 output channels × 8 columns of a packed panel; `t.rows` picks the row-remainder instance. */
export function f32_gemm_4x8__simd128(t: GemmTileArgs): void {
  const rows = t.rows;
  if (rows == 4) gemmTile(t, 4);
  else if (rows == 3) gemmTile(t, 3);
  else if (rows == 2) gemmTile(t, 2);
  else gemmTile(t, 1);
}
