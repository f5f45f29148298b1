// The element-wise kernels' one source (eltwise.h), included inside `namespace tconv { namespace {` by
// eltwise_avx2.cc (compiled for AVX2) and eltwise_portable.cc (the baseline target). Vectors are GCC vector types of
// 8 floats; the compiler maps them to one ymm register, or two xmm, or scalars. No contraction to FMA (the files
// are compiled without it: -ffp-contract=off), so both builds round identically.
//
// eˣ: x clamped to [−112, 100] (outside, float32 eˣ and x·eˣ are 0 or +∞ anyway), k = round(x·log₂e), r = x − k·ln2 (Cody and
// Waite: ln2 in two parts, the first with 8 significant bits, so k·ln2_hi is exact), eʳ by Cephes' degree-7
// polynomial on |r| ≤ ln2/2, then scaled by 2^k as two factors 2^⌊k/2⌋·2^(k−⌊k/2⌋), both normal: results below
// 2⁻¹²⁶ are rounded once into the subnormals instead of flushed, and results above FLT_MAX become +∞.
// tanh: |x| < 0.625 an odd polynomial (Cephes tanhf; no cancellation near 0, ±0 keep their sign), else
// 1 − 2/(e^(2|x|) + 1) with |x| clamped to 9.1 (tanh rounds to ±1 beyond), the sign of x restored.
// sigmoid: with e = e^(−|x|) ∈ (0, 1] (no overflow), 1/(1 + e) for x ≥ 0 and e/(1 + e) below (subnormal results kept).
// silu: x/(1 + e) for x ≥ 0, x·e/(1 + e) below with x multiplied into e before its last scaling (so x·e is rounded once
// even where it is subnormal), −0 below −112 (where x·eˣ rounds to it); silu(−∞) is NaN, as −∞·sigmoid(−∞) = −∞·0
// of the unfused pair.

// The vector types never cross a call this file does not inline (everything is in an unnamed namespace): the ABI
// note GCC gives for vector arguments wider than the target's registers does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float V __attribute__((vector_size(32)));
typedef int32_t I __attribute__((vector_size(32)));
typedef float H __attribute__((vector_size(16)));
// Doubles four at a time (one ymm): a vector of eight doubles, twice a register, GCC keeps in memory between uses.
typedef double D __attribute__((vector_size(32)));
constexpr int kLanes = 8;

inline V splat(float v) { return V{v, v, v, v, v, v, v, v}; }
inline I splatI(int32_t v) { return I{v, v, v, v, v, v, v, v}; }
inline D splatD(double v) { return D{v, v, v, v}; }
inline D lowD(V v) { return __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), D); }
inline D highD(V v) { return __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), D); }
inline V joinD(D low, D high) {
  const H l = __builtin_convertvector(low, H), h = __builtin_convertvector(high, H);
  return __builtin_shufflevector(l, h, 0, 1, 2, 3, 4, 5, 6, 7);
}
// a·x + b and a·x in double, rounded once to float32.
inline V affineD(V x, D a, D b) { return joinD(a * lowD(x) + b, a * highD(x) + b); }
inline V scaleD(V x, D a) { return joinD(a * lowD(x), a * highD(x)); }
inline V load(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, V v) { __builtin_memcpy(p, &v, sizeof v); }
inline V bitsToFloat(I i) { return (V)i; }
inline I floatToBits(V v) { return (I)v; }

// eʳ for |r| ≤ ln2/2: Cephes' float polynomial (expf), the core of both exponentials below.
inline V expReduced(V r) {
  V p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  return p * (r * r) + r + splat(1.0f);
}

// eˣ = a·b with a = eʳ·2^⌊k/2⌋ and b = 2^(k − ⌊k/2⌋): both normal for every x (NaN gives a NaN a).
inline void expParts(V x, V& a, V& b) {
  const V lo = splat(-112.0f), hi = splat(100.0f);
  x = x < lo ? lo : x;  // NaN compares false: it stays
  x = x > hi ? hi : x;
  const V rounder = splat(12582912.0f);  // 1.5·2²³: adding it leaves no fraction bits (round to nearest even)
  const V t = x * splat(1.44269504088896341f) + rounder;
  const V n = t - rounder;
  const I k = floatToBits(t) - floatToBits(rounder);
  V r = x - n * splat(0.693359375f);
  r = r - n * splat(-2.12194440e-4f);
  const V p = expReduced(r);
  const I k1 = k >> 1;
  const I k2 = k - k1;
  a = p * bitsToFloat((k1 + splatI(127)) << 23);
  b = bitsToFloat((k2 + splatI(127)) << 23);
}

