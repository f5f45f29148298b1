// AVX2 + FMA micro-kernels (16 ymm registers): 6×16 and 12×8. Same rules as ukernel_avx512.cc.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "ukernel.h"

namespace tconv {
namespace {

template <int MR, int NV>
void kernel(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int accumulate) {
  __m256 acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[m][v] = accumulate ? _mm256_load_ps(C + m * NV * 8 + v * 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    __m256 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = _mm256_load_ps(B + v * 8);
#pragma GCC unroll 16
    for (int m = 0; m < MR; m++) {
      const __m256 a = _mm256_broadcast_ss(A + m);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[m][v] = _mm256_fmadd_ps(a, b[v], acc[m][v]);
    }
    A += MR;
    B += NV * 8;
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm256_store_ps(C + m * NV * 8 + v * 8, acc[m][v]);
  }
}

template <int NV, int... R>
MicroKernel pick(int rows) {
  static const MicroKernel table[] = {kernel<R, NV>...};
  return rows >= 1 && rows <= int(sizeof...(R)) ? table[rows - 1] : nullptr;
}

MicroKernel get(int shape, int rows) {
  switch (shape) {
    case 0: return pick<2, 1, 2, 3, 4, 5, 6>(rows);
    case 1: return pick<1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>(rows);
    default: return nullptr;
  }
}

// Contiguous runs move 8 floats per load/store, one run across all channel rows at a time; tails and strided
// runs stay scalar. (no-tree-loop-distribute-patterns: GCC would turn copy loops into memmove calls.)
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void pack(float* dst, int64_t dstStride, const float* src, int64_t srcStride,
                                                                     int64_t rows, const Run* runs, int count) {
  for (int r = 0; r < count; r++) {
    const Run& run = runs[r];
    if (run.source < 0 || run.step != 1 || run.length < 8) {
      packRun(dst, dstStride, src, srcStride, rows, run);
      continue;
    }
    const int n = run.length;
    float* d = dst + run.col;
    const float* s = src + run.source;
    for (int64_t k = 0; k < rows; k++, d += dstStride, s += srcStride) {
      int i = 0;
      for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, _mm256_loadu_ps(s + i));
      for (; i < n; i++) d[i] = s[i];
    }
  }
}

const KernelSet kSet = {"avx2", 8, 2, {{6, 16}, {12, 8}, {0, 0}, {0, 0}}, get, pack, storeRowPortable, nullptr, nullptr};

}  // namespace

const KernelSet* avx2Kernels() { return &kSet; }

}  // namespace tconv
#pragma GCC pop_options
#else
#include "ukernel.h"
namespace tconv {
const KernelSet* avx2Kernels() { return nullptr; }
}  // namespace tconv
#endif
