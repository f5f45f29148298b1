// The space-to-depth layout's packer (space_to_depth.h), compiled for AVX-512 through a target pragma and called only
// with the avx512 kernel set (spaceToDepthApplies). Like the ukernel files it includes no C++ library header, so no
// inline library function compiled for AVX-512 can leak into the rest of the addon.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#include <immintrin.h>

#include "space_to_depth_pack.h"

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

}  // namespace tconv
#pragma GCC pop_options
#else
#include "space_to_depth_pack.h"
namespace tconv {
void packSpaceToDepthAvx512(float*, int, const float* const*, const int*, int, int64_t, int64_t) {}  // never applies
}  // namespace tconv
#endif
