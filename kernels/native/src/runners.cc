#include "runners.h"

#include <algorithm>
#include <cstring>

#include "channel_vector.h"
#include "depthwise_pairs.h"
#include "panel.h"
#include "space_to_depth.h"
#include "winograd.h"

namespace tconv {
namespace {

void runDirectTask(const Prepared& P, Workspace& w, int64_t task, const Combo& c, int64_t g, int64_t taskPanel, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr, mr = P.mr, vectorCount = P.nr / kDirectWidth;
  const int64_t cinG = p.cinG, M = p.M;
  const int64_t panel0 = taskPanel * P.group;
  const int count = int(std::min<int64_t>(P.group, c.panels - panel0));
  const int64_t cStride = (M + mr - 1) / mr * mr * nr;
  const size_t tapStride = size_t(P.maxTaps), laneStride = size_t(P.maxTaps) * size_t(vectorCount + 1);
  const bool tabulated = !P.directTapStart.empty();
  DirectVector vectors[4][kMaxDirectVectors];
  int valid[4];
  const int32_t* taps[4];
  const int64_t* offsets[4];
  const uint16_t* masks[4];
  for (int q = 0; q < count; q++) {
    directPanel(P, c, panel0 + q, vectors[q]);
    if (tabulated) {
      const size_t panel = size_t(task * P.group + q);
      const int64_t first = P.directTapStart[panel];
      valid[q] = int(P.directTapStart[panel + 1] - first);
      taps[q] = P.directTaps.data() + first;
      offsets[q] = P.directOffsets.data() + first * vectorCount;
      masks[q] = P.directMasks.data() + first * vectorCount;
    } else {
      int32_t* tapOut = w.directTap.data() + q * tapStride;
      int64_t* offsetOut = w.directOffset.data() + q * laneStride;
      uint16_t* maskOut = w.directMask.data() + q * laneStride;
      valid[q] = collectDirectTaps(P, c, vectors[q], tapOut, offsetOut, maskOut);
      taps[q] = tapOut;
      offsets[q] = offsetOut;
      masks[q] = maskOut;
    }
    if (valid[q] == 0) std::memset(w.C + q * cStride, 0, sizeof(float) * size_t(M * nr));
  }
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const int64_t outBatch = int64_t(p.outChannels) * p.outSpatial;
  int64_t outBase[4][kMaxDirectVectors];
  float* yg = y + g * M * p.outSpatial;
  for (int q = 0; q < count; q++) {
    for (int v = 0; v < vectorCount; v++) {
      const DirectVector& d = vectors[q][v];
      const int64_t o0 = a0.first + d.j0 * a0.outStep, o1 = a1.first + d.j1 * a1.outStep, o2 = a2.first + d.j2 * a2.outStep;
      outBase[q][v] = d.n * outBatch + (o0 * p.out[1] + o1) * p.out[2] + o2;
      if (!d.length || !P.prefetchOutput) continue;
      // Into L2 (not L1: the M lines of one position are a plane apart, often one L1 set).
      for (int64_t m = 0; m < M; m++) {
        const float* at = yg + outBase[q][v] + m * p.outSpatial;
        __builtin_prefetch(at, 1, 1);
        __builtin_prefetch(at + (d.length - 1) * a2.outStep, 1, 1);
      }
    }
  }
  const float* xg = x + g * cinG * P.channelStride;
  // Strided convs (phase-split input): taps in chunks whose input lines (up to two per vector, channel and tap) stay
  // in L1 while every row block reads them — superres' ∂X has 64 channels × 16 taps, 128 KiB of lines. Each chunk
  // adds to the sums the previous one stored, in the same order: bit-identical. Transposed convs' phases keep one
  // chunk (their forward was no faster chunked).
  int most = 0;
  for (int q = 0; q < count; q++) most = std::max(most, valid[q]);
  const int64_t rowBytes = int64_t(128) * vectorCount * count;
  const int chunkTaps = P.splitStep == 1 ? std::max(1, most) : int(std::max<int64_t>(1, kDirectChunkBytes / rowBytes / cinG));
  for (int t0 = 0; t0 < most; t0 += chunkTaps) {
    // Row block outer, panels inner: the row block's weights stay cached across the task's panels.
    for (int64_t row0 = 0; row0 < M; row0 += mr) {
      const int rowsM = int(std::min<int64_t>(mr, M - row0));
      const float* A = P.weights + c.aOffset + c.taps * cinG * (g * M + row0);
      const DirectKernel kernel = P.tile->direct[rowsM - 1];
      for (int q = 0; q < count; q++) {
        if (valid[q] <= t0) continue;
        const int n = std::min(chunkTaps, valid[q] - t0);
        const int64_t lanes = int64_t(t0) * vectorCount;
        kernel(n, taps[q] + t0, offsets[q] + lanes, masks[q] + lanes, cinG, P.channelStride, xg, A, w.C + q * cStride + row0 * nr, t0 > 0);
      }
    }
  }
  // A few output channels at a time across all the task's panels, not all M channels of one vector: output planes of
  // 4 KiB multiples (32², 64²) put one position's line of every channel into one L1 set, and M = 32 such lines at
  // once overflowed its ways, so stores waited on lines evicted before they were written (dilated's ∂X 1.05×).
  // Vectors that continue each other in the output (rows as wide as 16·k) go in one call.
  constexpr int64_t kStoreChannels = 8;
  for (int64_t m0 = 0; m0 < M; m0 += kStoreChannels) {
    const int rows = int(std::min<int64_t>(kStoreChannels, M - m0));
    for (int q = 0; q < count; q++) {
      const float* C = w.C + q * cStride + m0 * nr;
      for (int v = 0; v < vectorCount;) {
        int n = vectors[q][v].length, last = v + 1;
        while (n == kDirectWidth * (last - v) && last < vectorCount && vectors[q][last].length && outBase[q][last] == outBase[q][v] + n * a2.outStep) {
          n += vectors[q][last++].length;
        }
        if (n) P.isa->store(yg + outBase[q][v] + m0 * p.outSpatial, p.outSpatial, C + kDirectWidth * v, nr, rows, n, a2.outStep, bias ? bias + g * M + m0 : nullptr);
        v = last;
      }
    }
  }
}

// Depthwise task: every row of one (combo, group, batch element) plane; taps per row, W borders by lane masks.
// A strided conv (W input step s > 1; the usual single W phase takes runDepthwisePairTask, depthwise_pairs.h) first splits each
// input row of the plane into its s phases (x[p], x[p + s], …):
// output j through a tap at W offset o reads x[j·s + o] = phase (o mod s) at j + floor(o / s), so every tap reads a
// contiguous run again and the same row kernel applies, summing the same products in the same order.
void runDepthwiseTask(const Prepared& P, Workspace& w, const Combo& c, int64_t g, int64_t n, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const auto& [a0, a1, a2, A, plane, outPlane, b] = depthwiseTask(P, c, g, n, x, bias, y);
  const float** rows = w.rowPointers.data();
  int32_t* lo = w.directTap.data();
  int32_t* hi = w.panels[0].runFirst.data();
  float* weight = w.C;
  const int64_t width = p.in[2], step = a2.inStep;
  // Per W tap, the same for every row: where its run starts in a (phase-split) input row — the phase row's start
  // plus floor(o / s) — and the outputs [first, last) whose input lies inside the row.
  int64_t* tapColumn = w.tapColumn.data();
  int32_t* tapFirst = w.tapFirst.data();
  int32_t* tapLast = w.tapLast.data();
  for (size_t tx = 0; tx < a2.tap.size(); tx++) {
    const int64_t o = a2.offset[tx], phase = ((o % step) + step) % step, shift = (o - phase) / step;
    int64_t start = 0;
    for (int64_t q = 0; q < phase; q++) start += (width - q + step - 1) / step;
    tapColumn[tx] = start + shift;
    tapFirst[tx] = int32_t(std::max<int64_t>(0, -shift));
    tapLast[tx] = int32_t(std::min<int64_t>(c.count[2], (width - phase + step - 1) / step - shift));
  }
  const float* source = plane;
  if (step > 1) {
    splitRowPhases(plane, p.in[0] * p.in[1], width, step, w.phaseRows.data());
    source = w.phaseRows.data();
  }
  for (int64_t j0 = 0; j0 < c.count[0]; j0++) {
    for (int64_t j1 = 0; j1 < c.count[1]; j1++) {
      int valid = 0;
      int32_t t = 0;
      for (size_t tz = 0; tz < a0.tap.size(); tz++) {
        for (size_t ty = 0; ty < a1.tap.size(); ty++) {
          const int64_t iz = j0 * a0.inStep + a0.offset[tz], iy = j1 * a1.inStep + a1.offset[ty];
          const bool inside = iz >= 0 && iz < p.in[0] && iy >= 0 && iy < p.in[1];
          if (!inside) {
            t += int32_t(a2.tap.size());
            continue;
          }
          const float* inRow = source + (iz * p.in[1] + iy) * width;
          for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
            if (tapLast[tx] <= tapFirst[tx]) continue;
            // Lanes below `first` are never read, so the pointer may start before the row.
            rows[valid] = inRow + tapColumn[tx];
            lo[valid] = tapFirst[tx];
            hi[valid] = tapLast[tx];
            weight[valid] = A[t];
            valid++;
          }
        }
      }
      const int64_t o0 = a0.first + j0 * a0.outStep, o1 = a1.first + j1 * a1.outStep;
      P.isa->depthwiseRow(valid, rows, lo, hi, weight, int(c.count[2]), outPlane + (o0 * p.out[1] + o1) * p.out[2] + a2.first, a2.outStep, b);
    }
  }
}

}  // namespace

