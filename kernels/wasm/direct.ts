// The f32_direct tiles of the simd128 set (docs/kernels.md grammar): ROWS output channels × 4·VECS consecutive
// outputs along W of one phase, B read in place from the W-padded input. One template `directTile<ROWS, VECS>`:
// f32_direct_4x8 (every row count 1…4) and f32_direct_1x16 (one output channel per group: depthwise). As in
// XNNPACK, a call covers a whole output row, tile after tile (the struct is read once per row, not once per tile:
// depthwise tiles do only K = 4 steps).
import { at, storeActivation, storeStrided } from './memory';
import { DirectTileArgs } from './tile-args';

/**
 * ROWS × (4·VECS) register tiles along the row's `width` outputs, the last one overlapping its neighbour rather than
 * leave a remainder (it recomputes identical values). Per tile: a flat K loop over the offset table when the row's every D/H tap is inside the input
 * (t.flatK ≥ 0), else taps checked along D and H (W taps always read inside the padded row). The K step is written
 * out in both loops (AssemblyScript functions return one value); ROWS and VECS are constants at every call, so the
 * unused accumulators compile away.
 */
@inline function directTile(t: DirectTileArgs, ROWS: i32, VECS: i32): void {
  const width = t.width;
  const outRow = t.out, ow = t.outStep, rb = t.channelBytes;
  const rowBase = t.rowBase, rowStart = t.start;
  for (let jw0 = 0; jw0 < width; jw0 += 4 * VECS) {
    const jw = min(jw0, width - 4 * VECS);
    directBlock(t, ROWS, VECS, outRow + (<usize>(jw * ow) << 2), rowBase + (<usize>jw << 2), rowStart + jw, ow, rb);
  }
}

/** One tile of directTile: outputs from `out` on, inputs from `base` (flat loop) or padded-row index `start`. */
@inline function directBlock(t: DirectTileArgs, ROWS: i32, VECS: i32, out: usize, base: usize, start: i32, ow: i32, rb: usize): void {
  const zero = f32x4.splat(0);
  const bias = t.bias;
  let c00: v128, c10: v128, c20: v128, c30: v128;
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
  let c01 = c00, c02 = c00, c03 = c00, c11 = c10, c21 = c20, c31 = c30;
  const flatK = t.flatK;
  let ap = t.a;
  if (flatK >= 0) {
    const kOffsets = t.kOffsets;
    for (let kk = 0; kk < flatK; kk++) {
      const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let w = v128.load32_splat(ap);
      c00 = f32x4.add(c00, f32x4.mul(w, b0));
      c01 = f32x4.add(c01, f32x4.mul(w, b1));
      if (VECS > 2) {
        c02 = f32x4.add(c02, f32x4.mul(w, v128.load(bp, 32)));
        c03 = f32x4.add(c03, f32x4.mul(w, v128.load(bp, 48)));
      }
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
    }
  } else {
    const x = t.input;
    const tD = t.tapsD, tH = t.tapsH, tW = t.tapsW;
    const offD = t.offsetsD, offH = t.offsetsH, offW = t.offsetsW;
    const inD = t.inD, inH = t.inH, rowFloats = t.rowFloats;
    const baseD = t.baseD, baseH = t.baseH;
    const cinG = t.cinG;
    const chanBytes = t.channelStride, tapBytes = t.tapBytes;
    const a = ap;
    for (let td = 0; td < tD; td++) {
      const xd = baseD + at(offD, td);
      if (xd < 0 || xd >= inD) continue;
      for (let th = 0; th < tH; th++) {
        const xh = baseH + at(offH, th);
        if (xh < 0 || xh >= inH) continue;
        const rowIn = x + (<usize>((xd * inH + xh) * rowFloats + start) << 2);
        ap = a + <usize>((td * tH + th) * tW) * tapBytes;
        for (let tw = 0; tw < tW; tw++) {
          let bp = rowIn + (<usize>at(offW, tw) << 2);
          for (let ci = 0; ci < cinG; ci++) {
            const b0 = v128.load(bp);
            const b1 = v128.load(bp, 16);
            let w = v128.load32_splat(ap);
            c00 = f32x4.add(c00, f32x4.mul(w, b0));
            c01 = f32x4.add(c01, f32x4.mul(w, b1));
            if (VECS > 2) {
              c02 = f32x4.add(c02, f32x4.mul(w, v128.load(bp, 32)));
              c03 = f32x4.add(c03, f32x4.mul(w, v128.load(bp, 48)));
            }
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
            bp += chanBytes;
          }
        }
      }
    }
  }
  const act = t.activation;
  if (act != 0) {
    const alpha = t.alpha;
    c00 = storeActivation(c00, act, alpha);
    c01 = storeActivation(c01, act, alpha);
    if (VECS > 2) {
      c02 = storeActivation(c02, act, alpha);
      c03 = storeActivation(c03, act, alpha);
    }
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
  storeStrided(out, ow, c00, c01);
  if (VECS > 2) storeStrided(out + (<usize>(8 * ow) << 2), ow, c02, c03);
  if (ROWS > 1) storeStrided(out + rb, ow, c10, c11);
  if (ROWS > 2) storeStrided(out + 2 * rb, ow, c20, c21);
  if (ROWS > 3) storeStrided(out + 3 * rb, ow, c30, c31);
}

/** Up to 4 output channels × 8 outputs along W, over a row; `t.rows` picks the row-remainder instance. */
@inline export function f32_direct_4x8__simd128(t: DirectTileArgs): void {
  const rows = t.rows;
  if (rows == 4) directTile(t, 4, 2);
  else if (rows == 3) directTile(t, 3, 2);
  else if (rows == 2) directTile(t, 2, 2);
  else directTile(t, 1, 2);
}

/** One output channel × 16 outputs along W, over a row (depthwise: half the per-tile overhead of two 1×8 tiles). */
@inline export function f32_direct_1x16__simd128(t: DirectTileArgs): void {
  directTile(t, 1, 4);
}
