// The f32_wgrad tile of the simd128 set (docs/kernels.md grammar): 4 rows × 8 columns of the weight gradient of one
// tap, C[r, c] (+)= Σ_k A[r, pos[k]] · B[k, c]. A is read in place: row r is a channel plane of X or ∂Y (`aRowBytes`
// apart), and the tap's K pairs are a table of byte offsets into the planes, so the rows' tensor is never copied.
// B is a panel packed by the caller (weight-gradient.ts), 8 floats per K row. Unlike f32_gemm, the weights side is a
// gathered tensor (no packed weights, no segment list) and the output's columns are a fixed step apart.

/** The tile's one argument, a struct in the workspace (as tile-args.ts's structs). */
@unmanaged export class WgradTileArgs {
  /** Row 0's plane; row r's is `a + r · aRowBytes` (rows past `rows` are never read). */
  a: usize = 0;
  aRowBytes: usize = 0;
  /** int32[k]: the byte offset of each K pair in a plane. */
  positions: usize = 0;
  /** Columns panel: 8 floats per K row (columns past `columns` are zero). */
  b: usize = 0;
  /** K rows of both panels. */
  k: i32 = 0;
  /** Address of C[0, 0]. */
  out: usize = 0;
  /** Bytes between C's rows, and between its columns. */
  rowBytes: usize = 0;
  columnBytes: usize = 0;
  /** Rows (1…4) and columns (1…8) of C that exist: the remainders. */
  rows: i32 = 0;
  columns: i32 = 0;
  /** 0: C = A·B (the first K chunk); 1: C += A·B (later chunks). */
  accumulate: i32 = 0;
}

/** Loads the `cols` existing columns of one of C's rows (half 0: columns 0–3, half 1: 4–7), zeros past them. */
@inline function loadRow(row: usize, step: usize, cols: i32, half: i32): v128 {
  let v = f32x4.splat(0);
  const c = half << 2;
  if (cols > c) v = f32x4.replace_lane(v, 0, load<f32>(row + <usize>c * step));
  if (cols > c + 1) v = f32x4.replace_lane(v, 1, load<f32>(row + <usize>(c + 1) * step));
  if (cols > c + 2) v = f32x4.replace_lane(v, 2, load<f32>(row + <usize>(c + 2) * step));
  if (cols > c + 3) v = f32x4.replace_lane(v, 3, load<f32>(row + <usize>(c + 3) * step));
  return v;
}

@inline function storeRow(row: usize, step: usize, cols: i32, lo: v128, hi: v128): void {
  if (step == 4 && cols == 8) {
    v128.store(row, lo);
    v128.store(row, hi, 16);
    return;
  }
  store<f32>(row, f32x4.extract_lane(lo, 0));
  if (cols > 1) store<f32>(row + step, f32x4.extract_lane(lo, 1));
  if (cols > 2) store<f32>(row + 2 * step, f32x4.extract_lane(lo, 2));
  if (cols > 3) store<f32>(row + 3 * step, f32x4.extract_lane(lo, 3));
  if (cols > 4) store<f32>(row + 4 * step, f32x4.extract_lane(hi, 0));
  if (cols > 5) store<f32>(row + 5 * step, f32x4.extract_lane(hi, 1));
  if (cols > 6) store<f32>(row + 6 * step, f32x4.extract_lane(hi, 2));
  if (cols > 7) store<f32>(row + 7 * step, f32x4.extract_lane(hi, 3));
}

/**
 * ROWS × 8 register tile: 2·ROWS f32x4 accumulators; per K row one position, two column vectors and one broadcast per
 * row, mul then add (no FMA in SIMD128), in K order. ROWS is a constant at every call, so unused rows compile away.
 */
@inline function wgradTile(t: WgradTileArgs, ROWS: i32): void {
  const rowBytes = t.rowBytes;
  const step = t.columnBytes;
  const cols = t.columns;
  const r0 = t.out;
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  const zero = f32x4.splat(0);
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  if (t.accumulate) {
    c00 = loadRow(r0, step, cols, 0);
    c01 = loadRow(r0, step, cols, 1);
    if (ROWS > 1) { c10 = loadRow(r1, step, cols, 0); c11 = loadRow(r1, step, cols, 1); }
    if (ROWS > 2) { c20 = loadRow(r2, step, cols, 0); c21 = loadRow(r2, step, cols, 1); }
    if (ROWS > 3) { c30 = loadRow(r3, step, cols, 0); c31 = loadRow(r3, step, cols, 1); }
  }
  const a0 = t.a;
  const a1 = a0 + t.aRowBytes, a2 = a1 + t.aRowBytes, a3 = a2 + t.aRowBytes;
  let pp = t.positions;
  let bp = t.b;
  const n = t.k;
  for (let kk = 0; kk < n; kk++) {
    const off = <usize>load<i32>(pp);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let w = v128.load32_splat(a0 + off);
    c00 = f32x4.add(c00, f32x4.mul(w, b0));
    c01 = f32x4.add(c01, f32x4.mul(w, b1));
    if (ROWS > 1) {
      w = v128.load32_splat(a1 + off);
      c10 = f32x4.add(c10, f32x4.mul(w, b0));
      c11 = f32x4.add(c11, f32x4.mul(w, b1));
    }
    if (ROWS > 2) {
      w = v128.load32_splat(a2 + off);
      c20 = f32x4.add(c20, f32x4.mul(w, b0));
      c21 = f32x4.add(c21, f32x4.mul(w, b1));
    }
    if (ROWS > 3) {
      w = v128.load32_splat(a3 + off);
      c30 = f32x4.add(c30, f32x4.mul(w, b0));
      c31 = f32x4.add(c31, f32x4.mul(w, b1));
    }
    pp += 4;
    bp += 32;
  }
  storeRow(r0, step, cols, c00, c01);
  if (ROWS > 1) storeRow(r1, step, cols, c10, c11);
  if (ROWS > 2) storeRow(r2, step, cols, c20, c21);
  if (ROWS > 3) storeRow(r3, step, cols, c30, c31);
}

/** Up to 4 rows × 8 columns of one tap's ∂W; `t.rows` picks the row-remainder instance. */
export function f32_wgrad_4x8__simd128(t: WgradTileArgs): void {
  const rows = t.rows;
  if (rows == 4) wgradTile(t, 4);
  else if (rows == 3) wgradTile(t, 3);
  else if (rows == 2) wgradTile(t, 2);
  else wgradTile(t, 1);
}
