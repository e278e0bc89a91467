// The loader's machinery without any JS: a source, an arena of slots, one reusable job per
// slot and a thread pool. submit() leases a slot and queues its items; the pool calls
// `notify` once per finished batch, from a pool thread. All other methods are called from
// one owner thread (the JS thread in the addon).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/arena.h"
#include "core/batch_job.h"
#include "core/item_source.h"
#include "core/thread_pool.h"

namespace tl {

struct EngineOptions {
  size_t batch_size = 32;
  size_t slots = 4;
  size_t threads = 0;  // 0: one per available core
  uint64_t max_item_bytes = 0;  // per-item decode cap handed to the source (0: the source's own)
  bool stage_times = true;      // ThreadPool's stage_times
};

class BatchEngine {
 public:
  using Notify = std::function<void(BatchJob*)>;

  BatchEngine(std::shared_ptr<const ItemSource> source, const EngineOptions& options, Notify notify);
  ~BatchEngine();
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  // Empty when the engine is usable, otherwise why not (e.g. the slab could not be allocated).
  const std::string& init_error() const { return init_error_; }

  // Leases a slot and queues the items. Returns nullptr with `error` set when no slot is free,
  // the engine is shut down, n is 0 or over the batch size, or an index is out of range.
  // waited: the pool's idle time before this batch was spent waiting on the consumer
  // (ThreadPool::submit's count_idle).
  BatchJob* submit(const uint32_t* indices, size_t n, uint32_t epoch, ItemStatus* error, bool waited = false);
  // Queues more items into a leased slot whose last job has finished, from row `position` on
  // (to replace items that failed and were compacted away). Same refusals as submit().
  BatchJob* refill(int slot, size_t position, const uint32_t* indices, size_t n, uint32_t epoch, ItemStatus* error);
  // Moves rows keep[i] to row i (keep ascending), closing the gaps left by failed items.
  bool compact(int slot, const uint32_t* keep, size_t n);
  // Returns a slot whose batch was consumed or failed. False if it was not leased.
  bool release(int slot);
  // Stops the pool (running items finish, queued ones never start) and, when free_memory is
  // set, frees the slab. After it returns no pool thread touches a job or the slab.
  void shutdown(bool free_memory);

  // Stage times, items and consumer-wait of the pool since the engine started or the last
  // reset_times() (which only moves the baseline: the threads' counters are never written
  // from outside them).
  PoolTimes times() const;
  void reset_times();

  const Arena& arena() const { return arena_; }
  const ItemSource& source() const { return *source_; }
  size_t batch_size() const { return batch_size_; }
  size_t threads() const { return pool_ != nullptr ? pool_->size() : 0; }
  BatchJob& job(int slot) { return *jobs_[static_cast<size_t>(slot)]; }
  // Where each field's rows start in a slot (one entry for single-field sources).
  const std::vector<FieldPlane>& planes() const { return planes_; }

 private:
  std::shared_ptr<const ItemSource> source_;
  size_t batch_size_;
  uint64_t max_item_bytes_;
  size_t slot_bytes_ = 0;
  std::vector<FieldPlane> planes_;
  Arena arena_;
  std::vector<std::unique_ptr<BatchJob>> jobs_;
  std::unique_ptr<ThreadPool> pool_;
  bool check(const uint32_t* indices, size_t n, size_t room, ItemStatus* error) const;
  BatchJob* queue(int slot, size_t position, const uint32_t* indices, size_t n, uint32_t epoch, ItemStatus* error,
                  bool waited);
  PoolTimes baseline_;

  uint64_t next_id_ = 1;
  std::string init_error_;
};

}  // namespace tl
