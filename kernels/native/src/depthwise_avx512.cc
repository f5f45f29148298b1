// AVX-512 kernels of strided depthwise rows over a W-phase copy (ukernel.h: DepthwiseRowPair, SplitRowsStride2;
// the runner is depthwise_pairs.cc). Compiled for AVX-512 by a target pragma and called only from the avx512 set;
// no C++ library header, for the reason ukernel_avx512.cc gives.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#include <immintrin.h>

#include "depthwise_avx512.h"

namespace tconv {
namespace {

__attribute__((always_inline)) inline void storeRow(float* out, int64_t outStep, __m512 acc, __m512 bias, __mmask16 lanes) {
  const __m512 v = _mm512_add_ps(acc, bias);
  if (outStep == 1) {
    _mm512_mask_storeu_ps(out, lanes, v);
    return;
  }
  alignas(64) float chunk[16];
  _mm512_store_ps(chunk, v);
  for (int i = 0; i < 16 && (lanes >> i) & 1; i++) out[i * outStep] = chunk[i];
}

// NV vectors of 16 outputs in each of R rows from output j on: R·NV independent chains (8 at R = 2, NV = 4, enough
// to keep both FMA pipes busy), each summing its taps in order. The last vector reads and writes `last` lanes only.
template <int NV, int R>
__attribute__((always_inline)) inline void rowBlock(int j, int taps, const float* const* row, const float* weight, int64_t rowShift, __mmask16 last,
                                                    float* out, int64_t outStep, int64_t outShift, float bias) {
  __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  for (int t = 0; t < taps; t++) {
    const __m512 w = _mm512_set1_ps(weight[t]);
    const float* s = row[t] + j;
    const float* u = s + rowShift;
#define TCONV_LOAD(p, v) (v == NV - 1 ? _mm512_maskz_loadu_ps(last, (p) + 16 * v) : _mm512_loadu_ps((p) + 16 * v))
    a00 = _mm512_fmadd_ps(w, TCONV_LOAD(s, 0), a00);
    if constexpr (NV >= 2) a01 = _mm512_fmadd_ps(w, TCONV_LOAD(s, 1), a01);
    if constexpr (NV >= 3) a02 = _mm512_fmadd_ps(w, TCONV_LOAD(s, 2), a02);
    if constexpr (NV >= 4) a03 = _mm512_fmadd_ps(w, TCONV_LOAD(s, 3), a03);
    if constexpr (R == 2) {
      a10 = _mm512_fmadd_ps(w, TCONV_LOAD(u, 0), a10);
      if constexpr (NV >= 2) a11 = _mm512_fmadd_ps(w, TCONV_LOAD(u, 1), a11);
      if constexpr (NV >= 3) a12 = _mm512_fmadd_ps(w, TCONV_LOAD(u, 2), a12);
      if constexpr (NV >= 4) a13 = _mm512_fmadd_ps(w, TCONV_LOAD(u, 3), a13);
    }
#undef TCONV_LOAD
  }
  const __m512 b = _mm512_set1_ps(bias);
  const __mmask16 all = 0xffff;
  float* o = out + j * outStep;
  storeRow(o, outStep, a00, b, NV == 1 ? last : all);
  if constexpr (NV >= 2) storeRow(o + 16 * outStep, outStep, a01, b, NV == 2 ? last : all);
  if constexpr (NV >= 3) storeRow(o + 32 * outStep, outStep, a02, b, NV == 3 ? last : all);
  if constexpr (NV >= 4) storeRow(o + 48 * outStep, outStep, a03, b, last);
  if constexpr (R == 2) {
    o += outShift;
    storeRow(o, outStep, a10, b, NV == 1 ? last : all);
    if constexpr (NV >= 2) storeRow(o + 16 * outStep, outStep, a11, b, NV == 2 ? last : all);
    if constexpr (NV >= 3) storeRow(o + 32 * outStep, outStep, a12, b, NV == 3 ? last : all);
    if constexpr (NV >= 4) storeRow(o + 48 * outStep, outStep, a13, b, last);
  }
}

template <int R>
inline void rows(int taps, const float* const* row, const float* weight, int length, int64_t rowShift, float* out, int64_t outStep, int64_t outShift,
                 float bias) {
  int j = 0;
  for (; j + 64 <= length; j += 64) rowBlock<4, R>(j, taps, row, weight, rowShift, 0xffff, out, outStep, outShift, bias);
  const int rest = length - j;
  if (rest <= 0) return;
  const int vectors = (rest + 15) / 16, lanes = rest - 16 * (vectors - 1);
  const __mmask16 last = __mmask16(lanes == 16 ? 0xffffu : (1u << lanes) - 1);
  if (vectors == 1) rowBlock<1, R>(j, taps, row, weight, rowShift, last, out, outStep, outShift, bias);
  if (vectors == 2) rowBlock<2, R>(j, taps, row, weight, rowShift, last, out, outStep, outShift, bias);
  if (vectors == 3) rowBlock<3, R>(j, taps, row, weight, rowShift, last, out, outStep, outShift, bias);
  if (vectors == 4) rowBlock<4, R>(j, taps, row, weight, rowShift, last, out, outStep, outShift, bias);
}

}  // namespace

void depthwiseRowPairAvx512(int taps, const float* const* row, const float* weight, int length, int rowCount, int64_t rowShift, float* out,
                            int64_t outStep, int64_t outShift, float bias) {
  if (rowCount == 2) {
    rows<2>(taps, row, weight, length, rowShift, out, outStep, outShift, bias);
  } else {
    rows<1>(taps, row, weight, length, rowShift, out, outStep, outShift, bias);
  }
}

// 32 inputs → 16 even and 16 odd ones by two two-source permutes; masked loads and stores at the row's end. The
// input 4 KiB ahead is prefetched: the loads here waited on memory (perf: most of the copy's samples), as the rows
// are copied one or two at a time between the output rows. (no-tree-loop-distribute-patterns: GCC made the zero
// fills of a few floats memset calls, ~4% of the layer.)
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void splitRowsStride2Avx512(const float* from, int64_t rows, int64_t width, int64_t before, int64_t segment, float* to) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const int64_t evens = (width + 1) / 2, odds = width / 2;
  for (int64_t r = 0; r < rows; r++, from += width, to += 2 * segment) {
    float* e = to + before;
    float* o = to + segment + before;
    for (int64_t i = 0; i < before; i++) to[i] = to[segment + i] = 0.0f;
    int64_t i = 0;
    for (; i + 32 <= width; i += 32) {
      _mm_prefetch(reinterpret_cast<const char*>(from + i + kSplitAhead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(from + i + kSplitAhead + 16), _MM_HINT_T0);
      const __m512 lo = _mm512_loadu_ps(from + i), hi = _mm512_loadu_ps(from + i + 16);
      _mm512_storeu_ps(e + i / 2, _mm512_permutex2var_ps(lo, even, hi));
      _mm512_storeu_ps(o + i / 2, _mm512_permutex2var_ps(lo, odd, hi));
    }
    if (i < width) {
      const int64_t rest = width - i;
      const __mmask16 loMask = __mmask16(rest >= 16 ? 0xffffu : (1u << rest) - 1);
      const __mmask16 hiMask = __mmask16(rest <= 16 ? 0u : (1u << (rest - 16)) - 1);
      const __m512 lo = _mm512_maskz_loadu_ps(loMask, from + i), hi = _mm512_maskz_loadu_ps(hiMask, from + i + 16);
      const int64_t e1 = (rest + 1) / 2, o1 = rest / 2;
      _mm512_mask_storeu_ps(e + i / 2, __mmask16((1u << e1) - 1), _mm512_permutex2var_ps(lo, even, hi));
      _mm512_mask_storeu_ps(o + i / 2, __mmask16((1u << o1) - 1), _mm512_permutex2var_ps(lo, odd, hi));
    }
    for (int64_t k = before + evens; k < segment; k++) to[k] = 0.0f;
    for (int64_t k = before + odds; k < segment; k++) to[segment + k] = 0.0f;
  }
}

}  // namespace tconv

#pragma GCC pop_options
#endif
