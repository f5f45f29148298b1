// One task of the dense layout (layout.ts LAYOUT_DENSE): a conv whose kernel covers its input exactly, so each image
// has one output position and out[n, co] = Σ_j X[n, j]·W[co, j] over j = (ci, taps) — image n's input and channel
// co's weights are each one contiguous row of K floats as they lie (∂X of DCGAN's 1×1 → 4×4 layer: K = 8192). Nothing
// is packed: the tile reads both rows in place, f32x4 along K, 2 images × 4 channels (8 accumulators; each X vector
// serves 4 channels, each W vector 2 images). A task is a range of 4-channel blocks × a range of images.
//
// The sum of one output, whatever tile instance, task or thread computes it: lane l accumulates the products
// j ≡ l (mod 4) of the first 4·⌊K/4⌋ in K order (mul, then add), the lanes are summed as (l0 + l2) + (l1 + l3), the
// last K mod 4 products are added in order, then the bias: the same bits at any thread count. This order is not the
// other layouts' (taps, then channels), so the layout is chosen by a shape rule (problem.ts), never by timing.
import {
  H_ACTIVATION, H_ALPHA, H_BIAS, H_COMBOS, H_COUT, H_INPUT, H_OUTPUT, H_TASKS, C_K, C_WEIGHTS, TASK_INTS,
  T_DENSE_FIRST_BLOCK, T_DENSE_END_BLOCK, T_DENSE_FIRST_IMAGE, T_DENSE_END_IMAGE,
} from '../../src/engine/backends/wasm/layout';
import { at, storeActivation } from './memory';

export function runDenseTask(h: usize, task: i32): void {
  const it = <usize>at(h, H_TASKS) + (<usize>(task * TASK_INTS) << 2);
  const combo = <usize>at(h, H_COMBOS);
  const k = at(combo, C_K);
  const rowBytes = <usize>k << 2;
  const weights = <usize>at(combo, C_WEIGHTS);
  const input = <usize>at(h, H_INPUT);
  const output = <usize>at(h, H_OUTPUT);
  const bias = <usize>at(h, H_BIAS);
  const m = at(h, H_COUT);
  const outRow = <usize>m << 2;
  const act = at(h, H_ACTIVATION);
  const alpha = load<f64>(h + (<usize>H_ALPHA << 2));
  const n0 = at(it, T_DENSE_FIRST_IMAGE), n1 = at(it, T_DENSE_END_IMAGE);
  const endBlock = at(it, T_DENSE_END_BLOCK);
  for (let block = at(it, T_DENSE_FIRST_BLOCK); block < endBlock; block++) {
    const co = block << 2;
    const valid = min(4, m - co);
    const w = weights + <usize>co * rowBytes;
    const b = bias != 0 ? bias + (<usize>co << 2) : 0;
    let n = n0;
    for (; n + 2 <= n1; n += 2) denseTile(input + <usize>n * rowBytes, w, rowBytes, k, valid, output + (<usize>(n * m + co) << 2), outRow, b, act, alpha, 2);
    if (n < n1) denseTile(input + <usize>n * rowBytes, w, rowBytes, k, valid, output + (<usize>(n * m + co) << 2), outRow, b, act, alpha, 1);
  }
}

/**
 * IMAGES (1 or 2, a constant at each call) × 4 channels: `valid` of the channels are stored; the others re-read the
 * block's first row (in bounds) and are dropped. Image i's outputs at out + i·outRow, channel c at + 4c.
 */
