// The element-wise kernels (eltwise_impl.h) for the baseline target (SSE2 on x86-64): f32_vrelu__portable …
// f32_gnorm__portable. Also where each convolution kernel set finds its element-wise set.
#include "eltwise.h"

#include <cstdint>
#include <cstring>

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace tconv {
namespace {

#include "eltwise_impl.h"
#include "eltwise_rows_impl.h"

const EltwiseKernels kPortable = {"portable", map, add, prelu, groupNorm, softmax, affine, matmul, upsample2x, maxPool2x2, depthToSpace};

}  // namespace

const EltwiseKernels* eltwisePortable() { return &kPortable; }

const EltwiseKernels* eltwiseFor(const KernelSet* isa) {
  const EltwiseKernels* avx2 = eltwiseAvx2();
  return avx2 && isa && std::strcmp(isa->name, "scalar") != 0 ? avx2 : &kPortable;
}

}  // namespace tconv
#pragma GCC pop_options
