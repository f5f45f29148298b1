// The element-wise kernels of the simd128 set (docs/kernels.md): float32, 4 lanes, every op lane-wise, so a value's
// result does not depend on where it sits (vector body or tail) nor on how a job is split between threads.
//   f32_vrelu, f32_vlrelu, f32_vtanh, f32_vsigmoid, f32_vsilu   out[i] = f(x[i])
//   f32_vadd                                                   out[i] = f(x[i] + b[i])
//   f32_vprelu                                                 out[i] = x[i] < 0 ? slope[c]·x[i] : x[i]
//   f32_groupnorm                                              per block: (x − mean)/√(var + ε)·scale[c] + shift[c], then f
//   f32_softmax                                                per row: e^(x − max)/Σ e^(x − max)
//   f32_vaffine                                                out[i] = a·x[i] + b, or x[i]/a + b (float64, rounded once)
//   f32_matmul                                                 out (m×n) = x (m×k) · b (k×n), sums in float64
// Each takes the job's ElementwiseArgs and a unit range [first, end) (elements, or blocks for group norm).
//
// The functions, exactly (src/engine/ops/activation.ts defines them; the bounds are tested in
// test/wasm/elementwise-kernels.test.ts against float64 over dense sweeps):
//   relu      v > 0 ? v : +0 (NaN and −0 give +0)                 exact
//   leakyRelu v >= 0 ? v : α·v (α·v in float64, rounded once)     exact (the JS and C++ bits)
//   tanh      expm1 of −2|x| (Cody–Waite range reduction, degree-7 series), −e/(e + 2), the sign of x restored;
//             |x| clamped at 9.1, where tanh rounds to ±1 (±0 keep their sign, NaN stays NaN)
//   sigmoid   e = e^−|x| the same way (|x| clamped at 104, where σ rounds to 0 or 1), e/(1 + e), or 1 − that for x > 0
//   silu      x/(1 + e⁻ˣ), x·eˣ/(1 + eˣ) for x ≤ 0 (−∞ gives NaN, as x·σ(x) and x/(1 + e⁻ˣ) do)
import {
  ACT_LEAKY_RELU, ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_SILU, ACT_TANH, EW_ADD, EW_AFFINE, EW_GROUP_NORM, EW_MAP, EW_PRELU,
  EW_MATMUL, EW_SOFTMAX, EW_UP2X,
} from '../../src/engine/backends/wasm/layout';
import { ElementwiseArgs } from './elementwise-args';
import { f32_up2x__simd128 } from './copy-rows';
import { f32_matmul__simd128 } from './matmul';

// ln 2 in two parts: n·LN2_HI is exact for |n| < 2^8 (LN2_HI has 15 significant bits), so z − n·ln2 loses nothing.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2E: f32 = 1.4426950408889634;
/** 1.5·2²³ + 127: see `reduce`. */
const MAGIC: f32 = 12583039;
/** MAGIC's bits: a reduced value's bits minus these are n (the integer). */
const MAGIC_BITS: i32 = 0x4b40007f;
/** Beyond these |x|, tanh rounds to ±1 and σ to 0 or 1 in float32. */
const TANH_CLAMP: f32 = 9.1;
const SIGMOID_CLAMP: f32 = 104;
/** SiLU's clamp for eˣ: x·eˣ rounds to −0 for every x below it. */
const SILU_CLAMP: f32 = 110;

/**
 * Cody–Waite's n = round(z/ln2), so z = n·ln2 + t with |t| ≤ ln2/2 (t: `remainder`), as z/ln2 + MAGIC: adding
 * 1.5·2²³ + 127 leaves n + 127 in the low bits of the float (the XNNPACK trick: no rounding or conversion
 * instructions, which V8 lowers to long sequences). Valid for |z/ln2| < 2²¹; n itself is this minus MAGIC (`whole`).
 */
