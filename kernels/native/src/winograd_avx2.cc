// AVX2 pieces of the Winograd layout (winograd_kernels.h): the split form's window gather as 8×8 register
// transposes, and the input transform eight lanes per instruction. Same rules as the ukernel_<set>.cc files.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "winograd_kernels.h"

namespace tconv {
namespace {

// Row r of the eight windows, transposed: column c of it holds element (r, c) of windows 0…7.
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

void gatherSplit8(const float* const* corner, int64_t rowStride, float* d, int nr) {
  for (int r = 0; r < 8; r++) {
    __m256 v[8];
#pragma GCC unroll 8
    for (int l = 0; l < 8; l++) v[l] = _mm256_loadu_ps(corner[l] + r * rowStride);
    transpose8(v);
#pragma GCC unroll 8
    for (int c = 0; c < 8; c++) _mm256_store_ps(d + (((r & 1) * 2 + (c & 1)) * 16 + (r >> 1) * 4 + (c >> 1)) * nr, v[c]);
  }
}

void transformInput(const float* d, float* v, int64_t xiStride, int nr) {
  for (int l = 0; l < nr; l += 8) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
      __m256 t[4];
#pragma GCC unroll 4
      for (int j = 0; j < 4; j++) {
        const __m256 d1 = _mm256_load_ps(d + (4 + j) * nr + l), d2 = _mm256_load_ps(d + (8 + j) * nr + l);
        t[j] = i == 0 ? _mm256_sub_ps(_mm256_load_ps(d + j * nr + l), d2)
             : i == 1 ? _mm256_add_ps(d1, d2)
             : i == 2 ? _mm256_sub_ps(d2, d1)
                      : _mm256_sub_ps(_mm256_load_ps(d + (12 + j) * nr + l), d1);
      }
      _mm256_store_ps(v + (i * 4 + 0) * xiStride + l, _mm256_sub_ps(t[0], t[2]));
      _mm256_store_ps(v + (i * 4 + 1) * xiStride + l, _mm256_add_ps(t[1], t[2]));
      _mm256_store_ps(v + (i * 4 + 2) * xiStride + l, _mm256_sub_ps(t[2], t[1]));
      _mm256_store_ps(v + (i * 4 + 3) * xiStride + l, _mm256_sub_ps(t[3], t[1]));
    }
  }
}

const WinogradKernels kKernels = {gatherSplit8, transformInput};

}  // namespace

const WinogradKernels* winogradAvx2Kernels() { return &kKernels; }

}  // namespace tconv
#pragma GCC pop_options
#else
#include "winograd_kernels.h"
namespace tconv {
const WinogradKernels* winogradAvx2Kernels() { return nullptr; }
}  // namespace tconv
#endif
