// tconv WebAssembly kernels (AssemblyScript, SIMD128 + threads). Built by scripts/build-wasm.mjs.
//
// One entry point, `work(header, tid)`: every thread (the caller and its workers) takes work items from an atomic
// counter until none are left. A work item is (subproblem, group, column range) of an implicit GEMM
//   C[co, col] = bias[co] + Σ_(tap, ci) A[co, (tap, ci)] · B[(tap, ci), col]
// where a subproblem is one polyphase phase combination (transposed conv: stride-1 correlation, no zero taps) or the
// whole layer (conv), A holds the weights packed once per plan (by the JS side) and B is packed here, per 8-column
// sliver, into a bounded per-thread workspace. Taps that read only outside the input for all 8 columns of a sliver
// are skipped, so border and 1×1-input layers do not multiply zeros. Every output element is written by exactly one
// item (initialised with its bias in the first K chunk; later chunks, only when K > KC, add to it).
import {
  H_BATCH, H_CIN, H_CIN_G, H_COUT, H_M, H_IN_D, H_IN_H, H_IN_W, H_OUT_D, H_OUT_H, H_OUT_W, H_INPUT, H_OUTPUT, H_BIAS,
  H_SUBS, H_ITEMS, H_ITEM_COUNT, H_NEXT_ITEM, H_DONE_ITEMS, H_THREADS, H_WORKSPACE, H_WORKSPACE_BYTES, H_KC, H_NC,
  H_BATCH_INNER, S_COUNT, S_OUT_FIRST, S_OUT_STEP, S_IN_STEP, S_TAPS, S_OFFSETS, S_WEIGHTS, S_GROUP_BYTES, S_K,
  S_COLUMNS, SUB_INTS, ITEM_INTS, H_MODE, MODE_DIRECT, H_PADDED, H_PAD_LEFT, H_PADDED_W, S_K_OFFSETS, H_SUB_COUNT,
} from '../../src/engine/backends/wasm/layout';

// A column outside the item (sliver padding) gets this coordinate: every tap is out of range for it.
const DEAD: i32 = -(1 << 30);