@inline function reduce(z: v128): v128 {
  return f32x4.add(f32x4.mul(z, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
}

/** n as a float from `reduce`'s result (exact). */
@inline function whole(reduced: v128): v128 {
  return f32x4.sub(reduced, f32x4.splat(MAGIC));
}

/** 2ⁿ from `reduce`'s result, for n in [−126, 127]: n + 127 shifted into the exponent field. */
@inline function pow2(reduced: v128): v128 {
  return i32x4.shl(reduced, 23);
}

/** 2ⁿ as two normal factors for n down to −252 (results in the subnormals): 2^⌊n/2⌋ here, 2^(n − ⌊n/2⌋) `pow2Rest`. */
@inline function pow2Half(reduced: v128): v128 {
  return i32x4.shl(i32x4.add(i32x4.shr_s(i32x4.sub(reduced, i32x4.splat(MAGIC_BITS)), 1), i32x4.splat(127)), 23);
}

@inline function pow2Rest(reduced: v128): v128 {
  const n = i32x4.sub(reduced, i32x4.splat(MAGIC_BITS));
  return i32x4.shl(i32x4.add(i32x4.sub(n, i32x4.shr_s(n, 1)), i32x4.splat(127)), 23);
}

/** eᵗ − 1 for |t| ≤ ln2/2: the series to t⁷ (the t⁸/8! left out is below 1.6e-8 of the result, a quarter ulp). */
@inline function expm1Series(t: v128): v128 {
  let p = f32x4.splat(<f32>(1.0 / 5040));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>(1.0 / 720)));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>(1.0 / 120)));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>(1.0 / 24)));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>(1.0 / 6)));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>0.5));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(<f32>1));
  return f32x4.mul(p, t);
}

/** z − n·ln2 in two steps (exact first step). */
@inline function remainder(z: v128, n: v128): v128 {
  const t = f32x4.sub(z, f32x4.mul(n, f32x4.splat(LN2_HI)));
  return f32x4.sub(t, f32x4.mul(n, f32x4.splat(LN2_LO)));
}

/** tanh: the magnitude from e = expm1(−2|x|) ∈ (−1, 0] as −e/(e + 2) (no cancellation), then x's sign. */
@inline function tanhVector(x: v128): v128 {
  // pmin(a, b) = b < a ? b : a keeps a NaN a: a NaN input stays NaN through every step.
  const z = f32x4.mul(f32x4.pmin(f32x4.abs(x), f32x4.splat(TANH_CLAMP)), f32x4.splat(-2));
  const r = reduce(z);
  const n = whole(r);
  const s = pow2(r);
  // e^z − 1 = (2ⁿ − 1) + 2ⁿ·(eᵗ − 1); 2ⁿ − 1 is exact for n ≥ −24 (n ≥ −27 here: then tanh is 1 either way).
  const e = f32x4.add(f32x4.sub(s, f32x4.splat(1)), f32x4.mul(s, expm1Series(remainder(z, n))));
  // |e/(e + 2)|: the quotient is ≤ 0 (−0 when x is ±0, so the sign comes from x alone).
  const magnitude = f32x4.abs(f32x4.div(e, f32x4.add(e, f32x4.splat(2))));
  return v128.or(magnitude, v128.and(x, f32x4.splat(-0.0)));
}

/** σ(x): e = e^−|x| ∈ (0, 1] (2ⁿ in two factors, so results down to the subnormals keep their bits), f = e/(1 + e). */
@inline function sigmoidVector(x: v128): v128 {
  const z = f32x4.neg(f32x4.pmin(f32x4.abs(x), f32x4.splat(SIGMOID_CLAMP)));
  const r = reduce(z);
  const e = f32x4.mul(f32x4.mul(f32x4.add(f32x4.splat(1), expm1Series(remainder(z, whole(r)))), pow2Half(r)), pow2Rest(r));
  const f = f32x4.div(e, f32x4.add(f32x4.splat(1), e));
  // σ(x) = 1 − σ(−x) for x > 0 (f ≤ ½ there: 1 − f loses nothing).
  return v128.bitselect(f32x4.sub(f32x4.splat(1), f), f, f32x4.gt(x, f32x4.splat(0)));
}