@inline function denseTile(x: usize, w: usize, rowBytes: usize, k: i32, valid: i32, out: usize, outRow: usize, bias: usize, act: i32, alpha: f64, IMAGES: i32): void {
  const w1 = valid > 1 ? w + rowBytes : w;
  const w2 = valid > 2 ? w + 2 * rowBytes : w;
  const w3 = valid > 3 ? w + 3 * rowBytes : w;
  const x1 = IMAGES > 1 ? x + rowBytes : x;
  const zero = f32x4.splat(0);
  let a00 = zero, a01 = zero, a02 = zero, a03 = zero;
  let a10 = zero, a11 = zero, a12 = zero, a13 = zero;
  const end = <usize>(k & ~3) << 2;
  for (let j: usize = 0; j < end; j += 16) {
    const v0 = v128.load(x + j);
    const v1 = IMAGES > 1 ? v128.load(x1 + j) : zero;
    let q = v128.load(w + j);
    a00 = f32x4.add(a00, f32x4.mul(v0, q));
    if (IMAGES > 1) a10 = f32x4.add(a10, f32x4.mul(v1, q));
    q = v128.load(w1 + j);
    a01 = f32x4.add(a01, f32x4.mul(v0, q));
    if (IMAGES > 1) a11 = f32x4.add(a11, f32x4.mul(v1, q));
    q = v128.load(w2 + j);
    a02 = f32x4.add(a02, f32x4.mul(v0, q));
    if (IMAGES > 1) a12 = f32x4.add(a12, f32x4.mul(v1, q));
    q = v128.load(w3 + j);
    a03 = f32x4.add(a03, f32x4.mul(v0, q));
    if (IMAGES > 1) a13 = f32x4.add(a13, f32x4.mul(v1, q));
  }
  const b = bias != 0 ? loadChannels(bias, 0, 4, 8, 12, valid) : zero;
  finish(a00, a01, a02, a03, x, w, w1, w2, w3, k, b, bias != 0, act, alpha, valid, out);
  if (IMAGES > 1) finish(a10, a11, a12, a13, x1, w, w1, w2, w3, k, b, bias != 0, act, alpha, valid, out + outRow);
}

/** The 4 channels' values at byte offsets o0…o3 from p (lanes past `valid` are 0). */
@inline function loadChannels(p: usize, o0: usize, o1: usize, o2: usize, o3: usize, valid: i32): v128 {
  let v = f32x4.splat(load<f32>(p + o0));
  v = f32x4.replace_lane(v, 1, valid > 1 ? load<f32>(p + o1) : 0);
  v = f32x4.replace_lane(v, 2, valid > 2 ? load<f32>(p + o2) : 0);
  v = f32x4.replace_lane(v, 3, valid > 3 ? load<f32>(p + o3) : 0);
  return v;
}

/**
 * One image's 4 outputs: each accumulator's lanes summed as (l0 + l2) + (l1 + l3) by two interleaving steps (the 4
 * sums land in one vector, channel c in lane c), then the K mod 4 last products in order, the bias, the activation.
 */
@inline function finish(a0: v128, a1: v128, a2: v128, a3: v128, x: usize, w0: usize, w1: usize, w2: usize, w3: usize, k: i32, b: v128, hasBias: bool, act: i32, alpha: f64, valid: i32, out: usize): void {
  // [a0.0 + a0.2, a1.0 + a1.2, a0.1 + a0.3, a1.1 + a1.3] and the same for a2, a3.
  const u = f32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const v = f32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  let s = f32x4.add(i32x4.shuffle(u, v, 0, 1, 4, 5), i32x4.shuffle(u, v, 2, 3, 6, 7));
  for (let j = k & ~3; j < k; j++) {
    const o = <usize>j << 2;
    let q = f32x4.splat(load<f32>(w0 + o));
    q = f32x4.replace_lane(q, 1, load<f32>(w1 + o));
    q = f32x4.replace_lane(q, 2, load<f32>(w2 + o));
    q = f32x4.replace_lane(q, 3, load<f32>(w3 + o));
    s = f32x4.add(s, f32x4.mul(v128.load32_splat(x + o), q));
  }
  if (hasBias) s = f32x4.add(s, b);
  if (act != 0) s = storeActivation(s, act, alpha);
  if (valid == 4) {
    v128.store(out, s);
    return;
  }
  store<f32>(out, f32x4.extract_lane(s, 0));
  if (valid > 1) store<f32>(out, f32x4.extract_lane(s, 1), 4);
  if (valid > 2) store<f32>(out, f32x4.extract_lane(s, 2), 8);
}
