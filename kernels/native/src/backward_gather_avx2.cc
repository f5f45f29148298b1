#include "backward_gather.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "transpose8_avx2.h"

namespace tconv {
namespace {

// Eight values of one row: consecutive (step 1), or every other one (step 2: two loads, the even lanes kept).
inline __m256 load8(const float* p, int64_t step) {
  if (step == 1) return _mm256_loadu_ps(p);
  const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
  // [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6] → [lo0 lo2 lo4 lo6 hi0 hi2 hi4 hi6]
  const __m256 evens = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}

void gather8(const float* const* rows, int64_t step, int64_t n, float* dst, int64_t nr) {
  for (int64_t j = 0; j < n; j += 8) {
    __m256 r[8];
    for (int q = 0; q < 8; q++) r[q] = load8(rows[q] + j * step, step);
    transpose8(r);
    float* d = dst + j * nr;
    for (int t = 0; t < 8; t++) _mm256_storeu_ps(d + t * nr, r[t]);
  }
}

// Lanes 0…count − 1 of an 8-lane mask.
inline __m256i firstLanes(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Eight positions at a time through the transpose: each position's `rows` values are stored as a whole vector,
// whose lanes past `rows` land on the next positions' slots and are overwritten by their own stores; the stores that
// would reach past dst's end keep their first `rows` lanes (masked). The scalar loop it replaces wrote each value
// `rows` floats after the previous one, row by row: 13 % of unet-up-2's ∂W time.
void packColumns(const float* src, int64_t stride, int rows, int64_t n, float* dst) {
  const __m256i keep = firstLanes(rows);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 r[8];
    for (int q = 0; q < 8; q++) r[q] = q < rows ? _mm256_loadu_ps(src + q * stride + j) : _mm256_setzero_ps();
    transpose8(r);
    for (int t = 0; t < 8; t++) {
      float* d = dst + (j + t) * rows;
      if ((j + t) * rows + 8 <= n * rows) _mm256_storeu_ps(d, r[t]);
      else _mm256_maskstore_ps(d, keep, r[t]);
    }
  }
  for (; j < n; j++) {
    for (int q = 0; q < rows; q++) dst[j * rows + q] = src[q * stride + j];
  }
}

// R rows × 16 columns in 2R accumulators; partial panels (cols < 16) load and store through lane masks.
template <int R>
void outerRows(int64_t kc, const float* A, int64_t lda, const float* B, int64_t ldb, int cols, float* C, int64_t ldc) {
  __m256 acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  if (cols == 16) {
    for (int64_t k = 0; k < kc; k++) {
      const __m256 b0 = _mm256_loadu_ps(B + k * ldb), b1 = _mm256_loadu_ps(B + k * ldb + 8);
#pragma GCC unroll 8
      for (int r = 0; r < R; r++) {
        const __m256 a = _mm256_broadcast_ss(A + k * lda + r);
        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      _mm256_storeu_ps(C + r * ldc, acc[r][0]);
      _mm256_storeu_ps(C + r * ldc + 8, acc[r][1]);
    }
    return;
  }
  const __m256i m0 = firstLanes(cols), m1 = firstLanes(cols - 8);
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_maskload_ps(B + k * ldb, m0), b1 = _mm256_maskload_ps(B + k * ldb + 8, m1);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const __m256 a = _mm256_broadcast_ss(A + k * lda + r);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    _mm256_maskstore_ps(C + r * ldc, m0, acc[r][0]);
    _mm256_maskstore_ps(C + r * ldc + 8, m1, acc[r][1]);
  }
}

void outerProduct(int64_t kc, int rows, const float* A, int64_t lda, const float* B, int64_t ldb, int cols, float* C, int64_t ldc) {
  switch (rows) {
    case 1: return outerRows<1>(kc, A, lda, B, ldb, cols, C, ldc);
    case 2: return outerRows<2>(kc, A, lda, B, ldb, cols, C, ldc);
    case 3: return outerRows<3>(kc, A, lda, B, ldb, cols, C, ldc);
    case 4: return outerRows<4>(kc, A, lda, B, ldb, cols, C, ldc);
    case 5: return outerRows<5>(kc, A, lda, B, ldb, cols, C, ldc);
    default: return outerRows<6>(kc, A, lda, B, ldb, cols, C, ldc);
  }
}

// ukernel_avx2.cc's kernel<R, 2> with its final stores going to ∂W's rows: they retire into the store buffer while
// the next tile multiplies, where a separate copy of the tiles issued them back to back and waited on each row's miss
// (dcgan-2's ∂W rows lie 16 KiB apart: 8 % of its time).
template <int R>
void gemmStoreRows(int64_t kc, const float* __restrict A, const float* __restrict B, const float* __restrict tile, float* __restrict out,
                   int64_t ldo) {
  __m256 acc[R][2];
#pragma GCC unroll 8
  for (int m = 0; m < R; m++) {
    acc[m][0] = tile ? _mm256_load_ps(tile + m * 16) : _mm256_setzero_ps();
    acc[m][1] = tile ? _mm256_load_ps(tile + m * 16 + 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
#pragma GCC unroll 8
    for (int m = 0; m < R; m++) {
      const __m256 a = _mm256_broadcast_ss(A + m);
      acc[m][0] = _mm256_fmadd_ps(a, b0, acc[m][0]);
      acc[m][1] = _mm256_fmadd_ps(a, b1, acc[m][1]);
    }
    A += R;
    B += 16;
  }
#pragma GCC unroll 8
  for (int m = 0; m < R; m++) {
    _mm256_storeu_ps(out + m * ldo, acc[m][0]);
    _mm256_storeu_ps(out + m * ldo + 8, acc[m][1]);
  }
}

void gemmStore(int64_t kc, int rows, const float* A, const float* B, const float* tile, float* out, int64_t ldo) {
  switch (rows) {
    case 1: return gemmStoreRows<1>(kc, A, B, tile, out, ldo);
    case 2: return gemmStoreRows<2>(kc, A, B, tile, out, ldo);
    case 3: return gemmStoreRows<3>(kc, A, B, tile, out, ldo);
    case 4: return gemmStoreRows<4>(kc, A, B, tile, out, ldo);
    case 5: return gemmStoreRows<5>(kc, A, B, tile, out, ldo);
    default: return gemmStoreRows<6>(kc, A, B, tile, out, ldo);
  }
}

}  // namespace

GemmStore gemmStoreAvx2() { return gemmStore; }
GatherColumns8 gatherColumns8Avx2() { return gather8; }
PackColumns packColumnsAvx2() { return packColumns; }
OuterProduct outerProductAvx2() { return outerProduct; }

}  // namespace tconv
#pragma GCC pop_options
#else
namespace tconv {
GatherColumns8 gatherColumns8Avx2() { return nullptr; }
GemmStore gemmStoreAvx2() { return nullptr; }
PackColumns packColumnsAvx2() { return nullptr; }
OuterProduct outerProductAvx2() { return nullptr; }
}  // namespace tconv
#endif
