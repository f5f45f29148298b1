// Per-thread scratch of the task runners: the panel's column segments and copy runs, the B chunk and C tile, the
// direct and depthwise index arrays. Sized once per plan outside the hot path and reused by every call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine.h"

namespace tconv {

// 64-byte aligned, at least one cache line; freed with std::free.
float* alignedFloats(size_t count);

// Consecutive columns of a panel that differ only along one index: the W position (column order (n, position))
// or the batch element (order (position, n)). Their input and output addresses are arithmetic progressions, so
// tap validity and copy runs are computed once per segment, not once per column.
struct Segment {
  int32_t col, length;
  int64_t zIn, yIn;          // input coordinates of the phase position before adding the tap offset
  int64_t xIn, xInStep;      // W input coordinate of the first column, and its step per column (0 in (position, n) order)
  int64_t source, sourceStep;  // batch offset of the first column's input, and its step per column
  int64_t out, outStep;      // output offset (without the channel) of the first column, and its step
};

// Column layout and copy runs of one panel.
struct PanelScratch {
  std::vector<Segment> segments;
  std::vector<int32_t> validTaps, runFirst;
  std::vector<Run> runs;
  std::vector<uint8_t> reached;  // per tap: some column reads the input through it (keepAll mode)
  int segmentCount = 0, real = 0, valid = 0;
};

// Per-thread scratch, grown outside the hot path and reused by every call.
struct Workspace {
  float* B = nullptr;
  float* C = nullptr;
  size_t bFloats = 0, cFloats = 0;
  std::vector<PanelScratch> panels;  // P.group of them
  std::vector<int32_t> usedTaps;
  std::vector<int32_t> directTap;
  std::vector<int64_t> directOffset;
  std::vector<uint16_t> directMask;
  std::vector<const float*> rowPointers;
  // Depthwise layers: per W tap, its run's column in an input row and its outputs [first, last); strided convs:
  // one input plane split by W phase.
  std::vector<int64_t> tapColumn;
  std::vector<int32_t> tapFirst, tapLast;
  std::vector<float> phaseRows;
  // Winograd layouts: the transformed input and the 16 GEMM outputs of one task (null when the memory was not there).
  float* winograd = nullptr;
  size_t winogradFloats = 0;

  ~Workspace() {
    std::free(B);
    std::free(C);
    std::free(winograd);
  }
  void reserve(const Prepared& P);
};

}  // namespace tconv