@inline function field(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function put(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** Workspace layout for nc columns and kc K rows; JS mirrors it in workspaceBytes(). */
@inline function slivers(nc: i32): i32 {
  return (nc + 7) >> 3;
}

/** Runs work items until none are left; returns how many this thread ran. */
export function work(h: usize, tid: i32): i32 {
  if (tid >= field(h, H_THREADS)) return 0;
  const count = field(h, H_ITEM_COUNT);
  const ws = <usize>field(h, H_WORKSPACE) + <usize>tid * <usize>field(h, H_WORKSPACE_BYTES);
  const direct = field(h, H_MODE) == MODE_DIRECT;
  let ran = 0;
  while (true) {
    const item = atomic.add<i32>(h + (<usize>H_NEXT_ITEM << 2), 1);
    if (item >= count) break;
    if (direct) directItem(h, item);
    else runItem(h, item, ws);
    atomic.add<i32>(h + (<usize>H_DONE_ITEMS << 2), 1);
    ran++;
  }
  return ran;
}

function runItem(h: usize, item: i32, ws: usize): void {
  const it = <usize>field(h, H_ITEMS) + (<usize>(item * ITEM_INTS) << 2);
  const sub = <usize>field(h, H_SUBS) + (<usize>(at(it, 0) * SUB_INTS) << 2);
  const group = at(it, 1);
  const col0 = at(it, 2);
  const ncols = at(it, 3) - col0;

  const nc = field(h, H_NC);
  const kc = field(h, H_KC);
  const nsl = slivers(ncols);
  const maxSl = slivers(nc);
  // Workspace: 16 zero bytes (source for out-of-range reads), the B panel, segment lists, column tables.
  const panel = ws + 16;
  const segs = panel + (<usize>(maxSl * kc * 8) << 2);
  const segCount = segs + (<usize>(maxSl * kc * 2) << 2);
  const contiguous = segCount + (<usize>maxSl << 2);
  const colIn = contiguous + (<usize>maxSl << 2);
  const colJd = colIn + (<usize>nc << 2);
  const colJh = colJd + (<usize>nc << 2);
  const colJw = colJh + (<usize>nc << 2);
  const colOut = colJw + (<usize>nc << 2);

  setupColumns(h, sub, group, col0, ncols, nsl * 8, colIn, colJd, colJh, colJw, colOut, contiguous);

  const cinG = field(h, H_CIN_G);
  const taps = field(sub, S_TAPS) * field(sub, S_TAPS + 1) * field(sub, S_TAPS + 2);
  const m = field(h, H_M);
  const mtiles = (m + 3) >> 2;
  const weights = <usize>field(sub, S_WEIGHTS) + <usize>group * <usize>field(sub, S_GROUP_BYTES);
  const k = field(sub, S_K);
  const outSp = field(h, H_OUT_D) * field(h, H_OUT_H) * field(h, H_OUT_W);
  const output = <usize>field(h, H_OUTPUT);
  // Column output indices already include the group's first channel; the bias is indexed by global channel.
  const biasPtr = field(h, H_BIAS) == 0 ? <usize>0 : <usize>field(h, H_BIAS) + (<usize>(group * m) << 2);

  // K chunks: whole taps while Cin/groups ≤ kc, else slices of one tap's channels.
  const tapsPerChunk = cinG <= kc ? kc / cinG : 1;
  const ciPerChunk = cinG <= kc ? cinG : kc;
  const ciSlices = (cinG + ciPerChunk - 1) / ciPerChunk;
  let chunks = taps == 0 ? 1 : ((taps + tapsPerChunk - 1) / tapsPerChunk) * ciSlices;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const tapChunk = chunk / ciSlices;
    const ci0 = (chunk % ciSlices) * ciPerChunk;
    const ci1 = min(cinG, ci0 + ciPerChunk);
    const t0 = tapChunk * tapsPerChunk;
    const t1 = min(taps, t0 + tapsPerChunk);
    for (let s = 0; s < nsl; s++) {
      packSliver(h, sub, s, t0, t1, ci0, ci1, cinG, kc, panel, segs, segCount, colIn, colJd, colJh, colJw);
    }
    const first = chunk == 0;
    for (let mt = 0; mt < mtiles; mt++) {
      const a = weights + (<usize>(mt * k) << 4);
      const co = mt << 2;
      const rows = min(4, m - co);
      for (let s = 0; s < nsl; s++) {
        const nseg = at(segCount, s);
        if (!first && nseg == 0) continue;
        const cols = min(8, ncols - (s << 3));
        tile(
          a, segs + (<usize>(s * kc * 2) << 2), nseg, panel + (<usize>(s * kc * 8) << 2),
          output, colOut + (<usize>(s << 3) << 2), cols, at(contiguous, s), co, rows, outSp, biasPtr, first,
        );
      }
    }
  }
}

/** Decodes the item's columns into input base, per-axis input coordinates (before the tap offset) and output index. */
function setupColumns(
  h: usize, sub: usize, group: i32, col0: i32, ncols: i32, padded: i32,
  colIn: usize, colJd: usize, colJh: usize, colJw: usize, colOut: usize, contiguous: usize,
): void {
  const batch = field(h, H_BATCH);
  const batchInner = field(h, H_BATCH_INNER) != 0;
  const cd = field(sub, S_COUNT), ch = field(sub, S_COUNT + 1), cw = field(sub, S_COUNT + 2);
  const positions = cd * ch * cw;
  const inSp = field(h, H_IN_D) * field(h, H_IN_H) * field(h, H_IN_W);
  const outH = field(h, H_OUT_H), outW = field(h, H_OUT_W);
  const outSp = field(h, H_OUT_D) * outH * outW;
  const cin = field(h, H_CIN), cinG = field(h, H_CIN_G), cout = field(h, H_COUT), m = field(h, H_M);
  const fd = field(sub, S_OUT_FIRST), fh = field(sub, S_OUT_FIRST + 1), fw = field(sub, S_OUT_FIRST + 2);
  const od = field(sub, S_OUT_STEP), oh = field(sub, S_OUT_STEP + 1), ow = field(sub, S_OUT_STEP + 2);
  const id = field(sub, S_IN_STEP), ih = field(sub, S_IN_STEP + 1), iw = field(sub, S_IN_STEP + 2);
  for (let c = 0; c < padded; c++) {
    if (c >= ncols) {
      put(colIn, c, 0);
      put(colJd, c, DEAD);
      put(colJh, c, DEAD);
      put(colJw, c, DEAD);
      put(colOut, c, 0);
      continue;
    }
    const col = col0 + c;
    let n: i32, p: i32;
    if (batchInner) {
      n = col % batch;
      p = col / batch;
    } else {
      n = col / positions;
      p = col % positions;
    }
    const jw = p % cw;
    const q = p / cw;
    const jh = q % ch;
    const jd = q / ch;
    put(colIn, c, (n * cin + group * cinG) * inSp);
    put(colJd, c, jd * id);
    put(colJh, c, jh * ih);
    put(colJw, c, jw * iw);
    put(colOut, c, (n * cout + group * m) * outSp + ((fd + jd * od) * outH + fh + jh * oh) * outW + fw + jw * ow);
  }
  // A sliver whose 8 outputs are consecutive in memory can store whole vectors.
  for (let s = 0; s < (padded >> 3); s++) {
    let ok = (s << 3) + 8 <= ncols ? 1 : 0;
    const base = at(colOut, s << 3);
    for (let c = 1; c < 8 && ok; c++) if (at(colOut, (s << 3) + c) != base + c) ok = 0;
    put(contiguous, s, ok);
  }
}

/**
 * Packs B rows (tap, ci) for taps [t0, t1) and channels [ci0, ci1) of sliver s, skipping taps that read only outside
 * the input for all 8 columns, and records which A rows the packed rows pair with (merged into segments).
 */
function packSliver(
  h: usize, sub: usize, s: i32, t0: i32, t1: i32, ci0: i32, ci1: i32, cinG: i32, kc: i32,
  panel: usize, segs: usize, segCount: usize, colIn: usize, colJd: usize, colJh: usize, colJw: usize,
): void {
  const inD = field(h, H_IN_D), inH = field(h, H_IN_H), inW = field(h, H_IN_W);
  const inSpBytes = <usize>(inD * inH * inW) << 2;
  const input = <usize>field(h, H_INPUT);
  const th = field(sub, S_TAPS + 1), tw = field(sub, S_TAPS + 2);
  const offD = <usize>field(sub, S_OFFSETS), offH = <usize>field(sub, S_OFFSETS + 1), offW = <usize>field(sub, S_OFFSETS + 2);
  const seg = segs + (<usize>(s * kc * 2) << 2);
  let row = panel + (<usize>(s * kc * 8) << 2);
  const c0 = s << 3;
  const len = ci1 - ci0;
  let nseg = 0;
  let segEnd = -1;
  // Per-column source address and step for the current tap (step 0 + zero word for columns out of range).
  const zero = panel - 16; // the workspace's leading zero bytes
  let addr0: usize = 0, addr1: usize = 0, addr2: usize = 0, addr3: usize = 0;
  let addr4: usize = 0, addr5: usize = 0, addr6: usize = 0, addr7: usize = 0;
  for (let t = t0; t < t1; t++) {
    const tww = t % tw;
    const q = t / tw;
    const thh = q % th;
    const tdd = q / th;
    const dOff = at(offD, tdd), hOff = at(offH, thh), wOff = at(offW, tww);
    let mask = 0;
    let firstAddr: i32 = -1;
    let consecutive = true;
    for (let c = 0; c < 8; c++) {
      const x = at(colJd, c0 + c) + dOff;
      const y = at(colJh, c0 + c) + hOff;
      const z = at(colJw, c0 + c) + wOff;
      let a: i32 = -1;
      if (x >= 0 && x < inD && y >= 0 && y < inH && z >= 0 && z < inW) {
        a = at(colIn, c0 + c) + ci0 * (inD * inH * inW) + (x * inH + y) * inW + z;
        mask |= 1 << c;
      }
      if (c == 0) firstAddr = a;
      else if (a != firstAddr + c) consecutive = false;
      const src: usize = a < 0 ? zero : input + (<usize>a << 2);
      if (c == 0) addr0 = src;
      else if (c == 1) addr1 = src;
      else if (c == 2) addr2 = src;
      else if (c == 3) addr3 = src;
      else if (c == 4) addr4 = src;
      else if (c == 5) addr5 = src;
      else if (c == 6) addr6 = src;
      else addr7 = src;
    }
    if (mask == 0) continue;
    const aRow = t * cinG + ci0;
    if (aRow == segEnd) {
      put(seg, 2 * nseg - 1, at(seg, 2 * nseg - 1) + len);
    } else {
      put(seg, 2 * nseg, aRow);
      put(seg, 2 * nseg + 1, len);
      nseg++;
    }
    segEnd = aRow + len;
    if (mask == 0xff && consecutive && firstAddr >= 0) {
      let src = addr0;
      for (let ci = 0; ci < len; ci++) {
        v128.store(row, v128.load(src));
        v128.store(row, v128.load(src, 16), 16);
        src += inSpBytes;
        row += 32;
      }
    } else {
      const s0: usize = mask & 1 ? inSpBytes : 0, s1: usize = mask & 2 ? inSpBytes : 0;
      const s2: usize = mask & 4 ? inSpBytes : 0, s3: usize = mask & 8 ? inSpBytes : 0;
      const s4: usize = mask & 16 ? inSpBytes : 0, s5: usize = mask & 32 ? inSpBytes : 0;
      const s6: usize = mask & 64 ? inSpBytes : 0, s7: usize = mask & 128 ? inSpBytes : 0;
      for (let ci = 0; ci < len; ci++) {
        store<f32>(row, load<f32>(addr0));
        store<f32>(row, load<f32>(addr1), 4);
        store<f32>(row, load<f32>(addr2), 8);
        store<f32>(row, load<f32>(addr3), 12);
        store<f32>(row, load<f32>(addr4), 16);
        store<f32>(row, load<f32>(addr5), 20);
        store<f32>(row, load<f32>(addr6), 24);
        store<f32>(row, load<f32>(addr7), 28);
        addr0 += s0; addr1 += s1; addr2 += s2; addr3 += s3;
        addr4 += s4; addr5 += s5; addr6 += s6; addr7 += s7;
        row += 32;
      }
    }
  }
  put(segCount, s, nseg);
}

/** Stores the `cols` valid lanes of two vectors (8 columns) of one output row. */
@inline function storeRow(rowBase: usize, colOut: usize, cols: i32, contiguous: i32, lo: v128, hi: v128): void {
  if (contiguous) {
    const p = rowBase + (<usize>at(colOut, 0) << 2);
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  store<f32>(rowBase + (<usize>at(colOut, 0) << 2), f32x4.extract_lane(lo, 0));
  if (cols > 1) store<f32>(rowBase + (<usize>at(colOut, 1) << 2), f32x4.extract_lane(lo, 1));
  if (cols > 2) store<f32>(rowBase + (<usize>at(colOut, 2) << 2), f32x4.extract_lane(lo, 2));
  if (cols > 3) store<f32>(rowBase + (<usize>at(colOut, 3) << 2), f32x4.extract_lane(lo, 3));
  if (cols > 4) store<f32>(rowBase + (<usize>at(colOut, 4) << 2), f32x4.extract_lane(hi, 0));
  if (cols > 5) store<f32>(rowBase + (<usize>at(colOut, 5) << 2), f32x4.extract_lane(hi, 1));
  if (cols > 6) store<f32>(rowBase + (<usize>at(colOut, 6) << 2), f32x4.extract_lane(hi, 2));
  if (cols > 7) store<f32>(rowBase + (<usize>at(colOut, 7) << 2), f32x4.extract_lane(hi, 3));
}

/** Loads the current values of one output row's 8 columns (only for K chunks after the first). */
@inline function loadRow(rowBase: usize, colOut: usize, cols: i32, half: i32): v128 {
  let v = f32x4.splat(0);
  const c = half << 2;
  if (cols > c) v = f32x4.replace_lane(v, 0, load<f32>(rowBase + (<usize>at(colOut, c) << 2)));
  if (cols > c + 1) v = f32x4.replace_lane(v, 1, load<f32>(rowBase + (<usize>at(colOut, c + 1) << 2)));
  if (cols > c + 2) v = f32x4.replace_lane(v, 2, load<f32>(rowBase + (<usize>at(colOut, c + 2) << 2)));
  if (cols > c + 3) v = f32x4.replace_lane(v, 3, load<f32>(rowBase + (<usize>at(colOut, c + 3) << 2)));
  return v;
}

/**
 * The 4 × 8 register tile: 8 f32x4 accumulators (4 output channels × 2 vectors of columns), one broadcast weight
 * and two input vectors per K step; mul + add (SIMD128 has no fused multiply-add).
 */
function tile(
  a: usize, segs: usize, nseg: i32, b: usize, output: usize, colOut: usize, cols: i32, contiguous: i32,
  co: i32, rows: i32, outSp: i32, biasPtr: usize, first: bool,
): void {
  const rowBytes = <usize>outSp << 2;
  const r0 = output + <usize>co * rowBytes;
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (first) {
    if (biasPtr != 0) {
      const bp = biasPtr + (<usize>co << 2);
      c00 = v128.load32_splat(bp);
      c10 = rows > 1 ? v128.load32_splat(bp, 4) : f32x4.splat(0);
      c20 = rows > 2 ? v128.load32_splat(bp, 8) : f32x4.splat(0);
      c30 = rows > 3 ? v128.load32_splat(bp, 12) : f32x4.splat(0);
    } else {
      c00 = f32x4.splat(0);
      c10 = c00;
      c20 = c00;
      c30 = c00;
    }
    c01 = c00;
    c11 = c10;
    c21 = c20;
    c31 = c30;
  } else {
    c00 = loadRow(r0, colOut, cols, 0);
    c01 = loadRow(r0, colOut, cols, 1);
    c10 = rows > 1 ? loadRow(r1, colOut, cols, 0) : f32x4.splat(0);
    c11 = rows > 1 ? loadRow(r1, colOut, cols, 1) : f32x4.splat(0);
    c20 = rows > 2 ? loadRow(r2, colOut, cols, 0) : f32x4.splat(0);
    c21 = rows > 2 ? loadRow(r2, colOut, cols, 1) : f32x4.splat(0);
    c30 = rows > 3 ? loadRow(r3, colOut, cols, 0) : f32x4.splat(0);
    c31 = rows > 3 ? loadRow(r3, colOut, cols, 1) : f32x4.splat(0);
  }
  let bp = b;
  for (let g = 0; g < nseg; g++) {
    let ap = a + (<usize>at(segs, 2 * g) << 4);
    const n = at(segs, 2 * g + 1);
    for (let kk = 0; kk < n; kk++) {
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
  }
  storeRow(r0, colOut, cols, contiguous, c00, c01);
  if (rows > 1) storeRow(r1, colOut, cols, contiguous, c10, c11);
  if (rows > 2) storeRow(r2, colOut, cols, contiguous, c20, c21);
  if (rows > 3) storeRow(r3, colOut, cols, contiguous, c30, c31);
}

/**
 * Direct mode, before the threads start: copies the input as (N, D, H, C, W + padding) — channels interleaved by row,
 * zeros padded along W — so the K loop (channels of one input row) walks one contiguous block instead of C planes
 * (fewer cache and TLB misses) and every W tap reads inside the padded row.
 */
export function padInput(h: usize): void {
  const batch = field(h, H_BATCH), cin = field(h, H_CIN);
  const rowsPerChannel = field(h, H_IN_D) * field(h, H_IN_H);
  const inW = field(h, H_IN_W);
  const left = field(h, H_PAD_LEFT);
  const wp = field(h, H_PADDED_W);
  const rowBytes = <usize>inW << 2;
  const wpBytes = <usize>wp << 2;
  let src = <usize>field(h, H_INPUT);
  const padded = <usize>field(h, H_PADDED);
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
 * Direct item: for output rows [row0, row1) of one phase plane (n, group) and 4-channel tiles [mt0, mt1): for each
 * block of 8 outputs along W (the last block overlaps the previous one rather than leave a remainder), for each
 * tile: the 4×8 register tile over the taps valid along D and H (checked once per row) and every W tap.
 */
function directItem(h: usize, item: i32): void {
  const it = <usize>field(h, H_ITEMS) + (<usize>(item * ITEM_INTS) << 2);
  const group = at(it, 1), n = at(it, 2), mt0 = at(it, 3), mt1 = at(it, 4), row0 = at(it, 5), row1 = at(it, 6);
  const subs = field(h, H_SUB_COUNT);
  for (let s = 0; s < subs; s++) {
    const sub = <usize>field(h, H_SUBS) + (<usize>(s * SUB_INTS) << 2);
    const rows = field(sub, S_COUNT) * field(sub, S_COUNT + 1);
    if (row0 < rows) directRows(h, sub, group, n, mt0, mt1, row0, min(row1, rows));
  }
}

/** Rows [row0, row1) of one subproblem for output tiles [mt0, mt1) of (n, group). */
function directRows(h: usize, sub: usize, group: i32, n: i32, mt0: i32, mt1: i32, row0: i32, row1: i32): void {
  const m = field(h, H_M), cinG = field(h, H_CIN_G), cin = field(h, H_CIN), cout = field(h, H_COUT);
  const inD = field(h, H_IN_D), inH = field(h, H_IN_H);
  const wp = field(h, H_PADDED_W), left = field(h, H_PAD_LEFT);
  const outH = field(h, H_OUT_H), outW = field(h, H_OUT_W);
  const outSp = field(h, H_OUT_D) * outH * outW;
  const tD = field(sub, S_TAPS), tH = field(sub, S_TAPS + 1), tW = field(sub, S_TAPS + 2);
  const offD = <usize>field(sub, S_OFFSETS), offH = <usize>field(sub, S_OFFSETS + 1), offW = <usize>field(sub, S_OFFSETS + 2);
  const ch = field(sub, S_COUNT + 1), cw = field(sub, S_COUNT + 2);
  const id = field(sub, S_IN_STEP), ih = field(sub, S_IN_STEP + 1);
  const fd = field(sub, S_OUT_FIRST), fh = field(sub, S_OUT_FIRST + 1), fw = field(sub, S_OUT_FIRST + 2);
  const od = field(sub, S_OUT_STEP), oh = field(sub, S_OUT_STEP + 1), ow = field(sub, S_OUT_STEP + 2);
  const k = field(sub, S_K);
  const weights = <usize>field(sub, S_WEIGHTS) + <usize>group * <usize>field(sub, S_GROUP_BYTES);
  const biasBase = field(h, H_BIAS) == 0 ? <usize>0 : <usize>field(h, H_BIAS) + (<usize>(group * m) << 2);
  // Padded input is (N, D, H, C, Wp): consecutive channels of one row are Wp floats apart.
  const chanBytes = <usize>wp << 2;
  const x = <usize>field(h, H_PADDED) + <usize>(n * inD * inH * cin + group * cinG) * chanBytes;
  const rowStride = cin * wp; // floats between input rows
  const out = <usize>field(h, H_OUTPUT) + (<usize>((n * cout + group * m) * outSp) << 2);
  const tapBytes = <usize>cinG << 4; // A rows of one tap
  // Rows whose every D and H tap is inside the input run K as one flat loop over the K-offset table.
  const kOffsets = <usize>field(sub, S_K_OFFSETS);
  let minD = 1 << 30, maxD = -(1 << 30), minH = 1 << 30, maxH = -(1 << 30);
  for (let t = 0; t < tD; t++) {
    minD = min(minD, at(offD, t));
    maxD = max(maxD, at(offD, t));
  }
  for (let t = 0; t < tH; t++) {
    minH = min(minH, at(offH, t));
    maxH = max(maxH, at(offH, t));
  }
  const flatK = tD * tH * tW > 0 ? k : 0;

  for (let row = row0; row < row1; row++) {
    const jh = row % ch, jd = row / ch;
    const ob = ((fd + jd * od) * outH + fh + jh * oh) * outW + fw;
    const inside = jd * id + minD >= 0 && jd * id + maxD < inD && jh * ih + minH >= 0 && jh * ih + maxH < inH;
    const rowBase = x + (<usize>((jd * id * inH + jh * ih) * rowStride + left) << 2);
    if (m == 1 && cw >= 16) {
      // One output channel per group (depthwise): 1×16 tiles, the last one overlapping its neighbour.
      for (let jw0 = 0; jw0 < cw; jw0 += 16) {
        const jw = min(jw0, cw - 16);
        single16(x, weights, biasBase, out + (<usize>(ob + jw * ow) << 2), ow, jd, jh, jw, id, ih, inD, inH, rowStride, left,
          tD, tH, tW, offD, offH, offW, cinG, chanBytes, tapBytes, inside ? flatK : -1, kOffsets, rowBase + (<usize>jw << 2));
      }
      continue;
    }
    for (let jw0 = 0; jw0 < cw; jw0 += 8) {
      const jw = min(jw0, cw - 8);
      const colOut = ob + jw * ow;
      if (m == 1) {
        // One output channel per group (depthwise): a 1×8 tile, no idle rows.
        single(x, weights, biasBase, out + (<usize>colOut << 2), ow, jd, jh, jw, id, ih, inD, inH, rowStride, left,
          tD, tH, tW, offD, offH, offW, cinG, chanBytes, tapBytes, inside ? flatK : -1, kOffsets, rowBase + (<usize>jw << 2));
        continue;
      }
      for (let mt = mt0; mt < mt1; mt++) {
        const co = mt << 2;
        const rows = min(4, m - co);
        const a = weights + (<usize>(mt * k) << 4);
        let c00: v128, c10: v128, c20: v128, c30: v128;
        if (biasBase != 0) {
          const bp = biasBase + (<usize>co << 2);
          c00 = v128.load32_splat(bp);
          c10 = rows > 1 ? v128.load32_splat(bp, 4) : f32x4.splat(0);
          c20 = rows > 2 ? v128.load32_splat(bp, 8) : f32x4.splat(0);
          c30 = rows > 3 ? v128.load32_splat(bp, 12) : f32x4.splat(0);
        } else {
          c00 = f32x4.splat(0);
          c10 = c00;
          c20 = c00;
          c30 = c00;
        }
        let c01 = c00, c11 = c10, c21 = c20, c31 = c30;
        if (inside && rows == 3) {
          // Three channels left (e.g. RGB heads): skip the fourth, all-zero row.
          const base = rowBase + (<usize>jw << 2);
          let ap = a;
          for (let kk = 0; kk < flatK; kk++) {
            const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
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
            ap += 16;
          }
        } else if (inside && rows == 2) {
          const base = rowBase + (<usize>jw << 2);
          let ap = a;
          for (let kk = 0; kk < flatK; kk++) {
            const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
            const b0 = v128.load(bp);
            const b1 = v128.load(bp, 16);
            let w = v128.load32_splat(ap);
            c00 = f32x4.add(c00, f32x4.mul(w, b0));
            c01 = f32x4.add(c01, f32x4.mul(w, b1));
            w = v128.load32_splat(ap, 4);
            c10 = f32x4.add(c10, f32x4.mul(w, b0));
            c11 = f32x4.add(c11, f32x4.mul(w, b1));
            ap += 16;
          }
        } else if (inside) {
          const base = rowBase + (<usize>jw << 2);
          let ap = a;
          for (let kk = 0; kk < flatK; kk++) {
            const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
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
          }
        } else for (let td = 0; td < tD; td++) {
          const xd = jd * id + at(offD, td);
          if (xd < 0 || xd >= inD) continue;
          for (let th = 0; th < tH; th++) {
            const xh = jh * ih + at(offH, th);
            if (xh < 0 || xh >= inH) continue;
            const rowIn = x + (<usize>((xd * inH + xh) * rowStride + left + jw) << 2);
            let ap = a + <usize>((td * tH + th) * tW) * tapBytes;
            for (let tw = 0; tw < tW; tw++) {
              let bp = rowIn + (<usize>at(offW, tw) << 2);
              for (let ci = 0; ci < cinG; ci++) {
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
                bp += chanBytes;
              }
            }
          }
        }
        const r0 = out + (<usize>(co * outSp + colOut) << 2);
        const rb = <usize>outSp << 2;
        storeStrided(r0, ow, c00, c01);
        if (rows > 1) storeStrided(r0 + rb, ow, c10, c11);
        if (rows > 2) storeStrided(r0 + 2 * rb, ow, c20, c21);
        if (rows > 3) storeStrided(r0 + 3 * rb, ow, c30, c31);
      }
    }
  }
}

/** The 1×8 tile of directItem for M = 1; A rows are still 16 bytes (4 channels, 3 of them zero). */
@inline function single(
  x: usize, a: usize, biasBase: usize, dst: usize, ow: i32, jd: i32, jh: i32, jw: i32, id: i32, ih: i32,
  inD: i32, inH: i32, rowStride: i32, left: i32, tD: i32, tH: i32, tW: i32, offD: usize, offH: usize, offW: usize,
  cinG: i32, chanBytes: usize, tapBytes: usize, flatK: i32, kOffsets: usize, base: usize,
): void {
  let c0 = biasBase != 0 ? v128.load32_splat(biasBase) : f32x4.splat(0);
  let c1 = c0;
  // flatK ≥ 0: every D/H tap of this row is inside the input (one flat K loop over the offset table).
  let ap = a;
  for (let kk = 0; kk < flatK; kk++) {
    const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
    const w = v128.load32_splat(ap);
    c0 = f32x4.add(c0, f32x4.mul(w, v128.load(bp)));
    c1 = f32x4.add(c1, f32x4.mul(w, v128.load(bp, 16)));
    ap += 16;
  }
  if (flatK < 0) for (let td = 0; td < tD; td++) {
    const xd = jd * id + at(offD, td);
    if (xd < 0 || xd >= inD) continue;
    for (let th = 0; th < tH; th++) {
      const xh = jh * ih + at(offH, th);
      if (xh < 0 || xh >= inH) continue;
      const rowIn = x + (<usize>((xd * inH + xh) * rowStride + left + jw) << 2);
      let ap = a + <usize>((td * tH + th) * tW) * tapBytes;
      for (let tw = 0; tw < tW; tw++) {
        let bp = rowIn + (<usize>at(offW, tw) << 2);
        for (let ci = 0; ci < cinG; ci++) {
          const w = v128.load32_splat(ap);
          c0 = f32x4.add(c0, f32x4.mul(w, v128.load(bp)));
          c1 = f32x4.add(c1, f32x4.mul(w, v128.load(bp, 16)));
          ap += 16;
          bp += chanBytes;
        }
      }
    }
  }
  storeStrided(dst, ow, c0, c1);
}

/** single() with 16 outputs (4 accumulators): half the per-tile overhead where the phase is 16 or more wide. */
@inline function single16(
  x: usize, a: usize, biasBase: usize, dst: usize, ow: i32, jd: i32, jh: i32, jw: i32, id: i32, ih: i32,
  inD: i32, inH: i32, rowStride: i32, left: i32, tD: i32, tH: i32, tW: i32, offD: usize, offH: usize, offW: usize,
  cinG: i32, chanBytes: usize, tapBytes: usize, flatK: i32, kOffsets: usize, base: usize,
): void {
  let c0 = biasBase != 0 ? v128.load32_splat(biasBase) : f32x4.splat(0);
  let c1 = c0, c2 = c0, c3 = c0;
  let ap = a;
  for (let kk = 0; kk < flatK; kk++) {
    const bp = base + <usize>load<i32>(kOffsets + (<usize>kk << 2));
    const w = v128.load32_splat(ap);
    c0 = f32x4.add(c0, f32x4.mul(w, v128.load(bp)));
    c1 = f32x4.add(c1, f32x4.mul(w, v128.load(bp, 16)));
    c2 = f32x4.add(c2, f32x4.mul(w, v128.load(bp, 32)));
    c3 = f32x4.add(c3, f32x4.mul(w, v128.load(bp, 48)));
    ap += 16;
  }
  if (flatK < 0) for (let td = 0; td < tD; td++) {
    const xd = jd * id + at(offD, td);
    if (xd < 0 || xd >= inD) continue;
    for (let th = 0; th < tH; th++) {
      const xh = jh * ih + at(offH, th);
      if (xh < 0 || xh >= inH) continue;
      const rowIn = x + (<usize>((xd * inH + xh) * rowStride + left + jw) << 2);
      let ap = a + <usize>((td * tH + th) * tW) * tapBytes;
      for (let tw = 0; tw < tW; tw++) {
        let bp = rowIn + (<usize>at(offW, tw) << 2);
        for (let ci = 0; ci < cinG; ci++) {
          const w = v128.load32_splat(ap);
          c0 = f32x4.add(c0, f32x4.mul(w, v128.load(bp)));
          c1 = f32x4.add(c1, f32x4.mul(w, v128.load(bp, 16)));
          c2 = f32x4.add(c2, f32x4.mul(w, v128.load(bp, 32)));
          c3 = f32x4.add(c3, f32x4.mul(w, v128.load(bp, 48)));
          ap += 16;
          bp += chanBytes;
        }
      }
    }
  }
  storeStrided(dst, ow, c0, c1);
  storeStrided(dst + (<usize>(8 * ow) << 2), ow, c2, c3);
}

/** 8 outputs `step` elements apart (the phase's stride along W). */
@inline function storeStrided(p: usize, step: i32, lo: v128, hi: v128): void {
  if (step == 1) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  const s = <usize>step << 2;
  store<f32>(p, f32x4.extract_lane(lo, 0));
  store<f32>(p + s, f32x4.extract_lane(lo, 1));
  store<f32>(p + 2 * s, f32x4.extract_lane(lo, 2));
  store<f32>(p + 3 * s, f32x4.extract_lane(lo, 3));
  store<f32>(p + 4 * s, f32x4.extract_lane(hi, 0));
  store<f32>(p + 5 * s, f32x4.extract_lane(hi, 1));
  store<f32>(p + 6 * s, f32x4.extract_lane(hi, 2));
  store<f32>(p + 7 * s, f32x4.extract_lane(hi, 3));
}
