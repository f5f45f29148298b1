// The native engine.
//
// Design: every transposed convolution is split by the plan's polyphase table (src/shape/phases.ts) into phase
// combinations; each is a stride-1 correlation, i.e. a GEMM with M = Cout/g output channels, N = batch × phase
// positions and K = taps × Cin/g, in which every output is written exactly once (no col2im scatter, no zero-insert).
// A convolution is the same with one "phase" per axis whose input step is the stride.
//  * Weights are packed once per plan into panels of `mr` output channels ([tap][channel][mr]); the micro-kernel
//    broadcasts them. Input values are packed per task into a small B chunk [kc][nr] (nr positions, vector loads),
//    taps that no position of the panel can reach are skipped, and out-of-range inputs become zeros.
//  * A task is (phase combination, group, panel of nr columns). Tasks write disjoint outputs, so threads take them
//    from an atomic counter. Workspace per thread: B chunk, C tile (Cout/g × nr) and index arrays, sized once.
//  * The tile shape (mr × nr) and the column order — (n, position) or (position, n), which groups the same position
//    of every batch element so that tiny inputs with large kernels (DCGAN's 1×1 → 4×4) waste no work on taps that
//    are out of range — are chosen per plan by a small cycle model.
#include "engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <map>
#include <mutex>
#include <time.h>

#include "threadpool.h"

namespace tconv {

Prepared::~Prepared() { std::free(weights); }

namespace {

float* alignedFloats(size_t count) {
  const size_t bytes = std::max<size_t>(64, (count * sizeof(float) + 63) / 64 * 64);
  return static_cast<float*>(std::aligned_alloc(64, bytes));
}

bool cpuHasAvx512() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

bool cpuHasAvx2() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

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

