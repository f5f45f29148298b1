// AVX2 + FMA micro-kernels (16 ymm registers): 6×16, 12×8 and 3×32. Same rules as ukernel_avx512.cc.
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "depthwise_avx2.h"
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

// 16-bit lane mask → two 8-lane masks for _mm256_maskload_ps (sign bit set where the lane is read).
inline void laneMasks(uint16_t bits, __m256i& low, __m256i& high) {
  const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  low = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits & 0xff), lanes), lanes);
  high = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits >> 8), lanes), lanes);
}

// Direct kernel: NV input vectors of 16 lanes (two ymm each) per tap, see ukernel.h. Each accumulator still sums
// tap by tap with the channels inside, whatever NV is: the vectors only interleave independent sums.
// 6×16: 12 accumulators, 2 inputs, 1 broadcast (+ 2 lane masks). 3×32: 12 accumulators over two vectors, for layers
// with few output channels, where 6×16's remainder rows (≤ 6 chains of dependent FMAs) wait on FMA latency.
template <int MR, int NV>
void direct(int taps, const int32_t* tap, const int64_t* offset, const uint16_t* mask, int64_t cinG, int64_t channelStride,
            const float* x, const float* A, float* __restrict C, int accumulate) {
  __m256 acc[MR][2 * NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int h = 0; h < 2 * NV; h++) acc[m][h] = accumulate ? _mm256_load_ps(C + m * NV * 16 + h * 8) : _mm256_setzero_ps();
  }
  for (int t = 0; t < taps; t++) {
    const float* a = A + int64_t(tap[t]) * cinG * MR;
    const float* xp[NV];
    bool full = true;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      xp[v] = x + offset[t * NV + v];
      full = full && mask[t * NV + v] == 0xffff;
    }
    if (full) {
      // Every lane in range (most taps of wide rows): plain loads, which the FMAs can take from memory (masked ones
      // cost this AMD core ~2× the loop on the strided convs' split rows).
      for (int64_t ci = 0; ci < cinG; ci++, a += MR) {
        const int64_t at = ci * channelStride;
#pragma GCC unroll 16
        for (int m = 0; m < MR; m++) {
          const __m256 w = _mm256_broadcast_ss(a + m);
#pragma GCC unroll 4
          for (int h = 0; h < 2 * NV; h++) acc[m][h] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xp[h >> 1] + at + (h & 1) * 8), acc[m][h]);
        }
      }
      continue;
    }
    __m256i lane[2 * NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) laneMasks(mask[t * NV + v], lane[2 * v], lane[2 * v + 1]);
    // Lanes outside the mask may lie outside the input: masked loads never touch them.
    for (int64_t ci = 0; ci < cinG; ci++, a += MR) {
      const int64_t at = ci * channelStride;
      __m256 b[2 * NV];
#pragma GCC unroll 4
      for (int h = 0; h < 2 * NV; h++) b[h] = _mm256_maskload_ps(xp[h >> 1] + at + (h & 1) * 8, lane[h]);
#pragma GCC unroll 16
      for (int m = 0; m < MR; m++) {
        const __m256 w = _mm256_broadcast_ss(a + m);
#pragma GCC unroll 4
        for (int h = 0; h < 2 * NV; h++) acc[m][h] = _mm256_fmadd_ps(w, b[h], acc[m][h]);
      }
    }
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int h = 0; h < 2 * NV; h++) _mm256_store_ps(C + m * NV * 16 + h * 8, acc[m][h]);
  }
}

// One 16-lane chunk of a depthwise row for tap t: lanes k + l with lo ≤ k + l < hi (clamped to 0…16); no lane in
// range: the tap is skipped, as the unit-stride rows always did.
__attribute__((always_inline)) inline void depthwiseChunk(int k, const float* row, int32_t lo, int32_t hi, __m256 w, __m256& acc0, __m256& acc1) {
  const int from = lo - k < 0 ? 0 : lo - k > 16 ? 16 : lo - k;
  const int to = hi - k < 0 ? 0 : hi - k > 16 ? 16 : hi - k;
  if (to <= from) return;
  if (from == 0 && to == 16) {
    acc0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + k), acc0);
    acc1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + k + 8), acc1);
    return;
  }
  __m256i low, high;
  laneMasks(uint16_t(((1u << to) - 1) & ~((1u << from) - 1)), low, high);
  acc0 = _mm256_fmadd_ps(w, _mm256_maskload_ps(row + k, low), acc0);
  acc1 = _mm256_fmadd_ps(w, _mm256_maskload_ps(row + k + 8, high), acc1);
}

