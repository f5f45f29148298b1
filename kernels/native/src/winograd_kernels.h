// The Winograd layout's input-side kernels that gain from an instruction set (winograd_avx2.cc), next to the portable
// code in winograd.cc. Both only copy and add: the same bits on every set.
#pragma once
#include <cstdint>

namespace tconv {

// Eight tiles' 8×8 input windows of one channel, every value inside the image (window l's row r at
// corner[l] + r·rowStride), split into their four (row, column) phases: d[e·nr + l] for phase (a, b) = (r % 2, c % 2)
// and e = (2a + b)·16 + (r / 2)·4 + c / 2 (lanes l = 0…7 of d; d and nr 32-byte aligned).
typedef void (*WinogradGatherSplit8)(const float* const* corner, int64_t rowStride, float* d, int nr);
// V = Bᵀ d B of one 4×4 tile per lane (winograd.cc's transformInput): d is [16][nr], row ξ of V at v + ξ·xiStride.
typedef void (*WinogradTransformInput)(const float* d, float* v, int64_t xiStride, int nr);

struct WinogradKernels {
  WinogradGatherSplit8 gatherSplit8;
  WinogradTransformInput transformInput;
};

// nullptr when the addon is not built for x86-64; call only where the CPU has AVX2 (cpu.cc).
const WinogradKernels* winogradAvx2Kernels();

}  // namespace tconv
