// The layer plan as the native kernels see it: decoded from ONE int32 header that the TypeScript side builds from
// the tconv Plan (src/engine/backends/native/header.ts), normalised to three spatial axes (D, H, W; W innermost).
// Every number is validated here, before any buffer is touched.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tconv {

// Layout of the header (int32 words). Keep in sync with src/engine/backends/native/header.ts.
enum HeaderField : int {
  kMagic = 0,        // kHeaderMagic
  kKind = 1,         // 0 = transposed convolution, 1 = convolution
  kRank = 2,         // 1, 2 or 3 (informational; axes are always padded to 3)
  kBatch = 3,
  kInChannels = 4,
  kOutChannels = 5,
  kGroups = 6,
  kHasBias = 7,
  kInput = 8,        // 3 words: D, H, W
  kOutput = 11,      // 3 words
  kKernel = 14,      // 3 words
  kLength = 17,      // total header length in words
  kPhaseTable = 20,  // per axis: phaseCount, then per phase {first, count, outStep, inStep, tapCount, (k, offset)×tapCount}
};
constexpr int32_t kHeaderMagic = 0x7c0a0001;

// One phase of one axis: outputs first + outStep·j (0 ≤ j < count) read input j·inStep + offset[t] through tap k[t].
struct AxisPhase {
  int32_t first = 0, count = 0, outStep = 1, inStep = 1;
  std::vector<int32_t> tap, offset;
};

struct NativePlan {
  int32_t kind = 0, rank = 0, batch = 0, inChannels = 0, outChannels = 0, groups = 1, hasBias = 0;
  int32_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, kernel[3] = {1, 1, 1};
  std::vector<AxisPhase> axes[3];
  int64_t inSpatial = 1, outSpatial = 1, kernelSpatial = 1;
  int64_t cinG = 0, M = 0;  // reduction channels (Cin/g) and output channels (Cout/g) per group
  int64_t inputLength = 0, outputLength = 0, weightLength = 0;
  std::vector<int32_t> words;  // the header itself: identifies the plan in caches
};

// Where weight (group g, the group's input channel ci and output channel m, flat kernel position kflat) sits in the
// caller's tensor: (Cin, Cout/g, k…) for a transposed plan (kind 0), (Cout, Cin/g, k…) for a conv.
inline int64_t weightIndex(const NativePlan& p, int64_t g, int64_t ci, int64_t m, int64_t kflat) {
  return p.kind == 0 ? ((g * p.cinG + ci) * p.M + m) * p.kernelSpatial + kflat : ((g * p.M + m) * p.cinG + ci) * p.kernelSpatial + kflat;
}

// Decodes and checks a header. Returns an empty string on success, else one sentence saying what is wrong.
std::string parsePlan(const int32_t* words, size_t length, NativePlan& plan);

}  // namespace tconv
