// AVX-512 micro-kernels. This file is compiled for AVX-512 through a target pragma and is only called after
// __builtin_cpu_supports("avx512f") said yes. It includes no C++ library headers, so no inline library function
// compiled for AVX-512 can leak into the rest of the addon (an ODR trap of per-file ISA flags).
#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
// GCC 12 warns about the deliberately undefined pass-through operand inside _mm512_permutexvar_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "depthwise_avx512.h"
#include "ukernel.h"

namespace tconv {
namespace {

// 32 zmm registers: rows·NV accumulators + NV input vectors + 1 broadcast (14×2 and 6×4 use 28 and 24).
template <int MR, int NV>
void kernel(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int accumulate) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[m][v] = accumulate ? _mm512_load_ps(C + m * NV * 16 + v * 16) : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = _mm512_load_ps(B + v * 16);
    // A (weights) streams from L2; B is already in L1.
    _mm_prefetch(reinterpret_cast<const char*>(A + 16 * MR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int m = 0; m < MR; m++) {
      const __m512 a = _mm512_set1_ps(A[m]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[m][v] = _mm512_fmadd_ps(a, b[v], acc[m][v]);
    }
    A += MR;
    B += NV * 16;
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm512_store_ps(C + m * NV * 16 + v * 16, acc[m][v]);
  }
}

template <int MR, int NV>
void direct(int taps, const int32_t* tap, const int64_t* offset, const uint16_t* mask, int64_t cinG, int64_t channelStride,
            const float* x, const float* A, float* __restrict C, int accumulate) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[m][v] = accumulate ? _mm512_load_ps(C + m * NV * 16 + v * 16) : _mm512_setzero_ps();
  }
  // Tap-major, channels inner, the reduction order of the packed layouts (tap, then channel): every layout sums a
  // given output in the same order, so the result does not depend on which layout the trial picked. Pointers and
  // masks stay in registers for the whole channel loop of a tap.
  for (int t = 0; t < taps; t++) {
    __mmask16 lanes[NV];
    const float* xp[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      lanes[v] = __mmask16(mask[t * NV + v]);
      xp[v] = x + offset[t * NV + v];  // lanes outside the mask may lie outside the input: masked loads never touch them
    }
    const float* a = A + int64_t(tap[t]) * cinG * MR;
    for (int64_t ci = 0; ci < cinG; ci++, a += MR) {
      __m512 b[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) {
        b[v] = _mm512_maskz_loadu_ps(lanes[v], xp[v] + ci * channelStride);
        // Channel planes are far apart, and a tap's panel rows for all channels outgrow L1 (channel-major order
        // kept them there, but summed in another order than the packed layouts): fetch four channels ahead.
        _mm_prefetch(reinterpret_cast<const char*>(xp[v] + (ci + 4) * channelStride), _MM_HINT_T0);
      }
#pragma GCC unroll 16
      for (int m = 0; m < MR; m++) {
        const __m512 w = _mm512_set1_ps(a[m]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) acc[m][v] = _mm512_fmadd_ps(w, b[v], acc[m][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) _mm512_store_ps(C + m * NV * 16 + v * 16, acc[m][v]);
  }
}

// Every tile's kernels for rows 1…MR, from the one template of each kind (NV = nr / 16 vectors per row).
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

// A stride-2 run (the taps of a conv strided along W, as ∂X of a stride-2 transposed conv): 16 columns x[0], x[2], …,
// x[30] from two loads and one two-source permute. The loads are masked to x[0 … 2·(n − 1)], the run's own reads:
// nothing past them is touched. Scalar, it held unet-up-2's ∂X in the packed layout back: 1.18× with it (same process).
void packStrideTwo(float* d, int64_t dstStride, const float* s, int64_t srcStride, int64_t rows, int n) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const int whole = n & ~15, rest = n - whole;
  // The tail's rest columns read 2·rest − 1 values: the first load's lanes, then the second's.
  const int need = rest ? 2 * rest - 1 : 0;
  const __mmask16 restStore = __mmask16((1u << rest) - 1);
  const __mmask16 restLow = __mmask16(need >= 16 ? 0xffffu : (1u << need) - 1);
  const __mmask16 restHigh = __mmask16(need > 16 ? (1u << (need - 16)) - 1 : 0);
  for (int64_t k = 0; k < rows; k++, d += dstStride, s += srcStride) {
    for (int i = 0; i < whole; i += 16) {
      const __m512 low = _mm512_loadu_ps(s + 2 * i), high = _mm512_maskz_loadu_ps(0x7fff, s + 2 * i + 16);
      _mm512_storeu_ps(d + i, _mm512_permutex2var_ps(low, even, high));
    }
    if (rest) {
      const __m512 low = _mm512_maskz_loadu_ps(restLow, s + 2 * whole), high = _mm512_maskz_loadu_ps(restHigh, s + 2 * whole + 16);
      _mm512_mask_storeu_ps(d + whole, restStore, _mm512_permutex2var_ps(low, even, high));
    }
  }
}

// Contiguous runs and zeros move 16 floats per (masked) load/store, one run across all channel rows at a time so
// its mask is computed once; stride-2 runs take packStrideTwo, other strided runs stay scalar.
void pack(float* dst, int64_t dstStride, const float* src, int64_t srcStride, int64_t rows, const Run* runs, int count) {
  for (int r = 0; r < count; r++) {
    const Run& run = runs[r];
    const int n = run.length;
    if (run.source >= 0 && run.step == 2 && !run.holes) {
      packStrideTwo(dst + run.col, dstStride, src + run.source, srcStride, rows, n);
      continue;
    }
    if (run.source >= 0 && run.step != 1) {
      packRun(dst, dstStride, src, srcStride, rows, run);
      continue;
    }
    float* d = dst + run.col;
    const int whole = n & ~15;
    const __mmask16 tail = __mmask16((1u << (n - whole)) - 1);
    if (run.source < 0) {
      for (int64_t k = 0; k < rows; k++, d += dstStride) {
        for (int i = 0; i < whole; i += 16) _mm512_storeu_ps(d + i, _mm512_setzero_ps());
        if (tail) _mm512_mask_storeu_ps(d + whole, tail, _mm512_setzero_ps());
      }
    } else if (run.holes == 0) {
      const float* s = src + run.source;
      for (int64_t k = 0; k < rows; k++, d += dstStride, s += srcStride) {
        for (int i = 0; i < whole; i += 16) _mm512_storeu_ps(d + i, _mm512_loadu_ps(s + i));
        if (tail) _mm512_mask_storeu_ps(d + whole, tail, _mm512_maskz_loadu_ps(tail, s + whole));
      }
    } else {
      // At most 64 columns: per 16-column block, the lanes to store and the lanes to read (holes load as zero and
      // are never touched, so they may lie outside the input).
      const int blocks = (n + 15) / 16;
      __mmask16 store[4], read[4];
      for (int b = 0; b < blocks; b++) {
        store[b] = b * 16 + 16 <= n ? __mmask16(0xffff) : tail;
        read[b] = __mmask16(store[b] & ~uint32_t(run.holes >> (b * 16)));
      }
      const float* s = src + run.source;
      for (int64_t k = 0; k < rows; k++, d += dstStride, s += srcStride) {
        for (int b = 0; b < blocks; b++) _mm512_mask_storeu_ps(d + b * 16, store[b], _mm512_maskz_loadu_ps(read[b], s + b * 16));
      }
    }
  }
}

// Steps 2, 4, 8, 16 spread 16/step results over one vector of outputs (permute + masked store) instead of
// 16/step scalar stores; other steps stay scalar. Constants are set up once for all rows.
void store(float* __restrict out, int64_t outRowStride, const float* __restrict c, int64_t cRowStride, int rows, int n, int64_t step,
           const float* bias) {
  if (step == 1) {
    const int whole = n & ~15;
    const __mmask16 tail = __mmask16((1u << (n - whole)) - 1);
    for (int r = 0; r < rows; r++, out += outRowStride, c += cRowStride) {
      const __m512 b = _mm512_set1_ps(bias ? bias[r] : 0.0f);
      for (int i = 0; i < whole; i += 16) _mm512_storeu_ps(out + i, _mm512_add_ps(_mm512_loadu_ps(c + i), b));
      if (tail) _mm512_mask_storeu_ps(out + whole, tail, _mm512_add_ps(_mm512_maskz_loadu_ps(tail, c + whole), b));
    }
    return;
  }
  if (step != 2 && step != 4 && step != 8 && step != 16) {
    storeRowsPortable(out, outRowStride, c, cRowStride, rows, n, step, bias);
    return;
  }
  const int per = 16 / int(step);
  const int shift = step == 2 ? 1 : step == 4 ? 2 : step == 8 ? 3 : 4;
  const __m512i index = _mm512_srli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), unsigned(shift));
  const uint32_t every = step == 2 ? 0x5555u : step == 4 ? 0x1111u : step == 8 ? 0x0101u : 0x0001u;
  const int whole = n / per * per;
  const int rest = n - whole;
  const __mmask16 restLoad = __mmask16((1u << rest) - 1);
  const __mmask16 restStore = rest ? __mmask16(every & ((1u << ((rest - 1) * step + 1)) - 1)) : 0;
  const __mmask16 full = __mmask16(every);
  const __mmask16 fullLoad = __mmask16((1u << per) - 1);
  for (int r = 0; r < rows; r++, out += outRowStride, c += cRowStride) {
    const __m512 b = _mm512_set1_ps(bias ? bias[r] : 0.0f);
    for (int i = 0; i < whole; i += per) {
      const __m512 v = _mm512_maskz_loadu_ps(fullLoad, c + i);
      _mm512_mask_storeu_ps(out + i * step, full, _mm512_add_ps(_mm512_permutexvar_ps(index, v), b));
    }
    if (rest) {
      const __m512 v = _mm512_maskz_loadu_ps(restLoad, c + whole);
      _mm512_mask_storeu_ps(out + whole * step, restStore, _mm512_add_ps(_mm512_permutexvar_ps(index, v), b));
    }
  }
}

