// Word access to the int32 tables (header, combos, tasks, column tables) and the output stores every tile shares.
import { ACT_LEAKY_RELU, ACT_RELU } from '../../src/engine/backends/wasm/layout';

/** The i-th int32 of the table at p. */
@inline export function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline export function put(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** 8 outputs `step` elements apart (the phase's stride along W). */
@inline export function storeStrided(p: usize, step: i32, lo: v128, hi: v128): void {
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

/** Stores the `cols` valid lanes of two vectors (8 columns) of one output row at the columns' output indices. */
@inline export function storeColumns(rowBase: usize, colOut: usize, cols: i32, contiguous: i32, lo: v128, hi: v128): void {
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

/** Loads the current values of half (4 columns) of one output row's 8 columns (K chunks after the first). */
@inline export function loadColumns(rowBase: usize, colOut: usize, cols: i32, half: i32): v128 {
  let v = f32x4.splat(0);
  const c = half << 2;
  if (cols > c) v = f32x4.replace_lane(v, 0, load<f32>(rowBase + (<usize>at(colOut, c) << 2)));
  if (cols > c + 1) v = f32x4.replace_lane(v, 1, load<f32>(rowBase + (<usize>at(colOut, c + 1) << 2)));
  if (cols > c + 2) v = f32x4.replace_lane(v, 2, load<f32>(rowBase + (<usize>at(colOut, c + 2) << 2)));
  if (cols > c + 3) v = f32x4.replace_lane(v, 3, load<f32>(rowBase + (<usize>at(colOut, c + 3) << 2)));
  return v;
}

/**
 * The activation a tile applies as it stores (layout.ts H_ACTIVATION): relu and leakyRelu exactly as elementwise.ts'
 * `activate` computes them (the unfused pair must give the same bits: test/engine/backend-spec.test.ts), so a fused
 * conv needs no second pass over its output.
 */
@inline export function storeActivation(v: v128, code: i32, alpha: f64): v128 {
  if (code == ACT_RELU) return f32x4.pmax(f32x4.splat(0), v); // 0 < v ? v : 0
  if (code == ACT_LEAKY_RELU) {
    // α·v in float64, rounded once (α need not be a float32).
    const a = f64x2.splat(alpha);
    const lo = f64x2.mul(f64x2.promote_low_f32x4(v), a);
    const hi = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), a);
    const scaled = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
    return v128.bitselect(scaled, v, f32x4.lt(v, f32x4.splat(0)));
  }
  return v;
}
