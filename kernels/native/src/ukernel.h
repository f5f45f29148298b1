// Register-blocked micro-kernels: C[mr × nr] (+)= A[kc × mr]ᵀ · B[kc × nr].
// A holds packed weights (for each k, mr output-channel values, broadcast one at a time); B holds packed input
// values (for each k, nr output positions, loaded as vectors). C is a 64-byte-aligned tile with row stride nr.
// One table per instruction set; the driver picks the table at run time from the CPU's features.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tconv {

typedef void (*MicroKernel)(int64_t kc, const float* A, const float* B, float* C, int accumulate);

// A run of packed columns: `length` values read from src[source + c·step] (c = 0…length−1), or zeros.
struct Run {
  int32_t col, length;
  int64_t source;  // −1: zeros
  int64_t step;
  // Unit-step runs of at most 64 columns: bit c set = column c is zero and src[source + c] is never read (it lies
  // outside the row, or outside the input). Lets a tap shifted past the row ends still pack as one stretch.
  uint64_t holes;
};

// Packs `rows` reduction rows (consecutive input channels through one tap): for row r and every run,
// dst[r·dstStride + run.col + c] = src[r·srcStride + run.source + c·run.step] (or 0).
typedef void (*PackRows)(float* dst, int64_t dstStride, const float* src, int64_t srcStride, int64_t rows, const Run* runs, int count);

// The portable packer of one run (also the strided fallback the SIMD packers inline). `static`: each file gets its own
// copy, compiled for that file's instruction set; as a plain `inline` function the linker would keep one copy for all
// files, possibly an AVX-512 one, which the portable set could then run on a CPU without AVX-512.
static inline void packRun(float* __restrict dst, int64_t dstStride, const float* __restrict src, int64_t srcStride, int64_t rows, const Run& run) {
  float* d = dst + run.col;
  if (run.source < 0) {
    for (int64_t r = 0; r < rows; r++, d += dstStride) {
      for (int i = 0; i < run.length; i++) d[i] = 0.0f;
    }
    return;
  }
  const float* s = src + run.source;
  if (run.holes == 0) {  // strided or long runs (a hole mask covers at most 64 columns: no shift past bit 63)
    for (int64_t r = 0; r < rows; r++, d += dstStride, s += srcStride) {
      for (int i = 0; i < run.length; i++) d[i] = s[i * run.step];
    }
    return;
  }
  for (int64_t r = 0; r < rows; r++, d += dstStride, s += srcStride) {
    for (int i = 0; i < run.length; i++) d[i] = (run.holes >> i) & 1 ? 0.0f : s[i * run.step];
  }
}

// The portable packer and store, compiled once for the baseline ISA (ukernel_scalar.cc) and shared by every set that
// uses them: the code every set ran before (the linker kept the baseline copy of the old inline functions).
void packRowsPortable(float* dst, int64_t dstStride, const float* src, int64_t srcStride, int64_t rows, const Run* runs, int count);

// Writes `rows` result rows (output channels) of n values each: out[r·outRowStride + i·step] = c[r·cRowStride + i]
// + bias[r] (bias may be null). The outputs of one phase are `step` apart in the output row.
typedef void (*StoreRows)(float* out, int64_t outRowStride, const float* c, int64_t cRowStride, int rows, int n, int64_t step,
                          const float* bias);

void storeRowsPortable(float* __restrict out, int64_t outRowStride, const float* __restrict c, int64_t cRowStride, int rows, int n,
                       int64_t step, const float* bias);

// Direct variant (no packed input): C[rows × nr] (+)= Σ_t Σ_ci A[tap[t]·cinG + ci][rows] · x[offset[t·V + v] + ci·channelStride + l]
// for vector v (V = nr/16 vectors of 16 lanes l), lane l read only when bit l of mask[t·V + v] is set (else 0).
// Each vector is 16 consecutive positions of one input row, so the input is read in place instead of being copied
// into a B panel first; different vectors may come from different rows or batch elements.
typedef void (*DirectKernel)(int taps, const int32_t* tap, const int64_t* offset, const uint16_t* mask, int64_t cinG,
                             int64_t channelStride, const float* x, const float* A, float* C, int accumulate);

