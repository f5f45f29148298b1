// Panel geometry: which input values each column of a panel reads. A packed panel is split into segments (columns
// that differ along one index only) and, per tap, copy runs for the packer; a direct panel is a list of row vectors
// with per-tap input offsets and lane masks. Shared by the task runners and the cost model. Header-only: the
// runners call these once or twice per panel, and inlined into them the small layers run faster.
#pragma once
#include <algorithm>
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// Splits panel `panel` of combo `c` into segments (w.segments); returns how many, and the number of real columns.
inline int layoutSegments(const Prepared& P, const Combo& c, int64_t panel, PanelScratch& w, int& real) {
  const NativePlan& p = P.plan;
  const int64_t total = int64_t(p.batch) * c.positions;
  const int64_t q0 = panel * P.nr;
  real = int(std::min<int64_t>(P.nr, total - q0));
  const AxisPhase* ph[3] = {&p.axes[0][size_t(c.phase[0])], &p.axes[1][size_t(c.phase[1])], &p.axes[2][size_t(c.phase[2])]};
  const int64_t inBatch = int64_t(p.inChannels) * P.channelStride, outBatch = int64_t(p.outChannels) * p.outSpatial;
  int64_t n, pos;
  if (P.batchMinor) {
    n = q0 % p.batch;
    pos = q0 / p.batch;
  } else {
    n = q0 / c.positions;
    pos = q0 % c.positions;
  }
  int64_t j2 = pos % c.count[2];
  int64_t j1 = (pos / c.count[2]) % c.count[1];
  int64_t j0 = pos / (c.count[2] * c.count[1]);
  int count = 0;
  for (int col = 0; col < real;) {
    Segment& s = w.segments[size_t(count++)];
    const int64_t o0 = ph[0]->first + j0 * ph[0]->outStep, o1 = ph[1]->first + j1 * ph[1]->outStep, o2 = ph[2]->first + j2 * ph[2]->outStep;
    s.col = col;
    s.zIn = j0 * ph[0]->inStep;
    s.yIn = j1 * ph[1]->inStep;
    s.xIn = j2 * ph[2]->inStep;
    s.source = n * inBatch;
    s.out = n * outBatch + (o0 * p.out[1] + o1) * p.out[2] + o2;
    if (P.batchMinor) {
      s.length = int(std::min<int64_t>(real - col, p.batch - n));
      s.xInStep = 0;
      s.sourceStep = inBatch;
      s.outStep = outBatch;
      n += s.length;
      if (n == p.batch) {
        n = 0;
        if (++j2 == c.count[2]) {
          j2 = 0;
          if (++j1 == c.count[1]) {
            j1 = 0;
            ++j0;
          }
        }
      }
    } else {
      s.length = int(std::min<int64_t>(real - col, c.count[2] - j2));
      s.xInStep = ph[2]->inStep;
      s.sourceStep = 0;
      s.outStep = ph[2]->outStep;
      j2 += s.length;
      if (j2 == c.count[2]) {
        j2 = 0;
        if (++j1 == c.count[1]) {
          j1 = 0;
          if (++j0 == c.count[0]) {
            j0 = 0;
            ++n;
          }
        }
      }
    }
    col += s.length;
  }
  return count;
}

// Where a W tap offset o reads in a row split into its s W phases (s = P.splitStep; s = 1: the row as it is):
// x = j·s + o is phase (o mod s) at index j + floor(o / s); that phase starts `start` floats into the row and holds
// `length` values.
struct PhaseColumn {
  int64_t start, shift, length;
};
inline PhaseColumn phaseColumn(int64_t width, int64_t step, int64_t o) {
  const int64_t phase = ((o % step) + step) % step, shift = (o - phase) / step;
  int64_t start = 0;
  for (int64_t q = 0; q < phase; q++) start += (width - q + step - 1) / step;
  return PhaseColumn{start, shift, (width - phase + step - 1) / step};
}

