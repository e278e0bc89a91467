// What a dataset is to the native core: a fixed number of items of a fixed byte size, each
// written by `fill` straight into its place in a batch slot. Implementations must be safe to
// call from several pool threads at once (they are read-only after construction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace tl {

// Which item to produce: its dataset index, and the epoch (seeded augmentation depends on it).
struct ItemRef {
  uint32_t index = 0;
  uint32_t epoch = 0;
};

// Per-thread reusable memory, owned by one pool thread (or the JS thread for direct reads).
struct WorkerScratch {
  std::vector<char> file_buffer;
};

class ItemSource {
 public:
  virtual ~ItemSource() = default;
  virtual size_t length() const = 0;
  virtual size_t item_bytes() const = 0;
  virtual ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const = 0;
  // The path (or other locator) of an item, for error messages.
  virtual std::string describe(size_t index) const = 0;
};

}  // namespace tl
