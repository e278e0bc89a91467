// A fixed set of native threads that fill the items of queued batches. Jobs run in the order
// they were submitted; the items of one job spread over all threads, so a batch finishes as
// soon as possible and batches still complete roughly in sampler order. A thread claims a run
// of consecutive items when the source asks for it (ItemSource::claim_size), never more than
// its share (count / threads, rounded up) of the job.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/batch_job.h"
#include "core/stage_times.h"

namespace tl {

// What the pool's threads did, summed over them (see core/stage_times.h).
struct PoolTimes {
  uint64_t stage_ns[kStageCount] = {};
  uint64_t items = 0;
  // Wall time the whole pool sat with no job while the owner said it was waiting on its
  // consumer (submit's count_idle): every batch it may fill ahead was done and not yet taken.
  uint64_t idle_ns = 0;
};

class ThreadPool {
 public:
  // stage_times: whether the threads time their claims (PoolTimes::stage_ns); items and idle
  // time are counted either way.
  explicit ThreadPool(size_t threads, bool stage_times = true);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The job must stay alive until its on_complete has run, or until stop() has returned.
  // Returns false after stop(). count_idle: the time since the pool last ran out of jobs was
  // spent waiting on the consumer (it goes into PoolTimes::idle_ns); false at the start of a
  // run, when that time was anything else.
  bool submit(BatchJob* job, bool count_idle = false);
  // Running items (with the rest of a run a thread has claimed) finish; queued items never
  // start; threads are joined. Idempotent. After it returns no pool thread touches any job again.
  void stop();
  size_t size() const { return threads_.size(); }
  // Sums the per-thread figures; safe while the threads run.
  PoolTimes times() const;

 private:
  void run(size_t worker);
  bool take_claim(BatchJob*& job, size_t& first, size_t& n);
  void record_failures(BatchJob* job, size_t first, size_t n, ItemStatus* statuses);
  void finished(BatchJob* job);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BatchJob*> queue_;
  // Written under mu_; also read without it by a thread waiting for work (take_claim).
  std::atomic<bool> stopping_{false};
  size_t workers_ = 1;
  bool stage_times_ = true;  // threads_.size(), readable by the threads while threads_ is being filled
  std::vector<std::thread> threads_;
  std::unique_ptr<StageTimes[]> times_;  // one per thread, each written by its thread only
  // Guarded by mu_ (touched once per batch, not per item).
  size_t unfinished_ = 0;       // submitted jobs whose last item has not finished
  size_t sleeping_ = 0;         // threads waiting on cv_ for a job
  // queue_.size(), readable without mu_ by a thread waiting for work (take_claim).
  std::atomic<size_t> queued_{0};
  static constexpr uint64_t kSpinNs = 100000;
  uint64_t idle_since_ = 0;     // when unfinished_ last fell to 0 (0: never, or counted)
  uint64_t idle_ns_ = 0;
};

}  // namespace tl
