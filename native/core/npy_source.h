// A numpy .npy array, memory-mapped once for the dataset's lifetime (descriptor closed at
// once): item i is row i (the first axis), copied straight from the mapping into its slot.
#pragma once

#include <string>

#include "core/item_source.h"
#include "core/mapped_file.h"
#include "core/npy_header.h"

namespace tl {

class NpySource final : public ItemSource {
 public:
  // Opens, maps and validates; check status() before use.
  explicit NpySource(std::string path);
  const ItemStatus& status() const { return status_; }
  const NpyHeader& header() const { return header_; }

  size_t length() const override { return header_.shape.empty() ? 0 : static_cast<size_t>(header_.shape[0]); }
  size_t item_bytes() const override { return row_bytes_; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;

 private:
  ItemStatus open_mapped();  // the constructor's work; on failure it leaves the mapping for the caller to drop

  std::string path_;
  MappedFile map_;
  NpyHeader header_;
  size_t row_bytes_ = 0;
  ItemStatus status_;
};

}  // namespace tl
