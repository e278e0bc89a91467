#include "core/file_list.h"

#include <algorithm>
#include <utility>

#include "core/worker_scratch.h"

namespace tl {

FileList::FileList(std::vector<std::string> paths, ReadOptions options, size_t uring_capacity)
    : paths_(std::move(paths)), options_(options) {
  if (uring_capacity > 0 && options_.io_uring && io_uring_allowed_by_env()) {
    uring_capacity_ = uring_capacity;
    uring_files_ = std::min(UringReader::kMaxFiles, UringReader::kBufferBytes / uring_capacity_);
    if (uring_files_ < 2) uring_files_ = 0;
  }
}

ItemStatus FileList::read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const {
  ItemStatus s = read_whole_file(paths_[item.index].c_str(), scratch.file_buffer, options_, scratch.file);
  if (!s.ok()) return s;
  fields[0] = RecordView{scratch.file.data(), scratch.file.size(), false, 0};
  return {};
}

bool FileList::read_many(const ItemRef* items, size_t n, WorkerScratch& scratch, RecordView* views) const {
  if (uring_files_ == 0 || !scratch.uring.usable()) return false;
  const char* paths[UringReader::kMaxFiles];
  UringRead reads[UringReader::kMaxFiles];
  for (size_t j = 0; j < n; ++j) {
    const size_t index = items[j].index;
    paths[j] = index < paths_.size() ? paths_[index].c_str() : nullptr;
  }
  scratch.uring.read(paths, n, uring_capacity_, reads);
  for (size_t j = 0; j < n; ++j) {
    // An item over max_bytes takes the plain path too, which refuses it as it always did.
    const bool read = reads[j].data != nullptr && reads[j].size <= options_.max_bytes;
    views[j] = read ? RecordView{reads[j].data, reads[j].size, false, 0} : RecordView{};
  }
  return true;
}

}  // namespace tl
