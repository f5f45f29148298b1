// Portable micro-kernel: plain C++ the compiler may vectorise for the baseline ISA. Runs everywhere. Also home of the
// portable packer and store that the SIMD sets share.
#include "ukernel.h"

namespace tconv {
namespace {

template <int MR, int NR>
void kernel(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int accumulate) {
  float acc[MR][NR];
  for (int m = 0; m < MR; m++) {
    for (int n = 0; n < NR; n++) acc[m][n] = accumulate ? C[m * NR + n] : 0.0f;
  }
  for (int64_t k = 0; k < kc; k++) {
    for (int m = 0; m < MR; m++) {
      const float a = A[m];
      for (int n = 0; n < NR; n++) acc[m][n] += a * B[n];
    }
    A += MR;
    B += NR;
  }
  for (int m = 0; m < MR; m++) {
    for (int n = 0; n < NR; n++) C[m * NR + n] = acc[m][n];
  }
}

// Every tile's kernels for rows 1…MR, from the one template.
template <int NR, class List>
struct Gemm;
template <int NR, int... R>
struct Gemm<NR, RowList<R...>> {
  static constexpr MicroKernel rows[] = {kernel<R, NR>...};
};

#define TCONV_TILE(MR, NR) {"f32_gemm_" #MR "x" #NR "__scalar", MR, NR, Gemm<NR, Rows<MR>::type>::rows, nullptr, nullptr}
const GemmTile kTiles[] = {TCONV_TILE(4, 8)};
#undef TCONV_TILE

const KernelSet kSet = {"scalar", 8, 0, 1, kTiles, packRowsPortable, storeRowsPortable, nullptr, nullptr, nullptr, nullptr};

}  // namespace

// Compiled here, for the baseline ISA, once for every kernel set (ukernel.h).
void packRowsPortable(float* dst, int64_t dstStride, const float* src, int64_t srcStride, int64_t rows, const Run* runs, int count) {
  for (int r = 0; r < count; r++) packRun(dst, dstStride, src, srcStride, rows, runs[r]);
}

void storeRowsPortable(float* __restrict out, int64_t outRowStride, const float* __restrict c, int64_t cRowStride, int rows, int n,
                       int64_t step, const float* bias) {
  for (int r = 0; r < rows; r++, out += outRowStride, c += cRowStride) {
    const float b = bias ? bias[r] : 0.0f;
    for (int i = 0; i < n; i++) out[i * step] = c[i] + b;
  }
}

const KernelSet* scalarKernels() { return &kSet; }

}  // namespace tconv
