// A small persistent thread pool: run(n, job) calls job(ctx, i) on the calling thread (i = 0) and on up to n − 1
// workers. Jobs take their work from a shared counter, so the call is complete once the caller's own job(ctx, 0)
// returns and every worker that did join has finished: a worker that has not woken up by then (its core busy
// elsewhere) skips that call instead of making the caller wait for it.
// The hand-off is lock-free (atomics only); the mutex and condition variable serve only a worker that has gone to
// sleep after spinning. Waiting threads yield while they spin: on a 2-core host shared with other processes a woken
// worker often lands on the caller's own core, and a worker spinning there without yielding kept the caller off it
// (a do-nothing parallel call took a median ~100 µs that way, scripts/pool-cost.cc).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tconv {

class ThreadPool {
 public:
  typedef void (*Job)(void* context, int worker);
  ~ThreadPool();
  void run(int threads, Job job, void* context);

 private:
  void loop(int index);
  // Spins (pausing, then yielding) until `generation_` differs from `seen`; false once the spin time is over.
  bool awaitCall(uint64_t seen) const;
  std::vector<std::thread> workers_;
  std::mutex mutex_;  // only for sleeping and waking workers
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};  // bumped when a call opens
  std::atomic<bool> open_{false};        // the current call still accepts workers
  std::atomic<int> active_{0};           // workers inside (or joining) the current call
  std::atomic<int> sleeping_{0};         // workers blocked on wake_
  std::atomic<Job> job_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<int> wanted_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace tconv
