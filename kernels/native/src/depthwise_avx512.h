// AVX-512 kernels of strided depthwise rows (depthwise_avx512.cc), placed in the avx512 kernel set.
#pragma once
#include "ukernel.h"

namespace tconv {

// DepthwiseRowPair: up to 64 outputs of each of the one or two rows per pass over the taps, as 16-lane vectors.
void depthwiseRowPairAvx512(int taps, const float* const* row, const float* weight, int length, int rowCount, int64_t rowShift, float* out,
                            int64_t outStep, int64_t outShift, float bias);
// SplitRowsStride2, 32 inputs at a time.
void splitRowsStride2Avx512(const float* from, int64_t rows, int64_t width, int64_t before, int64_t segment, float* to);

}  // namespace tconv
