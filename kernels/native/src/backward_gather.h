// The ∂Y gather of the weight-gradient kernel (backward_weight.cc), eight columns at a time with AVX2: eight rows of
// ∂Y read at unit or double step, transposed in registers, stored as eight consecutive columns of the G panel.
#pragma once
#include <cstdint>

namespace tconv {

// For q < 8 and j < n (n a multiple of 8): dst[j·nr + q] = rows[q][j·step], step 1 or 2. With step 2 it also
// reads rows[q][2n − 1] (the odd neighbour of the last value): the caller keeps that inside the buffer.
typedef void (*GatherColumns8)(const float* const* rows, int64_t step, int64_t n, float* dst, int64_t nr);

GatherColumns8 gatherColumns8Avx2();  // nullptr when not compiled for x86-64

}  // namespace tconv
