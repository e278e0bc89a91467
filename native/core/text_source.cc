#include "core/text_source.h"

#include <algorithm>
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
  constexpr size_t kPage = 4096;
  if (options_.io_uring && io_uring_allowed_by_env() && item_length < UringReader::kBufferBytes / 32) {
    // Room for the ~32 bytes a value above, in whole pages. A file that fills its buffer is
    // read again by fill(), so a low guess costs time, never correctness; items too long for
    // two buffers in the batch memory are not worth batching.
    uring_capacity_ = (item_length * 32 + 256 + kPage - 1) / kPage * kPage;
    uring_files_ = std::min(UringReader::kMaxFiles, UringReader::kBufferBytes / uring_capacity_);
    if (uring_files_ < 2) uring_files_ = 0;
  }
}

ItemStatus TextSource::parse_item(const char* data, size_t size, uint8_t* dst) const {
  // Slots are 64-byte aligned and item_bytes is a multiple of 4, so dst is float-aligned.
  return parse_floats(data, size, reinterpret_cast<float*>(dst), item_length_);
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
  return parse_item(bytes.data(), bytes.size(), dst);
}

void TextSource::fill_many(const ItemRef* items, uint8_t* const* dsts, ItemStatus* statuses, size_t n,
                           WorkerScratch& scratch) const {
  size_t done = 0;
  while (done < n && uring_files_ > 0 && scratch.uring.usable()) {
    const size_t m = std::min(n - done, uring_files_);
    const char* paths[UringReader::kMaxFiles];
    UringRead reads[UringReader::kMaxFiles];
    for (size_t j = 0; j < m; ++j) {
      const size_t index = items[done + j].index;
      paths[j] = index < paths_.size() ? paths_[index].c_str() : nullptr;
    }
    scratch.uring.read(paths, m, uring_capacity_, reads);
    for (size_t j = 0; j < m; ++j) {
      const size_t k = done + j;
      // Whatever the ring did not simply read (and an item over max_bytes) takes the plain
      // path, which produces the status it always did.
      if (reads[j].data != nullptr && reads[j].size <= options_.max_bytes) {
        statuses[k] = parse_item(reads[j].data, reads[j].size, dsts[k]);
      } else {
        statuses[k] = fill(items[k], dsts[k], scratch);
      }
    }
    done += m;
  }
  for (; done < n; ++done) statuses[done] = fill(items[done], dsts[done], scratch);
}

std::string TextSource::describe(size_t index) const {
  return index < paths_.size() ? paths_[index] : std::string();
}

}  // namespace tl