/**
 * SiLU x·σ(x) as x/(1 + e⁻ˣ) for x > 0 and x·eˣ/(1 + eˣ) otherwise, one division either way. For x ≤ 0 the product
 * x·eˣ is formed before its last factor 2ⁿ² scales it (into the subnormals below x ≈ −87: x·σ(x) would round σ there
 * first and lose the digits); |x| is clamped at 110 for eˣ, where x·eˣ rounds to −0 for every finite x, and −∞ gives
 * NaN as x·σ(x) does (the x − x term: 0 for finite x, NaN for ±∞; subtracting +0 keeps −0).
 */
@inline function siluVector(x: v128): v128 {
  const z = f32x4.neg(f32x4.pmin(f32x4.abs(x), f32x4.splat(SILU_CLAMP)));
  const r = reduce(z);
  const e1 = f32x4.mul(f32x4.add(f32x4.splat(1), expm1Series(remainder(z, whole(r)))), pow2Half(r));
  const e2 = pow2Rest(r);
  const d = f32x4.add(f32x4.splat(1), f32x4.mul(e1, e2));
  const below = f32x4.sub(f32x4.mul(f32x4.mul(f32x4.pmax(x, f32x4.splat(-SILU_CLAMP)), e1), e2), f32x4.sub(x, x));
  return f32x4.div(v128.bitselect(x, below, f32x4.gt(x, f32x4.splat(0))), d);
}

/** α·v in float64, rounded once (the JS and C++ definition: α need not be a float32). */
@inline function mulF64(v: v128, alpha: f64): v128 {
  const a = f64x2.splat(alpha);
  const lo = f64x2.mul(f64x2.promote_low_f32x4(v), a);
  const hi = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), a);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The activation CODE (a constant at every use: the other branches compile away). */
@inline function activate(v: v128, CODE: i32, alpha: f64): v128 {
  if (CODE == ACT_RELU) return f32x4.pmax(f32x4.splat(0), v); // 0 < v ? v : 0
  if (CODE == ACT_LEAKY_RELU) return v128.bitselect(mulF64(v, alpha), v, f32x4.lt(v, f32x4.splat(0)));
  if (CODE == ACT_TANH) return tanhVector(v);
  if (CODE == ACT_SIGMOID) return sigmoidVector(v);
  if (CODE == ACT_SILU) return siluVector(v);
  return v;
}

/** The `count` (1…3) floats at p, in the low lanes. */
@inline function loadTail(p: usize, count: i32): v128 {
  let v = v128.load32_zero(p);
  if (count > 1) v = v128.load32_lane(p, v, 1, 4);
  if (count > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

@inline function storeTail(p: usize, v: v128, count: i32): void {
  v128.store32_lane(p, v, 0);
  if (count > 1) v128.store32_lane(p, v, 1, 4);
  if (count > 2) v128.store32_lane(p, v, 2, 8);
}

/** out[i] = f(x[i]) over [first, end); the tail (1…3 elements) through the same vector code. */
@inline function mapLoop(t: ElementwiseArgs, first: i32, end: i32, CODE: i32): void {
  const x = t.x, out = t.out, alpha = t.alpha;
  let i = first;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(out + p, activate(v128.load(x + p), CODE, alpha));
  }
  if (i < end) {
    const p = <usize>i << 2;
    storeTail(out + p, activate(loadTail(x + p, end - i), CODE, alpha), end - i);
  }
}

/** out[i] = f(x[i] + b[i]) over [first, end). */
@inline function addLoop(t: ElementwiseArgs, first: i32, end: i32, CODE: i32): void {
  const x = t.x, b = t.b, out = t.out, alpha = t.alpha;
  let i = first;
  for (; i + 4 <= end; i += 4) {
    const p = <usize>i << 2;
    v128.store(out + p, activate(f32x4.add(v128.load(x + p), v128.load(b + p)), CODE, alpha));
  }
  if (i < end) {
    const p = <usize>i << 2;
    const r = end - i;
    storeTail(out + p, activate(f32x4.add(loadTail(x + p, r), loadTail(b + p, r)), CODE, alpha), r);
  }
}

export function f32_vcopy__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_NONE);
}
export function f32_vrelu__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_RELU);
}
export function f32_vlrelu__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_LEAKY_RELU);
}
export function f32_vtanh__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_TANH);
}
export function f32_vsigmoid__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_SIGMOID);
}
export function f32_vsilu__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  mapLoop(t, first, end, ACT_SILU);
}