void splitRowPhasesPadded(const float* from, int64_t rows, int64_t width, const DepthwiseSplit& split, float* to) {
  const int64_t step = split.step, before = split.before, segment = split.segment;
  for (int64_t r = 0; r < rows; r++, from += width, to += step * segment) {
    for (int64_t phase = 0; phase < step; phase++) {
      float* __restrict out = to + phase * segment;
      const int64_t length = (width - phase + step - 1) / step;
      std::fill(out, out + before, 0.0f);
      const float* __restrict in = from + phase;
      if (step == 2) {  // the common stride, a loop the compiler vectorizes
        for (int64_t i = 0; i < length; i++) out[before + i] = in[2 * i];
      } else {
        for (int64_t i = 0; i < length; i++) out[before + i] = in[i * step];
      }
      std::fill(out + before + length, out + segment, 0.0f);
    }
  }
}

namespace {

// Packed layouts (column order (n, position) or (position, n)): a task takes P.group consecutive panels, packs the
// input of each weight chunk into the B chunk per panel and runs the chunk over all of them while it is cached
// (GotoBLAS order; with one panel per task this is the plain pack-then-multiply loop). A chunk is up to kc
// reduction rows whose packed weights are contiguous (consecutive taps). With several panels, chunks follow the
// union of the panels' reached taps (columns a tap does not reach pack zeros).
void runPackedTask(const Prepared& P, Workspace& w, const Combo& c, int64_t g, int64_t taskPanel, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr, mr = P.mr;
  const int64_t cinG = p.cinG, M = p.M;
  const int64_t panel0 = taskPanel * P.group;
  const int count = int(std::min<int64_t>(P.group, c.panels - panel0));
  const int64_t cStride = (M + mr - 1) / mr * mr * nr;
  // One panel: only its reached taps get runs, indexed by their position in validTaps. Several: every tap gets
  // runs (indexed by tap) and the task walks the union of the reached ones.
  const bool several = count > 1;
  for (int q = 0; q < count; q++) {
    PanelScratch& ps = w.panels[size_t(q)];
    ps.segmentCount = layoutSegments(P, c, panel0 + q, ps, ps.real);
    ps.valid = collectTaps(P, c, ps.segmentCount, ps.real, ps, several);
  }
  const int32_t* usedTaps = w.panels[0].validTaps.data();
  int used = w.panels[0].valid;
  if (several) {
    used = 0;
    for (int64_t t = 0; t < c.taps; t++) {
      bool any = false;
      for (int q = 0; q < count; q++) any = any || w.panels[size_t(q)].reached[size_t(t)];
      if (any) w.usedTaps[size_t(used++)] = int32_t(t);
    }
    usedTaps = w.usedTaps.data();
  }
  if (used == 0) {
    std::memset(w.C, 0, sizeof(float) * size_t(cStride * count));
  } else {
    const float* xg = x + g * cinG * P.channelStride;
    bool first = true;
    int vi = 0;
    int64_t channel = 0;
    while (vi < used) {
      const int64_t tapStart = usedTaps[size_t(vi)], channelStart = channel;
      // Walk the chunk once to find its extent; pack it per panel below.
      int64_t rows = 0;
      int endVi = vi;
      int64_t endChannel = channel;
      while (rows < P.kc) {
        const int64_t n = std::min<int64_t>(P.kc - rows, cinG - endChannel);
        rows += n;
        endChannel += n;
        if (endChannel == cinG) {
          endChannel = 0;
          endVi++;
          if (endVi >= used || usedTaps[size_t(endVi)] != usedTaps[size_t(endVi) - 1] + 1) break;
        }
      }
      for (int q = 0; q < count; q++) {
        const PanelScratch& ps = w.panels[size_t(q)];
        int64_t packed = 0, ch = channelStart;
        for (int v = vi; packed < rows; v++) {
          // Channels ch … ch + n − 1 through this tap, packed run by run.
          const size_t slot = several ? size_t(usedTaps[size_t(v)]) : size_t(v);
          const int64_t n = std::min<int64_t>(rows - packed, cinG - ch);
          const int r0 = ps.runFirst[slot];
          P.isa->pack(w.B + packed * nr, nr, xg + ch * P.channelStride, P.channelStride, n, &ps.runs[size_t(r0)], ps.runFirst[slot + 1] - r0);
          packed += n;
          ch = 0;
        }
        float* C = w.C + q * cStride;
        for (int64_t row0 = 0; row0 < M; row0 += mr) {
          const int rowsM = int(std::min<int64_t>(mr, M - row0));
          const float* A = P.weights + c.aOffset + c.taps * cinG * (g * M + row0) + (tapStart * cinG + channelStart) * rowsM;
          P.tile->gemm[rowsM - 1](rows, A, w.B, C + row0 * nr, first ? 0 : 1);
        }
      }
      first = false;
      vi = endVi;
      channel = endChannel;
    }
  }
  for (int q = 0; q < count; q++) {
    const PanelScratch& ps = w.panels[size_t(q)];
    const float* C = w.C + q * cStride;
    for (int si = 0; si < ps.segmentCount; si++) {
      const Segment& sg = ps.segments[size_t(si)];
      P.isa->store(y + g * M * p.outSpatial + sg.out, p.outSpatial, C + sg.col, nr, int(M), sg.length, sg.outStep, bias ? bias + g * M : nullptr);
    }
  }
}

}  // namespace

