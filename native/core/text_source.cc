#include "core/text_source.h"

#include <cstring>
#include <utility>

#include "core/counters.h"
#include "core/text_parser.h"

namespace tl {

TextSource::TextSource(std::vector<std::string> paths, size_t item_length, ReadOptions options)
    : paths_(std::move(paths)), item_length_(item_length), options_(options) {
  // A text item of N floats needs at most ~32 bytes a value; anything far larger is not one
  // of ours, and refusing it early bounds the memory a hostile file can make us touch.
  if (options_.max_bytes == UINT64_MAX) options_.max_bytes = 64 * 1024 * 1024 + item_length * 64;
}

ItemStatus TextSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const {
  const size_t index = item.index;
  if (index >= paths_.size()) {
    return ItemStatus::error(Code::kNotFound, "index out of range (length " +
                                                  std::to_string(paths_.size()) + ")");
  }
  FileBytes bytes;
  ItemStatus s = read_whole_file(paths_[index].c_str(), scratch.file_buffer, options_, bytes);
  if (!s.ok()) return s;
  // Slots are 64-byte aligned and item_bytes is a multiple of 4, so dst is float-aligned.
  s = parse_floats(bytes.data(), bytes.size(), reinterpret_cast<float*>(dst), item_length_);
  if (s.ok()) counters().items_read.fetch_add(1, std::memory_order_relaxed);
  return s;
}

std::string TextSource::describe(size_t index) const {
  return index < paths_.size() ? paths_[index] : std::string();
}

}  // namespace tl