inline V vrelu(V x) {
  // As reluInto: a set sign bit (−0, negatives, negative NaNs) gives +0, and so do positive NaNs (bits above +∞).
  const I bits = floatToBits(x);
  const I kept = bits & ~(bits >> 31);
  return bitsToFloat(kept & ~((splatI(0x7f800000) - kept) >> 31));
}

inline V vleaky(V x, D alpha) {
  return x >= splat(0.0f) ? x : scaleD(x, alpha);  // NaN: alpha·NaN
}

inline V vtanh(V x) {
  const I sign = floatToBits(x) & splatI(int32_t(0x80000000u));
  const V ax = bitsToFloat(floatToBits(x) & splatI(0x7fffffff));
  const V z = x * x;
  V p = splat(-5.70498872745e-3f);
  p = p * z + splat(2.06390887954e-2f);
  p = p * z + splat(-5.37397155531e-2f);
  p = p * z + splat(1.33314422036e-1f);
  p = p * z + splat(-3.33332819422e-1f);
  const V small = p * z * x + x;
  const V clamped = ax > splat(9.1f) ? splat(9.1f) : ax;
  V a, b;
  expParts(clamped + clamped, a, b);
  const V large = splat(1.0f) - splat(2.0f) / (a * b + splat(1.0f));
  // The sign of x on both (small's own is x's, but x + (−0) rounds −0 to +0).
  return bitsToFloat(floatToBits(ax < splat(0.625f) ? small : large) | sign);
}

inline V vsigmoid(V x) {
  V a, b;
  expParts(bitsToFloat(floatToBits(x) | splatI(int32_t(0x80000000u))), a, b);  // e^(−|x|)
  const V e = a * b;
  const V d = splat(1.0f) + e;
  return x >= splat(0.0f) ? splat(1.0f) / d : e / d;
}

inline V vsilu(V x) {
  V a, b;
  expParts(bitsToFloat(floatToBits(x) | splatI(int32_t(0x80000000u))), a, b);
  const V d = splat(1.0f) + a * b;
  V negative = (x * a) * b / d;
  negative = x < splat(-112.0f) ? splat(-0.0f) : negative;  // a·b is e⁻¹¹² there, not eˣ
  negative = x == splat(-__builtin_inff()) ? splat(__builtin_nanf("")) : negative;
  return x >= splat(0.0f) ? x / d : negative;
}

template <int CODE>
inline V activate(V x, D alpha) {
  if constexpr (CODE == 1) return vrelu(x);
  if constexpr (CODE == 2) return vleaky(x, alpha);
  if constexpr (CODE == 3) return vtanh(x);
  if constexpr (CODE == 4) return vsigmoid(x);
  if constexpr (CODE == 5) return vsilu(x);
  (void)alpha;
  return x;
}

// y[i] = f(vector of x[i…]) over n values: whole vectors, then the tail through a zero-padded vector (nothing past
// y[n − 1] is written, nothing past x[n − 1] read).
template <class F>
inline void eachVector(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, f(load(x + i)));
  if (i == n) return;
  float tail[kLanes] = {};
  for (int64_t j = i; j < n; j++) tail[j - i] = x[j];
  float out[kLanes];
  store(out, f(load(tail)));
  for (int64_t j = i; j < n; j++) y[j] = out[j - i];
}

template <int CODE>
void mapCode(double alpha, const float* x, float* y, int64_t n) {
  const D a = splatD(alpha);
  eachVector(x, y, n, [a](V v) { return activate<CODE>(v, a); });
}

void map(int code, double alpha, const float* x, float* y, int64_t n) {
  switch (code) {
    case 1: mapCode<1>(alpha, x, y, n); return;
    case 2: mapCode<2>(alpha, x, y, n); return;
    case 3: mapCode<3>(alpha, x, y, n); return;
    case 4: mapCode<4>(alpha, x, y, n); return;
    case 5: mapCode<5>(alpha, x, y, n); return;
    default:
      if (x != y) __builtin_memmove(y, x, size_t(n) * sizeof(float));
  }
}

