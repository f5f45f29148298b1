// One task of the packed and batch-minor layouts: a range of columns of one combo and group. Per K chunk, each
// NR-column panel is packed from the input into the thread's workspace, then every MR-channel row block runs the
// f32_gemm tile over it. Taps that read only outside the input for all NR columns of a panel are skipped, so border
// and 1×1-input layers do not multiply zeros. Every output is written by exactly one task (initialised with its bias
// in the first K chunk; later chunks, only when K > kc, add to it).
import {
  H_BATCH, H_CIN, H_CIN_G, H_COUT, H_M, H_IN_D, H_IN_H, H_IN_W, H_OUT_D, H_OUT_H, H_OUT_W, H_INPUT, H_OUTPUT, H_BIAS,
  H_COMBOS, H_TASKS, H_KC, H_NC, H_LAYOUT, LAYOUT_BATCH_MINOR, C_COUNT, C_OUT_FIRST, C_OUT_STEP, C_IN_STEP, C_TAPS,
  C_OFFSETS, C_WEIGHTS, C_GROUP_BYTES, C_K, COMBO_INTS, TASK_INTS, T_COMBO, T_GROUP, T_FIRST_COLUMN, T_END_COLUMN,
  WS_TILE_ARGS, WS_TASK_STATE, WS_PANELS, MR, NR, H_ACTIVATION, H_ALPHA,
} from '../../src/engine/backends/wasm/layout';
import { at, put } from './memory';
import { GemmTileArgs } from './tile-args';
import { f32_gemm_4x8__simd128 } from './gemm';

// A column past the task's end (panel padding) gets this coordinate: every tap is out of range for it.
const DEAD: i32 = -(1 << 30);

/** What packing a panel needs of its task: where the workspace tables are and which channels and taps. */
@unmanaged class PackedTask {
  header: usize = 0;
  combo: usize = 0;
  group: i32 = 0;
  firstColumn: i32 = 0;
  columns: i32 = 0;
  kc: i32 = 0;
  cinG: i32 = 0;
  /** 16 zero bytes: the source of every out-of-range read. */
  zero: usize = 0;
  /** Panels: kc rows × NR floats each. */
  panels: usize = 0;
  /** Per panel: kc (first A row, count) pairs, and their count. */
  segments: usize = 0;
  segmentCounts: usize = 0;
  /** Per panel: 1 when its NR outputs are consecutive in memory. */
  contiguous: usize = 0;
  /** Per column: input base (image and group) and the input coordinate per axis before the tap offset. */
  colIn: usize = 0;
  colJd: usize = 0;
  colJh: usize = 0;
  colJw: usize = 0;
  /** Per column: the output index. */
  colOut: usize = 0;
}

@inline function panelsOf(columns: i32): i32 {
  return (columns + NR - 1) / NR;
}

/** Workspace layout for nc columns and kc K rows; problem.ts workspaceBytes() mirrors it. */
function openTask(h: usize, task: i32, ws: usize): PackedTask {
  const it = <usize>at(h, H_TASKS) + (<usize>(task * TASK_INTS) << 2);
  const combo = <usize>at(h, H_COMBOS) + (<usize>(at(it, T_COMBO) * COMBO_INTS) << 2);
  const first = at(it, T_FIRST_COLUMN);
  const nc = at(h, H_NC);
  const kc = at(h, H_KC);
  const maxPanels = panelsOf(nc);
  const t = changetype<PackedTask>(ws + WS_TASK_STATE);
  t.header = h;
  t.combo = combo;
  t.group = at(it, T_GROUP);
  t.firstColumn = first;
  t.columns = at(it, T_END_COLUMN) - first;
  t.kc = kc;
  t.cinG = at(h, H_CIN_G);
  t.zero = ws;
  t.panels = ws + WS_PANELS;
  t.segments = t.panels + (<usize>(maxPanels * kc * NR) << 2);
  t.segmentCounts = t.segments + (<usize>(maxPanels * kc * 2) << 2);
  t.contiguous = t.segmentCounts + (<usize>maxPanels << 2);
  t.colIn = t.contiguous + (<usize>maxPanels << 2);
  t.colJd = t.colIn + (<usize>nc << 2);
  t.colJh = t.colJd + (<usize>nc << 2);
  t.colJw = t.colJh + (<usize>nc << 2);
  t.colOut = t.colJw + (<usize>nc << 2);
  return t;
}

