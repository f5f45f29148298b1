// One task of the channel-vectors layout (layout.ts LAYOUT_CHANNEL_VECTORS): a range of columns (n, position) of one
// combo and group, for layers whose outputs are too few for the other layouts' 8-column vectors (pix2pix's 2×2 and
// 4×4 phases, DCGAN's 1×1 input). The vectors run along output channels instead: a tile is 8 channels (two of the
// packed weights' 4-channel blocks, read as they are packed) × 4 positions, each position's input value broadcast
// from where it lies in the input (nothing is packed per call). A tap outside the input reads the workspace's zero
// word for that position and is skipped when it is outside for all 4. K runs in the order of every layout (taps,
// then channels), so the bits are theirs.
import {
  H_ACTIVATION, H_ALPHA, H_BIAS, H_CIN, H_CIN_G, H_COMBOS, H_COUT, H_IN_D, H_IN_H, H_IN_W, H_INPUT, H_M, H_OUT_D,
  H_OUT_H, H_OUT_W, H_OUTPUT, H_TASKS, C_COUNT, C_GROUP_BYTES, C_IN_STEP, C_K, C_OFFSETS, C_OUT_FIRST, C_OUT_STEP,
  C_TAPS, C_WEIGHTS, COMBO_INTS, TASK_INTS, T_COMBO, T_END_COLUMN, T_FIRST_COLUMN, T_GROUP, WS_TILE_ARGS,
} from '../../src/engine/backends/wasm/layout';
import { at, put, storeActivation } from './memory';

/** Positions per tile. */
const POS: i32 = 4;
/** Per tile position (workspace ints from WS_TILE_ARGS on): input base, D, H, W coordinates before the tap offset, output index (−1: none). */
const COL_IN = 0, COL_D = 4, COL_H = 8, COL_W = 12, COL_OUT = 16;
/** Then the tap table of the tile's positions (CHANNEL_TABLE_INTS in layout.ts): its length, and per tap read by one of them: tap, 4 input addresses, 4 steps. */
const TAP_COUNT = 20, TAPS = 24, TAP_INTS = 9;

export function runChannelTask(h: usize, task: i32, ws: usize): void {
  const it = <usize>at(h, H_TASKS) + (<usize>(task * TASK_INTS) << 2);
  const combo = <usize>at(h, H_COMBOS) + (<usize>(at(it, T_COMBO) * COMBO_INTS) << 2);
  const group = at(it, T_GROUP), first = at(it, T_FIRST_COLUMN), end = at(it, T_END_COLUMN);
  const cols = ws + WS_TILE_ARGS;
  const m = at(h, H_M);
  const weights = <usize>at(combo, C_WEIGHTS) + <usize>group * <usize>at(combo, C_GROUP_BYTES);
  const k = at(combo, C_K);
  for (let c0 = first; c0 < end; c0 += POS) {
    decodeColumns(h, combo, group, c0, min(POS, end - c0), cols);
    tapTable(h, combo, ws, cols);
    for (let co = 0; co < m; co += 8) {
      // A whole block pair, or the last 4-channel block alone.
      const a = weights + (<usize>((co >> 2) * k) << 4);
      if (m - co > 4) channelTile(h, cols, a, k, group, co, 2);
      else channelTile(h, cols, a, k, group, co, 1);
    }
  }
}

/**
 * The taps the tile's positions read, once for all its channel blocks: per tap each position's input address and
 * step between channels (the zero word and 0 where the tap falls outside the input); taps outside for all are left out.
 */
