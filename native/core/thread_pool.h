// A fixed set of native threads that fill the items of queued batches. Jobs run in the order
// they were submitted; the items of one job spread over all threads, so a batch finishes as
// soon as possible and batches still complete roughly in sampler order. A thread claims a run
// of consecutive items when the source asks for it (ItemSource::claim_size), never more than
// its share (count / threads, rounded up) of the job.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/batch_job.h"

namespace tl {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The job must stay alive until its on_complete has run, or until stop() has returned.
  // Returns false after stop().
  bool submit(BatchJob* job);
  // Running items (with the rest of a run a thread has claimed) finish; queued items never
  // start; threads are joined. Idempotent. After it returns no pool thread touches any job again.
  void stop();
  size_t size() const { return threads_.size(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BatchJob*> queue_;
  bool stopping_ = false;
  size_t workers_ = 1;  // threads_.size(), readable by the threads while threads_ is being filled
  std::vector<std::thread> threads_;
};

}  // namespace tl
