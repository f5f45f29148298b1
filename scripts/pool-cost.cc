// What a parallel call of the native thread pool (kernels/native/src/threadpool.cc) costs: a job of W µs of work in
// 64 tasks taken from a shared counter, run at 1 and 2 threads alternately, with a busy gap between calls standing
// for the JS between two layers. Prints medians per thread count and how often the worker joined at all.
//   g++ -O2 -std=c++17 -pthread -Ikernels/native/src scripts/pool-cost.cc kernels/native/src/threadpool.cc -o /tmp/pool-cost && /tmp/pool-cost
// Add -fsanitize=thread for a race check of the hand-off (the tasks' plain writes must be visible to the caller).
// On a shared host compare the two columns of one row only.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

#include "threadpool.h"

using Clock = std::chrono::steady_clock;

namespace {
struct Call {
  std::atomic<int> next{0};
  double taskUs = 0;
  int out[64] = {};
};
std::atomic<int> joined{0};

void spinFor(double us) {
  const auto until = Clock::now() + std::chrono::nanoseconds(int64_t(us * 1000));
  while (Clock::now() < until) {
  }
}

void job(void* context, int worker) {
  Call& call = *static_cast<Call*>(context);
  if (worker) joined.fetch_add(1);
  for (int task; (task = call.next.fetch_add(1)) < 64;) {
    spinFor(call.taskUs);
    call.out[task] = task + 1;
  }
}
}  // namespace

int main() {
  tconv::ThreadPool pool;
  int missing = 0;
  for (double work : {10.0, 30.0, 100.0, 300.0}) {
    for (int gapUs : {10, 100}) {
      std::vector<double> times[2];
      for (int i = 0; i < 600; i++) {
        for (int threads = 1; threads <= 2; threads++) {
          Call call;
          call.taskUs = work / 64;
          const auto start = Clock::now();
          pool.run(threads, job, &call);
          times[threads - 1].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
          for (int t = 0; t < 64; t++) missing += call.out[t] != t + 1;
          spinFor(gapUs);
        }
      }
      for (auto& t : times) std::sort(t.begin(), t.end());
      std::printf("work %5.0f µs, gap %3d µs: t1 %7.1f µs, t2 %7.1f µs (p90 %7.1f), t2/t1 %.2f; worker joined %d of 600 calls\n", work, gapUs,
                  times[0][300], times[1][300], times[1][540], times[1][300] / times[0][300], joined.exchange(0));
    }
  }
  std::printf("tasks not done when run() returned: %d\n", missing);
  return missing ? 1 : 0;
}
