#include "plan.h"

#include <algorithm>
#include <limits>

namespace tconv {

namespace {
constexpr int64_t kMaxElements = (int64_t(1) << 31) - 1;  // tensors stay int32-indexable, as in plan.ts

std::string field(const char* name, int64_t value, const char* rule) {
  return std::string("native plan header: ") + name + " = " + std::to_string(value) + " " + rule;
}
}  // namespace

std::string parsePlan(const int32_t* w, size_t length, NativePlan& p) {
  if (length < kPhaseTable) return field("header length", int64_t(length), "is shorter than the fixed part");
  if (w[kMagic] != kHeaderMagic) return field("magic", w[kMagic], "does not match this addon's header version");
  if (w[kLength] != int32_t(length)) return field("length word", w[kLength], "does not match the array length");
  p.kind = w[kKind];
  p.rank = w[kRank];
  p.batch = w[kBatch];
  p.inChannels = w[kInChannels];
  p.outChannels = w[kOutChannels];
  p.groups = w[kGroups];
  p.hasBias = w[kHasBias];
  if (p.kind != 0 && p.kind != 1) return field("kind", p.kind, "must be 0 (transposed) or 1 (conv)");
  if (p.rank < 1 || p.rank > 3) return field("rank", p.rank, "must be 1, 2 or 3");
  if (p.batch < 0) return field("batch", p.batch, "must be 0 or more");
  if (p.inChannels < 1 || p.outChannels < 1 || p.groups < 1) return field("channels/groups", p.groups, "must be positive");
  if (p.inChannels % p.groups || p.outChannels % p.groups) return field("groups", p.groups, "must divide both channel counts");
  if (p.hasBias != 0 && p.hasBias != 1) return field("hasBias", p.hasBias, "must be 0 or 1");
  p.cinG = p.inChannels / p.groups;
  p.M = p.outChannels / p.groups;
  p.inSpatial = p.outSpatial = p.kernelSpatial = 1;
  for (int a = 0; a < 3; a++) {
    p.in[a] = w[kInput + a];
    p.out[a] = w[kOutput + a];
    p.kernel[a] = w[kKernel + a];
    if (p.in[a] < 1 || p.out[a] < 1 || p.kernel[a] < 1) return field("spatial size", std::min({p.in[a], p.out[a], p.kernel[a]}), "must be positive");
    p.inSpatial *= p.in[a];
    p.outSpatial *= p.out[a];
    p.kernelSpatial *= p.kernel[a];
    if (p.inSpatial > kMaxElements || p.outSpatial > kMaxElements || p.kernelSpatial > kMaxElements) return field("spatial size", p.in[a], "is too large");
  }
  const auto checkedProduct = [](std::initializer_list<int64_t> factors, int64_t& result) {
    result = 1;
    for (int64_t f : factors) {
      if (f != 0 && result > kMaxElements / f) return false;
      result *= f;
    }
    return true;
  };
  if (!checkedProduct({p.batch, p.inChannels, p.inSpatial}, p.inputLength) ||
      !checkedProduct({p.batch, p.outChannels, p.outSpatial}, p.outputLength) ||
      !checkedProduct({p.inChannels, p.M, p.kernelSpatial}, p.weightLength)) {
    return field("tensor size", p.batch, "makes a tensor larger than 2^31 - 1 elements");
  }

  // Phase table: every output position of every axis must be produced by exactly one phase.
  size_t at = kPhaseTable;
  const auto next = [&](int32_t& value) {
    if (at >= length) return false;
    value = w[at++];
    return true;
  };
  for (int a = 0; a < 3; a++) {
    int32_t count = 0;
    if (!next(count) || count < 1 || size_t(count) > (length - at) / 5) return field("phase count", count, "is missing or out of range");
    std::vector<uint8_t> covered(size_t(p.out[a]), 0);
    p.axes[a].assign(size_t(count), AxisPhase{});
    for (AxisPhase& phase : p.axes[a]) {
      int32_t taps = 0;
      if (!next(phase.first) || !next(phase.count) || !next(phase.outStep) || !next(phase.inStep) || !next(taps)) {
        return field("phase table length", int64_t(length), "ends inside a phase");
      }
      if (phase.count < 0 || phase.outStep < 1 || phase.inStep < 1 || phase.first < 0) return field("phase", phase.first, "has a negative position or a step below 1");
      if (taps < 0 || taps > p.kernel[a]) return field("tap count", taps, "exceeds the kernel size");
      for (int64_t j = 0; j < phase.count; j++) {
        const int64_t o = phase.first + j * phase.outStep;
        if (o >= p.out[a]) return field("phase output", o, "lies outside the output");
        if (covered[size_t(o)]++) return field("phase output", o, "is produced by two phases");
      }
      phase.tap.resize(size_t(taps));
      phase.offset.resize(size_t(taps));
      for (int t = 0; t < taps; t++) {
        if (!next(phase.tap[size_t(t)]) || !next(phase.offset[size_t(t)])) return field("phase table length", int64_t(length), "ends inside a tap list");
        if (phase.tap[size_t(t)] < 0 || phase.tap[size_t(t)] >= p.kernel[a]) return field("tap", phase.tap[size_t(t)], "lies outside the kernel");
      }
    }
    for (int32_t o = 0; o < p.out[a]; o++) {
      if (!covered[size_t(o)]) return field("output position", o, "is not produced by any phase");
    }
  }
  if (at != length) return field("header length", int64_t(length), "has trailing words after the phase table");
  p.words.assign(w, w + length);
  return std::string();
}

}  // namespace tconv
