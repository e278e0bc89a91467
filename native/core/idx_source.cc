#include "core/idx_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/sigbus_guard.h"
#include "core/unique_fd.h"

namespace tl {
namespace {

constexpr size_t kChunk = size_t{1} << 20;
constexpr size_t kMaxDims = 8;

ItemStatus sys_error(const std::string& what, int err) {
  return ItemStatus::error(err == ENOENT ? Code::kNotFound : Code::kIo, what + ": " + std::strerror(err));
}

// Every byte of `n` to `fd`, or the errno that stopped it.
int write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

// Publishes `bytes` as `path`: written to a unique temporary name beside it, synced, renamed
// over it. A reader sees the old file, no file, or the whole new one; never a part.
ItemStatus write_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  static std::atomic<uint64_t> serial{0};
  const std::string temp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(serial.fetch_add(1));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return sys_error("cannot create the cache file " + temp, errno);
  int err = write_all(fd.get(), bytes.data(), bytes.size());
  if (err == 0 && ::fdatasync(fd.get()) != 0) err = errno;
  fd.reset();
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return sys_error("cannot write the cache file " + path, err);
  }
  return {};
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

IdxSource::IdxSource(std::string path, IdxOptions options) : path_(std::move(path)) {
  status_ = open(options);
  if (!status_.ok()) {
    map_.reset();
    memory_ = {};
    base_ = nullptr;
    dims_.clear();
  }
}

ItemStatus IdxSource::parse_header(const uint8_t* head, size_t available, uint64_t file_size, uint64_t max_bytes) {
  if (available < 4 || head[0] != 0 || head[1] != 0) return ItemStatus::error(Code::kFormat, "not an IDX file (bad magic)");
  if (head[2] != 0x08) {
    return ItemStatus::error(Code::kFormat, "IDX element type 0x" + std::to_string(head[2]) + " is not supported (only 0x08, unsigned bytes)");
  }
  const size_t ndim = head[3];
  if (ndim == 0 || ndim > kMaxDims) return ItemStatus::error(Code::kFormat, "IDX files need 1 to 8 dimensions, this one says " + std::to_string(ndim));
  data_offset_ = 4 + 4 * ndim;
  if (available < data_offset_) return ItemStatus::error(Code::kShrunk, "the file ends inside its IDX header", static_cast<int64_t>(available));
  uint64_t total = 1;
  dims_.clear();
  for (size_t d = 0; d < ndim; ++d) {
    const uint8_t* p = head + 4 + 4 * d;
    const uint64_t v = uint64_t{p[0]} << 24 | uint64_t{p[1]} << 16 | uint64_t{p[2]} << 8 | uint64_t{p[3]};
    dims_.push_back(v);
    // Each factor is < 2^32, so checking against the limit after every product cannot overflow.
    total *= v;
    if (total > max_bytes) {
      return ItemStatus::error(Code::kTooLarge, "the IDX header declares more than the " + std::to_string(max_bytes) + "-byte limit (maxBytes)");
    }
  }
  row_bytes_ = static_cast<size_t>(total / std::max<uint64_t>(dims_[0], 1));
  if (dims_[0] == 0) row_bytes_ = 0;
  const uint64_t want = data_offset_ + total;
  if (file_size < want) {
    return ItemStatus::error(Code::kShrunk, "the IDX data is cut short: the header declares " + std::to_string(want) + " bytes, there are " + std::to_string(file_size), static_cast<int64_t>(file_size));
  }
  if (file_size > want) {
    return ItemStatus::error(Code::kCount, "the IDX file holds " + std::to_string(file_size - want) + " bytes past what its header declares", static_cast<int64_t>(want));
  }
  return {};
}

ItemStatus IdxSource::open(const IdxOptions& options) {
  UniqueFd fd;
  size_t file_size = 0;
  ItemStatus opened = open_regular_file(path_, fd, file_size);
  if (!opened.ok()) return opened;
  uint8_t magic[2] = {};
  if (::pread(fd.get(), magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gzipped_ = true;
    return inflate(fd.get(), options);
  }
  return map_array(fd.get(), file_size, options.max_bytes, "the file was truncated while it was being opened");
}

ItemStatus IdxSource::map_array(int fd, size_t size, uint64_t max_bytes, const char* truncated) {
  ItemStatus s = MappedFile::map(fd, size, AccessPattern::kRandom, map_);
  if (!s.ok()) return s;
  uint8_t head[4 + 4 * kMaxDims] = {};
  const size_t n = std::min(map_.size(), sizeof head);
  if (!guarded_memcpy(head, map_.data(), n)) return ItemStatus::error(Code::kShrunk, truncated);
  base_ = reinterpret_cast<const uint8_t*>(map_.data());
  return parse_header(head, n, map_.size(), max_bytes);
}

// The cache is named for the source's name, size and modification time: a changed .gz is
// inflated again instead of read stale.
ItemStatus IdxSource::open_cache(const IdxOptions& options, const struct stat& st, bool& served) {
  served = false;
  std::string name = base_name(path_);
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  cache_path_ = options.cache_dir + "/" + name + "." + std::to_string(st.st_size) + "-" +
                std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec) + ".idx";
  UniqueFd cached(::open(cache_path_.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat cs {};
  if (!cached.valid() || ::fstat(cached.get(), &cs) != 0 || !S_ISREG(cs.st_mode) || cs.st_size <= 0) return {};
  ItemStatus h = map_array(cached.get(), static_cast<size_t>(cs.st_size), options.max_bytes,
                           "the cache file was truncated while it was being opened");
  if (h.ok() || h.code == Code::kIo || h.code == Code::kShrunk) {
    served = h.ok();
    return h;
  }
  // A cache that does not parse (replaced by hand) is made again.
  map_.reset();
  base_ = nullptr;
  return {};
}

ItemStatus IdxSource::inflate_stream(int fd, uint64_t max_bytes, std::vector<uint8_t>& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return ItemStatus::error(Code::kIo, "zlib failed to initialise");
  struct Ender {
    z_stream* z;
    ~Ender() { inflateEnd(z); }
  } ender{&z};
  std::vector<uint8_t> in(kChunk);
  uint64_t limit = 4 + 4 * kMaxDims;  // until the header is known: just enough for it
  bool header_known = false;
  bool ended = false;
  off_t at = 0;
  while (!ended) {
    const ssize_t got = ::pread(fd, in.data(), in.size(), at);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return sys_error("cannot read", errno);
    if (got == 0) break;
    at += got;
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(got);
    while (z.avail_in > 0 && !ended) {
      const size_t before = out.size();
      const size_t room = before >= limit ? 0 : static_cast<size_t>(std::min<uint64_t>(limit - before, kChunk));
      if (room == 0) {
        return ItemStatus::error(Code::kCount, "the gzip stream inflates past the size its IDX header declares", static_cast<int64_t>(at));
      }
      out.resize(before + room);
      z.next_out = out.data() + before;
      z.avail_out = static_cast<uInt>(room);
      const int r = ::inflate(&z, Z_NO_FLUSH);
      out.resize(before + room - z.avail_out);
      if (r == Z_STREAM_END) ended = true;
      else if (r != Z_OK && r != Z_BUF_ERROR) {
        return ItemStatus::error(Code::kDecode, std::string("corrupt gzip data: ") + (z.msg ? z.msg : "inflate failed"), static_cast<int64_t>(at - z.avail_in));
      }
      if (!header_known && out.size() >= 4) {
        const size_t need = 4 + 4 * std::min<size_t>(out[3], kMaxDims);
        if (out.size() >= need || ended) {
          // Sizes the rest from the header: refused now if past the limit, so a small .gz
          // cannot make us allocate more than maxBytes.
          ItemStatus h = parse_header(out.data(), out.size(), UINT64_MAX, max_bytes);
          if (h.code != Code::kCount && !h.ok()) return h;
          uint64_t total = 1;
          for (uint64_t d : dims_) total *= d;
          limit = data_offset_ + total;
          // What inflated with the header may already pass a tiny declared size: refused here,
          // or the room left (limit - size) would wrap and the stream inflate unbounded.
          if (out.size() > limit) {
            return ItemStatus::error(Code::kCount, "the gzip stream inflates past the size its IDX header declares", static_cast<int64_t>(at));
          }
          out.reserve(static_cast<size_t>(limit));
          header_known = true;
        }
      }
    }
  }
  if (!ended) return ItemStatus::error(Code::kShrunk, "the gzip stream is cut short", static_cast<int64_t>(at));
  if (z.avail_in > 0 || ::pread(fd, in.data(), 1, at) > 0) {
    return ItemStatus::error(Code::kCount, "bytes follow the end of the gzip stream", static_cast<int64_t>(at - z.avail_in));
  }
  return parse_header(out.data(), out.size(), out.size(), max_bytes);
}

ItemStatus IdxSource::inflate(int fd, const IdxOptions& options) {
  struct stat st {};
  (void)::fstat(fd, &st);
  if (!options.cache_dir.empty()) {
    bool served = false;
    ItemStatus c = open_cache(options, st, served);
    if (!c.ok() || served) return c;
  }
  std::vector<uint8_t> out;
  ItemStatus h = inflate_stream(fd, options.max_bytes, out);
  if (!h.ok()) return h;
  if (cache_path_.empty()) {
    memory_ = std::move(out);
    base_ = memory_.data();
    return {};
  }
  ItemStatus w = write_atomically(cache_path_, out);
  if (!w.ok()) return w;
  const size_t bytes = out.size();
  out = {};
  UniqueFd cached(::open(cache_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!cached.valid()) return sys_error("cannot open the cache file " + cache_path_, errno);
  ItemStatus s = MappedFile::map(cached.get(), bytes, AccessPattern::kRandom, map_);
  if (!s.ok()) return s;
  base_ = reinterpret_cast<const uint8_t*>(map_.data());
  return {};
}

ItemStatus IdxSource::fill(const ItemRef& item, uint8_t* dst, WorkerScratch&) const {
  if (!status_.ok()) return status_;
  if (item.index >= length()) return ItemStatus::error(Code::kNotFound, "row out of range");
  const size_t offset = data_offset_ + static_cast<size_t>(item.index) * row_bytes_;
  if (!guarded_memcpy(dst, base_ + offset, row_bytes_)) {
    return ItemStatus::error(Code::kShrunk, "the file was truncated while mapped (row " + std::to_string(item.index) + ")", static_cast<int64_t>(offset));
  }
  return {};
}

std::string IdxSource::describe(size_t index) const {
  return path_ + "[" + std::to_string(index) + "]";
}

}  // namespace tl
