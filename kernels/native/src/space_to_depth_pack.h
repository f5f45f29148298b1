// The space-to-depth layout's AVX-512 packer (space_to_depth.h), declared apart so that its ISA file includes no C++
// library header (docs/kernels.md, rule 3).
#pragma once
#include <cstdint>

namespace tconv {

// For each of `runs` runs (16 positions of one output row, lanes[r] of them real), source[r] points at the input
// value of its first position's W tap 0 in channel 0 (of one (z, y) tap pair); B row tx · channels + ci, columns
// r·16 … r·16 + 15, gets x[source[r] + ci · channelStride + 2 · lane + tx] (zeros past lanes[r]: nothing past the
// run's own values is read). Columns of runs r ≥ runs, up to nr / 16, get zeros.
void packSpaceToDepthAvx512(float* B, int nr, const float* const* source, const int* lanes, int runs, int64_t channels,
                            int64_t channelStride);

// The input lines a GEMM call fetches ahead: for i in [first, first + count), line pair i / 2 is run q, channel ci
// (q = pair / channels, ci = pair % channels), at base[q] + ci · channelStride: the run's first value (i even) or its
// last (i odd; `last[q]` floats on). Addresses only: prefetches never fault and read nothing into registers.
struct PrefetchLines {
  const float* const* base;
  const int* last;
  int64_t channels, channelStride, first, count;
};

// The avx512 set's 14×32 GEMM (rows 1…14; f32_gemm_14x32__avx512's sums, FMA for FMA) that spreads prefetches of
// `lines` over its k steps: the next chunk's input, which the packer reads from 64 planes a 4 KiB multiple apart —
// fetched in bursts between calls, or left to the hardware, it arrived late (unet-up-2 1.08× with it, same process).
void gemmPrefetch14x32Avx512(int rows, int64_t kc, const float* A, const float* B, float* C, int accumulate, const PrefetchLines& lines);

}  // namespace tconv
