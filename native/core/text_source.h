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
  std::string describe(size_t index) const override;

 private:
  std::vector<std::string> paths_;
  size_t item_length_;
  ReadOptions options_;
};

}  // namespace tl