void splitRowPhases(const float* from, int64_t rows, int64_t width, int64_t step, float* to) {
  for (int64_t r = 0; r < rows; r++, from += width) {
    if (step == 2) {  // the common stride, written so that the compiler vectorizes it (pairs → two rows)
      const int64_t half = width / 2, evens = (width + 1) / 2;
      float* __restrict even = to;
      float* __restrict odd = to + evens;
      for (int64_t i = 0; i < half; i++) {
        even[i] = from[2 * i];
        odd[i] = from[2 * i + 1];
      }
      if (width & 1) even[half] = from[width - 1];
      to += width;
      continue;
    }
    for (int64_t phase = 0; phase < step; phase++) {
      for (int64_t i = phase; i < width; i += step) *to++ = from[i];
    }
  }
}

void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y) {
  if (P.wino.form) {  // blocks of tiles, no task list (winograd.h)
    runWinogradTask(P, w, task, x, bias, y);
    return;
  }
  const TaskRef& ref = P.taskList[size_t(task)];
  const Combo& c = P.combos[size_t(ref.combo)];
  if (P.channelVector) {
    runChannelVectorTask(P, task, w.phaseRows.data(), x, bias, y);
  } else if (P.spaceToDepth) {
    runSpaceToDepthTask(P, w.B, w.C, task, x, bias, y);
  } else if (P.depthwise) {
    const DepthwiseSplit split = depthwiseSplit(P.plan);
    if (split.step > 1) {  // only on sets with paired rows (autotune.cc)
      runDepthwisePairTask(P, w, split, c, ref.group, ref.panel, x, bias, y);
    } else {
      runDepthwiseTask(P, w, c, ref.group, ref.panel, x, bias, y);
    }
  } else if (P.direct) {
    runDirectTask(P, w, task, c, ref.group, ref.panel, x, bias, y);
  } else {
    runPackedTask(P, w, c, ref.group, ref.panel, x, bias, y);
  }
}

