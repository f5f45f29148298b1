// AVX2 + FMA kernels of strided depthwise rows over a W-phase copy (ukernel.h: DepthwiseRowPair, SplitRowsStride2;
// the runner is depthwise_pairs.cc): depthwise_avx512.cc with 8-lane vectors. Same rules as ukernel_avx2.cc.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "depthwise_avx2.h"

namespace tconv {
namespace {

// Lanes 0…n−1 of a maskload/maskstore mask (0 ≤ n ≤ 8).
__attribute__((always_inline)) inline __m256i firstLanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((always_inline)) inline void storeRow(float* out, int64_t outStep, __m256 acc, __m256 bias, int lanes, __m256i mask) {
  const __m256 v = _mm256_add_ps(acc, bias);
  if (outStep == 1) {
    if (lanes == 8) {
      _mm256_storeu_ps(out, v);
    } else {
      _mm256_maskstore_ps(out, mask, v);
    }
    return;
  }
  alignas(32) float chunk[8];
  _mm256_store_ps(chunk, v);
  for (int i = 0; i < lanes; i++) out[i * outStep] = chunk[i];
}

// NV vectors of 8 outputs in each of R rows from output j on (8 chains at R = 2, NV = 4); the last vector reads and
// writes its first `lanes` lanes only.
template <int NV, int R>
__attribute__((always_inline)) inline void rowBlock(int j, int taps, const float* const* row, const float* weight, int64_t rowShift, int lanes,
                                                    float* out, int64_t outStep, int64_t outShift, float bias) {
  const __m256i mask = firstLanes(lanes);
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  for (int t = 0; t < taps; t++) {
    const __m256 w = _mm256_broadcast_ss(weight + t);
    const float* s = row[t] + j;
    const float* u = s + rowShift;
#define TCONV_LOAD(p, v) (v == NV - 1 && lanes != 8 ? _mm256_maskload_ps((p) + 8 * v, mask) : _mm256_loadu_ps((p) + 8 * v))
    a00 = _mm256_fmadd_ps(w, TCONV_LOAD(s, 0), a00);
    if constexpr (NV >= 2) a01 = _mm256_fmadd_ps(w, TCONV_LOAD(s, 1), a01);
    if constexpr (NV >= 3) a02 = _mm256_fmadd_ps(w, TCONV_LOAD(s, 2), a02);
    if constexpr (NV >= 4) a03 = _mm256_fmadd_ps(w, TCONV_LOAD(s, 3), a03);
    if constexpr (R == 2) {
      a10 = _mm256_fmadd_ps(w, TCONV_LOAD(u, 0), a10);
      if constexpr (NV >= 2) a11 = _mm256_fmadd_ps(w, TCONV_LOAD(u, 1), a11);
      if constexpr (NV >= 3) a12 = _mm256_fmadd_ps(w, TCONV_LOAD(u, 2), a12);
      if constexpr (NV >= 4) a13 = _mm256_fmadd_ps(w, TCONV_LOAD(u, 3), a13);
    }
#undef TCONV_LOAD
  }
  const __m256 b = _mm256_set1_ps(bias);
  const __m256i all = _mm256_set1_epi32(-1);
  float* o = out + j * outStep;
  for (int r = 0; r < R; r++, o += outShift) {
    const __m256 v0 = r ? a10 : a00, v1 = r ? a11 : a01, v2 = r ? a12 : a02, v3 = r ? a13 : a03;
    storeRow(o, outStep, v0, b, NV == 1 ? lanes : 8, NV == 1 ? mask : all);
    if constexpr (NV >= 2) storeRow(o + 8 * outStep, outStep, v1, b, NV == 2 ? lanes : 8, NV == 2 ? mask : all);
    if constexpr (NV >= 3) storeRow(o + 16 * outStep, outStep, v2, b, NV == 3 ? lanes : 8, NV == 3 ? mask : all);
    if constexpr (NV >= 4) storeRow(o + 24 * outStep, outStep, v3, b, lanes, mask);
  }
}

template <int R>
inline void rows(int taps, const float* const* row, const float* weight, int length, int64_t rowShift, float* out, int64_t outStep, int64_t outShift,
                 float bias) {
  int j = 0;
  for (; j + 32 <= length; j += 32) rowBlock<4, R>(j, taps, row, weight, rowShift, 8, out, outStep, outShift, bias);
  const int rest = length - j;
  if (rest <= 0) return;
  const int vectors = (rest + 7) / 8, lanes = rest - 8 * (vectors - 1);
  if (vectors == 1) rowBlock<1, R>(j, taps, row, weight, rowShift, lanes, out, outStep, outShift, bias);
  if (vectors == 2) rowBlock<2, R>(j, taps, row, weight, rowShift, lanes, out, outStep, outShift, bias);
  if (vectors == 3) rowBlock<3, R>(j, taps, row, weight, rowShift, lanes, out, outStep, outShift, bias);
  if (vectors == 4) rowBlock<4, R>(j, taps, row, weight, rowShift, lanes, out, outStep, outShift, bias);
}

}  // namespace

void depthwiseRowPairAvx2(int taps, const float* const* row, const float* weight, int length, int rowCount, int64_t rowShift, float* out,
                          int64_t outStep, int64_t outShift, float bias) {
  if (rowCount == 2) {
    rows<2>(taps, row, weight, length, rowShift, out, outStep, outShift, bias);
  } else {
    rows<1>(taps, row, weight, length, rowShift, out, outStep, outShift, bias);
  }
}

// 16 inputs → 8 even and 8 odd ones: two shuffles, then a permute each restores the order; the row's tail scalar.
// Prefetch and attribute as in depthwise_avx512.cc.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void splitRowsStride2Avx2(const float* from, int64_t rows, int64_t width, int64_t before, int64_t segment, float* to) {
  const int64_t evens = (width + 1) / 2, odds = width / 2;
  for (int64_t r = 0; r < rows; r++, from += width, to += 2 * segment) {
    float* e = to + before;
    float* o = to + segment + before;
    for (int64_t i = 0; i < before; i++) to[i] = to[segment + i] = 0.0f;
    int64_t i = 0;
    for (; i + 16 <= width; i += 16) {
      _mm_prefetch(reinterpret_cast<const char*>(from + i + kSplitAhead), _MM_HINT_T0);
      const __m256 lo = _mm256_loadu_ps(from + i), hi = _mm256_loadu_ps(from + i + 8);
      const __m256d even = _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), odd = _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD));
      _mm256_storeu_ps(e + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(even, 0xD8)));
      _mm256_storeu_ps(o + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(odd, 0xD8)));
    }
    for (; i + 2 <= width; i += 2) {
      e[i / 2] = from[i];
      o[i / 2] = from[i + 1];
    }
    if (i < width) e[i / 2] = from[i];
    for (int64_t k = before + evens; k < segment; k++) to[k] = 0.0f;
    for (int64_t k = before + odds; k < segment; k++) to[segment + k] = 0.0f;
  }
}

}  // namespace tconv

#pragma GCC pop_options
#endif