void depthwiseRow(int taps, const float* const* row, const int32_t* lo, const int32_t* hi, const float* weight, int length,
                  float* out, int64_t outStep, float bias) {
  alignas(64) float chunk[16];
  for (int j = 0; j < length; j += 16) {
    __m512 acc = _mm512_setzero_ps();
    for (int t = 0; t < taps; t++) {
      // Lanes j + l with lo ≤ j + l < hi (clamped to 0…16).
      const int from = lo[t] - j < 0 ? 0 : lo[t] - j > 16 ? 16 : lo[t] - j;
      const int to = hi[t] - j < 0 ? 0 : hi[t] - j > 16 ? 16 : hi[t] - j;
      if (to <= from) continue;
      const __mmask16 m = __mmask16(((1u << to) - 1) & ~((1u << from) - 1));
      acc = _mm512_fmadd_ps(_mm512_set1_ps(weight[t]), _mm512_maskz_loadu_ps(m, row[t] + j), acc);
    }
    const int count = length - j < 16 ? length - j : 16;
    if (outStep == 2) {
      // The common stride 2: two permutes spread the 16 results over 32 output lanes, even lanes stored.
      const __m512 b = _mm512_set1_ps(bias);
      const __m512i low = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
      const __m512i high = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
      float* o = out + j * 2;
      const int lanes = 2 * count - 1;  // output lanes from the first to the last result
      const __mmask16 m0 = __mmask16(0x5555u & (lanes >= 16 ? 0xffffu : (1u << lanes) - 1));
      _mm512_mask_storeu_ps(o, m0, _mm512_add_ps(_mm512_permutexvar_ps(low, acc), b));
      if (lanes > 16) _mm512_mask_storeu_ps(o + 16, __mmask16(0x5555u & ((1u << (lanes - 16)) - 1)), _mm512_add_ps(_mm512_permutexvar_ps(high, acc), b));
    } else {
      _mm512_store_ps(chunk, acc);
      store(out + j * outStep, 0, chunk, 0, 1, count, outStep, &bias);
    }
  }
}