// ceil(a / b) for b > 0.
inline int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// For every tap of the combo that at least one column of the panel can reach, records the tap and its copy runs
// (zeros where the tap falls outside the input). Returns the number of such taps. With keepAll, every tap is kept
// (validTaps[t] = t, runs of unreached taps are all zeros) and reached[t] says which ones some column reaches.
inline int collectTaps(const Prepared& P, const Combo& c, int segmentCount, int real, PanelScratch& w, bool keepAll = false) {
  const NativePlan& p = P.plan;
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  int valid = 0;
  size_t runCount = 0;
  int32_t t = 0;
  size_t tapFirst = 0;  // the current tap's first run: runs never merge across taps
  // Appends a run, merged into the previous one where both continue each other: on narrow inputs a panel's rows
  // are often one contiguous stretch of the input, and one long run packs with whole vectors where per-row runs
  // needed a masked half vector each. Zeros inside such a stretch (a tap shifted past the row ends) become holes:
  // lanes masked off, never read. Holes need the run within 64 columns and a source offset that stays ≥ 0.
  const auto bits = [](int32_t from, int32_t length) { return (length >= 64 ? ~uint64_t(0) : (uint64_t(1) << length) - 1) << from; };
  const auto push = [&](Run run) {
    if (run.length <= 0) return;
    if (runCount > tapFirst && w.runs[runCount - 1].col + w.runs[runCount - 1].length == run.col) {
      Run& last = w.runs[runCount - 1];
      const bool lastStretch = last.source >= 0 && last.step == 1, runStretch = run.source >= 0 && run.step == 1;
      const int32_t merged = last.length + run.length;
      if (last.source < 0 && run.source < 0) {  // zeros after zeros
        last.length = merged;
        return;
      }
      if (lastStretch && runStretch && last.source + last.length == run.source && (last.holes == 0 || merged <= 64)) {
        last.length = merged;  // the next input values
        return;
      }
      if (lastStretch && run.source < 0 && merged <= 64) {  // zeros inside a stretch, or after it
        last.holes |= bits(last.length, run.length);
        last.length = merged;
        return;
      }
      if (last.source < 0 && runStretch && merged <= 64 && run.source >= last.length) {  // a stretch after zeros
        last = Run{last.col, merged, run.source - last.length, 1, bits(0, last.length)};
        return;
      }
    }
    w.runs[runCount++] = run;
  };
  const auto zeros = [&](int32_t col, int32_t length) { push(Run{col, length, -1, 0, 0}); };
  for (size_t tz = 0; tz < a0.tap.size(); tz++) {
    for (size_t ty = 0; ty < a1.tap.size(); ty++) {
      for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
        const int64_t oz = a0.offset[tz], oy = a1.offset[ty], ox = a2.offset[tx];
        // Over the phase-split input (P.splitStep = s > 1) the tap reads its phase's values j + shift: unit steps.
        const PhaseColumn column = phaseColumn(p.in[2], P.splitStep, ox);
        const size_t first = runCount;
        tapFirst = first;
        bool any = false;
        for (int si = 0; si < segmentCount; si++) {
          const Segment& s = w.segments[size_t(si)];
          const int64_t iz = s.zIn + oz, iy = s.yIn + oy, x0 = s.xIn + ox;
          if (iz < 0 || iz >= p.in[0] || iy < 0 || iy >= p.in[1]) {
            zeros(s.col, s.length);
            continue;
          }
          // Columns c with 0 ≤ x0 + c·xInStep < in[2].
          int64_t lo = 0, hi = s.length;
          if (P.splitStep > 1) {
            // Column c reads phase index xj + c·(xInStep / s) of the tap's phase, which holds column.length values.
            const int64_t xj = s.xIn / P.splitStep + column.shift, unit = s.xInStep / P.splitStep;
            if (unit > 0) {
              lo = std::max<int64_t>(0, -xj);
              hi = std::min<int64_t>(s.length, column.length - xj);
            } else if (xj < 0 || xj >= column.length) {
              hi = 0;
            }
            if (hi <= lo) {
              zeros(s.col, s.length);
              continue;
            }
            zeros(s.col, int32_t(lo));
            const int64_t step = unit + s.sourceStep;
            push(Run{int32_t(s.col + lo), int32_t(hi - lo), s.source + (iz * p.in[1] + iy) * p.in[2] + column.start + xj + lo * step, step, 0});
            zeros(int32_t(s.col + hi), int32_t(s.length - hi));
            any = true;
            continue;
          }
          if (s.xInStep > 0) {
            lo = std::max<int64_t>(0, ceilDiv(-x0, s.xInStep));
            hi = std::min<int64_t>(s.length, ceilDiv(p.in[2] - x0, s.xInStep));
          } else if (x0 < 0 || x0 >= p.in[2]) {
            hi = 0;
          }
          if (hi <= lo) {
            zeros(s.col, s.length);
            continue;
          }
          zeros(s.col, int32_t(lo));
          const int64_t step = s.xInStep + s.sourceStep;
          push(Run{int32_t(s.col + lo), int32_t(hi - lo), s.source + (iz * p.in[1] + iy) * p.in[2] + x0 + lo * step, step, 0});
          zeros(int32_t(s.col + hi), int32_t(s.length - hi));
          any = true;
        }
        zeros(real, P.nr - real);  // tail of the last panel: zeros, never stored
        if (keepAll) w.reached[size_t(t)] = any;
        if (any || keepAll) {
          w.validTaps[size_t(valid)] = t;
          w.runFirst[size_t(valid)] = int32_t(first);
          valid++;
          w.runFirst[size_t(valid)] = int32_t(runCount);
        } else {
          runCount = first;
        }
      }
    }
  }
  return valid;
}

