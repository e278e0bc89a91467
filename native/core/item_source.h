// What a dataset is to the native core: a fixed number of items of a fixed byte size, each
// written by `fill` straight into its place in a batch slot. Implementations must be safe to
// call from several pool threads at once (they are read-only after construction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/stage_times.h"
#include "core/status.h"

namespace tl {

// Which item to produce: its dataset index, and the epoch (seeded augmentation depends on it).
struct ItemRef {
  uint32_t index = 0;
  uint32_t epoch = 0;
  // The most decode memory this item may use, set by the loader from its memory budget and
  // thread count; 0 when read outside a loader (the source's own cap applies). A source
  // takes the smaller of the two, so a loader can only tighten a dataset's bound.
  uint64_t max_item_bytes = 0;
};

// Per-thread reusable memory (core/worker_scratch.h).
struct WorkerScratch;

// The most items a pool thread claims from a job at once (see ItemSource::claim_size).
constexpr size_t kMaxClaim = 16;

class ItemSource {
 public:
  virtual ~ItemSource() = default;
  virtual size_t length() const = 0;
  virtual size_t item_bytes() const = 0;
  virtual ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const = 0;
  // How many consecutive items of a job a pool thread should claim at once (1 to kMaxClaim).
  // More than one only pays when fill_many shares work between them (one io_uring submission
  // for all their files), and it lets stop() wait for up to that many items, so slow items
  // stay at one.
  virtual size_t claim_size() const { return 1; }
  // Fills n items and writes every statuses[i]. The result must be what n calls of fill give.
  virtual void fill_many(const ItemRef* items, uint8_t* const* dsts, ItemStatus* statuses, size_t n,
                         WorkerScratch& scratch) const {
    for (size_t i = 0; i < n; ++i) statuses[i] = fill(items[i], dsts[i], scratch);
  }
  // The path (or other locator) of an item, for error messages.
  virtual std::string describe(size_t index) const = 0;
  // The stage a timed claim's time goes to when the source's own timers did not take it
  // (core/stage_times.h): sources whose whole item is one cheap copy time nothing per item and
  // name that stage here; kNone drops the rest (claim bookkeeping).
  virtual Stage rest_stage() const { return Stage::kNone; }

  // Sources with several fields per item (an image and its label, x and y) write each field
  // into its own plane of the slot, so every field reaches JS as one contiguous typed array.
  // Single-field sources keep the defaults: one field of item_bytes(), filled by fill().
  virtual size_t field_count() const { return 1; }
  virtual size_t field_bytes(size_t /*field*/) const { return item_bytes(); }
  // dsts[f] is where field f of this item goes. Called only when field_count() > 1.
  virtual ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const {
    return fill(item, dsts[0], scratch);
  }
};

}  // namespace tl
