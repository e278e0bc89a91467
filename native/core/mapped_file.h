// A read-only private mapping of a whole file. The descriptor is not kept: once mapped, the
// pages stay reachable through the mapping alone, so N mapped files never hold N descriptors.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"
#include "core/unique_fd.h"

namespace tl {

enum class AccessPattern { kSequential, kRandom, kWillNeed };

// Opens `path` read-only for mapping: a regular, non-empty file (ENOENT, EIO, ENOTREG or EEMPTY
// otherwise); `size` is its length.
ItemStatus open_regular_file(const std::string& path, UniqueFd& fd, size_t& size);

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile() { reset(); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  // Maps `size` bytes of the open descriptor `fd`. The caller still owns (and closes) fd.
  static ItemStatus map(int fd, size_t size, AccessPattern pattern, MappedFile& out);
  // Opens `path`, checks it is a non-empty regular file, maps all of it and closes the
  // descriptor. `what` names the expected kind of file in the directory error.
  static ItemStatus map_path(const std::string& path, const char* what, AccessPattern pattern, MappedFile& out);

  const char* data() const { return static_cast<const char*>(addr_); }
  size_t size() const { return size_; }
  bool mapped() const { return addr_ != nullptr; }
  // Changes the kernel's read-ahead hint for the whole mapping (a hint: failure is ignored).
  void advise(AccessPattern pattern) const;
  void reset();

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tl