function tapTable(h: usize, combo: usize, zero: usize, cols: usize): void {
  const inD = at(h, H_IN_D), inH = at(h, H_IN_H), inW = at(h, H_IN_W);
  const inSpBytes = (inD * inH * inW) << 2;
  const th = at(combo, C_TAPS + 1), tw = at(combo, C_TAPS + 2);
  const taps = at(combo, C_TAPS) * th * tw;
  const offD = <usize>at(combo, C_OFFSETS), offH = <usize>at(combo, C_OFFSETS + 1), offW = <usize>at(combo, C_OFFSETS + 2);
  let count = 0;
  for (let tap = 0; tap < taps; tap++) {
    const tww = tap % tw, q = tap / tw;
    const thh = q % th, tdd = q / th;
    const dOff = at(offD, tdd), hOff = at(offH, thh), wOff = at(offW, tww);
    const row = TAPS + count * TAP_INTS;
    let any = false;
    for (let r = 0; r < POS; r++) {
      const x = at(cols, COL_D + r) + dOff, y = at(cols, COL_H + r) + hOff, z = at(cols, COL_W + r) + wOff;
      if (x < 0 || x >= inD || y < 0 || y >= inH || z < 0 || z >= inW) {
        put(cols, row + 1 + r, <i32>zero);
        put(cols, row + 5 + r, 0);
      } else {
        put(cols, row + 1 + r, at(cols, COL_IN + r) + (((x * inH + y) * inW + z) << 2));
        put(cols, row + 5 + r, inSpBytes);
        any = true;
      }
    }
    if (!any) continue;
    put(cols, row, tap);
    count++;
  }
  put(cols, TAP_COUNT, count);
}

/** The tile's positions: input base (bytes), coordinates before the tap offset, output index (−1 past the task's end). */
function decodeColumns(h: usize, combo: usize, group: i32, c0: i32, valid: i32, cols: usize): void {
  const cin = at(h, H_CIN), cinG = at(h, H_CIN_G), cout = at(h, H_COUT), m = at(h, H_M);
  const inSp = at(h, H_IN_D) * at(h, H_IN_H) * at(h, H_IN_W);
  const outH = at(h, H_OUT_H), outW = at(h, H_OUT_W);
  const outSp = at(h, H_OUT_D) * outH * outW;
  const cd = at(combo, C_COUNT), ch = at(combo, C_COUNT + 1), cw = at(combo, C_COUNT + 2);
  const positions = cd * ch * cw;
  const input = <usize>at(h, H_INPUT);
  for (let r = 0; r < POS; r++) {
    if (r >= valid) {
      put(cols, COL_IN + r, 0);
      put(cols, COL_D + r, -(1 << 30));
      put(cols, COL_H + r, -(1 << 30));
      put(cols, COL_W + r, -(1 << 30));
      put(cols, COL_OUT + r, -1);
      continue;
    }
    const col = c0 + r;
    const n = col / positions, p = col % positions;
    const jw = p % cw, q = p / cw;
    const jh = q % ch, jd = q / ch;
    put(cols, COL_IN + r, <i32>(input + (<usize>((n * cin + group * cinG) * inSp) << 2)));
    put(cols, COL_D + r, jd * at(combo, C_IN_STEP));
    put(cols, COL_H + r, jh * at(combo, C_IN_STEP + 1));
    put(cols, COL_W + r, jw * at(combo, C_IN_STEP + 2));
    const od = at(combo, C_OUT_FIRST) + jd * at(combo, C_OUT_STEP);
    const oh = at(combo, C_OUT_FIRST + 1) + jh * at(combo, C_OUT_STEP + 1);
    const ow = at(combo, C_OUT_FIRST + 2) + jw * at(combo, C_OUT_STEP + 2);
    put(cols, COL_OUT + r, (n * cout + group * m) * outSp + (od * outH + oh) * outW + ow);
  }
}

/**
 * 4·VECS output channels from `co` × the 4 positions of `cols`: 4·VECS f32x4 accumulators, per K step VECS weight
 * vectors and one broadcast input per position; VECS is a constant at both calls.
 */
