// AVX2 pieces of the Winograd layout (winograd_kernels.h): the split form's window gather as 8×8 register
// transposes, and the input transform eight lanes per instruction. Same rules as the ukernel_<set>.cc files.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "transpose8_avx2.h"
#include "winograd_kernels.h"

namespace tconv {
namespace {

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
