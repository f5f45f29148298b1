// The element-wise kernels (eltwise_impl.h) compiled for AVX2: f32_vrelu__avx2 … f32_gnorm__avx2.
#include "eltwise.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cstdint>
#pragma GCC push_options
#pragma GCC target("avx2")
// Plain multiplies and adds, as the portable build: both sets (and the conv epilogue) give the same bits.
#pragma GCC optimize("fp-contract=off")

namespace tconv {
namespace {

#include "eltwise_impl.h"
#include "eltwise_rows_impl.h"

const EltwiseKernels kAvx2 = {"avx2", map, add, prelu, groupNorm, softmax, affine, matmul, upsample2x, maxPool2x2, depthToSpace};

}  // namespace

const EltwiseKernels* eltwiseAvx2() { return &kAvx2; }

}  // namespace tconv
#pragma GCC pop_options
#else
namespace tconv {
const EltwiseKernels* eltwiseAvx2() { return nullptr; }
}  // namespace tconv
#endif