// One output row of a layer with one input and one output channel per group (depthwise): for W positions
// j < length, out[j·outStep] = bias + Σ_t weight[t] · row[t][j], where row[t][j] is read only for lo[t] ≤ j < hi[t].
typedef void (*DepthwiseRow)(int taps, const float* const* row, const int32_t* lo, const int32_t* hi, const float* weight,
                             int length, float* out, int64_t outStep, float bias);

// One or two output rows of a depthwise conv over rows padded so that every lane is read (the W-phase copy of a
// strided conv, runners.h's DepthwiseSplit): out[j·outStep] = bias + Σ_t weight[t] · row[t][j] for j < length, the
// taps summed in order from +0 (the bits of DepthwiseRow); with rowCount 2 also out[outShift + j·outStep] from
// row[t] + rowShift (the next output row, whose taps read the same rows shifted): twice the accumulator chains.
typedef void (*DepthwiseRowPair)(int taps, const float* const* row, const float* weight, int length, int rowCount, int64_t rowShift,
                                 float* out, int64_t outStep, int64_t outShift, float bias);

// Copies `rows` input rows of `width` floats into W-phase segments for step 2: even inputs at to[before…], odd ones at
// to[segment + before…], zeros around them up to `segment` floats each; each row's copy is 2·segment floats.
typedef void (*SplitRowsStride2)(const float* from, int64_t rows, int64_t width, int64_t before, int64_t segment, float* to);
// How far ahead of its reads (floats) a SplitRowsStride2 prefetches the input: prefetches past the end do not fault.
constexpr int64_t kSplitAhead = 1024;

// Remainder kernels (rows 1…MR of a tile) are generated from one template per instruction set; these index lists
// stand in for std::integer_sequence because the ISA files include no C++ library header.
template <int... R>
struct RowList {};
template <int N, int... R>
struct Rows : Rows<N - 1, N, R...> {};
template <int... R>
struct Rows<0, R...> {
  typedef RowList<R...> type;
};

// Positions per direct vector: the bits of its uint16 lane mask. The engine's direct path is compiled for this width
// (a run-time width cost the small layers ~7%: divisions per panel), so a kernel set offers direct kernels only if
// its directWidth equals it; AVX2 reads such a vector as two ymm.
constexpr int kDirectWidth = 16;
// Most direct vectors one direct panel holds (nr / kDirectWidth ≤ 128 / 16, with room).
constexpr int kMaxDirectVectors = 16;

// One register tile of a kernel set. Every kernel is named by the grammar f32_<kind>_<mr>x<nr>__<set>
// (docs/kernels.md): "f32_gemm_14x32__avx512" multiplies up to 14 output channels × 32 positions. gemm[r − 1] is
// the kernel for r rows (r = 1…mr): the full tile and the remainder tiles of the last row block.
struct GemmTile {
  const char* name;            // f32_gemm_<mr>x<nr>__<set>
  int mr, nr;
  const MicroKernel* gemm;     // mr kernels
  const char* directName;      // f32_direct_<mr>x<nr>__<set>, or nullptr: no direct variant of this tile
  const DirectKernel* direct;  // mr kernels, or nullptr
};

struct KernelSet {
  const char* name;  // the <set> suffix of its kernels' names: "avx512", "avx2", "scalar"
  int lanes;         // floats per vector register
  int directWidth;   // positions per direct vector (kDirectWidth), or 0: no direct kernels

  int tileCount;
  const GemmTile* tiles;  // in the order the autotuner builds candidates
  PackRows pack;
  StoreRows store;
  DepthwiseRow depthwiseRow;  // nullptr: depthwise layers use the GEMM paths
  // Register-only FMA loop (independent accumulators, no memory traffic): the core's FMA peak right now, which
  // a shared machine's clock and neighbours move from run to run. Returns the flops done; nullptr: no SIMD FMA.
  double (*fmaLoop)(int64_t iterations);
  // nullptr: depthwise convs strided along W take the GEMM layouts (autotune.cc). Otherwise the rows of its W-phase copy are split as they are first needed and run in pairs (depthwise_pairs.h).
  DepthwiseRowPair depthwiseRowPair;
  SplitRowsStride2 splitRowsStride2;
};

const KernelSet* scalarKernels();
const KernelSet* avx2Kernels();    // nullptr when not compiled for x86-64
const KernelSet* avx512Kernels();  // nullptr when not compiled for x86-64

}  // namespace tconv
