#include "core/thread_pool.h"

#include <sched.h>

#include <algorithm>

#include "core/counters.h"
#include "core/worker_scratch.h"

namespace tl {

ThreadPool::ThreadPool(size_t threads, bool stage_times) : stage_times_(stage_times) {
  if (threads == 0) threads = 1;
  workers_ = threads;
  times_ = std::make_unique<StageTimes[]>(threads);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] { run(i); });
    counters().pool_threads.fetch_add(1, std::memory_order_relaxed);
  }
}

ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::submit(BatchJob* job, bool count_idle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    queue_.push_back(job);
    queued_.store(queue_.size(), std::memory_order_relaxed);
    if (unfinished_++ == 0 && idle_since_ != 0) {
      if (count_idle) idle_ns_ += monotonic_ns() - idle_since_;
      idle_since_ = 0;
    }
    if (sleeping_ == 0) return true;  // every thread is awake and will see the job
  }
  // One thread, not all: waking a sleeping thread costs the waker a system call and an
  // inter-processor interrupt, and the submitter is the JS thread. The woken thread wakes the
  // next one if it leaves work behind (take_claim), so the wake-ups of a batch spread over it.
  cv_.notify_one();
  return true;
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_.store(0, std::memory_order_relaxed);
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
      counters().pool_threads.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

PoolTimes ThreadPool::times() const {
  PoolTimes t;
  for (size_t w = 0; w < workers_; ++w) {
    for (size_t s = 0; s < kStageCount; ++s) t.stage_ns[s] += times_[w].ns[s].load(std::memory_order_relaxed);
    t.items += times_[w].items.load(std::memory_order_relaxed);
  }
  std::lock_guard<std::mutex> lock(mu_);
  t.idle_ns = idle_ns_;
  return t;
}

// The last item of `job` is done: the pool may now be out of work.
void ThreadPool::finished(BatchJob* job) {
  const uint64_t started = job->started_ns.load(std::memory_order_relaxed);
  job->fill_ns = started != 0 ? monotonic_ns() - started : 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unfinished_ > 0 && --unfinished_ == 0) idle_since_ = monotonic_ns();
  }
  job->on_complete(job);
}

namespace {

// A timed claim costs a few clock reads (two per stage step, tens of nanoseconds each). Items
// of kSlowItemNs or more (an image) are timed every one, which costs about 1% of them at most;
// claims of quicker items are timed one in about kTimedShareNs / (the claim's time), at most one
// in kMaxSkip + 1, keeping the clock well under 1% there too (bench/telemetry-overhead.ts).
constexpr uint64_t kSlowItemNs = 20000;
constexpr uint64_t kTimedShareNs = 400000;
constexpr uint64_t kMaxSkip = 64;

// Adds one timed claim of n items, standing for `represented` items (itself and the untimed
// claims since the last timed one), to the thread's totals.
void charge(StageTimes& totals, const StageTimes& claim, uint64_t elapsed, Stage rest, uint64_t represented, uint64_t n) {
  uint64_t ns[kStageCount];
  uint64_t attributed = 0;
  for (size_t s = 0; s < kStageCount; ++s) {
    ns[s] = claim.ns[s].load(std::memory_order_relaxed);
    attributed += ns[s];
  }
  if (rest != Stage::kNone && elapsed > attributed) ns[static_cast<size_t>(rest)] += elapsed - attributed;
  for (size_t s = 0; s < kStageCount; ++s) {
    if (ns[s] != 0) StageTimes::bump(totals.ns[s], n == represented ? ns[s] : ns[s] * represented / n);
  }
}

}  // namespace

