#include "core/thread_pool.h"

#include "core/counters.h"

namespace tl {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
    counters().pool_threads.fetch_add(1, std::memory_order_relaxed);
  }
}

ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::submit(BatchJob* job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    queue_.push_back(job);
  }
  cv_.notify_all();
  return true;
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
      counters().pool_threads.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

void ThreadPool::run() {
  WorkerScratch scratch;
  while (true) {
    BatchJob* job = nullptr;
    size_t item = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      job = queue_.front();
      item = job->next.fetch_add(1, std::memory_order_relaxed);
      if (item + 1 >= job->count) queue_.pop_front();
    }
    const ItemRef ref{job->indices[item], job->epoch};
    ItemStatus status = job->source->fill(ref, job->dst + item * job->item_bytes, scratch);
    if (!status.ok()) {
      job->statuses[item] = std::move(status);
      job->failed.fetch_add(1, std::memory_order_relaxed);
    }
    if (job->done.fetch_add(1, std::memory_order_acq_rel) + 1 == job->count) job->on_complete(job);
  }
}

}  // namespace tl
