#include "core/file_list.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/unique_fd.h"
#include "core/worker_scratch.h"

namespace tl {
namespace {

constexpr uint32_t kNoDir = UINT32_MAX;
// A shared directory costs one O_PATH open per batch; below four files of the batch that open
// is spread over too few walks to be worth making, so their paths are walked in full. Four is a
// choice, not a measured break-even.
constexpr size_t kMinFilesPerDir = 4;

}  // namespace

FileList::FileList(std::vector<std::string> paths, ReadOptions options, size_t batch_capacity)
    : paths_(std::move(paths)), options_(options) {
  if (batch_capacity > 0 && options_.io_uring) {
    batch_capacity_ = batch_capacity;
    batch_files_ = std::min(UringReader::kMaxFiles, UringReader::kBufferBytes / batch_capacity_);
    if (batch_files_ < 2) batch_files_ = 0;
    use_uring_ = io_uring_allowed_by_env();
  }
  if (batch_files_ > 0) index_directories();
}

void FileList::index_directories() {
  name_at_.assign(paths_.size(), 0);
  dir_of_.assign(paths_.size(), kNoDir);
  std::unordered_map<std::string_view, uint32_t> ids;
  // Each view points into the path that first named its directory; paths_ is not touched
  // while they are in use, and they become strings in dirs_ at the end.
  std::vector<std::string_view> dirs;
  uint32_t last = kNoDir;
  for (size_t i = 0; i < paths_.size(); ++i) {
    const std::string_view path = paths_[i];
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || path.size() > UINT32_MAX) continue;
    const std::string_view name = path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") continue;  // not a file name: opened as given
    const std::string_view dir = slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
    // Files of one directory usually come one after another.
    if (last == kNoDir || dirs[last] != dir) {
      auto [it, added] = ids.emplace(dir, static_cast<uint32_t>(dirs.size()));
      if (added) dirs.push_back(dir);
      last = it->second;
    }
    name_at_[i] = static_cast<uint32_t>(slash + 1);
    dir_of_[i] = last;
  }
  dirs_.assign(dirs.begin(), dirs.end());
}

ItemStatus FileList::read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const {
  ItemStatus s = read_whole_file(paths_[item.index].c_str(), scratch.file_buffer, options_, scratch.file);
  if (!s.ok()) return s;
  fields[0] = RecordView{scratch.file.data(), scratch.file.size(), false, 0};
  return {};
}

void FileList::share_directories(const ItemRef* items, size_t n, const char** paths, int* dirs,
                                 UniqueFd* opened) const {
  uint32_t dir_ids[UringReader::kMaxFiles];
  for (size_t j = 0; j < n; ++j) {
    const size_t index = items[j].index;
    paths[j] = index < paths_.size() ? paths_[index].c_str() : nullptr;
    dirs[j] = AT_FDCWD;
    dir_ids[j] = index < dir_of_.size() ? dir_of_[index] : kNoDir;
  }
  // Closed when the batch is read, like every descriptor of the plain path: none outlives a
  // claim. A directory that cannot be opened leaves its files' full paths, whose errors (if
  // any) are then the plain path's own.
  size_t opened_count = 0;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t id = dir_ids[j];
    if (id == kNoDir) continue;
    size_t sharing = 0;
    for (size_t k = j; k < n; ++k) sharing += dir_ids[k] == id ? 1 : 0;
    int fd = -1;
    if (sharing >= kMinFilesPerDir) {
      // O_PATH: the directory is only a starting point for the lookups, never read.
      opened[opened_count] = UniqueFd(::open(dirs_[id].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      fd = opened[opened_count].get();
      if (fd >= 0) ++opened_count;
    }
    for (size_t k = j; k < n; ++k) {
      if (dir_ids[k] != id) continue;
      dir_ids[k] = kNoDir;
      if (fd < 0) continue;
      dirs[k] = fd;
      paths[k] += name_at_[items[k].index];
    }
  }
}

void FileList::read_plain(const char* const* paths, const int* dirs, size_t n, WorkerScratch& scratch,
                          RecordView* views) const {
  // Bounded like the ring's buffer: n * batch_capacity_ <= kBufferBytes.
  if (scratch.batch_buffer.size() < n * batch_capacity_) scratch.batch_buffer.resize(UringReader::kBufferBytes);
  for (size_t j = 0; j < n; ++j) {
    views[j] = RecordView{};
    if (paths[j] == nullptr) continue;
    char* buf = scratch.batch_buffer.data() + j * batch_capacity_;
    const size_t got = read_small_file_at(dirs[j], paths[j], buf, batch_capacity_);
    if (got > 0) views[j] = RecordView{buf, got, false, 0};
  }
}

bool FileList::read_many(const ItemRef* items, size_t n, WorkerScratch& scratch, RecordView* views) const {
  if (batch_files_ == 0 || n > batch_files_) return false;
  const char* paths[UringReader::kMaxFiles];
  int dirs[UringReader::kMaxFiles];
  UniqueFd opened[UringReader::kMaxFiles];
  share_directories(items, n, paths, dirs, opened);
  if (use_uring_ && scratch.uring.usable()) {
    UringRead reads[UringReader::kMaxFiles];
    scratch.uring.read(paths, n, batch_capacity_, reads, dirs);
    for (size_t j = 0; j < n; ++j) views[j] = RecordView{reads[j].data, reads[j].size, false, 0};
  } else {
    read_plain(paths, dirs, n, scratch, views);
  }
  for (size_t j = 0; j < n; ++j) {
    // An item over max_bytes takes the plain path too, which refuses it as it always did.
    if (views[j].data == nullptr || views[j].size > options_.max_bytes) views[j] = RecordView{};
  }
  return true;
}

}  // namespace tl
