// AVX-512 micro-kernels. This file is compiled for AVX-512 through a target pragma and is only called after
// __builtin_cpu_supports("avx512f") said yes. It includes no C++ library headers, so no inline library function
// compiled for AVX-512 can leak into the rest of the addon (an ODR trap of per-file ISA flags).
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#include <immintrin.h>

#include "ukernel.h"

namespace tconv {
namespace {

// 32 zmm registers: rows·NV accumulators + NV input vectors + 1 broadcast. 14×2 and 6×4 use 28 and 24.
template <int MR, int NV>
void kernel(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int accumulate) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[m][v] = accumulate ? _mm512_load_ps(C + m * NV * 16 + v * 16) : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = _mm512_load_ps(B + v * 16);
    _mm_prefetch(reinterpret_cast<const char*>(B + 8 * NV * 16), _MM_HINT_T0);
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

template <int NV, int... R>
MicroKernel pick(int rows, int /*tag*/) {
  static const MicroKernel table[] = {kernel<R, NV>...};
  return rows >= 1 && rows <= int(sizeof...(R)) ? table[rows - 1] : nullptr;
}

MicroKernel get(int shape, int rows) {
  switch (shape) {
    case 0: return pick<2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14>(rows, 0);
    case 1: return pick<1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28>(rows, 0);
    case 2: return pick<4, 1, 2, 3, 4, 5, 6>(rows, 0);
    default: return nullptr;
  }
}

const KernelSet kSet = {"avx512", 16, 3, {{14, 32}, {28, 16}, {6, 64}, {0, 0}}, get};

}  // namespace

const KernelSet* avx512Kernels() { return &kSet; }

}  // namespace tconv
#pragma GCC pop_options
#else
#include "ukernel.h"
namespace tconv {
const KernelSet* avx512Kernels() { return nullptr; }
}  // namespace tconv
#endif
