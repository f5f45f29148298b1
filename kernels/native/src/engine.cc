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
#include <mutex>

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

struct Run {
  int32_t col, length;
  int64_t source;  // input offset of the run's first column, or −1 for zeros
};

// Per-thread scratch, grown outside the hot path and reused by every call.
struct Workspace {
  float* B = nullptr;
  float* C = nullptr;
  size_t bFloats = 0, cFloats = 0;
  std::vector<int64_t> outOffset, inBase, inCoord[3];
  std::vector<int32_t> validTaps, runFirst;
  std::vector<Run> runs;

  ~Workspace() {
    std::free(B);
    std::free(C);
  }
  void reserve(const Prepared& P) {
    const size_t b = size_t(P.kc * P.nr);
    const size_t c = size_t((P.plan.Mg + P.mr - 1) / P.mr * P.mr * P.nr);
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
    if (outOffset.size() < nr) {
      outOffset.resize(nr);
      inBase.resize(nr);
      for (auto& v : inCoord) v.resize(nr);
    }
    const size_t taps = size_t(P.maxTaps);
    if (validTaps.size() < taps) {
      validTaps.resize(taps);
      runFirst.resize(taps + 1);
    }
    if (runs.size() < taps * (nr + 1)) runs.resize(taps * (nr + 1));
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

// The columns of one panel: where each writes its output and which input coordinates its taps start from.
struct Columns {
  int real = 0;
  const int64_t* outOffset;
  const int64_t* inBase;
  const int64_t* inCoord[3];
};

void layoutColumns(const Prepared& P, const Combo& c, int64_t panel, Workspace& w, Columns& cols) {
  const NativePlan& p = P.plan;
  const int64_t total = int64_t(p.batch) * c.positions;
  const int64_t q0 = panel * P.nr;
  cols.real = int(std::min<int64_t>(P.nr, total - q0));
  const AxisPhase* ph[3] = {&p.axes[0][size_t(c.phase[0])], &p.axes[1][size_t(c.phase[1])], &p.axes[2][size_t(c.phase[2])]};
  for (int col = 0; col < cols.real; col++) {
    const int64_t q = q0 + col;
    int64_t n, pos;
    if (P.batchMinor) {
      n = q % p.batch;
      pos = q / p.batch;
    } else {
      n = q / c.positions;
      pos = q % c.positions;
    }
    const int64_t j2 = pos % c.count[2];
    const int64_t j1 = (pos / c.count[2]) % c.count[1];
    const int64_t j0 = pos / (c.count[2] * c.count[1]);
    const int64_t o0 = ph[0]->first + j0 * ph[0]->outStep, o1 = ph[1]->first + j1 * ph[1]->outStep, o2 = ph[2]->first + j2 * ph[2]->outStep;
    w.outOffset[size_t(col)] = n * p.outChannels * p.outSpatial + (o0 * p.out[1] + o1) * p.out[2] + o2;
    w.inBase[size_t(col)] = n * p.inChannels * p.inSpatial;
    w.inCoord[0][size_t(col)] = j0 * ph[0]->inStep;
    w.inCoord[1][size_t(col)] = j1 * ph[1]->inStep;
    w.inCoord[2][size_t(col)] = j2 * ph[2]->inStep;
  }
  cols.outOffset = w.outOffset.data();
  cols.inBase = w.inBase.data();
  for (int a = 0; a < 3; a++) cols.inCoord[a] = w.inCoord[a].data();
}

// For every tap of the combo that at least one column can reach, records the tap and its copy runs
// (consecutive columns reading consecutive inputs, or zeros). Returns the number of such taps.
int collectTaps(const Prepared& P, const Combo& c, const Columns& cols, Workspace& w) {
  const NativePlan& p = P.plan;
  const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
  const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
  const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
  const int nr = P.nr;
  int valid = 0;
  size_t runCount = 0;
  int32_t t = 0;
  for (size_t tz = 0; tz < a0.tap.size(); tz++) {
    for (size_t ty = 0; ty < a1.tap.size(); ty++) {
      for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
        const int64_t oz = a0.offset[tz], oy = a1.offset[ty], ox = a2.offset[tx];
        const size_t first = runCount;
        bool any = false;
        Run current{0, 0, -2};
        for (int col = 0; col < nr; col++) {
          int64_t source = -1;
          if (col < cols.real) {
            const int64_t iz = cols.inCoord[0][col] + oz, iy = cols.inCoord[1][col] + oy, ix = cols.inCoord[2][col] + ox;
            if (iz >= 0 && iz < p.in[0] && iy >= 0 && iy < p.in[1] && ix >= 0 && ix < p.in[2]) {
              source = cols.inBase[col] + (iz * p.in[1] + iy) * p.in[2] + ix;
              any = true;
            }
          }
          const bool extends = current.length > 0 &&
                               ((source < 0 && current.source < 0) || (source >= 0 && current.source >= 0 && source == current.source + current.length));
          if (extends) {
            current.length++;
          } else {
            if (current.length > 0) w.runs[runCount++] = current;
            current = Run{col, 1, source};
          }
        }
        w.runs[runCount++] = current;
        if (any) {
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

void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  size_t ci = size_t(std::upper_bound(P.combos.begin(), P.combos.end(), task, [](int64_t v, const Combo& c) { return v < c.firstTask; }) - P.combos.begin()) - 1;
  const Combo& c = P.combos[ci];
  const int64_t rem = task - c.firstTask;
  const int64_t g = rem / c.panels;
  const int64_t panel = rem % c.panels;
  const int nr = P.nr, mr = P.mr;
  const int64_t Kg = p.Kg, Mg = p.Mg;

  Columns cols;
  layoutColumns(P, c, panel, w, cols);
  const int valid = collectTaps(P, c, cols, w);
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
      const int64_t tapStart = w.validTaps[size_t(vi)], channelStart = channel;
      int64_t rows = 0;
      while (rows < P.kc) {
        float* dst = w.B + rows * nr;
        const float* src = xg + channel * p.inSpatial;
        for (int r = w.runFirst[size_t(vi)]; r < w.runFirst[size_t(vi) + 1]; r++) {
          const Run& run = w.runs[size_t(r)];
          if (run.source < 0) {
            std::memset(dst + run.col, 0, sizeof(float) * size_t(run.length));
          } else if (run.length == 1) {
            dst[run.col] = src[run.source];
          } else {
            std::memcpy(dst + run.col, src + run.source, sizeof(float) * size_t(run.length));
          }
        }
        rows++;
        if (++channel == Kg) {
          channel = 0;
          vi++;
          if (vi >= valid || w.validTaps[size_t(vi)] != w.validTaps[size_t(vi) - 1] + 1) break;
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
  for (int64_t m = 0; m < Mg; m++) {
    const int64_t co = g * Mg + m;
    const float b = bias ? bias[co] : 0.0f;
    const float* row = C + m * nr;
    float* out = y + co * p.outSpatial;
    for (int col = 0; col < cols.real; col++) out[cols.outOffset[col]] = row[col] + b;
  }
}

struct Call {
  const Prepared* P;
  const float *x, *bias;
  float* y;
  std::atomic<int64_t> next{0};
};

void worker(void* context, int index) {
  Call& call = *static_cast<Call*>(context);
  Workspace& w = *workspaces()[size_t(index)];
  for (;;) {
    const int64_t task = call.next.fetch_add(1, std::memory_order_relaxed);
    if (task >= call.P->tasks) return;
    runTask(*call.P, w, task, call.x, call.bias, call.y);
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
        c.panels = (int64_t(p.batch) * c.positions + P.nr - 1) / P.nr;
        c.firstTask = task;
        task += c.panels * p.groups;
        P.maxTaps = std::max(P.maxTaps, c.taps);
        P.combos.push_back(c);
      }
    }
  }
  P.weightFloats = aOffset;
  P.tasks = task;
  P.kc = std::max<int64_t>(8, 4096 / P.nr);
}

// Cycle model: FMAs (with the latency floor of few accumulators), input packing, micro-kernel calls, stores.
double estimate(Prepared& P) {
  const NativePlan& p = P.plan;
  Workspace w;
  w.reserve(P);
  const int lanes = P.isa->lanes;
  const int nv = P.nr / lanes;
  double fmaPerRow = 0, callCost = 0;
  for (int64_t r0 = 0; r0 < p.Mg; r0 += P.mr) {
    const int rows = int(std::min<int64_t>(P.mr, p.Mg - r0));
    fmaPerRow += std::max(rows * nv, 8) / 2.0;
    callCost += rows * nv * 2 + 20;
  }
  double cycles = 0;
  for (const Combo& c : P.combos) {
    // Sample at most ~64 panels per combo; scale up.
    const int64_t step = std::max<int64_t>(1, c.panels / 64);
    double sampled = 0;
    int64_t seen = 0;
    for (int64_t panel = 0; panel < c.panels; panel += step, seen++) {
      Columns cols;
      layoutColumns(P, c, panel, w, cols);
      const int valid = collectTaps(P, c, cols, w);
      const double runsPerRow = valid ? double(w.runFirst[size_t(valid)]) / valid : 0;
      const double rows = double(valid) * p.Kg;
      sampled += rows * (fmaPerRow + runsPerRow * 3 + P.nr / 16.0) + (rows / P.kc + valid) * callCost + double(p.Mg) * cols.real * 1.5 + 200;
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

std::string prepare(const NativePlan& plan, const float* weight, int64_t weightLength, const KernelSet* isa,
                    std::unique_ptr<Prepared>& out) {
  if (weightLength != plan.weightLength) {
    return "weight has " + std::to_string(weightLength) + " values but the plan needs " + std::to_string(plan.weightLength);
  }
  std::unique_ptr<Prepared> best;
  for (int shape = 0; shape < isa->shapeCount; shape++) {
    for (int minor = 0; minor < (plan.batch > 1 ? 2 : 1); minor++) {
      std::unique_ptr<Prepared> candidate(new Prepared());
      candidate->plan = plan;
      candidate->isa = isa;
      candidate->shape = shape;
      candidate->mr = isa->shapes[shape].maxRows;
      candidate->nr = isa->shapes[shape].nr;
      candidate->batchMinor = minor;
      layout(*candidate);
      candidate->estimatedCycles = estimate(*candidate);
      if (!best || candidate->estimatedCycles < best->estimatedCycles) best = std::move(candidate);
    }
  }
  best->weights = alignedFloats(size_t(best->weightFloats));
  if (!best->weights) return "out of memory packing the weights";
  packWeights(*best, weight);
  out = std::move(best);
  return std::string();
}

void execute(const Prepared& P, const float* input, const float* bias, float* output, int threads) {
  if (P.tasks == 0) return;
  std::lock_guard<std::mutex> lock(engineMutex());
  // Small layers: waking a second thread costs more than it saves.
  const double work = P.estimatedCycles;
  int n = std::max(1, std::min<int>(threads, int(std::min<int64_t>(P.tasks, 256))));
  if (work < 40000) n = 1;
  auto& spaces = workspaces();
  while (int(spaces.size()) < n) spaces.emplace_back(new Workspace());
  for (int i = 0; i < n; i++) spaces[size_t(i)]->reserve(P);
  Call call;
  call.P = &P;
  call.x = input;
  call.bias = P.plan.hasBias ? bias : nullptr;
  call.y = output;
  pool().run(n, worker, &call);
}

}  // namespace tconv