template <int CODE>
void addCode(double alpha, const float* a, const float* b, float* y, int64_t n) {
  const D al = splatD(alpha);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, activate<CODE>(load(a + i) + load(b + i), al));
  if (i == n) return;
  float ta[kLanes] = {}, tb[kLanes] = {}, out[kLanes];
  for (int64_t j = i; j < n; j++) ta[j - i] = a[j], tb[j - i] = b[j];
  store(out, activate<CODE>(load(ta) + load(tb), al));
  for (int64_t j = i; j < n; j++) y[j] = out[j - i];
}

void add(int code, double alpha, const float* a, const float* b, float* y, int64_t n) {
  switch (code) {
    case 1: addCode<1>(alpha, a, b, y, n); return;
    case 2: addCode<2>(alpha, a, b, y, n); return;
    case 3: addCode<3>(alpha, a, b, y, n); return;
    case 4: addCode<4>(alpha, a, b, y, n); return;
    case 5: addCode<5>(alpha, a, b, y, n); return;
    default: addCode<0>(alpha, a, b, y, n);
  }
}

void prelu(const float* x, const float* slope, int64_t channels, int64_t inner, float* y, int64_t n) {
  for (int64_t start = 0, k = 0; start < n; start += inner, k++) {
    const D s = splatD(double(slope[k % channels]));
    eachVector(x + start, y + start, inner, [s](V v) { return v < splat(0.0f) ? scaleD(v, s) : v; });
  }
}

// Σ x[i] and Σ (x[i] − mean)² in double, in 8 partial sums (two registers of four).
double blockSum(const float* x, int64_t n) {
  D low = splatD(0.0), high = splatD(0.0);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const V v = load(x + i);
    low += lowD(v);
    high += highD(v);
  }
  double sum = 0;
  for (; i < n; i++) sum += double(x[i]);
  const D both = low + high;
  return sum + ((both[0] + both[1]) + (both[2] + both[3]));
}

double blockSquares(const float* x, int64_t n, double mean) {
  const D m = splatD(mean);
  D low = splatD(0.0), high = splatD(0.0);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const V v = load(x + i);
    const D dl = lowD(v) - m, dh = highD(v) - m;
    low += dl * dl;
    high += dh * dh;
  }
  double sum = 0;
  for (; i < n; i++) sum += (double(x[i]) - mean) * (double(x[i]) - mean);
  const D both = low + high;
  return sum + ((both[0] + both[1]) + (both[2] + both[3]));
}

template <int CODE>
void groupNormCode(const float* x, int64_t blocks, int64_t blockSize, int64_t channels, int64_t inner, double epsilon,
                   const float* scale, const float* shift, double alpha, float* y) {
  const D al = splatD(alpha);
  const int64_t perBlock = blockSize / inner;
  const int64_t groups = channels / perBlock;
  for (int64_t block = 0; block < blocks; block++) {
    const float* xb = x + block * blockSize;
    float* yb = y + block * blockSize;
    // The block's statistics are taken before it is written (y may be x).
    const double mean = blockSum(xb, blockSize) / double(blockSize);
    const double variance = blockSquares(xb, blockSize, mean) / double(blockSize);
    const double inverse = 1.0 / __builtin_sqrt(variance + epsilon);
    const int64_t first = (block % groups) * perBlock;
    for (int64_t k = 0; k < perBlock; k++) {
      const int64_t c = first + k;
      const double a = (scale ? double(scale[c]) : 1.0) * inverse;
      const double b = (shift ? double(shift[c]) : 0.0) - a * mean;
      const D av = splatD(a), bv = splatD(b);
      // a·x + b in double, rounded once, then the activation on the float32 value (as map would apply it).
      eachVector(xb + k * inner, yb + k * inner, inner, [av, bv, al](V v) { return activate<CODE>(affineD(v, av, bv), al); });
    }
  }
}

void groupNorm(const float* x, int64_t blocks, int64_t blockSize, int64_t channels, int64_t inner, double epsilon,
               const float* scale, const float* shift, int code, double alpha, float* y) {
  switch (code) {
    case 1: groupNormCode<1>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y); return;
    case 2: groupNormCode<2>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y); return;
    case 3: groupNormCode<3>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y); return;
    case 4: groupNormCode<4>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y); return;
    case 5: groupNormCode<5>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y); return;
    default: groupNormCode<0>(x, blocks, blockSize, channels, inner, epsilon, scale, shift, alpha, y);
  }
}

