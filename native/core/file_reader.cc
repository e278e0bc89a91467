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

ItemStatus too_large(uint64_t size, const ReadOptions& options) {
  return ItemStatus::error(Code::kTooLarge, "file is " + std::to_string(size) + " bytes, over the limit of " +
                                                std::to_string(options.max_bytes));
}

}  // namespace

// Small files cost open + read + close: a read shorter than the buffer is the whole file (Linux
// returns short reads on regular files only at end of file), so no fstat is needed. Only a
// full buffer, an empty read or an error pays for fstat, to classify the file or to map it.
ItemStatus read_whole_file(const char* path, std::vector<char>& buffer, const ReadOptions& options,
                           FileBytes& out) {
  out.reset();
  // O_NONBLOCK: a FIFO or a terminal passed as a data file must fail, not hang a pool thread.
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return errno_status("cannot open", errno);

  const size_t small = options.mmap_threshold;
  ssize_t n = 0;
  if (small > 0) {
    if (buffer.size() < small) buffer.resize(small);  // once per thread; never larger
    do {
      n = ::read(fd.get(), buffer.data(), small);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN) return ItemStatus::error(Code::kNotRegular, "not a regular file");
      return errno_status("read failed", errno);
    }
    if (n > 0 && static_cast<size_t>(n) < small) {
      if (static_cast<uint64_t>(n) > options.max_bytes) return too_large(static_cast<uint64_t>(n), options);
      out.data_ = buffer.data();
      out.size_ = static_cast<size_t>(n);
      return {};
    }
  }

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_status("cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return ItemStatus::error(Code::kIsDirectory, "is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return ItemStatus::error(Code::kNotRegular, "not a regular file");
  if (st.st_size == 0) return ItemStatus::error(Code::kEmpty, "file is empty");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > options.max_bytes) return too_large(size, options);
  if (size < small) {
    // It was empty (n == 0) when read and has grown since: read it on the next pass.
    return ItemStatus::error(Code::kShrunk, "file changed size while being read", 0);
  }
  ItemStatus s = MappedFile::map(fd.get(), static_cast<size_t>(size), options.pattern, out.map_);
  if (!s.ok()) return s;
  out.data_ = out.map_.data();
  out.size_ = out.map_.size();
  return {};  // fd closes here; the mapping stays valid without it
}

}  // namespace tl
