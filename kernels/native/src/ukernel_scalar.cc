// Portable micro-kernel: plain C++ the compiler may vectorise for the baseline ISA. Runs everywhere.
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

MicroKernel get(int shape, int rows) {
  static const MicroKernel table[] = {kernel<1, 8>, kernel<2, 8>, kernel<3, 8>, kernel<4, 8>};
  return shape == 0 && rows >= 1 && rows <= 4 ? table[rows - 1] : nullptr;
}

const KernelSet kSet = {"scalar", 8, 1, {{4, 8}, {0, 0}, {0, 0}, {0, 0}}, get, packRowsPortable, storeRowsPortable, nullptr, nullptr, nullptr};

}  // namespace

const KernelSet* scalarKernels() { return &kSet; }

}  // namespace tconv