export function runPackedTask(h: usize, task: i32, ws: usize): void {
  const t = openTask(h, task, ws);
  const combo = t.combo;
  const group = t.group;
  const ncols = t.columns;
  const npanels = panelsOf(ncols);
  decodeColumns(t, npanels * NR);

  const cinG = t.cinG;
  const kc = t.kc;
  const taps = at(combo, C_TAPS) * at(combo, C_TAPS + 1) * at(combo, C_TAPS + 2);
  const m = at(h, H_M);
  const blocks = (m + MR - 1) / MR;
  const weights = <usize>at(combo, C_WEIGHTS) + <usize>group * <usize>at(combo, C_GROUP_BYTES);
  const k = at(combo, C_K);
  const outSp = at(h, H_OUT_D) * at(h, H_OUT_H) * at(h, H_OUT_W);
  const output = <usize>at(h, H_OUTPUT);
  // Column output indices already include the group's first channel; the bias is indexed by global channel.
  const biasPtr = at(h, H_BIAS) == 0 ? <usize>0 : <usize>at(h, H_BIAS) + (<usize>(group * m) << 2);
  const channelBytes = <usize>outSp << 2;

  const args = changetype<GemmTileArgs>(ws + WS_TILE_ARGS);
  args.channelBytes = channelBytes;
  const activation = at(h, H_ACTIVATION);
  args.alpha = load<f64>(h + (<usize>H_ALPHA << 2));

  // K chunks: whole taps while cinG ≤ kc, else slices of one tap's channels.
  const tapsPerChunk = cinG <= kc ? kc / cinG : 1;
  const ciPerChunk = cinG <= kc ? cinG : kc;
  const ciSlices = (cinG + ciPerChunk - 1) / ciPerChunk;
  const chunks = taps == 0 ? 1 : ((taps + tapsPerChunk - 1) / tapsPerChunk) * ciSlices;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const tapChunk = chunk / ciSlices;
    const ci0 = (chunk % ciSlices) * ciPerChunk;
    const ci1 = min(cinG, ci0 + ciPerChunk);
    const t0 = tapChunk * tapsPerChunk;
    const t1 = min(taps, t0 + tapsPerChunk);
    for (let p = 0; p < npanels; p++) packPanel(t, p, t0, t1, ci0, ci1);
    const first = chunk == 0;
    args.accumulate = first ? 0 : 1;
    // The activation on the finished sums only.
    args.activation = chunk == chunks - 1 ? activation : 0;
    for (let block = 0; block < blocks; block++) {
      const co = block * MR;
      args.a = weights + (<usize>(block * k) << 4);
      args.rows = min(MR, m - co);
      args.out = output + <usize>co * channelBytes;
      args.bias = biasPtr == 0 ? 0 : biasPtr + (<usize>co << 2);
      for (let p = 0; p < npanels; p++) {
        const nseg = at(t.segmentCounts, p);
        // A panel with no taps in a later chunk is done, unless its activation is still to be applied.
        if (!first && nseg == 0 && args.activation == 0) continue;
        args.segments = t.segments + (<usize>(p * kc * 2) << 2);
        args.segmentCount = nseg;
        args.b = t.panels + (<usize>(p * kc * NR) << 2);
        args.columns = t.colOut + (<usize>(p * NR) << 2);
        args.validColumns = min(NR, ncols - p * NR);
        args.contiguous = at(t.contiguous, p);
        f32_gemm_4x8__simd128(args);
      }
    }
  }
}

