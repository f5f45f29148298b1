// One task of the direct layout: output rows [row0, row1) of one image and group, row blocks (MR channels) [b0, b1),
// over every combo (the phases that interleave in one output region are computed together, while its cache lines
// are resident). Per output row and row block, one f32_direct tile call covers the row along W; D and H taps are
// checked once per output row.
import {
  H_CIN, H_CIN_G, H_COUT, H_M, H_IN_D, H_IN_H, H_OUT_D, H_OUT_H, H_OUT_W, H_OUTPUT, H_BIAS, H_COMBOS, H_TASKS,
  H_ACTIVATION, H_ALPHA, H_PADDED, H_PAD_LEFT, H_PADDED_W, H_COMBO_COUNT, C_COUNT, C_OUT_FIRST, C_OUT_STEP, C_IN_STEP, C_TAPS, C_OFFSETS,
  C_WEIGHTS, C_GROUP_BYTES, C_K, C_K_OFFSETS, COMBO_INTS, TASK_INTS, T_GROUP, T_N, T_FIRST_BLOCK, T_END_BLOCK,
  T_FIRST_ROW, T_END_ROW, WS_TILE_ARGS, MR,
} from '../../src/engine/backends/wasm/layout';
import { at } from './memory';
import { DirectTileArgs } from './tile-args';
import { f32_direct_1x16__simd128, f32_direct_4x8__simd128 } from './direct';

export function runDirectTask(h: usize, task: i32, ws: usize): void {
  const it = <usize>at(h, H_TASKS) + (<usize>(task * TASK_INTS) << 2);
  const row0 = at(it, T_FIRST_ROW), row1 = at(it, T_END_ROW);
  const combos = at(h, H_COMBO_COUNT);
  const args = changetype<DirectTileArgs>(ws + WS_TILE_ARGS);
  for (let c = 0; c < combos; c++) {
    const combo = <usize>at(h, H_COMBOS) + (<usize>(c * COMBO_INTS) << 2);
    const rows = at(combo, C_COUNT) * at(combo, C_COUNT + 1);
    if (row0 < rows) directRows(h, combo, it, min(row1, rows), args);
  }
}

/** Rows [first row, end) of one combo for the task's row blocks of (n, group). */
function directRows(h: usize, combo: usize, it: usize, row1: i32, t: DirectTileArgs): void {
  const group = at(it, T_GROUP), n = at(it, T_N), b0 = at(it, T_FIRST_BLOCK), b1 = at(it, T_END_BLOCK);
  const m = at(h, H_M), cinG = at(h, H_CIN_G), cin = at(h, H_CIN), cout = at(h, H_COUT);
  const inD = at(h, H_IN_D), inH = at(h, H_IN_H);
  const wp = at(h, H_PADDED_W), left = at(h, H_PAD_LEFT);
  const outH = at(h, H_OUT_H), outW = at(h, H_OUT_W);
  const outSp = at(h, H_OUT_D) * outH * outW;
  const tD = at(combo, C_TAPS), tH = at(combo, C_TAPS + 1), tW = at(combo, C_TAPS + 2);
  const offD = <usize>at(combo, C_OFFSETS), offH = <usize>at(combo, C_OFFSETS + 1);
  const ch = at(combo, C_COUNT + 1), cw = at(combo, C_COUNT + 2);
  const id = at(combo, C_IN_STEP), ih = at(combo, C_IN_STEP + 1);
  const fd = at(combo, C_OUT_FIRST), fh = at(combo, C_OUT_FIRST + 1), fw = at(combo, C_OUT_FIRST + 2);
  const od = at(combo, C_OUT_STEP), oh = at(combo, C_OUT_STEP + 1), ow = at(combo, C_OUT_STEP + 2);
  const k = at(combo, C_K);
  const weights = <usize>at(combo, C_WEIGHTS) + <usize>group * <usize>at(combo, C_GROUP_BYTES);
  const biasBase = at(h, H_BIAS) == 0 ? <usize>0 : <usize>at(h, H_BIAS) + (<usize>(group * m) << 2);
  // Padded input is (N, D, H, C, Wp): consecutive channels of one row are Wp floats apart.
  const chanBytes = <usize>wp << 2;
  const x = <usize>at(h, H_PADDED) + <usize>(n * inD * inH * cin + group * cinG) * chanBytes;
  const rowFloats = cin * wp;
  const out = <usize>at(h, H_OUTPUT) + (<usize>((n * cout + group * m) * outSp) << 2);
  let minD = 1 << 30, maxD = -(1 << 30), minH = 1 << 30, maxH = -(1 << 30);
  for (let tap = 0; tap < tD; tap++) {
    minD = min(minD, at(offD, tap));
    maxD = max(maxD, at(offD, tap));
  }
  for (let tap = 0; tap < tH; tap++) {
    minH = min(minH, at(offH, tap));
    maxH = max(maxH, at(offH, tap));
  }
  // Rows whose every D and H tap is inside the input run K as one flat loop over the K-offset table.
  const flatK = tD * tH * tW > 0 ? k : 0;

  // What holds for every tile of this combo and task.
  t.width = cw;
  t.outStep = ow;
  t.start = left;
  t.channelBytes = <usize>outSp << 2;
  t.kOffsets = <usize>at(combo, C_K_OFFSETS);
  t.input = x;
  t.inD = inD;
  t.inH = inH;
  t.rowFloats = rowFloats;
  t.tapsD = tD;
  t.tapsH = tH;
  t.tapsW = tW;
  t.offsetsD = offD;
  t.offsetsH = offH;
  t.offsetsW = <usize>at(combo, C_OFFSETS + 2);
  t.cinG = cinG;
  t.channelStride = chanBytes;
  t.tapBytes = <usize>cinG << 4; // A rows of one tap
  t.activation = at(h, H_ACTIVATION);
  t.alpha = load<f64>(h + (<usize>H_ALPHA << 2));

  for (let row = at(it, T_FIRST_ROW); row < row1; row++) {
    const jh = row % ch, jd = row / ch;
    const ob = ((fd + jd * od) * outH + fh + jh * oh) * outW + fw;
    const inside = jd * id + minD >= 0 && jd * id + maxD < inD && jh * ih + minH >= 0 && jh * ih + maxH < inH;
    const rowBase = x + (<usize>((jd * id * inH + jh * ih) * rowFloats + left) << 2);
    t.baseD = jd * id;
    t.baseH = jh * ih;
    t.flatK = inside ? flatK : -1;
    t.out = out + (<usize>ob << 2);
    t.rowBase = rowBase;
    if (m == 1 && cw >= 16) {
      // One output channel per group (depthwise): 1×16 tiles.
      t.a = weights;
      t.bias = biasBase;
      t.rows = 1;
      f32_direct_1x16__simd128(t);
      continue;
    }
    const rowOut = t.out;
    for (let block = b0; block < b1; block++) {
      const co = block * MR;
      t.a = weights + (<usize>(block * k) << 4);
      t.bias = biasBase == 0 ? 0 : biasBase + (<usize>co << 2);
      t.rows = min(MR, m - co);
      t.out = rowOut + (<usize>(co * outSp) << 2);
      f32_direct_4x8__simd128(t);
    }
  }
}
