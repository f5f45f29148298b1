// One task of the winograd layout (layout.ts LAYOUT_WINOGRAD): a stride-1 3×3 conv computed as Winograd's minimal
// filtering F(2×2, 3×3) (Lavin & Gray 2015). Each 2×2 output tile is the output transform of the elementwise product
// of its 4×4 input tile's transform and the weights' transform, summed over input channels:
//   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// 16 multiplies per (ci, co) and tile instead of 36. The weights' transform U = G g Gᵀ is done at pack time
// (src/engine/backends/wasm/pack.ts packWinograd): U[ξ][row block][ci][4], ξ = 4·i + j of the 4×4 transform domain.
// A task is a range of tiles (n, tile row, tile column flattened) and of output row blocks: it transforms its tiles'
// inputs once into the workspace, V[ξ][panel][ci][8 tiles] (a packed panel as the f32_gemm tile reads it), runs the
// 16 GEMMs M_ξ[channels][tiles] = U_ξ · V_ξ over its row blocks (gemm4x8: the f32_gemm_4x8 tile's loop, inlined: the
// calls cost 10–20% at K = 16–32), then per row block the output transform, which adds the bias and applies the
// activation as it stores. Every value depends on its tile alone, summed over ci in order, so the bits are the same however tiles and
// blocks are split between tasks and threads.
// The same task runs LAYOUT_WINOGRAD_STRIDED: a k4 s2 conv as F(3×3, 2×2) over the input's 4 phases (K = 4·Cin
// channels of 2×2 sub-kernels, phase (a, b) read from the input's rows and columns of parity a and b by transformInput):
// 3×3 output tiles read 4×4 input tiles 3 apart, the same input
// transform (Bᵀ of points 0, 1, −1, ∞ as above; G's last row negated to match, pack.ts) and Aᵀ of F(3, 2).
import {
  H_ACTIVATION, H_ALPHA, H_BIAS, H_COMBOS, H_IN_H, H_IN_W, H_INPUT, H_KC, H_LAYOUT, H_M, H_NC, H_OUT_H, H_OUT_W, H_OUTPUT,
  H_PAD_LEFT, H_PAD_TOP, H_TASKS, LAYOUT_WINOGRAD_STRIDED, LAYOUT_WINOGRAD_TRANSPOSED,
  C_COUNT, C_OFFSETS, C_OUT_FIRST, C_OUT_STEP, COMBO_INTS, T_COMBO,
  C_WEIGHTS, TASK_INTS, T_END_COLUMN, T_FIRST_COLUMN, T_WINOGRAD_END_BLOCK, T_WINOGRAD_FIRST_BLOCK, MR, NR,
  WS_PANELS, WS_WINOGRAD,
} from '../../src/engine/backends/wasm/layout';
import { at, storeActivation } from './memory';

/** The tiling of the output: tile size, K, tiles per row and per image, the output's size. */
@unmanaged class Tiling {
  /** Outputs per tile along each axis (2: F(2×2, 3×3); 3: F(3×3, 2×2)), also the step between input tiles. */
  step: i32 = 0;
  /** The GEMMs' K: Cin, or 4·Cin phase channels when strided. */
  k: i32 = 0;
  tilesW: i32 = 0;
  tiles: i32 = 0;
  /** Outputs the tiles cover (the layer's, or one output phase's of a transposed conv), along H and W. */
  outH: i32 = 0;
  outW: i32 = 0;
  /** Input rows and columns between a tile's values (2: the 4 phases of a strided conv), channels per phase (K or K/4). */
  scale: i32 = 1;
  cin: i32 = 0;
  /** Where tile (0, 0)'s input window starts: input row −top, column −left (the padding, or a phase's first offset). */
  top: i32 = 0;
  left: i32 = 0;
  /** Output (i, j) of the tiles lies at row firstY + outStep·i, column firstX + outStep·j of planes fullH × fullW. */
  firstY: i32 = 0;
  firstX: i32 = 0;
  outStep: i32 = 1;
  fullH: i32 = 0;
  fullW: i32 = 0;
}

/** The transforms' scratch at WS_PANELS (the Tiling after it, then WS_WINOGRAD): 21 vectors of transformOutput3, or transformInput's 16 vectors and 4 lanes' 16 bytes. */
const SCRATCH_BYTES: usize = 384;