// A direct panel: nr / kDirectWidth vectors (the kernel set's direct vector width, 16), each up to kDirectWidth
// consecutive W positions of one row (n, j0, j1) of a combo. Vector slots are numbered (n, j0, j1, chunk of j2); a
// panel takes consecutive slots, so short rows and several batch elements share one register block.
struct DirectVector {
  int64_t n, j0, j1, j2;
  int length;  // 0: beyond the last slot
};

// Direct vector slots of a combo: chunks of rows, or of whole (H, W) planes when vectors span rows (flatRows).
inline int64_t directSlots(const Prepared& P, const Combo& c) {
  constexpr int width = kDirectWidth;
  if (P.flatRows) return int64_t(P.plan.batch) * c.count[0] * ((c.count[1] * c.count[2] + width - 1) / width);
  return int64_t(P.plan.batch) * c.count[0] * c.count[1] * ((c.count[2] + width - 1) / width);
}

// Whether a direct layout's vectors may span rows (Prepared::flatRows): one stride-1 phase on H and W, input and
// output rows as wide as the combo's, and a width that leaves part of a row vector empty (rows that are multiples of
// 16 fill their vectors already, and keep the row path they ran before).
inline bool flatRowsApply(const Prepared& P) {
  const NativePlan& p = P.plan;
  if (!P.direct || P.depthwise || P.splitStep != 1 || p.axes[1].size() != 1 || p.axes[2].size() != 1) return false;
  const AxisPhase &h = p.axes[1][0], &w = p.axes[2][0];
  return h.first == 0 && w.first == 0 && h.inStep == 1 && w.inStep == 1 && h.outStep == 1 && w.outStep == 1 &&
         w.count == p.in[2] && w.count == p.out[2] && h.count == p.out[1] && w.count % kDirectWidth != 0;
}