/** out[i] = f(x[i]) for the job's activation code. */
export function f32_vactivate__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const code = t.activation;
  if (code == ACT_RELU) f32_vrelu__simd128(t, first, end);
  else if (code == ACT_LEAKY_RELU) f32_vlrelu__simd128(t, first, end);
  else if (code == ACT_TANH) f32_vtanh__simd128(t, first, end);
  else if (code == ACT_SIGMOID) f32_vsigmoid__simd128(t, first, end);
  else if (code == ACT_SILU) f32_vsilu__simd128(t, first, end);
  else f32_vcopy__simd128(t, first, end);
}

/** out[i] = f(x[i] + b[i]) for the job's activation code. */
export function f32_vadd__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const code = t.activation;
  if (code == ACT_RELU) addLoop(t, first, end, ACT_RELU);
  else if (code == ACT_LEAKY_RELU) addLoop(t, first, end, ACT_LEAKY_RELU);
  else if (code == ACT_TANH) addLoop(t, first, end, ACT_TANH);
  else if (code == ACT_SIGMOID) addLoop(t, first, end, ACT_SIGMOID);
  else if (code == ACT_SILU) addLoop(t, first, end, ACT_SILU);
  else addLoop(t, first, end, ACT_NONE);
}

/** PRelu, one slope per channel: x < 0 ? slope·x : x (−0 and NaN kept), channel by channel over [first, end). */
export function f32_vprelu__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const x = t.x, out = t.out, slopes = t.b, inner = t.inner, channels = t.channels;
  const zero = f32x4.splat(0);
  let i = first;
  while (i < end) {
    const plane = i / inner;
    const stop = min(end, (plane + 1) * inner);
    const slope = v128.load32_splat(slopes + (<usize>(plane % channels) << 2));
    for (; i + 4 <= stop; i += 4) {
      const p = <usize>i << 2;
      const v = v128.load(x + p);
      v128.store(out + p, v128.bitselect(f32x4.mul(v, slope), v, f32x4.lt(v, zero)));
    }
    if (i < stop) {
      const p = <usize>i << 2;
      const v = loadTail(x + p, stop - i);
      storeTail(out + p, v128.bitselect(f32x4.mul(v, slope), v, f32x4.lt(v, zero)), stop - i);
      i = stop;
    }
  }
}

/** Σ over `count` floats at p, in float64 (two f64x2 sums, then the tail). */
function sumF64(p: usize, count: i32, shift: f64, squares: bool): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  const m = f64x2.splat(shift);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    let a = f64x2.sub(f64x2.promote_low_f32x4(v), m);
    let b = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), m);
    if (squares) {
      a = f64x2.mul(a, a);
      b = f64x2.mul(b, b);
    }
    lo = f64x2.add(lo, a);
    hi = f64x2.add(hi, b);
  }
  const both = f64x2.add(lo, hi);
  let sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
  for (; i < count; i++) {
    const d = <f64>load<f32>(p + (<usize>i << 2)) - shift;
    sum += squares ? d * d : d;
  }
  return sum;
}

/** y = A·x + B in float64, rounded once, then f, over `count` floats from p to q. */
@inline function affineLoop(p: usize, q: usize, count: i32, scale: f64, shift: f64, CODE: i32, alpha: f64): void {
  const a = f64x2.splat(scale), b = f64x2.splat(shift);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(p + o);
    const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), a), b);
    const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), a), b);
    v128.store(q + o, activate(i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5), CODE, alpha));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const y = f32x4.splat(<f32>(scale * <f64>load<f32>(p + o) + shift));
    store<f32>(q + o, f32x4.extract_lane(activate(y, CODE, alpha), 0));
  }
}