export function runWinogradTask(h: usize, task: i32, ws: usize): void {
  const it = <usize>at(h, H_TASKS) + (<usize>(task * TASK_INTS) << 2);
  const first = at(it, T_FIRST_COLUMN), count = at(it, T_END_COLUMN) - first;
  const block0 = at(it, T_WINOGRAD_FIRST_BLOCK), block1 = at(it, T_WINOGRAD_END_BLOCK);
  const k = at(h, H_KC), m = at(h, H_M), nt = at(h, H_NC);
  const panels = (count + NR - 1) / NR;
  const tiling = changetype<Tiling>(ws + WS_PANELS + SCRATCH_BYTES);
  const layout = at(h, H_LAYOUT);
  const strided = layout == LAYOUT_WINOGRAD_STRIDED;
  const transposed = layout == LAYOUT_WINOGRAD_TRANSPOSED;
  const step = strided || transposed ? 3 : 2;
  let outH = at(h, H_OUT_H), outW = at(h, H_OUT_W);
  let weights = <usize>at(<usize>at(h, H_COMBOS), C_WEIGHTS);
  tiling.fullH = outH;
  tiling.fullW = outW;
  tiling.firstY = 0;
  tiling.firstX = 0;
  tiling.outStep = 1;
  tiling.top = at(h, H_PAD_TOP);
  tiling.left = at(h, H_PAD_LEFT);
  if (transposed) {
    // One output phase (the task's combo) of a k4 s2 transposed conv: a stride-1 2×2 correlation of X whose taps read
    // offsets o and o + 1 on each axis, its outputs every second row and column of the output from (firstY, firstX).
    const combo = <usize>at(h, H_COMBOS) + (<usize>(at(it, T_COMBO) * COMBO_INTS) << 2);
    outH = at(combo, C_COUNT + 1);
    outW = at(combo, C_COUNT + 2);
    weights = <usize>at(combo, C_WEIGHTS);
    tiling.firstY = at(combo, C_OUT_FIRST + 1);
    tiling.firstX = at(combo, C_OUT_FIRST + 2);
    tiling.outStep = at(combo, C_OUT_STEP + 2);
    const offY = <usize>at(combo, C_OFFSETS + 1), offX = <usize>at(combo, C_OFFSETS + 2);
    tiling.top = -min(load<i32>(offY), load<i32>(offY, 4));
    tiling.left = -min(load<i32>(offX), load<i32>(offX, 4));
  }
  const tilesH = (outH + step - 1) / step;
  tiling.step = step;
  tiling.k = k;
  tiling.scale = strided ? 2 : 1;
  tiling.cin = strided ? k >> 2 : k;
  tiling.tilesW = (outW + step - 1) / step;
  tiling.tiles = tilesH * tiling.tilesW;
  tiling.outH = outH;
  tiling.outW = outW;
  const blocks = (m + MR - 1) / MR;
  // M[ξ][the task's rows][nt]: all 16 before the output transform, so each V_ξ (K × 8 tiles per panel) is read by
  // every row block while it is in L1 and U streams once per task (the other order re-read all of V per row block:
  // 1.3–1.6× slower at K = 256–512, docs/perf-log.md).
  const rows = (block1 - block0) * MR;
  const gemmOut = ws + WS_WINOGRAD;
  const v = gemmOut + (<usize>(16 * blocks * MR * nt) << 2);
  transformInput(h, tiling, ws + WS_PANELS, first, count, panels, v);

  const uXiBytes = <usize>(blocks * k) << 4;
  const vXiBytes = <usize>(panels * k * NR) << 2;
  const mXiBytes = <usize>(rows * nt) << 2;
  const rowBytes = <usize>nt << 2;
  for (let xi = 0; xi < 16; xi++) {
    const vx = v + <usize>xi * vXiBytes;
    const mx = gemmOut + <usize>xi * mXiBytes;
    for (let block = block0; block < block1; block++) {
      const ap = weights + <usize>xi * uXiBytes + (<usize>(block * k) << 4);
      const out = mx + <usize>(block - block0) * MR * rowBytes;
      for (let p = 0; p < panels; p++) gemm4x8(ap, vx + (<usize>(p * k * NR) << 2), out + (<usize>(p * NR) << 2), rowBytes, k);
    }
  }
  for (let block = block0; block < block1; block++) {
    const co = block * MR;
    const mb = gemmOut + <usize>(block - block0) * MR * rowBytes;
    if (step == 3) transformOutput3(h, tiling, ws + WS_PANELS, mb, nt, mXiBytes, first, count, co, min(MR, m - co));
    else transformOutput(h, tiling, ws + WS_PANELS, mb, nt, mXiBytes, first, count, co, min(MR, m - co));
  }
}

