#include "core/arena.h"

#include <cstdlib>
#include <cstring>

#include "core/counters.h"

namespace tl {
namespace {
size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }
}  // namespace

Arena::Arena(size_t slot_bytes, size_t slot_count)
    : slot_bytes_(slot_bytes),
      slot_stride_(slot_bytes > SIZE_MAX - kAlignment ? 0 : round_up(slot_bytes == 0 ? 1 : slot_bytes, kAlignment)),
      slab_bytes_(0),
      leased_(slot_count, false) {
  if (slot_count == 0 || slot_stride_ == 0 || slot_stride_ > SIZE_MAX / slot_count) return;
  slab_bytes_ = slot_stride_ * slot_count;
  slab_ = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, slab_bytes_));
  if (slab_ == nullptr) {
    slab_bytes_ = 0;
    return;
  }
  // Touch every page now so the cost (and the RSS) is paid once, at start, not mid-epoch.
  std::memset(slab_, 0, slab_bytes_);
  free_.reserve(slot_count);
  for (size_t i = slot_count; i > 0; --i) free_.push_back(static_cast<int>(i - 1));
  counters().arena_bytes.fetch_add(static_cast<int64_t>(slab_bytes_), std::memory_order_relaxed);
  counters().arenas_live.fetch_add(1, std::memory_order_relaxed);
}

Arena::~Arena() { free_memory(); }

void Arena::free_memory() {
  std::lock_guard<std::mutex> lock(mu_);
  if (slab_ == nullptr) return;
  std::free(slab_);
  slab_ = nullptr;
  counters().arena_bytes.fetch_sub(static_cast<int64_t>(slab_bytes_), std::memory_order_relaxed);
  counters().arenas_live.fetch_sub(1, std::memory_order_relaxed);
  counters().slots_leased.fetch_sub(static_cast<int64_t>(leased_count_), std::memory_order_relaxed);
  leased_count_ = 0;
  leased_.assign(leased_.size(), false);
  free_.clear();
}

int Arena::lease() {
  std::lock_guard<std::mutex> lock(mu_);
  if (slab_ == nullptr || free_.empty()) return -1;
  int slot = free_.back();
  free_.pop_back();
  leased_[static_cast<size_t>(slot)] = true;
  ++leased_count_;
  counters().slots_leased.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

bool Arena::give_back(int slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (slab_ == nullptr || slot < 0 || static_cast<size_t>(slot) >= leased_.size() ||
      !leased_[static_cast<size_t>(slot)]) {
    return false;
  }
  leased_[static_cast<size_t>(slot)] = false;
  free_.push_back(slot);
  --leased_count_;
  counters().slots_leased.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool Arena::is_leased(int slot) const {
  std::lock_guard<std::mutex> lock(mu_);
  return slot >= 0 && static_cast<size_t>(slot) < leased_.size() && leased_[static_cast<size_t>(slot)];
}

uint8_t* Arena::slot_data(int slot) const {
  if (slab_ == nullptr || slot < 0 || static_cast<size_t>(slot) >= leased_.size()) return nullptr;
  return slab_ + static_cast<size_t>(slot) * slot_stride_;
}

size_t Arena::leased_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leased_count_;
}

}  // namespace tl
