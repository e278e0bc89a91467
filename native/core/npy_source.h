// A numpy .npy array, memory-mapped once for the dataset's lifetime (descriptor closed at
// once): item i is row i (the first axis), copied straight from the mapping into its slot.
#pragma once

#include <memory>
#include <string>

#include "core/npy_header.h"
#include "core/record_source.h"

namespace tl {

class NpyRows;  // the mapped array as a record reader (npy_source.cc)

class NpySource final : public RecordSource {
 public:
  // Opens, maps and validates; check status() before use.
  explicit NpySource(std::string path);
  const ItemStatus& status() const;
  const NpyHeader& header() const;

 private:
  explicit NpySource(std::shared_ptr<const NpyRows> rows);
  const NpyRows* rows_;
};

}  // namespace tl