/**
 * M[4 channels][8 tiles] = U_ξ · V_ξ over K (Cin, or 4·Cin phase channels): the f32_gemm_4x8 tile's loop (same products
 * and sums, in K order) without its per-call work (bias, accumulation, activation, column table, row remainders: the
 * packed U's rows past M are zero, so all 4 rows are computed), inlined into every (ξ, row block, panel) call.
 */
@inline function gemm4x8(a: usize, b: usize, out: usize, rowBytes: usize, k: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let ap = a, bp = b;
  for (let kk = 0; kk < k; kk++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let w = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(w, b0));
    c01 = f32x4.add(c01, f32x4.mul(w, b1));
    w = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(w, b0));
    c11 = f32x4.add(c11, f32x4.mul(w, b1));
    w = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(w, b0));
    c21 = f32x4.add(c21, f32x4.mul(w, b1));
    w = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(w, b0));
    c31 = f32x4.add(c31, f32x4.mul(w, b1));
    ap += 16;
    bp += 32;
  }
  v128.store(out, c00);
  v128.store(out, c01, 16);
  v128.store(out + rowBytes, c10);
  v128.store(out + rowBytes, c11, 16);
  v128.store(out + 2 * rowBytes, c20);
  v128.store(out + 2 * rowBytes, c21, 16);
  v128.store(out + 3 * rowBytes, c30);
  v128.store(out + 3 * rowBytes, c31, 16);
}

/**
 * Bᵀ d B of 4 tiles at a time (lanes = tiles), for every input channel: V[ξ][panel][K][8], read straight from the
 * unpadded input (N, Cin, H, W) — the tasks do the padding and the phase split themselves, so two threads share it
 * and no serial pass runs before them. Input tile (tile row tr, column tc) of channel k = phase·Cin + ci reads rows
 * s·(step·tr + y) + a − padTop and columns s·(step·tc + x) + b − padLeft (y, x < 4; s = 1, a = b = 0 for F(2×2, 3×3);
 * s = 2 and phase (a, b) for F(3×3, 2×2)), zero outside the input. Four 2×2 tiles side by side in one tile row read
 * their rows by two loads and two shuffles (from the input, or at a border from 4 rows of 10 copied into the scratch);
 * other groups (and every group of 3×3 tiles: their gather is a small part of a K of 4·Cin) gather lane by lane
 * through the scratch, the missing lanes repeating the task's last tile.
 */
