#include "core/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "core/sigbus_guard.h"
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

// O_NONBLOCK: a FIFO or a terminal passed as a data file must fail, not hang a pool thread.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;

ssize_t read_retrying(int fd, char* buf, size_t n) {
  ssize_t got = 0;
  do {
    got = ::read(fd, buf, n);
  } while (got < 0 && errno == EINTR);
  return got;
}

}  // namespace

size_t read_small_file_at(int dir, const char* path, char* buf, size_t capacity) {
  UniqueFd fd(::openat(dir, path, kOpenFlags));
  if (!fd.valid()) return 0;
  const ssize_t n = read_retrying(fd.get(), buf, capacity);
  // The rule of read_whole_file's first read: a read shorter than asked is the whole file.
  return n > 0 && static_cast<size_t>(n) < capacity ? static_cast<size_t>(n) : 0;
}

// Small files cost open + read + close: a read shorter than the probe is the whole file (Linux
// returns short reads on regular files only at end of file), so no fstat is needed. A full
// probe, an empty read or an error pays for fstat, to classify the file, read the rest, or map it.
ItemStatus read_whole_file(const char* path, std::vector<char>& buffer, const ReadOptions& options,
                           FileBytes& out) {
  out.reset();
  UniqueFd fd(::open(path, kOpenFlags));
  if (!fd.valid()) return errno_status("cannot open", errno);

  const size_t probe = std::min(options.mmap_threshold, kProbeBytes);
  size_t got = 0;
  if (probe > 0) {
    if (buffer.size() < probe) buffer.resize(probe);
    const ssize_t n = read_retrying(fd.get(), buffer.data(), probe);
    if (n < 0) {
      if (errno == EAGAIN) return ItemStatus::error(Code::kNotRegular, "not a regular file");
      return errno_status("read failed", errno);
    }
    got = static_cast<size_t>(n);
    if (got > 0 && got < probe) {
      if (got > options.max_bytes) return too_large(got, options);
      out.data_ = buffer.data();
      out.size_ = got;
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
  if (size < got) {
    // Cut by another process between the probe and fstat: the probe holds a prefix of what the
    // file was, not a whole file.
    return ItemStatus::error(Code::kShrunk, "file shrank while reading: read " + std::to_string(got) +
                                                " bytes, then it had " + std::to_string(size),
                             static_cast<int64_t>(size));
  }

  if (size >= options.mmap_threshold) {
    MappedFile map;
    ItemStatus s = MappedFile::map(fd.get(), static_cast<size_t>(size), options.pattern, map);
    if (!s.ok()) return s;
    std::unique_ptr<char[]> owned(new (std::nothrow) char[map.size()]);
    if (owned == nullptr) return ItemStatus::error(Code::kIo, "out of memory for a " + std::to_string(size) + "-byte file");
    // Copied under the SIGBUS guard: a page the file no longer has (truncated by another
    // process since fstat) ends the copy instead of the process. See FileBytes.
    if (!guarded_memcpy(owned.get(), map.data(), map.size())) {
      struct stat now {};
      const bool known = ::fstat(fd.get(), &now) == 0;
      return ItemStatus::error(Code::kShrunk,
                               "the file was truncated while it was being read: it had " + std::to_string(size) +
                                   " bytes" + (known ? ", now " + std::to_string(now.st_size) : std::string()),
                               known ? static_cast<int64_t>(now.st_size) : -1);
    }
    out.owned_ = std::move(owned);
    out.data_ = out.owned_.get();
    out.size_ = map.size();
    return {};  // the mapping and the descriptor go here
  }

  // Below the threshold: read the rest after the probe into the reused buffer, which therefore
  // never grows past mmap_threshold.
  if (buffer.size() < size) buffer.resize(static_cast<size_t>(size));
  while (got < size) {
    ssize_t n = ::pread(fd.get(), buffer.data() + got, static_cast<size_t>(size) - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("read failed", errno);
    }
    if (n == 0) {
      return ItemStatus::error(Code::kShrunk, "file shrank while reading: expected " + std::to_string(size) +
                                                  " bytes, got " + std::to_string(got),
                               static_cast<int64_t>(got));
    }
    got += static_cast<size_t>(n);
  }
  out.data_ = buffer.data();
  out.size_ = got;
  return {};
}

}  // namespace tl
