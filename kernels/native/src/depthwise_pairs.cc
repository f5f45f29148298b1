#include "depthwise_pairs.h"

#include <algorithm>

namespace tconv {

namespace {

// Which (D, H) tap pairs of output row (j0, j1) read inside the input, a bit per pair (at most 64 pairs): rows with
// the same mask take the same taps, only their row pointers move.
uint64_t insideTapPairs(const NativePlan& p, const AxisPhase& a0, const AxisPhase& a1, int64_t j0, int64_t j1) {
  uint64_t inside = 0;
  int pair = 0;
  for (size_t tz = 0; tz < a0.tap.size(); tz++) {
    const int64_t iz = j0 * a0.inStep + a0.offset[tz];
    for (size_t ty = 0; ty < a1.tap.size(); ty++, pair++) {
      const int64_t iy = j1 * a1.inStep + a1.offset[ty];
      if (iz >= 0 && iz < p.in[0] && iy >= 0 && iy < p.in[1]) inside |= uint64_t(1) << pair;
    }
  }
  return inside;
}

}  // namespace

// The copy (runners.h's DepthwiseSplit) is written just before its rows are read, so they are read from L1, not
// from a whole plane's copy that had left it; each output sums the same taps in the same order as
// runDepthwiseTask and the packed GEMM (padded taps read zeros, and x + w·0 = x from a sum that starts at +0). Two output rows at
// once read the same copied rows shifted by the H step, and give the kernel twice the independent sums.
void runDepthwisePairTask(const Prepared& P, Workspace& w, const DepthwiseSplit& split, const Combo& c, int64_t g, int64_t n, const float* x,
                          const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const auto& [a0, a1, a2, A, plane, outPlane, b] = depthwiseTask(P, c, g, n, x, bias, y);
  const float** rows = w.rowPointers.data();
  float* weight = w.C;
  const int64_t step = split.step, width = p.in[2], rowFloats = step * split.segment, tapsX = int64_t(a2.tap.size());
  const int64_t inRows = int64_t(p.in[0]) * p.in[1];
  int64_t* tapColumn = w.tapColumn.data();
  for (int64_t tx = 0; tx < tapsX; tx++) {
    const int64_t o = a2.offset[size_t(tx)], phase = ((o % step) + step) % step;
    tapColumn[tx] = phase * split.segment + split.before + (o - phase) / step;
  }
  float* copy = w.phaseRows.data();
  int64_t copied = 0;  // input rows [0, copied) of the plane are in the copy
  const auto copyTo = [&](int64_t end) {
    if (end <= copied) return;
    if (step == 2 && P.isa->splitRowsStride2) {
      P.isa->splitRowsStride2(plane + copied * width, end - copied, width, split.before, split.segment, copy + copied * rowFloats);
    } else {
      splitRowPhasesPadded(plane + copied * width, end - copied, width, split, copy + copied * rowFloats);
    }
    copied = end;
  };
  // Bit (tz, ty) set: that D/H tap of output row (j0, j1) reads inside the input.
  const bool trackInside = a0.tap.size() * a1.tap.size() <= 64;
  const auto insideOf = [&](int64_t j0, int64_t j1) { return insideTapPairs(p, a0, a1, j0, j1); };
  const int64_t rowShift = a1.inStep * rowFloats, outShift = a1.outStep * p.out[2];
  uint64_t listInside = ~uint64_t(0);
  int listRowCount = 0, valid = 0;
  int64_t listBase = 0, last = -1;  // last: the highest input row the list reads
  for (int64_t j0 = 0; j0 < c.count[0]; j0++) {
    uint64_t next = trackInside ? insideOf(j0, 0) : 0;
    for (int64_t j1 = 0; j1 < c.count[1]; j1++) {
      const uint64_t inside = next;
      int rowCount = 1;
      if (trackInside && j1 + 1 < c.count[1]) {
        next = insideOf(j0, j1 + 1);
        if (next == inside) rowCount = 2;
      }
      // Rows (or pairs) whose taps fall inside alike take the last list of taps, its row pointers moved.
      const int64_t base = j0 * a0.inStep * p.in[1] + j1 * a1.inStep;  // the first input row of tap (0, 0)
      if (trackInside && inside == listInside && rowCount == listRowCount) {
        const int64_t shift = base - listBase;
        for (int i = 0; i < valid; i++) rows[i] += shift * rowFloats;
        last += shift;
        listBase = base;
      } else {
        listInside = trackInside ? inside : ~uint64_t(0);
        listRowCount = rowCount;
        listBase = base;
        valid = 0;
        last = -1;
        int64_t t = 0;
        for (size_t tz = 0; tz < a0.tap.size(); tz++) {
          const int64_t iz = j0 * a0.inStep + a0.offset[tz];
          for (size_t ty = 0; ty < a1.tap.size(); ty++, t += tapsX) {
            const int64_t iy = j1 * a1.inStep + a1.offset[ty];
            if (iz < 0 || iz >= p.in[0] || iy < 0 || iy >= p.in[1]) continue;
            const int64_t inRow = iz * p.in[1] + iy;
            last = std::max(last, inRow + (rowCount - 1) * a1.inStep);
            for (int64_t tx = 0; tx < tapsX; tx++) {
              rows[valid] = copy + inRow * rowFloats + tapColumn[tx];
              weight[valid] = A[t + tx];
              valid++;
            }
          }
        }
      }
      copyTo(std::min(inRows, last + 1));
      const int64_t o0 = a0.first + j0 * a0.outStep, o1 = a1.first + j1 * a1.outStep;
      float* outRow = outPlane + (o0 * p.out[1] + o1) * p.out[2] + a2.first;
      P.isa->depthwiseRowPair(valid, rows, weight, int(c.count[2]), rowCount, rowShift, outRow, a2.outStep, outShift, b);
      if (rowCount == 2) {
        j1++;
        if (j1 + 1 < c.count[1]) next = insideOf(j0, j1 + 1);
      }
    }
  }
}

}  // namespace tconv
