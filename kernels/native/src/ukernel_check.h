// The micro-kernel tester: runs every kernel of a kernel set alone — each tile's GEMM and direct kernels for every
// row count 1…mr (the MR remainders), the packer, the store and the depthwise row — against a scalar loop that sums
// in the same order, and requires the same bits. NR remainders: packed panels pad the tail columns with zeros
// (tested as data), direct and depthwise kernels mask lanes (tested with partial masks; masked-off input lanes hold
// NaN, so a kernel that reads and uses one fails). Run from test/native/ukernels.test.ts through the addon.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ukernel.h"

namespace tconv {

struct KernelCheck {
  std::string kernel;  // f32_gemm_14x32__avx512, f32_pack__avx512, …
  int mr = 0, nr = 0;  // the tile (0 for kernels without one)
  int rows = 0;        // the row count run (1…mr), 0 where it does not apply
  int cases = 0, failures = 0;
  std::string firstFailure;  // "" when every case matched
};

std::vector<KernelCheck> checkKernelSet(const KernelSet* isa, uint32_t seed);

}  // namespace tconv