// 20 independent accumulators cover the FMA latency (4 cycles) on both FMA ports with room to spare.
#define TCONV_TIMES20(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19)
double fmaLoop(int64_t iterations) {
  const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-8f);
#define TCONV_DECLARE(i) __m512 a##i = _mm512_set1_ps(1.0f + float(i) * 1e-7f);
  TCONV_TIMES20(TCONV_DECLARE)
  for (int64_t n = 0; n < iterations; n++) {
#define TCONV_FMA(i) a##i = _mm512_fmadd_ps(a##i, b, c);
    TCONV_TIMES20(TCONV_FMA)
  }
  __m512 sum = _mm512_setzero_ps();
#define TCONV_SUM(i) sum = _mm512_add_ps(sum, a##i);
  TCONV_TIMES20(TCONV_SUM)
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  if (lanes[0] != lanes[0]) return 0;  // keeps the loop alive: the compiler cannot know the sum is never NaN
  return double(iterations) * 20 * 32;
#undef TCONV_DECLARE
#undef TCONV_FMA
#undef TCONV_SUM
}
#undef TCONV_TIMES20

// 14×32 and 6×64 keep the FMA ports busy (16 and 10 loads per 28 and 24 FMAs); 14×16 serves narrow panels
// (few positions per batch element), 3×128 layers with one to three output channels per group (depthwise).
#define TCONV_GEMM(MR, NR) "f32_gemm_" #MR "x" #NR "__avx512", MR, NR, Gemm<NR / 16, Rows<MR>::type>::rows
#define TCONV_DIRECT(MR, NR) "f32_direct_" #MR "x" #NR "__avx512", Direct<NR / 16, Rows<MR>::type>::rows
const GemmTile kTiles[] = {
    {TCONV_GEMM(14, 32), TCONV_DIRECT(14, 32)},
    {TCONV_GEMM(14, 16), nullptr, nullptr},
    {TCONV_GEMM(6, 64), TCONV_DIRECT(6, 64)},
    {TCONV_GEMM(3, 128), TCONV_DIRECT(3, 128)},
};
#undef TCONV_GEMM
#undef TCONV_DIRECT

const KernelSet kSet = {"avx512", 16, kDirectWidth, 4, kTiles, pack, store, depthwiseRow, fmaLoop, depthwiseRowPairAvx512, splitRowsStride2Avx512};

}  // namespace

const KernelSet* avx512Kernels() { return &kSet; }

}  // namespace tconv
#pragma GCC pop_options
#else
#include "ukernel.h"
namespace tconv {
const KernelSet* avx512Kernels() { return nullptr; }
}  // namespace tconv
#endif