__attribute__((always_inline)) inline void depthwiseStore(int k, int length, float* out, int64_t outStep, float bias, __m256 acc0, __m256 acc1) {
  const int count = length - k < 16 ? length - k : 16;
  if (outStep == 1 && count == 16) {
    const __m256 b = _mm256_set1_ps(bias);
    _mm256_storeu_ps(out + k, _mm256_add_ps(acc0, b));
    _mm256_storeu_ps(out + k + 8, _mm256_add_ps(acc1, b));
    return;
  }
  alignas(32) float chunk[16];
  _mm256_store_ps(chunk, acc0);
  _mm256_store_ps(chunk + 8, acc1);
  for (int i = 0; i < count; i++) out[(k + i) * outStep] = chunk[i] + bias;
}

// NC (1, 2 or 4) chunks of 16 outputs at once: each output still sums its taps in order, but the 2·NC accumulator
// chains are independent, so the FMAs overlap instead of waiting on one another's latency. Named accumulators, not
// an array: GCC kept an array on the stack, and the chains then ran through store forwarding.
template <int NC>
inline void depthwiseChunks(int j, int taps, const float* const* row, const int32_t* lo, const int32_t* hi, const float* weight,
                            int length, float* out, int64_t outStep, float bias) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (int t = 0; t < taps; t++) {
    const __m256 w = _mm256_set1_ps(weight[t]);
    const float* r = row[t];
    if (lo[t] <= j && hi[t] >= j + 16 * NC) {  // the common case: every lane of the block reads the row
      a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j), a0);
      a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 8), a1);
      if constexpr (NC >= 2) {
        a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 16), a2);
        a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 24), a3);
      }
      if constexpr (NC >= 4) {
        a4 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 32), a4);
        a5 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 40), a5);
        a6 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 48), a6);
        a7 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r + j + 56), a7);
      }
      continue;
    }
    depthwiseChunk(j, r, lo[t], hi[t], w, a0, a1);
    if constexpr (NC >= 2) depthwiseChunk(j + 16, r, lo[t], hi[t], w, a2, a3);
    if constexpr (NC >= 4) {
      depthwiseChunk(j + 32, r, lo[t], hi[t], w, a4, a5);
      depthwiseChunk(j + 48, r, lo[t], hi[t], w, a6, a7);
    }
  }
  depthwiseStore(j, length, out, outStep, bias, a0, a1);
  if constexpr (NC >= 2) depthwiseStore(j + 16, length, out, outStep, bias, a2, a3);
  if constexpr (NC >= 4) {
    depthwiseStore(j + 32, length, out, outStep, bias, a4, a5);
    depthwiseStore(j + 48, length, out, outStep, bias, a6, a7);
  }
}

void depthwiseRow(int taps, const float* const* row, const int32_t* lo, const int32_t* hi, const float* weight, int length,
                  float* out, int64_t outStep, float bias) {
  int j = 0;
  for (; j + 64 <= length; j += 64) depthwiseChunks<4>(j, taps, row, lo, hi, weight, length, out, outStep, bias);
  for (; j + 32 <= length; j += 32) depthwiseChunks<2>(j, taps, row, lo, hi, weight, length, out, outStep, bias);
  for (; j < length; j += 16) depthwiseChunks<1>(j, taps, row, lo, hi, weight, length, out, outStep, bias);
}