// e^(x − max) for x ≤ max (a softmax row's values): d = x − max and its range reduction k = round(d·log₂e),
// r = d − k·ln2 in double (the float32 difference would be off by up to |d|·2⁻²⁴, tens of ulp of e^d at d ≈ −80),
// eʳ by Cephes' float polynomial on |r| ≤ ln2/2, then 2^k as two normal factors (results in the subnormals rounded
// once). d is clamped at −104, where e^d rounds to 0.
inline V expBelowMax(V x, D max) {
  const D lo = splatD(-104.0), log2e = splatD(1.4426950408889634), ln2 = splatD(0.6931471805599453);
  const D rounder = splatD(6755399441055744.0);  // 1.5·2⁵²: adding it leaves no fraction bits
  D dl = lowD(x) - max, dh = highD(x) - max;
  dl = dl < lo ? lo : dl;
  dh = dh < lo ? lo : dh;
  const D nl = (dl * log2e + rounder) - rounder, nh = (dh * log2e + rounder) - rounder;
  const V r = joinD(dl - nl * ln2, dh - nh * ln2);
  const I k = __builtin_convertvector(joinD(nl, nh), I);
  const V p = expReduced(r);
  const I k1 = k >> 1;
  const I k2 = k - k1;
  return p * bitsToFloat((k1 + splatI(127)) << 23) * bitsToFloat((k2 + splatI(127)) << 23);
}

void softmax(const float* x, int64_t rows, int64_t length, float* y) {
  for (int64_t row = 0; row < rows; row++) {
    const float* xr = x + row * length;
    float* yr = y + row * length;
    // The maximum, and whether a NaN is in the row (a comparison with NaN is false: the max would skip it).
    V m = splat(-__builtin_inff());
    I nan = splatI(0);
    int64_t i = 0;
    for (; i + kLanes <= length; i += kLanes) {
      const V v = load(xr + i);
      m = v > m ? v : m;
      nan |= v != v;
    }
    float max = -__builtin_inff();
    bool bad = false;
    for (int j = 0; j < kLanes; j++) max = m[j] > max ? m[j] : max, bad = bad || nan[j] != 0;
    for (; i < length; i++) max = xr[i] > max ? xr[i] : max, bad = bad || xr[i] != xr[i];
    if (bad || max == __builtin_inff() || max == -__builtin_inff()) {
      // A NaN, +∞ (∞ − ∞) or only −∞ (−∞ − −∞): the formula gives NaN everywhere.
      for (int64_t j = 0; j < length; j++) yr[j] = __builtin_nanf("");
      continue;
    }
    // e into y (read before written: y may be x), summed in double.
    const D md = splatD(double(max));
    D low = splatD(0.0), high = splatD(0.0);
    i = 0;
    for (; i + kLanes <= length; i += kLanes) {
      const V e = expBelowMax(load(xr + i), md);
      store(yr + i, e);
      low += lowD(e);
      high += highD(e);
    }
    double sum = 0;
    if (i < length) {
      float tail[kLanes], out[kLanes];
      for (int j = 0; j < kLanes; j++) tail[j] = i + j < length ? xr[i + j] : max;
      store(out, expBelowMax(load(tail), md));
      for (int64_t j = i; j < length; j++) yr[j] = out[j - i], sum += double(out[j - i]);
    }
    const D both = low + high;
    sum += (both[0] + both[1]) + (both[2] + both[3]);
    const double inverse = 1.0 / sum;  // captured as a double: no vector crosses the portable build's calls
    eachVector(yr, yr, length, [inverse](V v) { return scaleD(v, splatD(inverse)); });
  }
}

void affine(const float* x, double a, double b, bool divide, float* y, int64_t n) {
  // The lambdas capture the doubles, not vectors (no vector crosses the portable build's calls).
  // Always inlined: the portable build would otherwise pass the 32-byte vector to an out-of-line division lambda.
  if (divide) eachVector(x, y, n, [a, b](V v) __attribute__((always_inline)) { return joinD(lowD(v) / splatD(a) + splatD(b), highD(v) / splatD(a) + splatD(b)); });
  else eachVector(x, y, n, [a, b](V v) __attribute__((always_inline)) { return affineD(v, splatD(a), splatD(b)); });
}

