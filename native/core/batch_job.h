// One batch: `count` items of one source, each written to its offset in one slot. Jobs are
// preallocated per slot and reused, so steady-state batches allocate nothing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/item_source.h"
#include "core/status.h"

namespace tl {

// Where one field's rows live in a slot: row r of the field starts at offset + r * row_bytes.
struct FieldPlane {
  size_t offset = 0;
  size_t row_bytes = 0;
};

// The planes of a source's fields for a batch size, each 64-byte aligned, back to back; the
// first starts at 0, so a single-field slot is just rows.
std::vector<FieldPlane> plan_fields(const ItemSource& source, size_t batch_size, size_t* slot_bytes);

struct BatchJob {
  const ItemSource* source = nullptr;
  uint8_t* dst = nullptr;  // row `position` of the first field
  size_t item_bytes = 0;   // row bytes of the first field
  uint8_t* base = nullptr;  // the slot
  size_t position = 0;      // row of the job's first item
  std::vector<FieldPlane> planes;
  size_t count = 0;
  int slot = -1;
  uint32_t epoch = 0;
  uint64_t max_item_bytes = 0;  // ItemRef::max_item_bytes of every item
  uint64_t id = 0;
  std::vector<uint32_t> indices;     // capacity: the loader's batch size
  std::vector<ItemStatus> statuses;  // one per item; only failures are written
  std::atomic<size_t> next{0};       // next item to claim
  std::atomic<size_t> done{0};       // items finished
  std::atomic<size_t> failed{0};
  // Wall time of the fill: from the first claim's start to the last item's end (monotonic ns;
  // 0 until the first claim). What the loader's default prefetch depth is chosen from.
  std::atomic<uint64_t> started_ns{0};
  uint64_t fill_ns = 0;  // written by the last finisher before on_complete
  // Called on the pool thread that finishes the last item. Set once by the owner.
  std::function<void(BatchJob*)> on_complete;

  void reset(size_t n) {
    count = n;
    next.store(0, std::memory_order_relaxed);
    done.store(0, std::memory_order_relaxed);
    failed.store(0, std::memory_order_relaxed);
    started_ns.store(0, std::memory_order_relaxed);
    fill_ns = 0;
    if (statuses.size() < n) statuses.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (!statuses[i].ok()) statuses[i] = ItemStatus();
    }
  }
};

}  // namespace tl
