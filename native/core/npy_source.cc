#include "core/npy_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/counters.h"
#include "core/unique_fd.h"

namespace tl {

NpySource::NpySource(std::string path) : path_(std::move(path)) {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    status_ = ItemStatus::error(errno == ENOENT ? Code::kNotFound : Code::kIo, std::string("cannot open: ") + std::strerror(errno));
    return;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    status_ = ItemStatus::error(Code::kNotRegular, "not a regular file");
    return;
  }
  if (st.st_size == 0) {
    status_ = ItemStatus::error(Code::kEmpty, "file is empty");
    return;
  }
  // Rows are read for the dataset's whole life, in any order: one mapping, random access.
  status_ = MappedFile::map(fd.get(), static_cast<size_t>(st.st_size), AccessPattern::kRandom, map_);
  if (!status_.ok()) return;
  status_ = parse_npy_header(map_.data(), map_.size(), header_);
  if (!status_.ok()) return;
  if (header_.shape.empty()) {
    status_ = ItemStatus::error(Code::kFormat, "a 0-d array has no rows");
    return;
  }
  row_bytes_ = header_.item_size;
  for (size_t i = 1; i < header_.shape.size(); ++i) row_bytes_ *= static_cast<size_t>(header_.shape[i]);
}

ItemStatus NpySource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch&) const {
  if (!status_.ok()) return status_;
  if (item.index >= length()) return ItemStatus::error(Code::kNotFound, "row out of range");
  std::memcpy(dst, map_.data() + header_.data_offset + static_cast<size_t>(item.index) * row_bytes_, row_bytes_);
  return {};
}

std::string NpySource::describe(size_t index) const {
  return path_ + "[" + std::to_string(index) + "]";
}

}  // namespace tl