/** Decodes the task's columns into input base, per-axis input coordinates (before the tap offset) and output index. */
function decodeColumns(t: PackedTask, padded: i32): void {
  const h = t.header, combo = t.combo, group = t.group, col0 = t.firstColumn, ncols = t.columns;
  const colIn = t.colIn, colJd = t.colJd, colJh = t.colJh, colJw = t.colJw, colOut = t.colOut;
  const batch = at(h, H_BATCH);
  const batchMinor = at(h, H_LAYOUT) == LAYOUT_BATCH_MINOR;
  const cd = at(combo, C_COUNT), ch = at(combo, C_COUNT + 1), cw = at(combo, C_COUNT + 2);
  const positions = cd * ch * cw;
  const inSp = at(h, H_IN_D) * at(h, H_IN_H) * at(h, H_IN_W);
  const outH = at(h, H_OUT_H), outW = at(h, H_OUT_W);
  const outSp = at(h, H_OUT_D) * outH * outW;
  const cin = at(h, H_CIN), cinG = at(h, H_CIN_G), cout = at(h, H_COUT), m = at(h, H_M);
  const fd = at(combo, C_OUT_FIRST), fh = at(combo, C_OUT_FIRST + 1), fw = at(combo, C_OUT_FIRST + 2);
  const od = at(combo, C_OUT_STEP), oh = at(combo, C_OUT_STEP + 1), ow = at(combo, C_OUT_STEP + 2);
  const id = at(combo, C_IN_STEP), ih = at(combo, C_IN_STEP + 1), iw = at(combo, C_IN_STEP + 2);
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
    if (batchMinor) {
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
  // A panel whose NR outputs are consecutive in memory can store whole vectors.
  for (let s = 0; s < padded / NR; s++) {
    let ok = s * NR + NR <= ncols ? 1 : 0;
    const base = at(colOut, s * NR);
    for (let c = 1; c < NR && ok; c++) if (at(colOut, s * NR + c) != base + c) ok = 0;
    put(t.contiguous, s, ok);
  }
}

/**
 * Packs B rows (tap, ci) for taps [t0, t1) and channels [ci0, ci1) of panel p, skipping taps that read only outside
 * the input for all NR columns, and records which A rows the packed rows pair with (merged into segments).
 */
function packPanel(t: PackedTask, p: i32, t0: i32, t1: i32, ci0: i32, ci1: i32): void {
  const h = t.header, combo = t.combo, kc = t.kc, cinG = t.cinG;
  const colIn = t.colIn, colJd = t.colJd, colJh = t.colJh, colJw = t.colJw;
  const inD = at(h, H_IN_D), inH = at(h, H_IN_H), inW = at(h, H_IN_W);
  const inSpBytes = <usize>(inD * inH * inW) << 2;
  const input = <usize>at(h, H_INPUT);
  const th = at(combo, C_TAPS + 1), tw = at(combo, C_TAPS + 2);
  const offD = <usize>at(combo, C_OFFSETS), offH = <usize>at(combo, C_OFFSETS + 1), offW = <usize>at(combo, C_OFFSETS + 2);
  const seg = t.segments + (<usize>(p * kc * 2) << 2);
  let row = t.panels + (<usize>(p * kc * NR) << 2);
  const c0 = p * NR;
  const len = ci1 - ci0;
  let nseg = 0;
  let segEnd = -1;
  // Per-column source address and step for the current tap (step 0 + zero word for columns out of range).
  const zero = t.zero;
  let addr0: usize = 0, addr1: usize = 0, addr2: usize = 0, addr3: usize = 0;
  let addr4: usize = 0, addr5: usize = 0, addr6: usize = 0, addr7: usize = 0;
  for (let tap = t0; tap < t1; tap++) {
    const tww = tap % tw;
    const q = tap / tw;
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
    const aRow = tap * cinG + ci0;
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
  put(t.segmentCounts, p, nseg);
}
