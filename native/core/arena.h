// One preallocated, 64-byte-aligned slab cut into equal batch slots. Its size is fixed when
// the loader starts, so the memory a loader can hold is known up front: slots x slot_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tl {

class Arena {
 public:
  static constexpr size_t kAlignment = 64;

  // The slab is allocated here; check ok() (allocation can fail for absurd sizes).
  Arena(size_t slot_bytes, size_t slot_count);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  bool ok() const { return slab_ != nullptr; }
  // Returns a free slot number, or -1 when every slot is leased (the caller applies
  // backpressure; the arena never grows).
  int lease();
  // Returns a leased slot; returning a free slot or an unknown one is refused (false).
  bool give_back(int slot);
  bool is_leased(int slot) const;
  uint8_t* slot_data(int slot) const;

  size_t slot_bytes() const { return slot_bytes_; }    // usable bytes per slot
  size_t slot_stride() const { return slot_stride_; }  // aligned distance between slots
  size_t slot_count() const { return leased_.size(); }
  size_t leased_count() const;
  size_t reserved_bytes() const { return slab_ != nullptr ? slab_bytes_ : 0; }

  // Frees the slab now (the loader is closing); later leases fail. Idempotent.
  void free_memory();

 private:
  size_t slot_bytes_;
  size_t slot_stride_;
  size_t slab_bytes_;
  uint8_t* slab_ = nullptr;
  mutable std::mutex mu_;
  std::vector<bool> leased_;
  std::vector<int> free_;  // stack: the most recently returned slot, still warm in cache, goes out first
  size_t leased_count_ = 0;
};

}  // namespace tl