// The nr / kDirectWidth vectors of direct panel `panel` (length 0 past the last slot).
inline void directPanel(const Prepared& P, const Combo& c, int64_t panel, DirectVector* vectors) {
  constexpr int width = kDirectWidth;
  const int64_t chunks = (c.count[2] + width - 1) / width, slots = directSlots(P, c);
  const int count = P.nr / width;
  int64_t slot = panel * count;
  if (P.flatRows) {  // slots (n, j0, chunk of the plane); j2 is the flat position q = j1·W + j2, j1 stays 0
    const int64_t plane = c.count[1] * c.count[2], planeChunks = (plane + width - 1) / width;
    for (int v = 0; v < count; v++, slot++) {
      if (slot >= slots) {
        vectors[v] = DirectVector{0, 0, 0, 0, 0};
        continue;
      }
      const int64_t q = (slot % planeChunks) * width, row = slot / planeChunks;
      vectors[v] = DirectVector{row / c.count[0], row % c.count[0], 0, q, int(std::min<int64_t>(width, plane - q))};
    }
    return;
  }
  int64_t row = slot / chunks, j2 = (slot % chunks) * width;
  int64_t j1 = row % c.count[1];
  row /= c.count[1];
  int64_t j0 = row % c.count[0], n = row / c.count[0];
  for (int v = 0; v < count; v++, slot++) {
    DirectVector& d = vectors[v];
    if (slot >= slots) {
      d = DirectVector{0, 0, 0, 0, 0};
      continue;
    }
    d = DirectVector{n, j0, j1, j2, int(std::min<int64_t>(width, c.count[2] - j2))};
    j2 += width;
    if (j2 >= c.count[2]) {
      j2 = 0;
      if (++j1 == c.count[1]) {
        j1 = 0;
        if (++j0 == c.count[0]) {
          j0 = 0;
          ++n;
        }
      }
    }
  }
}

// Taps of a direct panel that reach the input through at least one lane: tap index, per-vector input offsets of
// lane 0 and lane masks. Returns the count.
inline int collectDirectTaps(const Prepared& P, const Combo& c, const DirectVector* vectors, int32_t* tapOut, int64_t* offsetOut, uint16_t* maskOut) {
  const NativePlan& p = P.plan;
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const int count = P.nr / kDirectWidth;
  const int64_t inBatch = int64_t(p.inChannels) * P.channelStride;
  int valid = 0;
  int32_t t = 0;
  for (size_t tz = 0; tz < a0.tap.size(); tz++) {
    for (size_t ty = 0; ty < a1.tap.size(); ty++) {
      for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
        // W input step 1, or s over the phase-split input: lane l reads the tap's phase at j2 + l + shift.
        const PhaseColumn column = phaseColumn(p.in[2], P.splitStep, a2.offset[tx]);
        bool any = false;
        for (int v = 0; v < count; v++) {
          const DirectVector& d = vectors[v];
          const size_t at = size_t(valid * count + v);
          offsetOut[at] = 0;
          maskOut[at] = 0;
          if (d.length == 0) continue;
          const int64_t iz = d.j0 * a0.inStep + a0.offset[tz], iy = d.j1 * a1.inStep + a1.offset[ty];
          if (P.flatRows) {
            // Lane l is flat position q = j2 + l at (y, x) = (q / W, q % W); it reads q + oy·W + ox when that lies in
            // row y + oy and column x + ox of the input.
            if (iz < 0 || iz >= p.in[0]) continue;
            const int64_t width = p.in[2], oy = a1.offset[ty], ox = a2.offset[tx];
            int64_t y = d.j2 / width, x = d.j2 - y * width;
            uint32_t bits = 0;
            for (int l = 0; l < d.length; l++) {
              if (y + oy >= 0 && y + oy < p.in[1] && x + ox >= 0 && x + ox < width) bits |= 1u << l;
              if (++x == width) {
                x = 0;
                y++;
              }
            }
            if (bits == 0) continue;
            offsetOut[at] = d.n * inBatch + iz * p.in[1] * width + d.j2 + oy * width + ox;
            maskOut[at] = uint16_t(bits);
            any = true;
            continue;
          }
          if (iz < 0 || iz >= p.in[0] || iy < 0 || iy >= p.in[1]) continue;
          const int64_t x0 = d.j2 + column.shift;
          const int64_t lo = std::max<int64_t>(0, -x0), hi = std::min<int64_t>(d.length, column.length - x0);
          if (hi <= lo) continue;
          offsetOut[at] = d.n * inBatch + (iz * p.in[1] + iy) * p.in[2] + column.start + x0;
          maskOut[at] = uint16_t(((1u << hi) - 1) & ~((1u << lo) - 1));
          any = true;
        }
        if (any) tapOut[size_t(valid++)] = t;
      }
    }
  }
  return valid;
}

}  // namespace tconv
