#include "threadpool.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#define TCONV_PAUSE() _mm_pause()
#else
#define TCONV_PAUSE() ((void)0)
#endif

namespace tconv {

namespace {
// Pure pausing only for a short moment (a call that follows right away); then spinning yields the core between
// checks, up to a spin time longer than the gap between two layers of a model run (JS ops in between: ~10–100 µs).
constexpr int kPauses = 256;
constexpr auto kSpinTime = std::chrono::microseconds(200);
}  // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::awaitCall(uint64_t seen) const {
  for (int i = 0; i < kPauses; i++) {
    if (generation_.load(std::memory_order_acquire) != seen) return true;
    TCONV_PAUSE();
  }
  const auto until = std::chrono::steady_clock::now() + kSpinTime;
  while (generation_.load(std::memory_order_acquire) == seen) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

void ThreadPool::run(int threads, Job job, void* context) {
  if (threads <= 1) {
    job(context, 0);
    return;
  }
  while (int(workers_.size()) < threads - 1) {
    const int index = int(workers_.size()) + 1;
    workers_.emplace_back([this, index] { loop(index); });
  }
  // The previous call has no worker left inside (active_ was 0 when it returned), so these can be rewritten.
  job_.store(job, std::memory_order_relaxed);
  context_.store(context, std::memory_order_relaxed);
  wanted_.store(threads, std::memory_order_relaxed);
  open_.store(true, std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst) != 0) {
    // Taking the mutex orders this wake-up after a worker's check of generation_ under it: none sleeps through it.
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  job(context, 0);
  // All work is claimed now; a worker that joins after this backs out, joined ones are finishing their last task.
  open_.store(false, std::memory_order_seq_cst);
  for (int i = 0; active_.load(std::memory_order_seq_cst) != 0; i++) {
    if (i < kPauses) TCONV_PAUSE();
    else std::this_thread::yield();
  }
}

void ThreadPool::loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    if (!awaitCall(seen)) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] { return stop_.load() || generation_.load(std::memory_order_seq_cst) != seen; });
      sleeping_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    // Join (Dekker with the caller's close): count in first, then check the call is still open. Either the caller
    // sees this worker in active_ and waits for it, or the worker sees the call closed and backs out.
    active_.fetch_add(1, std::memory_order_seq_cst);
    if (open_.load(std::memory_order_seq_cst) && index < wanted_.load(std::memory_order_relaxed) &&
        generation_.load(std::memory_order_seq_cst) == seen) {
      job_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), index);
    }
    active_.fetch_sub(1, std::memory_order_seq_cst);
  }
}

}  // namespace tconv
