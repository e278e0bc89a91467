// Example 1 of the seed: one small text file of numbers per item, a file list read through
// io_uring batches where it can, each file parsed to float32.
#pragma once

#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/record_source.h"

namespace tl {

class TextSource final : public RecordSource {
 public:
  TextSource(std::vector<std::string> paths, size_t item_length, ReadOptions options = {});
  size_t item_length() const { return item_bytes() / sizeof(float); }
};

}  // namespace tl