/**
 * Blocks [first, end) of a group norm. Statistics in float64 (mean, then the variance about it: two passes over the
 * block while it is in cache), as InstanceNormalization takes them, because a float32 sum over thousands of
 * elements would lose digits the 1e-5 model tolerance needs. Per channel y = a·x + b with a = scale[c]/√(var + ε),
 * b = shift[c] − a·mean, in float64 and rounded once: the JavaScript kernel's expressions (src/engine/elementwise.ts).
 */
@inline function groupNormLoop(t: ElementwiseArgs, first: i32, end: i32, CODE: i32): void {
  const size = t.blockSize, inner = t.inner, channels = t.channels, alpha = t.alpha;
  const scales = t.scale, shifts = t.shift;
  for (let block = first; block < end; block++) {
    const offset = <usize>block * <usize>size << 2;
    const x = t.x + offset, out = t.out + offset;
    const mean = sumF64(x, size, 0, false) / <f64>size;
    const variance = sumF64(x, size, mean, true) / <f64>size;
    const inverse = 1 / Math.sqrt(variance + t.epsilon);
    const firstChannel = (block * (size / inner)) % channels;
    for (let k = 0; k * inner < size; k++) {
      const c = <usize>(firstChannel + k) << 2;
      const a = (scales ? <f64>load<f32>(scales + c) : 1) * inverse;
      const b = (shifts ? <f64>load<f32>(shifts + c) : 0) - a * mean;
      const o = <usize>(k * inner) << 2;
      affineLoop(x + o, out + o, inner, a, b, CODE, alpha);
    }
  }
}

export function f32_groupnorm__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const code = t.activation;
  if (code == ACT_RELU) groupNormLoop(t, first, end, ACT_RELU);
  else if (code == ACT_LEAKY_RELU) groupNormLoop(t, first, end, ACT_LEAKY_RELU);
  else if (code == ACT_TANH) groupNormLoop(t, first, end, ACT_TANH);
  else if (code == ACT_SIGMOID) groupNormLoop(t, first, end, ACT_SIGMOID);
  else if (code == ACT_SILU) groupNormLoop(t, first, end, ACT_SILU);
  else groupNormLoop(t, first, end, ACT_NONE);
}

/**
 * e^(x − max) for x ≤ max: d = x − max and its reduction n = round(d·log₂e), t = d − n·ln2 in float64 (x − max in
 * float32 would be off by up to |d|·2⁻²⁴, tens of ulp of e^d at d ≈ −80), eᵗ = 1 + the float32 series, 2ⁿ as two
 * normal factors (results in the subnormals rounded once). d is clamped at −104, where e^d rounds to 0.
 */
@inline function expBelowMax(v: v128, max: f64): v128 {
  const m = f64x2.splat(max), lo = f64x2.splat(-104), log2e = f64x2.splat(1.4426950408889634), ln2 = f64x2.splat(0.6931471805599453);
  // pmax(d, lo) = d < lo ? lo : d.
  const dl = f64x2.pmax(f64x2.sub(f64x2.promote_low_f32x4(v), m), lo);
  const dh = f64x2.pmax(f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), m), lo);
  const nl = f64x2.nearest(f64x2.mul(dl, log2e)), nh = f64x2.nearest(f64x2.mul(dh, log2e));
  const t = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.sub(dl, f64x2.mul(nl, ln2))), f32x4.demote_f64x2_zero(f64x2.sub(dh, f64x2.mul(nh, ln2))), 0, 1, 4, 5);
  const n = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(nl), i32x4.trunc_sat_f64x2_s_zero(nh), 0, 1, 4, 5);
  const half = i32x4.shr_s(n, 1);
  const first = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const second = i32x4.shl(i32x4.add(i32x4.sub(n, half), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(f32x4.add(f32x4.splat(1), expm1Series(t)), first), second);
}

/**
 * Rows [first, end) of a softmax (each `inner` values): the maximum (f32x4.max keeps a NaN), e = e^(x − max) into
 * out, Σ e in float64, then out = e·(1/Σ) in float64, rounded once. out may be x (each value is read before written).
 */
