// A small persistent thread pool: run(n, job) calls job(ctx, i) for i = 0..n-1, i = 0 on the calling thread,
// and returns when all are done. Workers spin briefly before sleeping, so back-to-back calls stay cheap.
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
  int size() const { return int(workers_.size()) + 1; }

 private:
  void loop(int index);
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  Job job_ = nullptr;
  void* context_ = nullptr;
  int wanted_ = 0;
  bool stop_ = false;
};

}  // namespace tconv
