#include "core/batch_engine.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <utility>

namespace tl {

std::vector<FieldPlane> plan_fields(const ItemSource& source, size_t batch_size, size_t* slot_bytes) {
  std::vector<FieldPlane> planes(source.field_count());
  size_t at = 0;
  for (size_t f = 0; f < planes.size(); ++f) {
    at = (at + Arena::kAlignment - 1) / Arena::kAlignment * Arena::kAlignment;
    planes[f] = FieldPlane{at, source.field_bytes(f)};
    at += batch_size * planes[f].row_bytes;
  }
  *slot_bytes = at;
  return planes;
}

BatchEngine::BatchEngine(std::shared_ptr<const ItemSource> source, const EngineOptions& options,
                         Notify notify)
    : source_(std::move(source)),
      batch_size_(options.batch_size),
      max_item_bytes_(options.max_item_bytes),
      planes_(plan_fields(*source_, options.batch_size, &slot_bytes_)),
      arena_(slot_bytes_, options.slots) {
  if (batch_size_ == 0) {
    init_error_ = "batchSize must be at least 1";
    return;
  }
  if (!arena_.ok()) {
    init_error_ = "cannot allocate the batch arena (" + std::to_string(options.slots) + " slots of " +
                  std::to_string(arena_.slot_bytes()) + " bytes)";
    return;
  }
  jobs_.reserve(options.slots);
  for (size_t i = 0; i < options.slots; ++i) {
    auto job = std::make_unique<BatchJob>();
    job->source = source_.get();
    job->planes = planes_;
    job->item_bytes = planes_[0].row_bytes;
    job->slot = static_cast<int>(i);
    job->indices.resize(batch_size_);
    job->statuses.resize(batch_size_);
    job->on_complete = notify;
    jobs_.push_back(std::move(job));
  }
  size_t threads = options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  pool_ = std::make_unique<ThreadPool>(threads, options.stage_times);
}

BatchEngine::~BatchEngine() { shutdown(true); }

bool BatchEngine::check(const uint32_t* indices, size_t n, size_t room, ItemStatus* error) const {
  if (pool_ == nullptr || !arena_.ok()) {
    *error = ItemStatus::error(Code::kClosed, init_error_.empty() ? "the loader is closed" : init_error_);
    return false;
  }
  if (n == 0 || n > room) {
    *error = ItemStatus::error(Code::kInvalidArgument, "a batch holds 1 to " + std::to_string(room) + " more items here, got " + std::to_string(n));
    return false;
  }
  const size_t length = source_->length();
  for (size_t i = 0; i < n; ++i) {
    if (indices[i] >= length) {
      *error = ItemStatus::error(Code::kInvalidArgument, "index " + std::to_string(indices[i]) + " is out of range (length " + std::to_string(length) + ")");
      return false;
    }
  }
  return true;
}

BatchJob* BatchEngine::queue(int slot, size_t position, const uint32_t* indices, size_t n, uint32_t epoch,
                             ItemStatus* error, bool waited) {
  BatchJob& job = *jobs_[static_cast<size_t>(slot)];
  job.reset(n);
  job.id = next_id_++;
  job.epoch = epoch;
  job.max_item_bytes = max_item_bytes_;
  job.base = arena_.slot_data(slot);
  job.position = position;
  job.dst = job.base + position * job.item_bytes;
  std::copy(indices, indices + n, job.indices.begin());
  if (!pool_->submit(&job, waited)) {
    *error = ItemStatus::error(Code::kClosed, "the loader is closed");
    return nullptr;
  }
  return &job;
}

BatchJob* BatchEngine::submit(const uint32_t* indices, size_t n, uint32_t epoch, ItemStatus* error, bool waited) {
  if (!check(indices, n, batch_size_, error)) return nullptr;
  int slot = arena_.lease();
  if (slot < 0) {
    *error = ItemStatus::error(Code::kNoSlot, "no free slot");
    return nullptr;
  }
  BatchJob* job = queue(slot, 0, indices, n, epoch, error, waited);
  if (job == nullptr) arena_.give_back(slot);
  return job;
}

BatchJob* BatchEngine::refill(int slot, size_t position, const uint32_t* indices, size_t n, uint32_t epoch,
                              ItemStatus* error) {
  if (!arena_.is_leased(slot)) {
    *error = ItemStatus::error(Code::kInvalidArgument, "slot " + std::to_string(slot) + " is not leased");
    return nullptr;
  }
  BatchJob& job = *jobs_[static_cast<size_t>(slot)];
  if (job.done.load(std::memory_order_acquire) != job.count) {
    *error = ItemStatus::error(Code::kInvalidArgument, "slot " + std::to_string(slot) + " is still being filled");
    return nullptr;
  }
  if (position > batch_size_) position = batch_size_;
  if (!check(indices, n, batch_size_ - position, error)) return nullptr;
  return queue(slot, position, indices, n, epoch, error, false);
}

bool BatchEngine::compact(int slot, const uint32_t* keep, size_t n) {
  if (!arena_.is_leased(slot) || n > batch_size_) return false;
  uint8_t* base = arena_.slot_data(slot);
  for (size_t i = 0; i < n; ++i) {
    if (keep[i] >= batch_size_ || (i > 0 && keep[i] <= keep[i - 1])) return false;
  }
  for (const FieldPlane& p : jobs_[static_cast<size_t>(slot)]->planes) {
    uint8_t* plane = base + p.offset;
    for (size_t i = 0; i < n; ++i) {
      if (keep[i] != i) std::memmove(plane + i * p.row_bytes, plane + keep[i] * p.row_bytes, p.row_bytes);
    }
  }
  return true;
}

bool BatchEngine::release(int slot) { return arena_.give_back(slot); }

PoolTimes BatchEngine::times() const {
  PoolTimes t;
  if (pool_ == nullptr) return t;
  t = pool_->times();
  for (size_t s = 0; s < kStageCount; ++s) t.stage_ns[s] -= baseline_.stage_ns[s];
  t.items -= baseline_.items;
  t.idle_ns -= baseline_.idle_ns;
  return t;
}

void BatchEngine::reset_times() {
  if (pool_ != nullptr) baseline_ = pool_->times();
}

void BatchEngine::shutdown(bool free_memory) {
  if (pool_ != nullptr) pool_->stop();
  if (free_memory) arena_.free_memory();
}

}  // namespace tl