  ~Workspace() {
    std::free(B);
    std::free(C);
  }
  void reserve(const Prepared& P) {
    const size_t b = size_t(P.kc * P.nr);
    const size_t c = std::max(size_t((P.plan.Mg + P.mr - 1) / P.mr * P.mr * P.nr) * size_t(P.group), size_t(P.maxTaps));
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
    if (directOffset.size() < taps * (nr / 16 + 1) * group) directOffset.resize(taps * (nr / 16 + 1) * group);
    if (directMask.size() < taps * (nr / 16 + 1) * group) directMask.resize(taps * (nr / 16 + 1) * group);
  }
};

ThreadPool& pool() {
  static ThreadPool instance;
  return instance;
}
std::vector<std::unique_ptr<Workspace>>& workspaces() {
  static std::vector<std::unique_ptr<Workspace>> instance;
  return instance;
}
std::mutex& engineMutex() {
  static std::mutex instance;
  return instance;
}

// Splits panel `panel` of combo `c` into segments; returns how many, and the number of real columns.
int layoutSegments(const Prepared& P, const Combo& c, int64_t panel, PanelScratch& w, int& real) {
  const NativePlan& p = P.plan;
  const int64_t total = int64_t(p.batch) * c.positions;
  const int64_t q0 = panel * P.nr;
  real = int(std::min<int64_t>(P.nr, total - q0));
  const AxisPhase* ph[3] = {&p.axes[0][size_t(c.phase[0])], &p.axes[1][size_t(c.phase[1])], &p.axes[2][size_t(c.phase[2])]};
  const int64_t inBatch = int64_t(p.inChannels) * p.inSpatial, outBatch = int64_t(p.outChannels) * p.outSpatial;
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

// ceil(a / b) for b > 0.
inline int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// For every tap of the combo that at least one column of the panel can reach, records the tap and its copy runs
// (zeros where the tap falls outside the input). Returns the number of such taps. With keepAll, every tap is kept
// (validTaps[t] = t, runs of unreached taps are all zeros) and reached[t] says which ones some column reaches.
int collectTaps(const Prepared& P, const Combo& c, int segmentCount, int real, PanelScratch& w, bool keepAll = false) {
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

// A direct panel: nr/16 vectors, each up to 16 consecutive W positions of one row (n, j0, j1) of a combo.
// Vector slots are numbered (n, j0, j1, 16-chunk of j2); a panel takes consecutive slots, so short rows and several
// batch elements share one register block.
struct DirectVector {
  int64_t n, j0, j1, j2;
  int length;  // 0: beyond the last slot
};

int64_t directSlots(const Prepared& P, const Combo& c) {
  return int64_t(P.plan.batch) * c.count[0] * c.count[1] * ((c.count[2] + 15) / 16);
}

void directPanel(const Prepared& P, const Combo& c, int64_t panel, DirectVector* vectors) {
  const int64_t chunks = (c.count[2] + 15) / 16, slots = directSlots(P, c);
  const int count = P.nr / 16;
  int64_t slot = panel * count;
  int64_t row = slot / chunks, j2 = (slot % chunks) * 16;
  int64_t j1 = row % c.count[1];
  row /= c.count[1];
  int64_t j0 = row % c.count[0], n = row / c.count[0];
  for (int v = 0; v < count; v++, slot++) {
    DirectVector& d = vectors[v];
    if (slot >= slots) {
      d = DirectVector{0, 0, 0, 0, 0};
      continue;
    }
    d = DirectVector{n, j0, j1, j2, int(std::min<int64_t>(16, c.count[2] - j2))};
    j2 += 16;
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
int collectDirectTaps(const Prepared& P, const Combo& c, const DirectVector* vectors, int32_t* tapOut, int64_t* offsetOut, uint16_t* maskOut) {
  const NativePlan& p = P.plan;
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const int count = P.nr / 16;
  const int64_t inBatch = int64_t(p.inChannels) * p.inSpatial;
  int valid = 0;
  int32_t t = 0;
  for (size_t tz = 0; tz < a0.tap.size(); tz++) {
    for (size_t ty = 0; ty < a1.tap.size(); ty++) {
      for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
        bool any = false;
        for (int v = 0; v < count; v++) {
          const DirectVector& d = vectors[v];
          const size_t at = size_t(valid * count + v);
          offsetOut[at] = 0;
          maskOut[at] = 0;
          if (d.length == 0) continue;
          const int64_t iz = d.j0 * a0.inStep + a0.offset[tz], iy = d.j1 * a1.inStep + a1.offset[ty];
          if (iz < 0 || iz >= p.in[0] || iy < 0 || iy >= p.in[1]) continue;
          const int64_t x0 = d.j2 + a2.offset[tx];  // W input step is 1 in direct mode
          const int64_t lo = std::max<int64_t>(0, -x0), hi = std::min<int64_t>(d.length, p.in[2] - x0);
          if (hi <= lo) continue;
          offsetOut[at] = d.n * inBatch + (iz * p.in[1] + iy) * p.in[2] + x0;
          maskOut[at] = uint16_t(((1u << hi) - 1) & ~((1u << lo) - 1));
          any = true;
        }
        if (any) tapOut[size_t(valid++)] = t;
      }
    }
  }
  return valid;
}

void runDirectTask(const Prepared& P, Workspace& w, const Combo& c, int64_t g, int64_t taskPanel, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr, mr = P.mr, vectorCount = P.nr / 16;
  const int64_t Kg = p.Kg, Mg = p.Mg;
  const int64_t panel0 = taskPanel * P.group;
  const int count = int(std::min<int64_t>(P.group, c.panels - panel0));
  const int64_t cStride = (Mg + mr - 1) / mr * mr * nr;
  const size_t tapStride = size_t(P.maxTaps), laneStride = size_t(P.maxTaps) * size_t(vectorCount + 1);
  DirectVector vectors[4][16];
  int valid[4];
  for (int q = 0; q < count; q++) {
    directPanel(P, c, panel0 + q, vectors[q]);
    valid[q] = collectDirectTaps(P, c, vectors[q], w.directTap.data() + q * tapStride, w.directOffset.data() + q * laneStride, w.directMask.data() + q * laneStride);
    if (valid[q] == 0) std::memset(w.C + q * cStride, 0, sizeof(float) * size_t(Mg * nr));
  }
  const float* xg = x + g * Kg * p.inSpatial;
  // Row block outer, panels inner: the row block's weights stay cached across the task's panels.
  for (int64_t row0 = 0; row0 < Mg; row0 += mr) {
    const int rowsM = int(std::min<int64_t>(mr, Mg - row0));
    const float* A = P.weights + c.aOffset + c.taps * Kg * (g * Mg + row0);
    const DirectKernel kernel = P.isa->getDirect(P.shape, rowsM);
    for (int q = 0; q < count; q++) {
      if (valid[q] == 0) continue;
      kernel(valid[q], w.directTap.data() + q * tapStride, w.directOffset.data() + q * laneStride, w.directMask.data() + q * laneStride, Kg,
             p.inSpatial, xg, A, w.C + q * cStride + row0 * nr, 0);
    }
  }
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const int64_t outBatch = int64_t(p.outChannels) * p.outSpatial;
  for (int q = 0; q < count; q++) {
    int64_t outBase[16];
    for (int v = 0; v < vectorCount; v++) {
      const DirectVector& d = vectors[q][v];
      const int64_t o0 = a0.first + d.j0 * a0.outStep, o1 = a1.first + d.j1 * a1.outStep, o2 = a2.first + d.j2 * a2.outStep;
      outBase[v] = d.n * outBatch + (o0 * p.out[1] + o1) * p.out[2] + o2;
    }
    const float* C = w.C + q * cStride;
    for (int v = 0; v < vectorCount; v++) {
      if (vectors[q][v].length) {
        P.isa->store(y + g * Mg * p.outSpatial + outBase[v], p.outSpatial, C + 16 * v, nr, int(Mg), vectors[q][v].length, a2.outStep, bias ? bias + g * Mg : nullptr);
      }
    }
  }
}

// Depthwise task: every row of one (combo, group, batch element) plane; taps per row, W borders by lane masks.
void runDepthwiseTask(const Prepared& P, Workspace& w, const Combo& c, int64_t g, int64_t n, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const float* plane = x + (n * p.inChannels + g) * p.inSpatial;
  float* outPlane = y + (n * p.outChannels + g) * p.outSpatial;
  const float* A = P.weights + c.aOffset + c.taps * g;  // [tap] for this group (Kg = Mg = 1)
  const float b = bias ? bias[g] : 0.0f;
  const float** rows = w.rowPointers.data();
  int32_t* lo = w.directTap.data();
  int32_t* hi = w.panels[0].runFirst.data();
  float* weight = w.C;
  for (int64_t j0 = 0; j0 < c.count[0]; j0++) {
    for (int64_t j1 = 0; j1 < c.count[1]; j1++) {
      int valid = 0;
      int32_t t = 0;
      for (size_t tz = 0; tz < a0.tap.size(); tz++) {
        for (size_t ty = 0; ty < a1.tap.size(); ty++) {
          const int64_t iz = j0 * a0.inStep + a0.offset[tz], iy = j1 * a1.inStep + a1.offset[ty];
          const bool inside = iz >= 0 && iz < p.in[0] && iy >= 0 && iy < p.in[1];
          for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
            if (!inside) continue;
            const int64_t ox = a2.offset[tx];
            const int64_t first = std::max<int64_t>(0, -ox), last = std::min<int64_t>(c.count[2], p.in[2] - ox);
            if (last <= first) continue;
            // Lanes below `first` are never read, so the pointer may start before the row.
            rows[valid] = plane + (iz * p.in[1] + iy) * p.in[2] + ox;
            lo[valid] = int32_t(first);
            hi[valid] = int32_t(last);
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

// Packed layouts whose weights outgrow L2: a task takes P.group consecutive panels and runs every packed weight
// chunk over all of them while it is cached (GotoBLAS order), instead of streaming all weights once per panel.
// Chunks then follow the union of the panels' reached taps (unreached columns pack zeros).
void runPanelGroup(const Prepared& P, Workspace& w, const Combo& c, int64_t g, int64_t groupIndex, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr, mr = P.mr;
  const int64_t Kg = p.Kg, Mg = p.Mg;
  const int64_t panel0 = groupIndex * P.group;
  const int count = int(std::min<int64_t>(P.group, c.panels - panel0));
  const int64_t cStride = (Mg + mr - 1) / mr * mr * nr;
  for (int q = 0; q < count; q++) {
    PanelScratch& ps = w.panels[size_t(q)];
    ps.segmentCount = layoutSegments(P, c, panel0 + q, ps, ps.real);
    ps.valid = collectTaps(P, c, ps.segmentCount, ps.real, ps, true);
  }
  int used = 0;
  for (int64_t t = 0; t < c.taps; t++) {
    bool any = false;
    for (int q = 0; q < count; q++) any = any || w.panels[size_t(q)].reached[size_t(t)];
    if (any) w.usedTaps[size_t(used++)] = int32_t(t);
  }
  if (used == 0) {
    std::memset(w.C, 0, sizeof(float) * size_t(cStride * count));
  } else {
    const float* xg = x + g * Kg * p.inSpatial;
    bool first = true;
    int vi = 0;
    int64_t channel = 0;
    while (vi < used) {
      const int64_t tapStart = w.usedTaps[size_t(vi)], channelStart = channel;
      // Walk the chunk once to find its extent; pack it per panel below.
      int64_t rows = 0;
      int endVi = vi;
      int64_t endChannel = channel;
      while (rows < P.kc) {
        const int64_t n = std::min<int64_t>(P.kc - rows, Kg - endChannel);
        rows += n;
        endChannel += n;
        if (endChannel == Kg) {
          endChannel = 0;
          endVi++;
          if (endVi >= used || w.usedTaps[size_t(endVi)] != w.usedTaps[size_t(endVi) - 1] + 1) break;
        }
      }
      for (int q = 0; q < count; q++) {
        const PanelScratch& ps = w.panels[size_t(q)];
        int64_t packed = 0, ch = channelStart;
        for (int v = vi; packed < rows; v++) {
          const int32_t t = w.usedTaps[size_t(v)];
          const int64_t n = std::min<int64_t>(rows - packed, Kg - ch);
          const int r0 = ps.runFirst[size_t(t)];
          P.isa->pack(w.B + packed * nr, nr, xg + ch * p.inSpatial, p.inSpatial, n, &ps.runs[size_t(r0)], ps.runFirst[size_t(t) + 1] - r0);
          packed += n;
          ch = 0;
        }
        float* C = w.C + q * cStride;
        for (int64_t row0 = 0; row0 < Mg; row0 += mr) {
          const int rowsM = int(std::min<int64_t>(mr, Mg - row0));
          const float* A = P.weights + c.aOffset + c.taps * Kg * (g * Mg + row0) + (tapStart * Kg + channelStart) * rowsM;
          P.isa->get(P.shape, rowsM)(rows, A, w.B, C + row0 * nr, first ? 0 : 1);
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
      P.isa->store(y + g * Mg * p.outSpatial + sg.out, p.outSpatial, C + sg.col, nr, int(Mg), sg.length, sg.outStep, bias ? bias + g * Mg : nullptr);
    }
  }
}

void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const TaskRef& ref = P.taskList[size_t(task)];
  const Combo& c = P.combos[size_t(ref.combo)];
  const int64_t g = ref.group;
  const int64_t panel = ref.panel;
  if (P.depthwise) {
    runDepthwiseTask(P, w, c, g, panel, x, bias, y);
    return;
  }
  if (P.direct) {
    runDirectTask(P, w, c, g, panel, x, bias, y);
    return;
  }
  const int nr = P.nr, mr = P.mr;
  const int64_t Kg = p.Kg, Mg = p.Mg;

  if (P.group > 1) {
    runPanelGroup(P, w, c, g, panel, x, bias, y);
    return;
  }
  PanelScratch& ps = w.panels[0];
  int real = 0;
  const int segmentCount = layoutSegments(P, c, panel, ps, real);
  const int valid = collectTaps(P, c, segmentCount, real, ps);
  float* C = w.C;
  if (valid == 0) {
    std::memset(C, 0, sizeof(float) * size_t(Mg * nr));
  } else {
    const float* xg = x + g * Kg * p.inSpatial;
    bool first = true;
    int vi = 0;
    int64_t channel = 0;
    while (vi < valid) {
      // One chunk: up to kc reduction rows whose packed weights are contiguous (consecutive taps).
      const int64_t tapStart = ps.validTaps[size_t(vi)], channelStart = channel;
      int64_t rows = 0;
      while (rows < P.kc) {
        // Channels channel … channel + n − 1 through tap vi, packed run by run.
        const int64_t n = std::min<int64_t>(P.kc - rows, Kg - channel);
        const int r0 = ps.runFirst[size_t(vi)];
        P.isa->pack(w.B + rows * nr, nr, xg + channel * p.inSpatial, p.inSpatial, n, &ps.runs[size_t(r0)], ps.runFirst[size_t(vi) + 1] - r0);
        rows += n;
        channel += n;
        if (channel == Kg) {
          channel = 0;
          vi++;
          if (vi >= valid || ps.validTaps[size_t(vi)] != ps.validTaps[size_t(vi) - 1] + 1) break;
        }
      }
      for (int64_t row0 = 0; row0 < Mg; row0 += mr) {
        const int rowsM = int(std::min<int64_t>(mr, Mg - row0));
        const float* A = P.weights + c.aOffset + c.taps * Kg * (g * Mg + row0) + (tapStart * Kg + channelStart) * rowsM;
        P.isa->get(P.shape, rowsM)(rows, A, w.B, C + row0 * nr, first ? 0 : 1);
      }
      first = false;
    }
  }
  for (int si = 0; si < segmentCount; si++) {
    const Segment& s = ps.segments[size_t(si)];
    P.isa->store(y + g * Mg * p.outSpatial + s.out, p.outSpatial, C + s.col, nr, int(Mg), s.length, s.outStep, bias ? bias + g * Mg : nullptr);
  }
}

struct Call {
  const Prepared* P;
  const float *x, *bias;
  float* y;
  int64_t grain = 1;  // tasks taken per atomic increment
  std::atomic<int64_t> next{0};
  bool twoEnds = false;                // two threads: thread 0 from the front of `order`, thread 1 from the back
  const int32_t* order = nullptr;      // task order for twoEnds: phase-major, or null for the row-interleaved list
  std::atomic<uint64_t> ends{0};       // (back << 32) | front, claimed together so the two never overlap
};

// Two threads share one task list from both ends and meet wherever the load evens out. With the phase-major list,
// each core works through its own phases' weights (half the weight working set per core, each chunk reused by
// consecutive panels). With the row-interleaved list, each core keeps to its own half of the input and output.
void twoEndWorker(Call& call, Workspace& w, int index) {
  const Prepared& P = *call.P;
  uint64_t ends = call.ends.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t front = int64_t(ends & 0xffffffffu), back = int64_t(ends >> 32);
    if (front >= back) return;
    const int64_t take = std::min(call.grain, back - front);
    const uint64_t next = index == 0 ? (uint64_t(back) << 32) | uint64_t(front + take) : (uint64_t(back - take) << 32) | uint64_t(front);
    if (!call.ends.compare_exchange_weak(ends, next, std::memory_order_relaxed)) continue;
    const int64_t first = index == 0 ? front : back - take;
    for (int64_t i = 0; i < take; i++) {
      const int64_t at = index == 0 ? first + i : first + take - 1 - i;
      runTask(P, w, call.order ? call.order[size_t(at)] : at, call.x, call.bias, call.y);
    }
    ends = call.ends.load(std::memory_order_relaxed);
  }
}

void worker(void* context, int index) {
  Call& call = *static_cast<Call*>(context);
  Workspace& w = *workspaces()[size_t(index)];
  if (call.twoEnds) {
    twoEndWorker(call, w, index);
    return;
  }
  for (;;) {
    const int64_t first = call.next.fetch_add(call.grain, std::memory_order_relaxed);
    if (first >= call.P->tasks) return;
    const int64_t last = std::min(first + call.grain, call.P->tasks);
    for (int64_t task = first; task < last; task++) runTask(*call.P, w, task, call.x, call.bias, call.y);
  }
}

// Column order, tile shape and chunk size for one candidate; fills combos and the cycle estimate.
void layout(Prepared& P) {
  const NativePlan& p = P.plan;
  P.combos.clear();
  P.maxTaps = 0;
  int64_t aOffset = 0, task = 0;
  const int64_t total0 = p.axes[0].size(), total1 = p.axes[1].size(), total2 = p.axes[2].size();
  for (int64_t a = 0; a < total0; a++) {
    for (int64_t b = 0; b < total1; b++) {
      for (int64_t d = 0; d < total2; d++) {
        Combo c;
        c.phase[0] = int(a);
        c.phase[1] = int(b);
        c.phase[2] = int(d);
        const AxisPhase* ph[3] = {&p.axes[0][size_t(a)], &p.axes[1][size_t(b)], &p.axes[2][size_t(d)]};
        c.positions = 1;
        c.taps = 1;
        for (int k = 0; k < 3; k++) {
          c.count[k] = ph[k]->count;
          c.positions *= ph[k]->count;
          c.taps *= int64_t(ph[k]->tap.size());
        }
        if (c.positions == 0 || p.batch == 0) continue;  // nothing to write
        c.aOffset = aOffset;
        aOffset += c.taps * p.Kg * p.outChannels;
        c.panels = P.depthwise ? int64_t(p.batch) : P.direct ? (directSlots(P, c) + P.nr / 16 - 1) / (P.nr / 16) : (int64_t(p.batch) * c.positions + P.nr - 1) / P.nr;
        P.maxTaps = std::max(P.maxTaps, c.taps);
        P.combos.push_back(c);
      }
    }
  }
  // GEMM layouts whose weights for one phase and group (taps × Kg × Mg floats) outgrow the cache a task can keep
  // them in: tasks take four panels each, so every weight chunk is reused while cached — while at least 16 tasks
  // (or one per panel, if fewer) remain for the threads to balance.
  int64_t largest = 0, panels = 0;
  for (const Combo& c : P.combos) {
    largest = std::max(largest, c.taps * p.Kg * p.Mg * 4);
    panels += c.panels * p.groups;
  }
  P.group = P.depthwise ? 1 : largest > (P.direct ? (1 << 18) : (1 << 20)) ? 4 : 1;
  if (P.forceGroup) P.group = P.depthwise ? 1 : 4;
  for (; P.group > 1 && !P.forceGroup; P.group /= 2) {
    int64_t tasks = 0;
    for (const Combo& c : P.combos) tasks += (c.panels + P.group - 1) / P.group * p.groups;
    if (tasks >= std::min<int64_t>(16, panels)) break;
  }
  for (Combo& c : P.combos) {
    c.taskPanels = (c.panels + P.group - 1) / P.group;
    task += c.taskPanels * p.groups;
  }
  P.weightFloats = aOffset;
  P.tasks = task;
  P.taskList.clear();
  P.taskList.reserve(size_t(task));
  int64_t most = 0;
  for (const Combo& c : P.combos) most = std::max(most, c.taskPanels);
  for (int32_t g = 0; g < p.groups; g++) {
    for (int64_t panel = 0; panel < most; panel++) {
      for (size_t k = 0; k < P.combos.size(); k++) {
        if (panel < P.combos[k].taskPanels) P.taskList.push_back(TaskRef{int32_t(k), g, panel});
      }
    }
  }
  P.phaseMajor.resize(P.taskList.size());
  for (size_t i = 0; i < P.phaseMajor.size(); i++) P.phaseMajor[i] = int32_t(i);
  std::stable_sort(P.phaseMajor.begin(), P.phaseMajor.end(), [&](int32_t a, int32_t b) {
    const TaskRef &x = P.taskList[size_t(a)], &y = P.taskList[size_t(b)];
    return x.group != y.group ? x.group < y.group : x.combo < y.combo;
  });
  P.kc = std::max<int64_t>(8, 4096 / P.nr);
}

// Cycle model: FMAs (with the latency floor of few accumulators and a load-port floor), input packing per run,
// micro-kernel calls, per-segment bookkeeping and stores. Only compares candidates; absolute values are rough.
double estimate(Prepared& P) {
  const NativePlan& p = P.plan;
  Workspace w;
  w.reserve(P);
  const int lanes = P.isa->lanes;
  const int nv = P.nr / lanes;
  double fmaPerRow = 0, callCost = 0;
  for (int64_t r0 = 0; r0 < p.Mg; r0 += P.mr) {
    const int rows = int(std::min<int64_t>(P.mr, p.Mg - r0));
    const double fmas = rows * nv, loads = rows + nv;
    fmaPerRow += std::max({fmas / 2.0, loads / 2.0, 4.0});
    callCost += rows * nv * 2 + 20;
  }
  double cycles = 0;
  for (const Combo& c : P.combos) {
    // Sample at most ~64 panels per combo; scale up.
    const int64_t step = std::max<int64_t>(1, c.panels / 64);
    double sampled = 0;
    int64_t seen = 0;
    for (int64_t panel = 0; panel < c.panels; panel += step, seen++) {
      if (P.direct) {
        DirectVector vectors[16];
        directPanel(P, c, panel, vectors);
        const int valid = collectDirectTaps(P, c, vectors, w.directTap.data(), w.directOffset.data(), w.directMask.data());
        int lanes = 0;
        for (int v = 0; v < P.nr / 16; v++) lanes += vectors[v].length;
        // Input rows are re-read from cache for every row block; beyond L1 they cost more.
        const double l2 = double(valid) * p.Kg * P.nr * 4 > 40000 ? 1.6 : 1.0;
        double perRow = 0;
        for (int64_t r0 = 0; r0 < p.Mg; r0 += P.mr) {
          const int rows = int(std::min<int64_t>(P.mr, p.Mg - r0));
          perRow += std::max({rows * nv / 2.0, (rows + nv * l2) / 2.0, 4.0});
        }
        sampled += double(valid) * p.Kg * perRow + callCost + double(p.Mg) * (lanes / 4.0 + nv * 4) + c.taps * nv * 8 + 300;
        continue;
      }
      int real = 0;
      PanelScratch& ps = w.panels[0];
      const int segments = layoutSegments(P, c, panel, ps, real);
      const int valid = collectTaps(P, c, segments, real, ps);
      double packPerRow = 0;
      for (int r = 0; r < (valid ? ps.runFirst[size_t(valid)] : 0); r++) {
        const Run& run = ps.runs[size_t(r)];
        packPerRow += 4 + (run.source >= 0 && run.step == 1 ? run.length / 8.0 : run.length);
      }
      if (valid) packPerRow /= valid;
      const double rows = double(valid) * p.Kg;
      sampled += rows * (fmaPerRow + packPerRow) + (rows / P.kc + valid) * callCost + double(p.Mg) * (real / 4.0 + 4 * segments) +
                 double(segments) * c.taps * 6 + 300;
    }
    cycles += sampled * double(c.panels) / double(seen) * p.groups;
  }
  return cycles;
}

void packWeights(Prepared& P, const float* weight) {
  const NativePlan& p = P.plan;
  const int64_t Kg = p.Kg, Mg = p.Mg, kS = p.kernelSpatial;
  for (const Combo& c : P.combos) {
    const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
    const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
    const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
    for (int64_t g = 0; g < p.groups; g++) {
      for (int64_t row0 = 0; row0 < Mg; row0 += P.mr) {
        const int64_t rows = std::min<int64_t>(P.mr, Mg - row0);
        float* dst = P.weights + c.aOffset + c.taps * Kg * (g * Mg + row0);
        int64_t t = 0;
        for (size_t tz = 0; tz < a0.tap.size(); tz++) {
          for (size_t ty = 0; ty < a1.tap.size(); ty++) {
            for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
              const int64_t kflat = (int64_t(a0.tap[tz]) * p.kernel[1] + a1.tap[ty]) * p.kernel[2] + a2.tap[tx];
              for (int64_t ci = 0; ci < Kg; ci++) {
                for (int64_t m = 0; m < rows; m++) {
                  const int64_t mo = row0 + m;
                  const int64_t index = p.kind == 0 ? ((g * Kg + ci) * Mg + mo) * kS + kflat   // (Cin, Cout/g, k…)
                                                    : ((g * Mg + mo) * Kg + ci) * kS + kflat;  // (Cout, Cin/g, k…)
                  dst[(t * Kg + ci) * rows + m] = weight[index];
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

const KernelSet* kernelSetByName(const std::string& name) {
  if (name == "avx512") return cpuHasAvx512() ? avx512Kernels() : nullptr;
  if (name == "avx2") return cpuHasAvx2() ? avx2Kernels() : nullptr;
  if (name == "scalar") return scalarKernels();
  return nullptr;
}

std::vector<std::string> supportedKernelSets() {
  std::vector<std::string> names;
  for (const char* name : {"avx512", "avx2", "scalar"}) {
    if (kernelSetByName(name)) names.push_back(name);
  }
  return names;
}

namespace {

// What the timing trial (or the model, when untimed) chose, per plan header and kernel set: a later prepare of the same layer with other weights
// (a model with repeated layer shapes, a new weight array, a resumed training step) builds that candidate directly
// instead of timing four again (12–20 calls' worth on big layers). Safe to reuse because every layout sums in one
// order, so the choice changes only the speed. Process-wide, bounded, guarded: prepare may run on worker threads.
struct TrialChoice {
  int shape, mode;
};
std::mutex& trialMutex() {
  static std::mutex instance;
  return instance;
}
std::map<std::pair<std::vector<int32_t>, const KernelSet*>, TrialChoice>& trialChoices() {
  static std::map<std::pair<std::vector<int32_t>, const KernelSet*>, TrialChoice> instance;
  return instance;
}
constexpr size_t kTrialChoicesMax = 4096;  // ~100 bytes each; past it, start over

}  // namespace

std::string prepare(const NativePlan& plan, const float* weight, int64_t weightLength, const KernelSet* isa,
                    const std::string& force, std::unique_ptr<Prepared>& out) {
  if (weightLength != plan.weightLength) {
    return "weight has " + std::to_string(weightLength) + " values but the plan needs " + std::to_string(plan.weightLength);
  }
  // Direct panels need unit input steps along W (always for transposed phases; stride 1 for a conv).
  bool unitW = true;
  for (const AxisPhase& phase : plan.axes[2]) unitW = unitW && phase.inStep == 1;
  std::vector<std::unique_ptr<Prepared>> candidates;
  const auto key = std::make_pair(plan.words, isa);
  TrialChoice remembered{-1, -1};
  if (force.empty()) {
    std::lock_guard<std::mutex> lock(trialMutex());
    const auto found = trialChoices().find(key);
    if (found != trialChoices().end()) remembered = found->second;
  }
  if (plan.Kg == 1 && plan.Mg == 1 && unitW && isa->depthwiseRow && (force.empty() || force == "depthwise")) {
    // One channel in, one out per group: no GEMM to block, rows straight from the input.
    std::unique_ptr<Prepared> candidate(new Prepared());
    candidate->plan = plan;
    candidate->isa = isa;
    candidate->mr = 1;
    candidate->nr = 16;
    candidate->depthwise = 1;
    layout(*candidate);
    // ~1 cycle per output and tap (masked load + FMA) plus the stores: decides whether a second thread pays off.
    int64_t taps = 0;
    for (const Combo& c : candidate->combos) taps = std::max(taps, c.taps);
    candidate->estimatedCycles = double(plan.outputLength) * double(taps + 1);
    candidate->weights = alignedFloats(size_t(candidate->weightFloats));
    if (!candidate->weights) return "out of memory packing the weights";
    packWeights(*candidate, weight);
    out = std::move(candidate);
    return std::string();
  }
  for (int shape = 0; shape < isa->shapeCount; shape++) {
    const bool hasDirect = unitW && isa->getDirect && isa->getDirect(shape, 1);
    for (int mode = 0; mode < 3; mode++) {
      if ((mode == 1 && plan.batch < 2) || (mode == 2 && !hasDirect)) continue;
      if (remembered.shape >= 0 && (shape != remembered.shape || mode != remembered.mode)) continue;
      const char* name = mode == 2 ? "direct" : mode == 1 ? "batch-minor" : "packed";
      // "<layout>+group" (tests): that layout with four panels per task whatever the weight size.
      const bool grouped = force.size() > 6 && force.compare(force.size() - 6, 6, "+group") == 0;
      if (!force.empty() && (grouped ? force.substr(0, force.size() - 6) : force) != name) continue;
      std::unique_ptr<Prepared> candidate(new Prepared());
      candidate->plan = plan;
      candidate->isa = isa;
      candidate->shape = shape;
      candidate->mr = isa->shapes[shape].maxRows;
      candidate->nr = isa->shapes[shape].nr;
      candidate->batchMinor = mode == 1;
      candidate->direct = mode == 2;
      candidate->forceGroup = grouped;
      layout(*candidate);
      candidate->estimatedCycles = estimate(*candidate);
      candidates.push_back(std::move(candidate));
    }
  }
  if (candidates.empty() && remembered.shape >= 0) {  // cannot happen for the same header; never loop on it
    std::lock_guard<std::mutex> lock(trialMutex());
    trialChoices().erase(key);
  }
  if (candidates.empty()) return prepare(plan, weight, weightLength, isa, std::string(), out);  // forced layout n/a
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a->estimatedCycles < b->estimatedCycles; });
  // The cycle model ranks; a short measurement decides (once per plan, on zero inputs, one thread). The model is
  // good at tile shapes within one layout but biased between layouts (it underrates packing on the big layers), so
  // the trial takes the best-estimated candidate of every layout within 2x of the best, then the next best overall.
  constexpr size_t kTuned = 4;
  std::vector<size_t> trial;
  for (int mode = 0; mode < 3; mode++) {
    for (size_t i = 0; i < candidates.size(); i++) {
      const Prepared& c = *candidates[i];
      if ((c.direct ? 2 : c.batchMinor ? 1 : 0) != mode) continue;
      if (c.estimatedCycles <= 2 * candidates[0]->estimatedCycles) trial.push_back(i);
      break;
    }
  }
  for (size_t i = 0; i < candidates.size() && trial.size() < kTuned; i++) {
    if (std::find(trial.begin(), trial.end(), i) == trial.end()) trial.push_back(i);
  }
  std::sort(trial.begin(), trial.end());
  // Measured only while that stays cheap (at most three runs of four candidates, the best estimated under ~30 ms).
  const bool measure = trial.size() > 1 && candidates[0]->estimatedCycles < 1e8 && plan.batch > 0;
  std::vector<float> scratchIn, scratchOut;
  if (measure) {
    scratchIn.assign(size_t(plan.inputLength), 0.0f);
    scratchOut.assign(size_t(plan.outputLength), 0.0f);
  }
  size_t best = trial[0];
  double bestSeconds = 0;
  for (size_t k = 0; k < (measure ? trial.size() : 1); k++) {
    Prepared& c = *candidates[trial[k]];
    c.weights = alignedFloats(size_t(c.weightFloats));
    if (!c.weights) return "out of memory packing the weights";
    packWeights(c, weight);
    if (!measure) break;
    // Fastest of up to three runs: the first warms the caches with this layout's weights; a run that another
    // process interrupts only ever reads slower.
    double fastest = 1e30;
    for (int rep = 0; rep < 3; rep++) {
      timespec t0, t1;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
      execute(c, scratchIn.data(), nullptr, scratchOut.data(), 1);
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
      fastest = std::min(fastest, double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec));
      // Clearly slower twice (one run can be disturbed: steal time and a busy neighbour count as CPU time): no more.
      if (k > 0 && rep >= 1 && fastest > 1.3 * bestSeconds) break;
    }
    c.measuredSeconds = fastest;
    if (std::getenv("TCONV_NATIVE_TRACE")) {  // diagnostics: the trial's candidates and times
      std::fprintf(stderr, "tconv native trial: %s %dx%d, estimated %.3g cycles, %.3f ms\n",
                   c.direct ? "direct" : c.batchMinor ? "batch-minor" : "packed", c.mr, c.nr, c.estimatedCycles, fastest * 1e3);
    }
    const size_t previous = best;
    if (k == 0 || fastest < bestSeconds) {
      best = trial[k];
      bestSeconds = fastest;
    }
    // Keep memory bounded: only the best so far holds packed weights.
    Prepared& loser = *candidates[best == trial[k] ? previous : trial[k]];
    if (k > 0 && loser.weights) {
      std::free(loser.weights);
      loser.weights = nullptr;
    }
  }
  // Kept whether timed or chosen by the model alone (big layers skip the trial): the model is deterministic, and
  // plain engine calls prepare on every call, where building every candidate's task lists again cost more than
  // packing (dcgan-2). A forced layout is not a choice for the unforced calls.
  if (force.empty() && remembered.shape < 0) {
    const Prepared& chosen = *candidates[best];
    std::lock_guard<std::mutex> lock(trialMutex());
    if (trialChoices().size() >= kTrialChoicesMax) trialChoices().clear();
    trialChoices()[key] = TrialChoice{chosen.shape, chosen.direct ? 2 : chosen.batchMinor ? 1 : 0};
  }
  out = std::move(candidates[best]);
  return std::string();
}

double fmaPeakGflops(const KernelSet* isa, double seconds) {
  if (!isa->fmaLoop) return 0;
  const auto now = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
  };
  // Median of ~1 ms pieces, the statistic the benchmarks use for calls: the clock of a shared core moves by up
  // to 1.5x with the neighbours' load, so a best-of would compare a lucky moment with typical ones.
  std::vector<double> rates;
  double spent = 0;
  while (spent < seconds || rates.size() < 5) {
    const double t0 = now();
    const double flops = isa->fmaLoop(200000);
    const double t1 = now();
    if (t1 > t0) rates.push_back(flops / (t1 - t0) / 1e9);
    spent += t1 - t0;
  }
  std::nth_element(rates.begin(), rates.begin() + rates.size() / 2, rates.end());
  return rates[rates.size() / 2];
}

void execute(const Prepared& P, const float* input, const float* bias, float* output, int threads) {
  if (P.tasks == 0) return;
  std::lock_guard<std::mutex> lock(engineMutex());
  // Small layers (under ~50 µs): waking a second thread costs more than it saves.
  const double work = P.estimatedCycles;
  int n = std::max(1, std::min<int>(threads, int(std::min<int64_t>(P.tasks, 256))));
  if (work < 150000) n = 1;
  auto& spaces = workspaces();
  while (int(spaces.size()) < n) spaces.emplace_back(new Workspace());
  for (int i = 0; i < n; i++) spaces[size_t(i)]->reserve(P);
  Call call;
  call.P = &P;
  call.x = input;
  call.bias = P.plan.hasBias ? bias : nullptr;
  call.y = output;
  // Enough chunks per thread to even out the load, few enough that the shared counter stays cold.
  call.grain = std::max<int64_t>(1, P.tasks / (int64_t(n) * 32));
  // Only where the weights of all phases outgrow one core's L2 (big-spatial layers with small weights lose output
  // locality in phase-major order instead: measured slower on unet-up-2 and superres).
  const bool phaseSplit = P.combos.size() > 1 && P.weightFloats * 4 > (int64_t(3) << 19) * P.plan.groups;
  // Otherwise the two threads still start from the two ends of the row-interleaved list, so each keeps to its own
  // half of the input and output instead of alternating chunks with the other core.
  call.twoEnds = n == 2 && P.tasks < (int64_t(1) << 31) && !std::getenv("TCONV_NATIVE_ONE_END");
  call.order = phaseSplit ? P.phaseMajor.data() : nullptr;
  call.ends.store(uint64_t(P.tasks) << 32);
  pool().run(n, worker, &call);
}

}  // namespace tconv
