// A small persistent thread pool: run(n, job) calls job(ctx, i) on the calling thread (i = 0) and on up to n − 1
// workers. Jobs take their work from a shared counter, so the call is complete once the caller's own job(ctx, 0)
// returns and every worker that did join has finished: a worker that has not woken up by then (its core busy
// elsewhere) skips that call instead of making the caller wait for it.
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
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};  // workers inside the current job
  Job job_ = nullptr;
  void* context_ = nullptr;
  int wanted_ = 0;
  bool open_ = false;  // the current call still accepts workers
  bool stop_ = false;
};

}  // namespace tconv
