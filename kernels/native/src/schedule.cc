#include "schedule.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <vector>

#include "runners.h"
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "threadpool.h"
#include "workspace.h"

namespace tconv {
namespace {

ThreadPool& pool() {
  static ThreadPool instance;
  return instance;
}
std::vector<std::unique_ptr<Workspace>>& workspaces() {
  static std::vector<std::unique_ptr<Workspace>> instance;
  return instance;
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

// The input copy of a layout: split by W phase for convs strided along W (engine.h, splitStep), or each channel
// plane at a padded stride (padPlanes, against 4 KiB cache-set conflicts): as large as the
// largest such input run so far, kept (like the workspaces) so that no call pays for fresh pages. On 2 MiB pages where
// the OS gives them: a panel reads every channel's rows, each plane its own 4 KiB pages otherwise — 256 pages per
// panel of superres' ∂X, past the first-level TLB.
struct SplitBuffer {
  float* data = nullptr;
  size_t floats = 0;
  ~SplitBuffer() { std::free(data); }
  float* reserve(size_t count) {
    if (count <= floats) return data;
    std::free(data);
    constexpr size_t kHuge = size_t(2) << 20;
    const size_t bytes = (count * sizeof(float) + kHuge - 1) / kHuge * kHuge;
    data = static_cast<float*>(std::aligned_alloc(kHuge, bytes));
    floats = data ? bytes / sizeof(float) : 0;
#if defined(MADV_HUGEPAGE)
    if (data) madvise(data, bytes, MADV_HUGEPAGE);
#endif
    return data;
  }
};
SplitBuffer& splitInput() {
  static SplitBuffer instance;
  return instance;
}

struct Split {
  const Prepared* P;
  const float* from;
  float* to;
  int64_t planes, chunk;
  std::atomic<int64_t> next{0};
};

// Chunks of channel planes from a shared counter: a pool worker that wakes late skips the call (threadpool.h), so no
// thread may own a fixed share.
void splitWorker(void* context, int) {
  Split& s = *static_cast<Split*>(context);
  const NativePlan& p = s.P->plan;
  for (;;) {
    const int64_t first = s.next.fetch_add(s.chunk, std::memory_order_relaxed);
    if (first >= s.planes) return;
    for (int64_t plane = first; plane < std::min(first + s.chunk, s.planes); plane++) {
      splitRowPhases(s.from + plane * p.inSpatial, int64_t(p.in[0]) * p.in[1], p.in[2], s.P->splitStep, s.to + plane * s.P->channelStride);
    }
  }
}

// Estimated cycles of work each thread beyond the first must get, else the layer runs on one thread. Overridable
// (TCONV_NATIVE_CYCLES_PER_THREAD) only to calibrate it: scripts/zoo-threads.ts times the zoo's layers at 1 and 2.
double cyclesPerExtraThread() {
  static const double value = [] {
    const char* text = std::getenv("TCONV_NATIVE_CYCLES_PER_THREAD");
    return text ? std::atof(text) : 150000.0;
  }();
  return value;
}

// The input copy for P (every (batch, channel) plane at its channel stride), null when out of memory.
float* splitCopyFor(const Prepared& P) {
  return splitInput().reserve(size_t(int64_t(P.plan.batch) * P.plan.inChannels * P.channelStride));
}

}  // namespace

int threadsFor(const Prepared& P, int threads) {
  const int byTasks = int(std::min<int64_t>({int64_t(threads), P.tasks, 256}));
  const int byWork = 1 + int(std::min(255.0, P.estimatedCycles / std::max(1.0, cyclesPerExtraThread())));
  return std::max(1, std::min(byTasks, byWork));
}

float* subsampleCopyFor(const Prepared& P) {
  static SplitBuffer instance;  // apart from the split copy: a subsampled plan's own layout may copy its input again
  return P.source ? instance.reserve(size_t(P.plan.inputLength)) : nullptr;
}

bool reserveRunMemory(const Prepared& P, int threads) {
  // A subsampled conv whose layout pads its planes writes its copy into that layout's buffer (engine.cc): no second one.
  const bool ownCopy = P.source && !(P.padPlanes && P.splitStep <= 1);
  if (ownCopy && subsampleCopyFor(P) == nullptr) return false;
  if (P.wino.form) {
    const int n = threadsFor(P, threads);
    auto& spaces = workspaces();
    while (int(spaces.size()) < n) spaces.emplace_back(new Workspace());
    for (int i = 0; i < n; i++) {
      spaces[size_t(i)]->reserve(P);
      if (!spaces[size_t(i)]->winograd) return false;
    }
    return true;
  }
  return (P.splitStep <= 1 && !P.padPlanes) || splitCopyFor(P) != nullptr;
}

float* inputCopyFor(const Prepared& P) { return splitCopyFor(P); }

void runTasks(const Prepared& P, const float* input, const float* bias, float* output, int threads, bool copied) {
  const int n = threadsFor(P, threads);
  auto& spaces = workspaces();
  while (int(spaces.size()) < n) spaces.emplace_back(new Workspace());
  for (int i = 0; i < n; i++) {
    spaces[size_t(i)]->reserve(P);
    if (P.wino.form && !spaces[size_t(i)]->winograd) std::abort();  // unreachable: callers reserved it (reserveRunMemory)
  }
  if ((P.splitStep > 1 || P.padPlanes) && !copied) {  // the input copy: split by W phase, or at a padded channel stride
    Split s;
    s.P = &P;
    s.planes = int64_t(P.plan.batch) * P.plan.inChannels;
    s.from = input;
    s.to = splitCopyFor(P);
    if (!s.to) std::abort();  // unreachable: every caller reserved it first (reserveRunMemory)
    s.chunk = std::max<int64_t>(1, s.planes / (int64_t(n) * 8));
    pool().run(n, splitWorker, &s);
    input = s.to;
  }
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