function transformInput(h: usize, tiling: Tiling, scratch: usize, first: i32, count: i32, panels: i32, v: usize): void {
  const k = tiling.k, step = tiling.step;
  const cin = tiling.cin, scale = tiling.scale;
  const input = <usize>at(h, H_INPUT);
  const inH = at(h, H_IN_H), inW = at(h, H_IN_W);
  const top = tiling.top, left = tiling.left;
  const tilesW = tiling.tilesW, tiles = tiling.tiles;
  const rowBytes = <usize>inW << 2;
  const planeBytes = <usize>inH * rowBytes;
  const xiBytes = <usize>(panels * k * NR) << 2;
  // Per lane at scratch + 256: its image's first plane (byte offset), the window's first row and column, and whether
  // the whole window (4·s rows and columns) lies inside the input.
  const lanes = scratch + 256;
  for (let group = 0; group < 2 * panels; group++) {
    const t0 = first + 4 * group;
    const valid = min(4, first + count - t0);
    const dst0 = v + (<usize>((group >> 1) * k * NR + (group & 1) * 4) << 2);
    if (valid <= 0) {
      // The last panel's empty half: zeros (workspace garbage could hold subnormals, slow on x64).
      for (let xi = 0; xi < 16; xi++) {
        let dst = dst0 + <usize>xi * xiBytes;
        for (let kk = 0; kk < k; kk++) {
          v128.store(dst, f32x4.splat(0));
          dst += NR << 2;
        }
      }
      continue;
    }
    for (let lane = 0; lane < 4; lane++) {
      const t = t0 + min(lane, valid - 1);
      const n = t / tiles, r = t % tiles;
      const sy0 = scale * step * (r / tilesW) - top, sx0 = scale * step * (r % tilesW) - left;
      const info = lanes + (<usize>lane << 4);
      store<i32>(info, n * cin);
      store<i32>(info, sy0, 4);
      store<i32>(info, sx0, 8);
      store<i32>(info, i32(sy0 >= 0 && sy0 + 4 * scale <= inH && sx0 >= 0 && sx0 + 4 * scale <= inW), 12);
    }
    const n0 = load<i32>(lanes), sy0 = load<i32>(lanes, 4), sx0 = load<i32>(lanes, 8);
    const sameRow = step == 2 && valid == 4 && (t0 % tiles) % tilesW + 4 <= tilesW;
    // The 4 rows of 10 columns the 4 tiles read lie inside the input: read in place.
    const rowInside = sameRow && sy0 >= 0 && sy0 + 4 <= inH && sx0 >= 0 && sx0 + 10 <= inW;
    // Else, columns sx0 … sx0 + 9 through masks of the columns inside the input (lanes of columns 0–3, 4–7, 6–9).
    const nearRow = sameRow && sx0 >= -16 && sx0 + 10 <= inW + 16;
    const iota = i32x4(0, 1, 2, 3), width = i32x4.splat(inW), zero = i32x4.splat(0);
    const col0 = i32x4.add(i32x4.splat(sx0), iota);
    const col4 = i32x4.add(col0, i32x4.splat(4)), col6 = i32x4.add(col0, i32x4.splat(6));
    const col2 = i32x4.add(col0, i32x4.splat(2));
    const mask0 = v128.and(i32x4.ge_s(col0, zero), i32x4.lt_s(col0, width));
    const mask2 = v128.and(i32x4.ge_s(col2, zero), i32x4.lt_s(col2, width));
    const mask4 = v128.and(i32x4.ge_s(col4, zero), i32x4.lt_s(col4, width));
    const mask6 = v128.and(i32x4.ge_s(col6, zero), i32x4.lt_s(col6, width));
    // Rows outside the input read a zero row (scratch + 192, 40 bytes and more) instead.
    const zeroRow = scratch + 192;
    if (nearRow && !rowInside) {
      v128.store(zeroRow, zero);
      v128.store(zeroRow, zero, 16);
      v128.store(zeroRow, zero, 32);
    }
    const ok0 = sy0 >= 0 && sy0 < inH, ok1 = sy0 + 1 >= 0 && sy0 + 1 < inH;
    const ok2 = sy0 + 2 >= 0 && sy0 + 2 < inH, ok3 = sy0 + 3 >= 0 && sy0 + 3 < inH;
    const rowAt = <usize>(sy0 * inW + sx0) << 2;
    let dst = dst0;
    let ci = 0, phase = 0;
    for (let kk = 0; kk < k; kk++) {
      let d00: v128, d01: v128, d02: v128, d03: v128, d10: v128, d11: v128, d12: v128, d13: v128;
      let d20: v128, d21: v128, d22: v128, d23: v128, d30: v128, d31: v128, d32: v128, d33: v128;
      if (sameRow) {
        const plane = input + <usize>(n0 + ci) * planeBytes;
        let p: usize, rb: usize;
        if (nearRow && !rowInside) {
          // At a border: each row's 10 columns by the same 4 loads, columns outside the input masked to zero (the loads
          // stay within 16 floats of the input: inside the call's memory block), rows outside it from the zero row.
          const q = plane + rowAt;
          let r = select<usize>(q, zeroRow, ok0);
          let a = v128.and(v128.load(r), mask0), b = v128.and(v128.load(r, 16), mask4);
          let c = v128.and(v128.load(r, 8), mask2), e = v128.and(v128.load(r, 24), mask6);
          d00 = i32x4.shuffle(a, b, 0, 2, 4, 6); d01 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d02 = i32x4.shuffle(c, e, 0, 2, 4, 6); d03 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          r = select<usize>(q + rowBytes, zeroRow, ok1);
          a = v128.and(v128.load(r), mask0); b = v128.and(v128.load(r, 16), mask4);
          c = v128.and(v128.load(r, 8), mask2); e = v128.and(v128.load(r, 24), mask6);
          d10 = i32x4.shuffle(a, b, 0, 2, 4, 6); d11 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d12 = i32x4.shuffle(c, e, 0, 2, 4, 6); d13 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          r = select<usize>(q + 2 * rowBytes, zeroRow, ok2);
          a = v128.and(v128.load(r), mask0); b = v128.and(v128.load(r, 16), mask4);
          c = v128.and(v128.load(r, 8), mask2); e = v128.and(v128.load(r, 24), mask6);
          d20 = i32x4.shuffle(a, b, 0, 2, 4, 6); d21 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d22 = i32x4.shuffle(c, e, 0, 2, 4, 6); d23 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          r = select<usize>(q + 3 * rowBytes, zeroRow, ok3);
          a = v128.and(v128.load(r), mask0); b = v128.and(v128.load(r, 16), mask4);
          c = v128.and(v128.load(r, 8), mask2); e = v128.and(v128.load(r, 24), mask6);
          d30 = i32x4.shuffle(a, b, 0, 2, 4, 6); d31 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d32 = i32x4.shuffle(c, e, 0, 2, 4, 6); d33 = i32x4.shuffle(c, e, 1, 3, 5, 7);
        } else {
          if (rowInside) {
            p = plane + <usize>sy0 * rowBytes + (<usize>sx0 << 2);
            rb = rowBytes;
          } else {
            // A window far outside the input (a padding over 16): value by value.
            for (let y = 0; y < 4; y++) {
              const sy = sy0 + y;
              const inside = sy >= 0 && sy < inH;
              const row = plane + <usize>(inside ? sy : 0) * rowBytes;
              for (let x = 0; x < 10; x++) {
                const sx = sx0 + x;
                store<f32>(scratch + (<usize>(10 * y + x) << 2), inside && sx >= 0 && sx < inW ? load<f32>(row + (<usize>sx << 2)) : 0);
              }
            }
            p = scratch;
            rb = 40;
          }
          // Row r of the 4 tiles: columns 2j…2j+3 of tile j; even and odd lanes of two loads give columns 0 and 1, of
          // two loads 2 floats later columns 2 and 3.
          let a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 8), e = v128.load(p, 24);
          d00 = i32x4.shuffle(a, b, 0, 2, 4, 6); d01 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d02 = i32x4.shuffle(c, e, 0, 2, 4, 6); d03 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          p += rb;
          a = v128.load(p); b = v128.load(p, 16); c = v128.load(p, 8); e = v128.load(p, 24);
          d10 = i32x4.shuffle(a, b, 0, 2, 4, 6); d11 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d12 = i32x4.shuffle(c, e, 0, 2, 4, 6); d13 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          p += rb;
          a = v128.load(p); b = v128.load(p, 16); c = v128.load(p, 8); e = v128.load(p, 24);
          d20 = i32x4.shuffle(a, b, 0, 2, 4, 6); d21 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d22 = i32x4.shuffle(c, e, 0, 2, 4, 6); d23 = i32x4.shuffle(c, e, 1, 3, 5, 7);
          p += rb;
          a = v128.load(p); b = v128.load(p, 16); c = v128.load(p, 8); e = v128.load(p, 24);
          d30 = i32x4.shuffle(a, b, 0, 2, 4, 6); d31 = i32x4.shuffle(a, b, 1, 3, 5, 7);
          d32 = i32x4.shuffle(c, e, 0, 2, 4, 6); d33 = i32x4.shuffle(c, e, 1, 3, 5, 7);
        }
      } else {
        const pa = phase >> 1, pb = phase & 1;
        for (let lane = 0; lane < 4; lane++) {
          const info = lanes + (<usize>lane << 4);
          const plane = input + <usize>(load<i32>(info) + ci) * planeBytes;
          const ry = load<i32>(info, 4) + pa, rx = load<i32>(info, 8) + pb;
          const to = scratch + (<usize>lane << 2);
          if (load<i32>(info, 12)) {
            const base = plane + <usize>ry * rowBytes + (<usize>rx << 2);
            const dy = <usize>scale * rowBytes, dx = <usize>scale << 2;
            for (let y = 0; y < 4; y++) {
              const row = base + <usize>y * dy;
              for (let x = 0; x < 4; x++) store<f32>(to + (<usize>(4 * y + x) << 4), load<f32>(row + <usize>x * dx));
            }
          } else {
            // The tile's rows y0 ≤ y < y1 and columns x0 ≤ x < x1 that lie inside the input; zeros elsewhere.
            const y0 = ry >= 0 ? 0 : (scale - 1 - ry) / scale, y1 = min(4, max(0, (inH - ry + scale - 1) / scale));
            const x0 = rx >= 0 ? 0 : (scale - 1 - rx) / scale, x1 = min(4, max(0, (inW - rx + scale - 1) / scale));
            for (let i = 0; i < 16; i++) store<f32>(to + (<usize>i << 4), 0);
            for (let y = y0; y < y1; y++) {
              const row = plane + <usize>(ry + scale * y) * rowBytes;
              for (let x = x0; x < x1; x++) store<f32>(to + (<usize>(4 * y + x) << 4), load<f32>(row + (<usize>(rx + scale * x) << 2)));
            }
          }
        }
        d00 = v128.load(scratch, 0); d01 = v128.load(scratch, 16); d02 = v128.load(scratch, 32); d03 = v128.load(scratch, 48);
        d10 = v128.load(scratch, 64); d11 = v128.load(scratch, 80); d12 = v128.load(scratch, 96); d13 = v128.load(scratch, 112);
        d20 = v128.load(scratch, 128); d21 = v128.load(scratch, 144); d22 = v128.load(scratch, 160); d23 = v128.load(scratch, 176);
        d30 = v128.load(scratch, 192); d31 = v128.load(scratch, 208); d32 = v128.load(scratch, 224); d33 = v128.load(scratch, 240);
      }
      ci++;
      if (ci == cin) {
        ci = 0;
        phase++;
      }
      // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3); then · B: the same along columns.
      const u00 = f32x4.sub(d00, d20), u01 = f32x4.sub(d01, d21), u02 = f32x4.sub(d02, d22), u03 = f32x4.sub(d03, d23);
      const u10 = f32x4.add(d10, d20), u11 = f32x4.add(d11, d21), u12 = f32x4.add(d12, d22), u13 = f32x4.add(d13, d23);
      const u20 = f32x4.sub(d20, d10), u21 = f32x4.sub(d21, d11), u22 = f32x4.sub(d22, d12), u23 = f32x4.sub(d23, d13);
      const u30 = f32x4.sub(d10, d30), u31 = f32x4.sub(d11, d31), u32 = f32x4.sub(d12, d32), u33 = f32x4.sub(d13, d33);
      let q = dst;
      v128.store(q, f32x4.sub(u00, u02)); q += xiBytes;
      v128.store(q, f32x4.add(u01, u02)); q += xiBytes;
      v128.store(q, f32x4.sub(u02, u01)); q += xiBytes;
      v128.store(q, f32x4.sub(u01, u03)); q += xiBytes;
      v128.store(q, f32x4.sub(u10, u12)); q += xiBytes;
      v128.store(q, f32x4.add(u11, u12)); q += xiBytes;
      v128.store(q, f32x4.sub(u12, u11)); q += xiBytes;
      v128.store(q, f32x4.sub(u11, u13)); q += xiBytes;
      v128.store(q, f32x4.sub(u20, u22)); q += xiBytes;
      v128.store(q, f32x4.add(u21, u22)); q += xiBytes;
      v128.store(q, f32x4.sub(u22, u21)); q += xiBytes;
      v128.store(q, f32x4.sub(u21, u23)); q += xiBytes;
      v128.store(q, f32x4.sub(u30, u32)); q += xiBytes;
      v128.store(q, f32x4.add(u31, u32)); q += xiBytes;
      v128.store(q, f32x4.sub(u32, u31)); q += xiBytes;
      v128.store(q, f32x4.sub(u31, u33));
      dst += NR << 2;
    }
  }
}