DepthwiseSplit depthwiseSplit(const NativePlan& p) {
  if (p.axes[2].size() != 1 || p.axes[2][0].inStep <= 1) return DepthwiseSplit{};
  const AxisPhase& a = p.axes[2][0];
  const int64_t step = a.inStep, longest = (p.in[2] + step - 1) / step;
  int64_t before = 0, after = 0;
  for (const int32_t o : a.offset) {
    // The tap reads its phase at j + shift for 0 ≤ j < count: no lower than −before, no higher than longest + after.
    const int64_t phase = ((o % step) + step) % step, shift = (o - phase) / step;
    before = std::max(before, -shift);
    after = std::max(after, a.count + shift - longest);
  }
  return DepthwiseSplit{step, before, before + longest + after};
}


void tabulateDirectTaps(Prepared& P) {
  P.directTapStart.clear();
  P.directTaps.clear();
  P.directOffsets.clear();
  P.directMasks.clear();
  if (!P.direct || P.depthwise || P.tasks == 0) return;
  const int vectorCount = P.nr / kDirectWidth;
  const int64_t panels = P.tasks * P.group;
  // Bound before building: every panel reaching every tap.
  const int64_t bound = panels * (8 + P.maxTaps * (4 + vectorCount * int64_t(sizeof(int64_t) + sizeof(uint16_t))));
  if (bound > kDirectTableBytes) return;
  std::vector<int32_t> tap(size_t(P.maxTaps));
  std::vector<int64_t> offset(size_t(P.maxTaps * vectorCount));
  std::vector<uint16_t> mask(size_t(P.maxTaps * vectorCount));
  DirectVector vectors[kMaxDirectVectors];
  P.directTapStart.reserve(size_t(panels + 1));
  P.directTapStart.push_back(0);
  for (int64_t task = 0; task < P.tasks; task++) {
    const TaskRef& ref = P.taskList[size_t(task)];
    const Combo& c = P.combos[size_t(ref.combo)];
    const int64_t panel0 = ref.panel * P.group;
    for (int q = 0; q < P.group; q++) {
      int valid = 0;
      // Panels past the combo's last (the task's group is short) reach nothing.
      if (panel0 + q < c.panels) {
        directPanel(P, c, panel0 + q, vectors);
        valid = collectDirectTaps(P, c, vectors, tap.data(), offset.data(), mask.data());
      }
      P.directTaps.insert(P.directTaps.end(), tap.begin(), tap.begin() + valid);
      P.directOffsets.insert(P.directOffsets.end(), offset.begin(), offset.begin() + valid * vectorCount);
      P.directMasks.insert(P.directMasks.end(), mask.begin(), mask.begin() + valid * vectorCount);
      P.directTapStart.push_back(int64_t(P.directTaps.size()));
    }
  }
}

int64_t directTableBytes(const Prepared& P) {
  return int64_t(P.directTapStart.size() * sizeof(int64_t) + P.directTaps.size() * sizeof(int32_t) +
                 P.directOffsets.size() * sizeof(int64_t) + P.directMasks.size() * sizeof(uint16_t));
}

}  // namespace tconv