// Every tile's kernels for rows 1…MR, from the one template of each kind (NV = nr / 8 vectors per row).
template <int NV, class List>
struct Gemm;
template <int NV, int... R>
struct Gemm<NV, RowList<R...>> {
  static constexpr MicroKernel rows[] = {kernel<R, NV>...};
};
template <int NV, class List>
struct Direct;
template <int NV, int... R>
struct Direct<NV, RowList<R...>> {
  static constexpr DirectKernel rows[] = {direct<R, NV>...};
};

// Contiguous runs move 8 floats per load/store, one run across all channel rows at a time; tails and strided
// runs stay scalar. (no-tree-loop-distribute-patterns: GCC would turn copy loops into memmove calls.)
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void pack(float* dst, int64_t dstStride, const float* src, int64_t srcStride,
                                                                     int64_t rows, const Run* runs, int count) {
  for (int r = 0; r < count; r++) {
    const Run& run = runs[r];
    if (run.source >= 0 && run.step == 2 && run.length >= 8 && !run.holes) {
      // Stride 2 (a strided conv's taps): 8 columns from two loads and a shuffle. The second load starts at x[7], not
      // x[8], so that it ends at x[14], the block's last value read: nothing past the run's own reads is touched.
      const int n = run.length;
      float* d = dst + run.col;
      const float* s = src + run.source;
      for (int64_t k = 0; k < rows; k++, d += dstStride, s += srcStride) {
        int i = 0;
        for (; i + 8 <= n; i += 8) {
          // Per 128-bit half: x[0], x[2] from the first load, x[8], x[10] (lanes 1, 3) from the second.
          const __m256 even = _mm256_shuffle_ps(_mm256_loadu_ps(s + 2 * i), _mm256_loadu_ps(s + 2 * i + 7), 0xd8);
          _mm256_storeu_ps(d + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xd8)));
        }
        for (; i < n; i++) d[i] = s[2 * i];
      }
      continue;
    }
    if (run.source < 0 || run.step != 1 || run.length < 8 || run.holes) {
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

// 10 independent accumulators cover the FMA latency (4–5 cycles) on both FMA ports.
#define TCONV_TIMES10(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)
double fmaLoop(int64_t iterations) {
  const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-8f);
#define TCONV_DECLARE(i) __m256 a##i = _mm256_set1_ps(1.0f + float(i) * 1e-7f);
  TCONV_TIMES10(TCONV_DECLARE)
  for (int64_t n = 0; n < iterations; n++) {
#define TCONV_FMA(i) a##i = _mm256_fmadd_ps(a##i, b, c);
    TCONV_TIMES10(TCONV_FMA)
  }
  __m256 sum = _mm256_setzero_ps();
#define TCONV_SUM(i) sum = _mm256_add_ps(sum, a##i);
  TCONV_TIMES10(TCONV_SUM)
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  if (lanes[0] != lanes[0]) return 0;  // keeps the loop alive
  return double(iterations) * 10 * 16;
#undef TCONV_DECLARE
#undef TCONV_FMA
#undef TCONV_SUM
}
#undef TCONV_TIMES10

// 6×16: 12 accumulators + 2 input vectors + 1 broadcast of 16 ymm; 12×8 for narrow panels; 3×32 (12 accumulators)
// for few output channels on wide rows. Direct vectors are 16 positions (two ymm), so only tiles whose nr is a
// multiple of 16 have a direct variant.
#define TCONV_TILE(MR, NR) "f32_gemm_" #MR "x" #NR "__avx2", MR, NR, Gemm<NR / 8, Rows<MR>::type>::rows
#define TCONV_DIRECT(MR, NR) "f32_direct_" #MR "x" #NR "__avx2", Direct<NR / 16, Rows<MR>::type>::rows
const GemmTile kTiles[] = {
    {TCONV_TILE(6, 16), TCONV_DIRECT(6, 16)},
    {TCONV_TILE(12, 8), nullptr, nullptr},
    {TCONV_TILE(3, 32), TCONV_DIRECT(3, 32)},
};
#undef TCONV_TILE
#undef TCONV_DIRECT

const KernelSet kSet = {"avx2", 8, kDirectWidth, 3, kTiles, pack, storeRowsPortable, depthwiseRow, fmaLoop, depthwiseRowPairAvx2, splitRowsStride2Avx2};

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
