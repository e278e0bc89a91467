// A flat file of tokens (nanoGPT's train.bin: uint16 or uint32, little-endian, no header) read
// as (x, y) windows: x = tokens[o, o + block), y = tokens[o + 1, o + 1 + block). Offsets are
// either seeded random, fixed by (seed, epoch, index) like nanoGPT's torch.randint, or the
// non-overlapping windows o = index * block. The file is mapped once for the dataset's life;
// tokens are widened to int32 or int64 as they are copied into the slot.
#pragma once

#include <cstdint>
#include <string>

#include "core/item_source.h"
#include "core/mapped_file.h"

namespace tl {

struct TokenOptions {
  size_t token_bytes = 2;   // 2 (uint16) or 4 (uint32)
  size_t block = 0;         // tokens per window
  bool random = true;       // seeded random offsets, else non-overlapping windows
  uint32_t seed = 0;
  size_t length = 0;        // windows per epoch with random offsets (0: as many as fit side by side)
  size_t out_bytes = 4;     // 4 (int32) or 8 (int64)
};

class TokenSource final : public ItemSource {
 public:
  TokenSource(std::string path, TokenOptions options);
  const ItemStatus& status() const { return status_; }
  size_t tokens() const { return tokens_; }
  // Offset of window `index` in `epoch` (in tokens).
  size_t offset(uint32_t index, uint32_t epoch) const;

  size_t length() const override { return length_; }
  size_t item_bytes() const override { return 2 * field_bytes(0); }
  size_t field_count() const override { return 2; }
  size_t field_bytes(size_t) const override { return options_.block * options_.out_bytes; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  ItemStatus fill_fields(const ItemRef& item, uint8_t* const* dsts, WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;
  // A row copy per item, timed per claim by the pool.
  Stage rest_stage() const override { return Stage::kCopy; }

 private:
  ItemStatus open();

  std::string path_;
  TokenOptions options_;
  MappedFile map_;
  size_t tokens_ = 0;
  size_t length_ = 0;
  ItemStatus status_;
};

}  // namespace tl
