#include "core/pack_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/crc32c.h"
#include "core/file_reader.h"

namespace tl {
namespace {

ItemStatus sys_error(const std::string& what, int err) {
  Code code = Code::kIo;
  if (err == ENOENT || err == ENOTDIR) code = Code::kNotFound;
  return ItemStatus::error(code, what + ": " + std::strerror(err));
}

ItemStatus fsync_dir(const std::string& directory) {
  UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return sys_error("cannot open directory " + directory, errno);
  if (::fsync(dir.get()) != 0 && errno != EINVAL) return sys_error("cannot fsync directory " + directory, errno);
  return {};
}

std::atomic<uint64_t> g_temp_counter{0};

}  // namespace

ItemStatus PackWriter::create(const std::string& directory, std::vector<PackedField> fields, std::string meta,
                              std::unique_ptr<PackWriter>& out) {
  out.reset();
  if (fields.empty() || fields.size() > kPackedMaxFields) {
    return ItemStatus::error(Code::kFormat, "a packed file holds 1 to " + std::to_string(kPackedMaxFields) + " fields");
  }
  if (meta.size() > kPackedMaxMeta) return ItemStatus::error(Code::kTooLarge, "meta is over 16 MiB");
  for (const PackedField& f : fields) {
    if (f.name.empty() || f.name.size() > kPackedMaxName) {
      return ItemStatus::error(Code::kFormat, "field names are 1 to 47 bytes: '" + f.name + "'");
    }
    if (f.shape.size() > kPackedMaxDims) return ItemStatus::error(Code::kFormat, "field '" + f.name + "' has over 8 dimensions");
  }
  std::unique_ptr<PackWriter> w(new PackWriter());
  w->directory_ = directory;
  w->header_.fields = std::move(fields);
  w->header_.meta = std::move(meta);
  // O_TMPFILE: the inode has no name until publish(), so a crash leaves nothing behind.
  int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    w->temp_path_ = directory + "/.tensorloader-pack-" + std::to_string(::getpid()) + "-" +
                    std::to_string(g_temp_counter.fetch_add(1)) + ".tmp";
    fd = ::open(w->temp_path_.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
  }
  if (fd < 0) return sys_error("cannot create a file in " + directory, errno);
  w->fd_ = UniqueFd(fd);
  const std::vector<char> header = encode_packed_header(w->header_);
  ItemStatus s = w->write_at(0, header.data(), header.size());
  if (!s.ok()) return s;
  w->end_ = header.size();
  out = std::move(w);
  return {};
}

PackWriter::~PackWriter() {
  if (!published_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

ItemStatus PackWriter::write_at(uint64_t offset, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_.get(), p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return sys_error("cannot write the packed file", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return {};
}

ItemStatus PackWriter::pad_to_page() {
  const uint64_t next = round_up_page(end_);
  if (next > end_) {
    static const char zeros[kPackedPage] = {};
    ItemStatus s = write_at(end_, zeros, static_cast<size_t>(next - end_));
    if (!s.ok()) return s;
    end_ = next;
  }
  return {};
}

ItemStatus PackWriter::write_group(size_t n, const std::vector<GroupColumn>& columns) {
  const size_t nf = header_.fields.size();
  if (committed_) return ItemStatus::error(Code::kCancelled, "the shard is already committed");
  if (columns.size() != nf) return ItemStatus::error(Code::kCount, "one column per field is needed");
  const uint64_t end_before = end_;
  if (records_ + n > UINT32_MAX) return ItemStatus::error(Code::kTooLarge, "a shard holds at most 2^32-1 records");
  const size_t base = index_.size();
  index_.resize(base + n * nf * kPackedIndexEntryBytes);
  auto entry = [&](size_t i, size_t f, uint64_t offset, uint32_t length, uint32_t crc) {
    char* p = index_.data() + base + (i * nf + f) * kPackedIndexEntryBytes;
    std::memcpy(p, &offset, 8);
    std::memcpy(p + 8, &length, 4);
    std::memcpy(p + 12, &crc, 4);
  };
  ItemStatus s;
  for (size_t f = 0; f < nf; ++f) {
    const PackedField& fd = header_.fields[f];
    s = pad_to_page();
    if (!s.ok()) break;
    if (fd.encoding == PackedEncoding::kRaw) {
      const size_t rb = static_cast<size_t>(fd.row_bytes);
      const uint8_t* col = columns[f].data;
      if (col == nullptr || columns[f].bytes != n * rb) {
        s = ItemStatus::error(Code::kCount, "field '" + fd.name + "' needs " + std::to_string(n * rb) + " bytes for " +
                                                std::to_string(n) + " records, got " + std::to_string(columns[f].bytes));
        break;
      }
      s = write_at(end_, col, n * rb);
      if (!s.ok()) break;
      for (size_t i = 0; i < n; ++i) {
        entry(i, f, end_ + i * rb, static_cast<uint32_t>(rb), crc32c(0, col + i * rb, rb));
      }
      end_ += n * rb;
      continue;
    }
    const std::vector<std::string>& files = columns[f].files;
    if (files.size() != n) {
      s = ItemStatus::error(Code::kCount, "field '" + fd.name + "' needs one file per record");
      break;
    }
    ReadOptions ro;
    ro.max_bytes = kPackedMaxEncoded;
    for (size_t i = 0; i < n && s.ok(); ++i) {
      FileBytes bytes;
      s = read_whole_file(files[i].c_str(), file_buffer_, ro, bytes);
      if (!s.ok()) {
        s.message = files[i] + ": " + s.message;
        break;
      }
      s = write_at(end_, bytes.data(), bytes.size());
      if (!s.ok()) break;
      entry(i, f, end_, static_cast<uint32_t>(bytes.size()), crc32c(0, bytes.data(), bytes.size()));
      end_ += bytes.size();
    }
    if (!s.ok()) break;
  }
  if (!s.ok()) {
    // The group is not recorded; its bytes are overwritten by the next group.
    index_.resize(base);
    end_ = end_before;
    return s;
  }
  for (size_t i = 0; i < n * nf; ++i) {
    content_crc_ = crc32c(content_crc_, index_.data() + base + i * kPackedIndexEntryBytes + 12, 4);
  }
  records_ += n;
  return {};
}

ItemStatus PackWriter::commit(uint64_t set_id, uint64_t first_record, uint64_t total_records, uint32_t shard_number,
                              uint32_t shard_count) {
  if (committed_) return {};
  header_.record_count = records_;
  header_.first_record = first_record;
  header_.total_records = total_records;
  header_.shard_number = shard_number;
  header_.shard_count = shard_count;
  header_.set_id = set_id;
  // Past the records, and past the data offset even when there are none.
  header_.index_offset = std::max<uint64_t>(round_up_page(packed_header_bytes(header_.fields.size(), header_.meta.size())), end_);
  header_.index_bytes = index_.size();
  header_.file_bytes = header_.index_offset + header_.index_bytes;
  ItemStatus s = write_at(header_.index_offset, index_.data(), index_.size());
  if (!s.ok()) return s;
  std::vector<char> header = encode_packed_header(header_);
  const uint32_t crc = packed_header_crc(header.data(), header.size(), index_.data(), index_.size());
  std::memcpy(header.data() + 12, &crc, 4);
  s = write_at(0, header.data(), header.size());
  if (!s.ok()) return s;
  if (::ftruncate(fd_.get(), static_cast<off_t>(header_.file_bytes)) != 0) return sys_error("cannot size the packed file", errno);
  if (::fdatasync(fd_.get()) != 0) return sys_error("cannot fsync the packed file", errno);
  end_ = header_.file_bytes;
  committed_ = true;
  return {};
}

ItemStatus PackWriter::publish(const std::string& path) {
  if (!committed_) return ItemStatus::error(Code::kCancelled, "commit() before publish()");
  if (published_) return {};
  if (temp_path_.empty()) {
    // Name the anonymous inode next to the target, then rename over it: the target is either
    // the old file or the complete new one, never in between.
    std::string named;
    for (int attempt = 0; attempt < 100; ++attempt) {
      named = directory_ + "/.tensorloader-pack-" + std::to_string(::getpid()) + "-" +
              std::to_string(g_temp_counter.fetch_add(1)) + ".tmp";
      const std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, named.c_str(), AT_SYMLINK_FOLLOW) == 0) break;
      if (errno != EEXIST) return sys_error("cannot link the packed file into " + directory_, errno);
      named.clear();
    }
    if (named.empty()) return ItemStatus::error(Code::kIo, "cannot find a free temporary name in " + directory_);
    temp_path_ = named;
  }
  if (::rename(temp_path_.c_str(), path.c_str()) != 0) return sys_error("cannot rename the packed file to " + path, errno);
  published_ = true;
  return fsync_dir(directory_);
}

}  // namespace tl
