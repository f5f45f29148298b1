// AVX2 pieces of the weight-gradient kernel (backward_weight.cc): the ∂Y gather, eight columns at a time (eight rows
// of ∂Y read at unit or double step, transposed in registers, stored as eight consecutive columns of the G panel), the
// packing of X (the same transpose, channels × positions), and the outer product of 1×1 inputs, which reads ∂Y in
// place and writes ∂W in place.
#pragma once
#include <cstdint>

namespace tconv {

// For q < 8 and j < n (n a multiple of 8): dst[j·nr + q] = rows[q][j·step], step 1 or 2. With step 2 it also
// reads rows[q][2n − 1] (the odd neighbour of the last value): the caller keeps that inside the buffer.
typedef void (*GatherColumns8)(const float* const* rows, int64_t step, int64_t n, float* dst, int64_t nr);

GatherColumns8 gatherColumns8Avx2();  // nullptr when not compiled for x86-64

// For j < n and r < rows ≤ 8: dst[j·rows + r] = src[r·stride + j] (X's channels of one row block interleaved by
// position, as the micro-kernels read A). Writes nothing outside dst[0 … n·rows − 1].
typedef void (*PackColumns)(const float* src, int64_t stride, int rows, int64_t n, float* dst);
constexpr int kPackColumnsRows = 8;

PackColumns packColumnsAvx2();  // nullptr when not compiled for x86-64

// For r < rows ≤ 6 and j < cols ≤ 16: C[r·ldc + j] = Σ_{k < kc} A[k·lda + r] · B[k·ldb + j] (C overwritten).
typedef void (*OuterProduct)(int64_t kc, int rows, const float* A, int64_t lda, const float* B, int64_t ldb, int cols, float* C,
                             int64_t ldc);
constexpr int kOuterRows = 6, kOuterColumns = 16;

OuterProduct outerProductAvx2();  // nullptr when not compiled for x86-64

// The last chunk of a 6×16 GEMM tile, stored straight into ∂W: for r < rows ≤ 6 and j < 16,
// out[r·ldo + j] = (tile ? tile[r·16 + j] : 0) + Σ_{k < kc} A[k·rows + r] · B[k·16 + j], summed in the order of the
// avx2 set's f32_gemm_6x16 (the same bits). tile: the earlier chunks' sums (64-byte aligned), or nullptr.
typedef void (*GemmStore)(int64_t kc, int rows, const float* A, const float* B, const float* tile, float* out, int64_t ldo);
constexpr int kGemmStoreRows = 6, kGemmStoreColumns = 16;

GemmStore gemmStoreAvx2();  // nullptr when not compiled for x86-64

}  // namespace tconv