@inline function channelTile(h: usize, cols: usize, a: usize, k: i32, group: i32, co: i32, VECS: i32): void {
  const m = at(h, H_M), cinG = at(h, H_CIN_G);
  const bias = at(h, H_BIAS);
  const zeros = f32x4.splat(0);
  let b0 = zeros, b1 = zeros;
  if (bias != 0) {
    // The bias of 8 channels (lanes past M are never stored).
    const bp = <usize>bias + (<usize>(group * m + co) << 2);
    b0 = v128.load(bp);
    if (VECS > 1) b1 = v128.load(bp, 16);
  }
  let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
  const blockBytes = <usize>k << 4;
  const count = at(cols, TAP_COUNT);
  for (let t = 0; t < count; t++) {
    const row = TAPS + t * TAP_INTS;
    const tap = at(cols, row);
    let x0 = <usize>at(cols, row + 1), x1 = <usize>at(cols, row + 2), x2 = <usize>at(cols, row + 3), x3 = <usize>at(cols, row + 4);
    const s0 = <usize>at(cols, row + 5), s1 = <usize>at(cols, row + 6), s2 = <usize>at(cols, row + 7), s3 = <usize>at(cols, row + 8);
    let ap = a + (<usize>(tap * cinG) << 4);
    for (let ci = 0; ci < cinG; ci++) {
      const w0 = v128.load(ap);
      const w1 = VECS > 1 ? v128.load(ap + blockBytes) : zeros;
      let v = v128.load32_splat(x0);
      c00 = f32x4.add(c00, f32x4.mul(w0, v));
      if (VECS > 1) c01 = f32x4.add(c01, f32x4.mul(w1, v));
      v = v128.load32_splat(x1);
      c10 = f32x4.add(c10, f32x4.mul(w0, v));
      if (VECS > 1) c11 = f32x4.add(c11, f32x4.mul(w1, v));
      v = v128.load32_splat(x2);
      c20 = f32x4.add(c20, f32x4.mul(w0, v));
      if (VECS > 1) c21 = f32x4.add(c21, f32x4.mul(w1, v));
      v = v128.load32_splat(x3);
      c30 = f32x4.add(c30, f32x4.mul(w0, v));
      if (VECS > 1) c31 = f32x4.add(c31, f32x4.mul(w1, v));
      ap += 16;
      x0 += s0; x1 += s1; x2 += s2; x3 += s3;
    }
  }
  const out = <usize>at(h, H_OUTPUT);
  const outSpBytes = <usize>(at(h, H_OUT_D) * at(h, H_OUT_H) * at(h, H_OUT_W)) << 2;
  const channels = min(4 * VECS, m - co);
  const act = at(h, H_ACTIVATION);
  const alpha = load<f64>(h + (<usize>H_ALPHA << 2));
  const first = out + <usize>co * outSpBytes;
  storePosition(first, at(cols, COL_OUT), outSpBytes, channels, storeActivation(c00, act, alpha), storeActivation(c01, act, alpha));
  storePosition(first, at(cols, COL_OUT + 1), outSpBytes, channels, storeActivation(c10, act, alpha), storeActivation(c11, act, alpha));
  storePosition(first, at(cols, COL_OUT + 2), outSpBytes, channels, storeActivation(c20, act, alpha), storeActivation(c21, act, alpha));
  storePosition(first, at(cols, COL_OUT + 3), outSpBytes, channels, storeActivation(c30, act, alpha), storeActivation(c31, act, alpha));
}

/** One position's `channels` outputs (lanes of lo, then hi), a channel's plane apart; none for index −1. */
@inline function storePosition(first: usize, index: i32, planeBytes: usize, channels: i32, lo: v128, hi: v128): void {
  if (index < 0) return;
  const p = first + (<usize>index << 2);
  store<f32>(p, f32x4.extract_lane(lo, 0));
  if (channels > 1) store<f32>(p + planeBytes, f32x4.extract_lane(lo, 1));
  if (channels > 2) store<f32>(p + 2 * planeBytes, f32x4.extract_lane(lo, 2));
  if (channels > 3) store<f32>(p + 3 * planeBytes, f32x4.extract_lane(lo, 3));
  if (channels > 4) store<f32>(p + 4 * planeBytes, f32x4.extract_lane(hi, 0));
  if (channels > 5) store<f32>(p + 5 * planeBytes, f32x4.extract_lane(hi, 1));
  if (channels > 6) store<f32>(p + 6 * planeBytes, f32x4.extract_lane(hi, 2));
  if (channels > 7) store<f32>(p + 7 * planeBytes, f32x4.extract_lane(hi, 3));
}
