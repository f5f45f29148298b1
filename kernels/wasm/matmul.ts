// The small-product kernel of the simd128 set (docs/kernels.md), run as an element-wise job (elementwise.ts
// dispatches EW_MATMUL here): out (m×n) = x (m×k) · b (k×n) with float64 sums, the bits of the JavaScript loop
// (src/engine/elementwise.ts matmulRows) and of the native f32_matmul.
import { ElementwiseArgs } from './elementwise-args';

/** acc + a·(v's low or high two float32 lanes, as float64): the product exact, the sum rounded as float64's. */
@inline function madd(acc: v128, a: v128, v: v128, high: bool): v128 {
  const w = high ? f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)) : f64x2.promote_low_f32x4(v);
  return f64x2.add(acc, f64x2.mul(a, w));
}

@inline function demote4(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Rows [first, end) of out (m×n) = x (m×k) · b (k×n), row-major (n = inner, k = channels): each output the float64
 * sum of its k products in order p = 0…k−1, rounded once (a float32 product is exact in float64: the bits of the
 * JavaScript loop and of the native kernel). Two rows by 8 columns at a time (eight float64x2 accumulators, b's 8
 * values loaded once for both rows); the columns past the last 8 one at a time. out apart from x and b.
 */
export function f32_matmul__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const n = t.inner, k = t.channels;
  const rowBytes = <usize>k << 2, colBytes = <usize>n << 2;
  let i = first;
  while (i < end) {
    const two = end - i >= 2;
    const a0 = t.x + <usize>i * rowBytes;
    const a1 = two ? a0 + rowBytes : a0;
    const y0 = t.out + <usize>i * colBytes;
    const y1 = y0 + colBytes;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let c0 = f64x2.splat(0), c1 = f64x2.splat(0), c2 = f64x2.splat(0), c3 = f64x2.splat(0);
      let d0 = f64x2.splat(0), d1 = f64x2.splat(0), d2 = f64x2.splat(0), d3 = f64x2.splat(0);
      let bp = t.b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const lo = v128.load(bp), hi = v128.load(bp, 16);
        const s0 = f64x2.splat(<f64>load<f32>(a0 + (<usize>p << 2)));
        const s1 = f64x2.splat(<f64>load<f32>(a1 + (<usize>p << 2)));
        c0 = madd(c0, s0, lo, false); c1 = madd(c1, s0, lo, true); c2 = madd(c2, s0, hi, false); c3 = madd(c3, s0, hi, true);
        d0 = madd(d0, s1, lo, false); d1 = madd(d1, s1, lo, true); d2 = madd(d2, s1, hi, false); d3 = madd(d3, s1, hi, true);
        bp += colBytes;
      }
      const o = <usize>j << 2;
      v128.store(y0 + o, demote4(c0, c1));
      v128.store(y0 + o, demote4(c2, c3), 16);
      if (two) {
        v128.store(y1 + o, demote4(d0, d1));
        v128.store(y1 + o, demote4(d2, d3), 16);
      }
    }
    for (; j < n; j++) {
      let s0: f64 = 0, s1: f64 = 0;
      for (let p = 0; p < k; p++) {
        const bv = <f64>load<f32>(t.b + ((<usize>p * <usize>n + <usize>j) << 2));
        s0 += <f64>load<f32>(a0 + (<usize>p << 2)) * bv;
        s1 += <f64>load<f32>(a1 + (<usize>p << 2)) * bv;
      }
      store<f32>(y0 + (<usize>j << 2), <f32>s0);
      if (two) store<f32>(y1 + (<usize>j << 2), <f32>s1);
    }
    i += two ? 2 : 1;
  }
}