/**
 * Aᵀ M A of the row block's `rows` channels, 4 tiles at a time, plus the bias, then the activation, stored to the
 * output: a 2×2 tile per lane. Four whole tiles side by side in one tile row store two rows of 8 outputs by shuffles;
 * others store lane by lane through the scratch, clipped at the output's last row and column.
 */
function transformOutput(h: usize, tiling: Tiling, scratch: usize, gemmOut: usize, nt: i32, xiBytes: usize, first: i32, count: i32, co: i32, rows: i32): void {
  const m = at(h, H_M);
  const tilesW = tiling.tilesW, tiles = tiling.tiles, outH = tiling.outH, outW = tiling.outW;
  const output = <usize>at(h, H_OUTPUT);
  const bias = <usize>at(h, H_BIAS);
  const act = at(h, H_ACTIVATION);
  const alpha = load<f64>(h + (<usize>H_ALPHA << 2));
  const planeBytes = <usize>(outH * outW) << 2;
  const rowBytes = <usize>outW << 2;
  for (let r = 0; r < rows; r++) {
    const b = bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias + (<usize>(co + r) << 2));
    for (let group = 0; 4 * group < count; group++) {
      const t0 = first + 4 * group;
      const valid = min(4, count - 4 * group);
      let q = gemmOut + (<usize>(r * nt + 4 * group) << 2);
      const m00 = v128.load(q); q += xiBytes;
      const m01 = v128.load(q); q += xiBytes;
      const m02 = v128.load(q); q += xiBytes;
      const m03 = v128.load(q); q += xiBytes;
      const m10 = v128.load(q); q += xiBytes;
      const m11 = v128.load(q); q += xiBytes;
      const m12 = v128.load(q); q += xiBytes;
      const m13 = v128.load(q); q += xiBytes;
      const m20 = v128.load(q); q += xiBytes;
      const m21 = v128.load(q); q += xiBytes;
      const m22 = v128.load(q); q += xiBytes;
      const m23 = v128.load(q); q += xiBytes;
      const m30 = v128.load(q); q += xiBytes;
      const m31 = v128.load(q); q += xiBytes;
      const m32 = v128.load(q); q += xiBytes;
      const m33 = v128.load(q);
      // Aᵀ m: rows (m0 + m1 + m2, m1 − m2 − m3); then · A: the same along columns.
      const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
      const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
      const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
      const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
      let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), b);
      let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), b);
      let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), b);
      let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), b);
      if (act != 0) {
        y00 = storeActivation(y00, act, alpha);
        y01 = storeActivation(y01, act, alpha);
        y10 = storeActivation(y10, act, alpha);
        y11 = storeActivation(y11, act, alpha);
      }
      const n0 = t0 / tiles, p0 = t0 % tiles;
      const oy0 = 2 * (p0 / tilesW), ox0 = 2 * (p0 % tilesW);
      const plane0 = output + <usize>(n0 * m + co + r) * planeBytes;
      if (valid == 4 && ox0 + 8 <= outW && oy0 + 2 <= outH) {
        const p = plane0 + <usize>oy0 * rowBytes + (<usize>ox0 << 2);
        v128.store(p, i32x4.shuffle(y00, y01, 0, 4, 1, 5));
        v128.store(p, i32x4.shuffle(y00, y01, 2, 6, 3, 7), 16);
        v128.store(p + rowBytes, i32x4.shuffle(y10, y11, 0, 4, 1, 5));
        v128.store(p + rowBytes, i32x4.shuffle(y10, y11, 2, 6, 3, 7), 16);
        continue;
      }
      v128.store(scratch, y00);
      v128.store(scratch, y01, 16);
      v128.store(scratch, y10, 32);
      v128.store(scratch, y11, 48);
      for (let lane = 0; lane < valid; lane++) {
        const t = t0 + lane;
        const n = t / tiles, pos = t % tiles;
        const oy = 2 * (pos / tilesW), ox = 2 * (pos % tilesW);
        const p = output + <usize>(n * m + co + r) * planeBytes + <usize>oy * rowBytes + (<usize>ox << 2);
        const right = ox + 1 < outW, below = oy + 1 < outH;
        store<f32>(p, load<f32>(scratch + (<usize>lane << 2)));
        if (right) store<f32>(p + 4, load<f32>(scratch + (<usize>(4 + lane) << 2)));
        if (below) store<f32>(p + rowBytes, load<f32>(scratch + (<usize>(8 + lane) << 2)));
        if (right && below) store<f32>(p + rowBytes + 4, load<f32>(scratch + (<usize>(12 + lane) << 2)));
      }
    }
  }
}

