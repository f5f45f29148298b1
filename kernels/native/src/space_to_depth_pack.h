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

}  // namespace tconv
