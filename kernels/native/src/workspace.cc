#include "workspace.h"

#include <algorithm>
#include <cstdlib>

#include "channel_vector.h"
#include "runners.h"
#include "winograd.h"

namespace tconv {

float* alignedFloats(size_t count) {
  const size_t bytes = std::max<size_t>(64, (count * sizeof(float) + 63) / 64 * 64);
  return static_cast<float*>(std::aligned_alloc(64, bytes));
}

void Workspace::reserve(const Prepared& P) {
  if (P.wino.form) {  // no panels, B chunk or C tile: the task's transforms and GEMM outputs only
    const size_t need = size_t(winogradScratchFloats(P));
    if (need > winogradFloats) {
      std::free(winograd);
      winograd = alignedFloats(need);
      winogradFloats = winograd ? need : 0;
    }
    return;
  }
  const size_t b = size_t(P.kc * P.nr);
  const size_t c = std::max(size_t((P.plan.M + P.mr - 1) / P.mr * P.mr * P.nr) * size_t(P.group), size_t(P.maxTaps));
  if (b > bFloats) {
    std::free(B);
    B = alignedFloats(b);
    bFloats = b;
  }
  if (c > cFloats) {
    std::free(C);
    C = alignedFloats(c);
    cFloats = c;
  }
  const size_t nr = size_t(P.nr);
  const size_t taps = size_t(P.maxTaps);
  if (panels.size() < size_t(P.group)) panels.resize(size_t(P.group));
  for (PanelScratch& s : panels) {
    if (s.segments.size() < nr) s.segments.resize(nr);
    if (s.validTaps.size() < taps) {
      s.validTaps.resize(taps);
      s.runFirst.resize(taps + 1);
      s.reached.resize(taps);
    }
    if (s.runs.size() < taps * 3 * nr) s.runs.resize(taps * 3 * nr);
  }
  if (usedTaps.size() < taps) usedTaps.resize(taps);
  const size_t group = size_t(P.group);
  if (directTap.size() < taps * group) directTap.resize(taps * group);
  if (rowPointers.size() < taps) rowPointers.resize(taps);
  if (P.depthwise) {
    // One entry per W tap of a phase: a combo whose D or H phase has no tap counts 0 taps in maxTaps, but its W
    // phase may still have several.
    size_t wTaps = taps;
    for (const AxisPhase& phase : P.plan.axes[2]) wTaps = std::max(wTaps, phase.tap.size());
    if (tapColumn.size() < wTaps) {
      tapColumn.resize(wTaps);
      tapFirst.resize(wTaps);
      tapLast.resize(wTaps);
    }
    bool strided = false;
    for (const AxisPhase& phase : P.plan.axes[2]) strided = strided || phase.inStep > 1;
    const DepthwiseSplit split = depthwiseSplit(P.plan);
    // One input plane, split by W phase (padded segments when depthwiseSplit applies).
    const size_t plane = split.step > 1 ? size_t(P.plan.in[0]) * size_t(P.plan.in[1]) * size_t(split.step * split.segment) : size_t(P.plan.inSpatial);
    if (strided && phaseRows.size() < plane) phaseRows.resize(plane);
  }
  // Channel-vector layouts: a row's tile and zero-padded input rows.
  if (P.channelVector && phaseRows.size() < size_t(channelVectorScratch(P.plan))) phaseRows.resize(size_t(channelVectorScratch(P.plan)));
  // Direct layouts: nr / kDirectWidth vectors per tap (plus one spare).
  const size_t vectors = P.direct ? nr / size_t(kDirectWidth) + 1 : 1;
  if (directOffset.size() < taps * vectors * group) directOffset.resize(taps * vectors * group);
  if (directMask.size() < taps * vectors * group) directMask.resize(taps * vectors * group);
}

}  // namespace tconv