/**
 * F(3×3, 2×2)'s Aᵀ M A (Aᵀ rows m0 + m1 + m2, m1 − m2, m1 + m2 + m3) of the row block's `rows` channels, 4 tiles at
 * a time, plus the bias, then the activation; each lane's 3×3 tile stored through the scratch, clipped at the
 * output's last rows and columns.
 */
function transformOutput3(h: usize, tiling: Tiling, scratch: usize, gemmOut: usize, nt: i32, xiBytes: usize, first: i32, count: i32, co: i32, rows: i32): void {
  const m = at(h, H_M);
  const tilesW = tiling.tilesW, tiles = tiling.tiles, outH = tiling.outH, outW = tiling.outW;
  const firstY = tiling.firstY, firstX = tiling.firstX, outStep = tiling.outStep;
  const output = <usize>at(h, H_OUTPUT);
  const bias = <usize>at(h, H_BIAS);
  const act = at(h, H_ACTIVATION);
  const alpha = load<f64>(h + (<usize>H_ALPHA << 2));
  const planeBytes = <usize>(tiling.fullH * tiling.fullW) << 2;
  const rowBytes = <usize>tiling.fullW << 2;
  const colBytes = <usize>outStep << 2;
  for (let r = 0; r < rows; r++) {
    const b = bias == 0 ? f32x4.splat(0) : v128.load32_splat(bias + (<usize>(co + r) << 2));
    for (let group = 0; 4 * group < count; group++) {
      const t0 = first + 4 * group;
      const valid = min(4, count - 4 * group);
      const q = gemmOut + (<usize>(r * nt + 4 * group) << 2);
      // Per column j of the 4×4 M: the rows combined by Aᵀ, then the columns of those.
      for (let j = 0; j < 4; j++) {
        const c = q + <usize>j * xiBytes;
        const m0 = v128.load(c), m1 = v128.load(c + 4 * xiBytes), m2 = v128.load(c + 8 * xiBytes), m3 = v128.load(c + 12 * xiBytes);
        const s12 = f32x4.add(m1, m2);
        v128.store(scratch + (<usize>j << 4), f32x4.add(m0, s12));
        v128.store(scratch + (<usize>(4 + j) << 4), f32x4.sub(m1, m2));
        v128.store(scratch + (<usize>(8 + j) << 4), f32x4.add(s12, m3));
      }
      for (let i = 0; i < 3; i++) {
        const row = scratch + (<usize>(4 * i) << 4);
        const s0 = v128.load(row), s1 = v128.load(row, 16), s2 = v128.load(row, 32), s3 = v128.load(row, 48);
        const s12 = f32x4.add(s1, s2);
        let y0 = f32x4.add(f32x4.add(s0, s12), b);
        let y1 = f32x4.add(f32x4.sub(s1, s2), b);
        let y2 = f32x4.add(f32x4.add(s12, s3), b);
        if (act != 0) {
          y0 = storeActivation(y0, act, alpha);
          y1 = storeActivation(y1, act, alpha);
          y2 = storeActivation(y2, act, alpha);
        }
        // Output rows i of the tiles at 192 + 48·i (past the 12 vectors of row sums).
        const out = scratch + 192 + <usize>(48 * i);
        v128.store(out, y0);
        v128.store(out, y1, 16);
        v128.store(out, y2, 32);
      }
      for (let lane = 0; lane < valid; lane++) {
        const t = t0 + lane;
        const n = t / tiles, pos = t % tiles;
        const oy = 3 * (pos / tilesW), ox = 3 * (pos % tilesW);
        const plane = output + <usize>(n * m + co + r) * planeBytes;
        const ys = min(3, outH - oy), xs = min(3, outW - ox);
        for (let i = 0; i < ys; i++) {
          const p = plane + <usize>(firstY + outStep * (oy + i)) * rowBytes + (<usize>(firstX + outStep * ox) << 2);
          for (let j = 0; j < xs; j++) store<f32>(p + <usize>j * colBytes, load<f32>(scratch + 192 + <usize>(48 * i + 16 * j + 4 * lane)));
        }
      }
    }
  }
}
