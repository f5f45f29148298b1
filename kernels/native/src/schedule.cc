#include "schedule.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <vector>

#include "runners.h"
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

// Estimated cycles of work each thread beyond the first must get, else the layer runs on one thread. Overridable
// (TCONV_NATIVE_CYCLES_PER_THREAD) only to calibrate it: scripts/zoo-threads.ts times the zoo's layers at 1 and 2.
double cyclesPerExtraThread() {
  static const double value = [] {
    const char* text = std::getenv("TCONV_NATIVE_CYCLES_PER_THREAD");
    return text ? std::atof(text) : 150000.0;
  }();
  return value;
}

// Threads for one call: at most one per task, and only as many as the layer's estimated work pays for.
int threadsFor(const Prepared& P, int threads) {
  const int byTasks = int(std::min<int64_t>({int64_t(threads), P.tasks, 256}));
  const int byWork = 1 + int(std::min(255.0, P.estimatedCycles / std::max(1.0, cyclesPerExtraThread())));
  return std::max(1, std::min(byTasks, byWork));
}

}  // namespace

void runTasks(const Prepared& P, const float* input, const float* bias, float* output, int threads) {
  const int n = threadsFor(P, threads);
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
