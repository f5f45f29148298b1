#include "threadpool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define TCONV_PAUSE() _mm_pause()
#else
#define TCONV_PAUSE() ((void)0)
#endif

namespace tconv {

namespace {
// A few tens of µs of spinning: longer than the gap between two layers, short enough not to steal a shared core.
constexpr int kSpins = 4000;
}  // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = job;
    context_ = context;
    wanted_ = threads;
    open_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  job(context, 0);
  {
    // All work is claimed now; late workers must not join, joined ones are finishing their last task.
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  for (int i = 0; i < kSpins && active_.load(std::memory_order_acquire) != 0; i++) TCONV_PAUSE();
  if (active_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return active_.load() == 0; });
  }
}

void ThreadPool::loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; i++) TCONV_PAUSE();
    Job job;
    void* context;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      if (stop_) return;
      seen = generation_.load();
      if (!open_ || index >= wanted_) continue;
      job = job_;
      context = context_;
      active_.fetch_add(1);
    }
    job(context, index);
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_all();
    }
  }
}

}  // namespace tconv
