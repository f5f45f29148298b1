// The nearest ×2 row kernel of the simd128 set (docs/kernels.md), run as an element-wise job (elementwise.ts
// dispatches EW_UP2X here); a copy, so the bits are the input's (the JavaScript loop's and the native f32_up2x's).
import { ElementwiseArgs } from './elementwise-args';

/**
 * Nearest ×2 in 2D over input rows [first, end) of `inner` values: each value stored twice in both of its output
 * rows (rows of 2·inner). out apart from x.
 */
export function f32_up2x__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const width = t.inner;
  for (let r = first; r < end; r++) {
    const src = t.x + ((<usize>r * <usize>width) << 2);
    const top = t.out + ((<usize>r * <usize>width * 4) << 2);
    const bottom = top + (<usize>width << 3);
    let i = 0;
    for (; i + 4 <= width; i += 4) {
      const v = v128.load(src + (<usize>i << 2));
      const lo = i32x4.shuffle(v, v, 0, 0, 1, 1);
      const hi = i32x4.shuffle(v, v, 2, 2, 3, 3);
      const o = <usize>i << 3;
      v128.store(top + o, lo);
      v128.store(top + o, hi, 16);
      v128.store(bottom + o, lo);
      v128.store(bottom + o, hi, 16);
    }
    for (; i < width; i++) {
      const v = load<u32>(src + (<usize>i << 2));
      const o = <usize>i << 3;
      store<u32>(top + o, v);
      store<u32>(top + o, v, 4);
      store<u32>(bottom + o, v);
      store<u32>(bottom + o, v, 4);
    }
  }
}
