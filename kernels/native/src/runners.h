// Task runners: one task computes and stores the outputs of one (phase combination, group, panels) unit. Tasks write
// disjoint outputs, so the scheduler may run them on any thread in any order.
#pragma once
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// Runs task `task` of P.taskList with thread-local scratch `w` (reserved for P).
void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y);

// Copies `rows` rows of `width` floats from `from` to `to`, each row split into its `step` W phases (x[p], x[p + step],
// …, phase after phase, phaseColumn in panel.h says where each starts): a conv strided along W then reads every tap
// as a contiguous run.
void splitRowPhases(const float* from, int64_t rows, int64_t width, int64_t step, float* to);

// Depthwise rows of a conv strided along W (one W phase, input step s > 1) read a copy of each input plane whose rows
// are split into their s W phases, every phase in a segment with `before` zeros ahead of its values and zeros after
// them up to `segment` floats: each W tap then reads all outputs of a row as one run, with no masked lanes and no
// per-tap bounds. step 1: no such copy (unit W step, or a layout with several W phases).
struct DepthwiseSplit {
  int64_t step = 1, before = 0, segment = 0;  // an input row of the copy is step · segment floats
};
DepthwiseSplit depthwiseSplit(const NativePlan& p);

// What one depthwise task (combo c, group g, batch element n) reads and writes: its phase per axis, its taps' weights
// (cinG = M = 1: one weight per tap), its input and output planes and its bias. Both depthwise runners bind it
// with a structured binding, so their bodies read the same names.
struct DepthwiseTask {
  const AxisPhase& a0;
  const AxisPhase& a1;
  const AxisPhase& a2;
  const float* A;
  const float* plane;
  float* outPlane;
  float b;
};
inline DepthwiseTask depthwiseTask(const Prepared& P, const Combo& c, int64_t g, int64_t n, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  return {p.axes[0][size_t(c.phase[0])], p.axes[1][size_t(c.phase[1])], p.axes[2][size_t(c.phase[2])],
          P.weights + c.aOffset + c.taps * g, x + (n * p.inChannels + g) * p.inSpatial, y + (n * p.outChannels + g) * p.outSpatial,
          bias ? bias[g] : 0.0f};
}
// Copies `rows` input rows of `width` floats into the padded phase segments of `split`: phase q's values x[q],
// x[q + s], … start `before` floats into its segment, zeros around them.
void splitRowPhasesPadded(const float* from, int64_t rows, int64_t width, const DepthwiseSplit& split, float* to);

// Channel stride of the input copy (split by W phase, splitStep > 1, or with padded planes, engine.h): the plane
// rounded up to whole cache lines, plus one line when that is a multiple of 1 KiB; no copy: plan.inSpatial.
inline int64_t splitChannelStride(const NativePlan& p, int splitStep, bool padPlanes = false) {
  if (splitStep <= 1 && !padPlanes) return p.inSpatial;
  const int64_t lines = (p.inSpatial + 15) / 16 * 16;
  return lines % 256 == 0 ? lines + 16 : lines;
}

// Whether a stride-1 direct layout of p reads a copy of the input at a padded channel stride (Prepared::padPlanes):
// planes of 4 KiB multiples, at least 8 channels in per group (as many as L1 has ways, two lines each: esrgan's
// 8→8 @64² 1.2×) and at least 8 out (16→3 @32², little work per input line, measured 0.92–0.94× with the copy).
inline bool padsPlanes(const NativePlan& p) { return p.inSpatial % 1024 == 0 && p.cinG >= 8 && p.M >= 8; }

// Input lines one chunk of a direct task's taps may read (runners.cc): within L1 beside the C tile and a weight slice.
constexpr int64_t kDirectChunkBytes = int64_t(24) << 10;

// Largest direct tap table prepare keeps (bytes): beyond it the taps are collected per task, as big layers'
// kernels outweigh that work anyway. The zoo's small convs need 2–35 KiB, seed-k3/k5/k7 8–44 KiB, dcgan-5 (16
// images of 3 channels, 4096 panels) 256 KiB: 20–35% faster with it than without (same-process A/B).
constexpr int64_t kDirectTableBytes = int64_t(256) << 10;

// Fills P's direct tap table (engine.h) when P is a direct layout whose table fits kDirectTableBytes.
void tabulateDirectTaps(Prepared& P);

// Bytes P's direct tap table holds (0 without one): counted with the packed weights against the caches' bounds.
int64_t directTableBytes(const Prepared& P);

}  // namespace tconv
