// Example 1 of the seed: one small text file of numbers per item.
#pragma once

#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/item_source.h"

namespace tl {

class TextSource final : public ItemSource {
 public:
  TextSource(std::vector<std::string> paths, size_t item_length, ReadOptions options = {});

  size_t length() const override { return paths_.size(); }
  size_t item_bytes() const override { return item_length_ * sizeof(float); }
  size_t item_length() const { return item_length_; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  size_t claim_size() const override { return uring_files_ > 1 ? uring_files_ : 1; }
  // Opens, reads and closes up to UringReader::kMaxFiles files with one io_uring_enter; any
  // file that is not simply read there (errors, large files) goes through fill().
  void fill_many(const ItemRef* items, uint8_t* const* dsts, ItemStatus* statuses, size_t n,
                 WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;

 private:
  ItemStatus parse_item(const char* data, size_t size, uint8_t* dst) const;

  std::vector<std::string> paths_;
  size_t item_length_;
  ReadOptions options_;
  size_t uring_capacity_ = 0;  // read buffer per file in a batch
  size_t uring_files_ = 0;     // files per io_uring batch; 0: batching is off
};

}  // namespace tl