// Takes the next claim: items [first, first + n) of `job`; n == 0 when the job at the head was
// empty. False when the pool is stopping.
bool ThreadPool::take_claim(BatchJob*& job, size_t& first, size_t& n) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!stopping_ && queue_.empty()) {
    // Out of work: wait a little for the next job before sleeping. When batches are quick to
    // fill, the next submit comes within microseconds, and a thread that is awake costs the
    // submitter (the JS thread) nothing, while waking a sleeping one costs it a futex call and,
    // in a VM, an inter-processor interrupt: for tiny items the largest part of a batch's fixed
    // cost (bench/micro.ts, "batch of 32 tiny items"). sched_yield leaves the core to any thread
    // that has work, so the wait takes no time from the JS thread; it is bounded by kSpinNs
    // per idle spell, so a pool waiting on a slow consumer costs at most that per batch.
    lock.unlock();
    const uint64_t until = monotonic_ns() + kSpinNs;
    while (queued_.load(std::memory_order_relaxed) == 0 && !stopping_.load(std::memory_order_relaxed) &&
           monotonic_ns() < until) {
      sched_yield();
    }
    lock.lock();
  }
  if (!stopping_ && queue_.empty()) {
    ++sleeping_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --sleeping_;
  }
  if (stopping_) return false;
  job = queue_.front();
  // `next` only moves under mu_, so what is left cannot change between here and fetch_add.
  // A claim is at most one thread's share of the whole job, so every thread gets part of
  // a batch; the share of the job, not of what is left, keeps claims (and so io_uring
  // batches) full-sized to the end: 32 items on 2 threads are 16 + 16, not 16 + 8 + 4 ...
  const size_t left = job->count - std::min(job->next.load(std::memory_order_relaxed), job->count);
  const size_t share = (job->count + workers_ - 1) / workers_;
  n = std::min({std::max<size_t>(job->source->claim_size(), 1), kMaxClaim, share, left});
  if (n == 0) {  // an empty job: nothing to run, and nobody will complete it
    queue_.pop_front();
    queued_.store(queue_.size(), std::memory_order_relaxed);
    if (unfinished_ > 0 && --unfinished_ == 0) idle_since_ = monotonic_ns();
    return true;
  }
  first = job->next.fetch_add(n, std::memory_order_relaxed);
  if (first + n >= job->count) queue_.pop_front();
  queued_.store(queue_.size(), std::memory_order_relaxed);
  // Work is left for another thread: wake one (see submit).
  const bool wake = !queue_.empty() && sleeping_ > 0;
  lock.unlock();
  if (wake) cv_.notify_one();
  return true;
}

// Keeps the failed items' statuses in the job and counts the claim's items.
void ThreadPool::record_failures(BatchJob* job, size_t first, size_t n, ItemStatus* statuses) {
  size_t failed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!statuses[i].ok()) {
      job->statuses[first + i] = std::move(statuses[i]);
      ++failed;
    }
  }
  if (failed > 0) job->failed.fetch_add(failed, std::memory_order_relaxed);
  // Counted per claim, not per item: one shared cache line touched per claim.
  if (n > failed) counters().items_read.fetch_add(static_cast<int64_t>(n - failed), std::memory_order_relaxed);
}

void ThreadPool::run(size_t worker) {
  StageTimes& times = times_[worker];
  StageTimes claim;       // the stage times of the claim being timed
  uint64_t skip = 0;      // claims to run untimed before the next timed one
  uint64_t untimed = 0;   // items run untimed since the last timed claim
  WorkerScratch scratch;
  ItemRef refs[kMaxClaim];
  uint8_t* dsts[kMaxClaim];
  ItemStatus statuses[kMaxClaim];
  std::vector<uint8_t*> field_dsts;
  while (true) {
    BatchJob* job = nullptr;
    size_t first = 0;
    size_t n = 0;
    if (!take_claim(job, first, n)) break;
    if (n == 0) continue;
    if (first == 0) job->started_ns.store(monotonic_ns(), std::memory_order_relaxed);
    // The first claim of every batch is timed whatever the sampling says, so even a short run
    // (a few small batches of tiny items) has stage times to report.
    const bool timed = stage_times_ && (skip == 0 || first == 0);
    uint64_t started = 0;
    if (timed) {
      for (auto& a : claim.ns) a.store(0, std::memory_order_relaxed);
      t_stage_times = &claim;
      started = monotonic_ns();
    } else if (skip > 0) {
      --skip;
    }
    for (size_t i = 0; i < n; ++i) {
      refs[i] = ItemRef{job->indices[first + i], job->epoch, job->max_item_bytes};
      dsts[i] = job->dst + (first + i) * job->item_bytes;
    }
    if (job->planes.size() <= 1) {
      job->source->fill_many(refs, dsts, statuses, n, scratch);
    } else {
      field_dsts.resize(job->planes.size());
      for (size_t i = 0; i < n; ++i) {
        const size_t row = job->position + first + i;
        for (size_t f = 0; f < job->planes.size(); ++f) {
          field_dsts[f] = job->base + job->planes[f].offset + row * job->planes[f].row_bytes;
        }
        statuses[i] = job->source->fill_fields(refs[i], field_dsts.data(), scratch);
      }
    }
    if (timed) {
      const uint64_t elapsed = monotonic_ns() - started;
      t_stage_times = nullptr;
      charge(times, claim, elapsed, job->source->rest_stage(), untimed + n, n);
      untimed = 0;
      skip = elapsed >= kSlowItemNs * n ? 0 : std::min(kMaxSkip, kTimedShareNs / std::max<uint64_t>(elapsed, 1));
    } else {
      untimed += n;
    }
    record_failures(job, first, n, statuses);
    StageTimes::bump(times.items, n);
    // Touching the job after this is the last finisher's right only: its owner may reuse it.
    if (job->done.fetch_add(n, std::memory_order_acq_rel) + n == job->count) finished(job);
  }
}

}  // namespace tl
