// The space-to-depth layout's packer (space_to_depth.h), compiled for AVX-512 through a target pragma and called only
// with the avx512 kernel set (spaceToDepthApplies). Like the ukernel files it includes no C++ library header, so no
// inline library function compiled for AVX-512 can leak into the rest of the addon.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#include <immintrin.h>

#include "space_to_depth_pack.h"
#include "ukernel.h"

namespace tconv {

void packSpaceToDepthAvx512(float* B, int nr, const float* const* source, const int* lanes, int runs, int64_t channels,
                            int64_t channelStride) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const int64_t odds = channels * nr;  // B floats from W tap 0's rows to W tap 1's
  for (int r = 0; r < nr / 16; r++) {
    float* d = B + r * 16;
    if (r >= runs) {
      for (int64_t ci = 0; ci < channels; ci++, d += nr) {
        _mm512_store_ps(d, _mm512_setzero_ps());
        _mm512_store_ps(d + odds, _mm512_setzero_ps());
      }
      continue;
    }
    // A run's 2·lanes input values: the first load's lanes, then the second's.
    const int need = 2 * lanes[r];
    const __mmask16 low = __mmask16(need >= 16 ? 0xffffu : (1u << need) - 1);
    const __mmask16 high = __mmask16(need >= 32 ? 0xffffu : need > 16 ? (1u << (need - 16)) - 1 : 0);
    const float* s = source[r];
    for (int64_t ci = 0; ci < channels; ci++, d += nr, s += channelStride) {
      const __m512 a = _mm512_maskz_loadu_ps(low, s), b = _mm512_maskz_loadu_ps(high, s + 16);
      _mm512_store_ps(d, _mm512_permutex2var_ps(a, even, b));
      _mm512_store_ps(d + odds, _mm512_permutex2var_ps(a, odd, b));
    }
  }
}

namespace {

template <int MR>
void gemmPrefetch(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int accumulate, const PrefetchLines& lines) {
  constexpr int NV = 2;
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[m][v] = accumulate ? _mm512_load_ps(C + m * NV * 16 + v * 16) : _mm512_setzero_ps();
  }
  // One line every `every` k steps; the position (run q, channel ci, which end) advanced without divisions.
  const int64_t every = lines.count > 0 && kc / lines.count > 0 ? kc / lines.count : 1;
  int64_t left = lines.count, q = lines.first / 2 / (lines.channels > 0 ? lines.channels : 1), ci = lines.first / 2 - q * lines.channels;
  int end = int(lines.first & 1);
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = _mm512_load_ps(B + v * 16);
    if (left > 0 && k % every == 0) {
      _mm_prefetch(reinterpret_cast<const char*>(lines.base[q] + ci * lines.channelStride + (end ? lines.last[q] : 0)), _MM_HINT_T0);
      left--;
      end ^= 1;
      if (end == 0 && ++ci == lines.channels) {
        ci = 0;
        q++;
      }
    } else {
      // A (weights) streams from L2; B is already in L1.
      _mm_prefetch(reinterpret_cast<const char*>(A + 16 * MR), _MM_HINT_T0);
    }
#pragma GCC unroll 16
    for (int m = 0; m < MR; m++) {
      const __m512 a = _mm512_set1_ps(A[m]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[m][v] = _mm512_fmadd_ps(a, b[v], acc[m][v]);
    }
    A += MR;
    B += NV * 16;
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm512_store_ps(C + m * NV * 16 + v * 16, acc[m][v]);
  }
}

typedef void (*GemmPrefetch)(int64_t, const float*, const float*, float*, int, const PrefetchLines&);
template <class List>
struct PrefetchRows;
template <int... R>
struct PrefetchRows<RowList<R...>> {
  static constexpr GemmPrefetch rows[] = {gemmPrefetch<R>...};
};

}  // namespace

void gemmPrefetch14x32Avx512(int rows, int64_t kc, const float* A, const float* B, float* C, int accumulate, const PrefetchLines& lines) {
  PrefetchRows<Rows<14>::type>::rows[rows - 1](kc, A, B, C, accumulate, lines);
}

}  // namespace tconv
#pragma GCC pop_options
#else
#include "space_to_depth_pack.h"
namespace tconv {
void packSpaceToDepthAvx512(float*, int, const float* const*, const int*, int, int64_t, int64_t) {}  // never applies
void gemmPrefetch14x32Avx512(int, int64_t, const float*, const float*, float*, int, const PrefetchLines&) {}
}  // namespace tconv
#endif