export function f32_softmax__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const length = t.inner;
  for (let row = first; row < end; row++) {
    const offset = <usize>row * <usize>length << 2;
    const x = t.x + offset, out = t.out + offset;
    let m = f32x4.splat(-Infinity);
    let i = 0;
    for (; i + 4 <= length; i += 4) m = f32x4.max(m, v128.load(x + (<usize>i << 2)));
    let top = max<f32>(max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    for (; i < length; i++) top = max<f32>(top, load<f32>(x + (<usize>i << 2)));
    if (!isFinite<f32>(top)) {
      // A NaN in the row, +∞ (∞ − ∞) or only −∞ (−∞ − −∞): the formula gives NaN everywhere. (No Math.exp here: its
      // tables would be static data, which each thread's instantiation writes into the low memory the jobs use.)
      for (let i = 0; i < length; i++) store<f32>(out + (<usize>i << 2), NaN);
      continue;
    }
    const mf = <f64>top;
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    i = 0;
    for (; i + 4 <= length; i += 4) {
      const p = <usize>i << 2;
      const e = expBelowMax(v128.load(x + p), mf);
      v128.store(out + p, e);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(e));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 2, 3)));
    }
    const both = f64x2.add(lo, hi);
    let sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    if (i < length) {
      const p = <usize>i << 2;
      const r = length - i;
      // The lanes past the row hold the maximum (e = 1): stored and summed only up to the row's end.
      const e = expBelowMax(v128.bitselect(loadTail(x + p, r), f32x4.splat(top), i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r))), mf);
      storeTail(out + p, e, r);
      sum += <f64>f32x4.extract_lane(e, 0);
      if (r > 1) sum += <f64>f32x4.extract_lane(e, 1);
      if (r > 2) sum += <f64>f32x4.extract_lane(e, 2);
    }
    affineLoop(out, out, length, 1 / sum, 0, ACT_NONE, 0);
  }
}

/** out[i] = factor·x[i] + offset, or x[i]/factor + offset, over [first, end) (float64, rounded once). */
export function f32_vaffine__simd128(t: ElementwiseArgs, first: i32, end: i32): void {
  const x = t.x, out = t.out;
  const a = f64x2.splat(t.factor), b = f64x2.splat(t.offset), divide = t.divide != 0;
  let i = first;
  for (; i < end; i += 4) {
    const p = <usize>i << 2;
    const v = end - i >= 4 ? v128.load(x + p) : loadTail(x + p, end - i);
    const vl = f64x2.promote_low_f32x4(v), vh = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    const lo = divide ? f64x2.add(f64x2.div(vl, a), b) : f64x2.add(f64x2.mul(vl, a), b);
    const hi = divide ? f64x2.add(f64x2.div(vh, a), b) : f64x2.add(f64x2.mul(vh, a), b);
    const y = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
    if (end - i >= 4) v128.store(out + p, y);
    else storeTail(out + p, y, end - i);
  }
}

/** Units [first, end) of the job's kernel. */
export function runElementwise(t: ElementwiseArgs, first: i32, end: i32): void {
  const kernel = t.kernel;
  if (kernel == EW_MAP) f32_vactivate__simd128(t, first, end);
  else if (kernel == EW_ADD) f32_vadd__simd128(t, first, end);
  else if (kernel == EW_PRELU) f32_vprelu__simd128(t, first, end);
  else if (kernel == EW_GROUP_NORM) f32_groupnorm__simd128(t, first, end);
  else if (kernel == EW_SOFTMAX) f32_softmax__simd128(t, first, end);
  else if (kernel == EW_AFFINE) f32_vaffine__simd128(t, first, end);
  else if (kernel == EW_MATMUL) f32_matmul__simd128(t, first, end);
  else if (kernel == EW_UP2X) f32_up2x__simd128(t, first, end);
  else unreachable();  // a kernel code this build lacks (JS newer than the build): trap, never leave the output unwritten
}

/** Task `task` of a threaded job: units [task·unitsPerTask, …) of the job. */
export function runElementwiseTask(t: ElementwiseArgs, task: i32): void {
  const first = task * t.unitsPerTask;
  runElementwise(t, first, min(t.units, first + t.unitsPerTask));
}
