#include "core/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/unique_fd.h"

namespace tl {
namespace {

ItemStatus errno_status(const char* what, int err) {
  Code code = Code::kIo;
  if (err == ENOENT || err == ENOTDIR) code = Code::kNotFound;
  if (err == EISDIR) code = Code::kIsDirectory;
  return ItemStatus::error(code, std::string(what) + ": " + std::strerror(err));
}

}  // namespace

ItemStatus read_whole_file(const char* path, std::vector<char>& buffer, const ReadOptions& options,
                           FileBytes& out) {
  out.reset();
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_status("cannot open", errno);

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_status("cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return ItemStatus::error(Code::kIsDirectory, "is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return ItemStatus::error(Code::kNotRegular, "not a regular file");
  if (st.st_size == 0) return ItemStatus::error(Code::kEmpty, "file is empty");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > options.max_bytes) {
    return ItemStatus::error(Code::kTooLarge, "file is " + std::to_string(size) +
                                                  " bytes, over the limit of " +
                                                  std::to_string(options.max_bytes));
  }

  if (size >= options.mmap_threshold) {
    ItemStatus s = MappedFile::map(fd.get(), static_cast<size_t>(size), options.pattern, out.map_);
    if (!s.ok()) return s;
    out.data_ = out.map_.data();
    out.size_ = out.map_.size();
    return {};  // fd closes here; the mapping stays valid without it
  }

  buffer.resize(static_cast<size_t>(size));
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd.get(), buffer.data() + got, static_cast<size_t>(size) - got,
                        static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("read failed", errno);
    }
    if (n == 0) {
      return ItemStatus::error(Code::kShrunk, "file shrank while reading: expected " +
                                                  std::to_string(size) + " bytes, got " +
                                                  std::to_string(got),
                               static_cast<int64_t>(got));
    }
    got += static_cast<size_t>(n);
  }
  out.data_ = buffer.data();
  out.size_ = got;
  return {};
}

}  // namespace tl
