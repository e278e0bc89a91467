#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/counters.h"
#include "core/unique_fd.h"

namespace tl {

ItemStatus open_regular_file(const std::string& path, UniqueFd& fd, size_t& size) {
  fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return ItemStatus::error(errno == ENOENT ? Code::kNotFound : Code::kIo, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return ItemStatus::error(Code::kNotRegular, "not a regular file");
  if (st.st_size == 0) return ItemStatus::error(Code::kEmpty, "file is empty");
  size = static_cast<size_t>(st.st_size);
  return {};
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ItemStatus MappedFile::map(int fd, size_t size, AccessPattern pattern, MappedFile& out) {
  out.reset();
  if (size == 0) return ItemStatus::error(Code::kEmpty, "file is empty");
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) {
    return ItemStatus::error(Code::kIo, std::string("mmap failed: ") + std::strerror(errno));
  }
  out.addr_ = addr;
  out.size_ = size;
  out.advise(pattern);
  counters().live_mappings.fetch_add(1, std::memory_order_relaxed);
  counters().mapped_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  return {};
}

ItemStatus MappedFile::map_path(const std::string& path, const char* what, AccessPattern pattern, MappedFile& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    return ItemStatus::error(errno == ENOENT ? Code::kNotFound : Code::kIo, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ItemStatus::error(Code::kIo, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return ItemStatus::error(Code::kIsDirectory, std::string("is a directory, not ") + what);
  if (!S_ISREG(st.st_mode)) return ItemStatus::error(Code::kNotRegular, "not a regular file");
  if (st.st_size == 0) return ItemStatus::error(Code::kEmpty, "file is empty");
  return map(fd.get(), static_cast<size_t>(st.st_size), pattern, out);
}

void MappedFile::advise(AccessPattern pattern) const {
  if (addr_ == nullptr) return;
  // Advice is a hint; failure changes nothing but speed.
  const int advice = pattern == AccessPattern::kSequential ? MADV_SEQUENTIAL
                     : pattern == AccessPattern::kRandom   ? MADV_RANDOM
                                                           : MADV_WILLNEED;
  (void)::madvise(addr_, size_, advice);
}

void MappedFile::reset() {
  if (addr_ != nullptr) {
    ::munmap(addr_, size_);
    counters().live_mappings.fetch_sub(1, std::memory_order_relaxed);
    counters().mapped_bytes.fetch_sub(static_cast<int64_t>(size_), std::memory_order_relaxed);
    addr_ = nullptr;
    size_ = 0;
  }
}

}  // namespace tl
