// The weight gradient of a transposed convolution (training's ∂W), as one GEMM per group on the packed micro-kernels:
//   ∂W[ci, co·K + tap] = Σ_p X[ci, p] · G[p, co·K + tap],   G[p, co·K + tap] = ∂Y[n, co, i·s + tap·d − padBegin] (0 outside)
// over the input positions p = (n, i). Every input position meets each tap at exactly one output (the polyphase view:
// tap k of an axis feeds the phase (k·d − padBegin) mod s), so no inserted zero is multiplied. X is packed once
// (A, row blocks of mr channels); G is gathered panel by panel (nr columns × kc positions) into per-thread scratch.
// An ordinary convolution's ∂W is this on its dual transposed plan (the TypeScript side swaps X and ∂Y).
// The workspace is the caller's: weightGradientWorkspaceFloats() floats, sized once per layer, reused every step.
#pragma once
#include <cstdint>

#include "ukernel.h"

namespace tconv {

// Rank promoted to 3 (unit axes in front). All values are checked by the addon before use.
struct WeightGradientShape {
  int64_t batch, inChannels, outChannels, groups;
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], padBegin[3];
};

// Positions per gathered panel (the micro-kernels' kc): 256 × nr floats of G stay in L1/L2 while every row block of
// A streams past them.
constexpr int64_t kWeightGradientChunk = 256;

// Floats of workspace for `threads` threads: packed X (Cin · N · inSize), per thread one G panel (kc × nr) and one
// column of C tiles (⌈(Cin/g)/mr⌉·mr × nr), for rows of 2…64 input positions on AVX2 a copy of ∂Y with zero borders
// (N · Cout · the bordered box, + 16; none when no tap reaches past ∂Y), plus 48 floats of alignment.
int64_t weightGradientWorkspaceFloats(const WeightGradientShape& s, const KernelSet* isa, int threads);

// Writes every element of dw (Cin, Cout/g, K). workspace holds at least weightGradientWorkspaceFloats() floats.
void weightGradient(const WeightGradientShape& s, const KernelSet* isa, const float* x, const float* gy, float* dw, float* workspace,
                    int threads);

}  // namespace tconv
