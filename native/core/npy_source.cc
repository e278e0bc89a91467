#include "core/npy_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "core/mapped_file.h"
#include "core/sigbus_guard.h"
#include "core/unique_fd.h"

namespace tl {
namespace {

// How many bytes the header takes, from its fixed prefix `p` (the first n = min(size, 12)
// bytes: magic, version, length field). A malformed prefix, or a header longer than the file,
// gets just the prefix, which is all parse_npy_header reads before refusing it.
size_t header_extent(const unsigned char* p, size_t n, size_t size) {
  size_t end = n;
  if (n >= 10 && p[6] == 1) {
    end = 10 + (static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8);
  } else if (n >= 12 && (p[6] == 2 || p[6] == 3)) {
    end = 12 + (static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8 | static_cast<size_t>(p[10]) << 16 |
                static_cast<size_t>(p[11]) << 24);
  }
  return end <= size ? end : n;
}

}  // namespace

// The rows of the mapping as records. The mapping outlives the file's path (a deleted or
// replaced file keeps its rows), but not a truncation: a row on a page the file no longer has
// raises SIGBUS, which the decoder's guarded copy turns into truncated().
class NpyRows final : public RecordReader {
 public:
  explicit NpyRows(std::string path) : path_(std::move(path)) {
    status_ = open_mapped();
    if (!status_.ok()) map_.reset();  // a refused file keeps nothing
  }
  const ItemStatus& status() const { return status_; }
  const NpyHeader& header() const { return header_; }
  size_t row_bytes() const { return row_bytes_; }

  size_t length() const override { return header_.shape.empty() ? 0 : static_cast<size_t>(header_.shape[0]); }
  ItemStatus read(const ItemRef& item, WorkerScratch&, RecordView* fields) const override {
    if (!status_.ok()) return status_;
    const size_t offset = header_.data_offset + static_cast<size_t>(item.index) * row_bytes_;
    fields[0] = RecordView{map_.data() + offset, row_bytes_, true, offset};
    return {};
  }
  ItemStatus truncated(const ItemRef& item, const RecordView& view) const override {
    return ItemStatus::error(Code::kShrunk,
                             "the file was truncated while mapped (row " + std::to_string(item.index) + " is bytes " +
                                 std::to_string(view.offset) + " to " + std::to_string(view.offset + row_bytes_) +
                                 " of the " + std::to_string(map_.size()) + " it had when opened)",
                             static_cast<int64_t>(view.offset));
  }
  std::string describe(size_t index) const override { return path_ + "[" + std::to_string(index) + "]"; }

 private:
  ItemStatus open_mapped();  // the constructor's work; on failure it leaves the mapping for the caller to drop

  std::string path_;
  MappedFile map_;
  NpyHeader header_;
  size_t row_bytes_ = 0;
  ItemStatus status_;
};

ItemStatus NpyRows::open_mapped() {
  UniqueFd fd;
  size_t file_size = 0;
  ItemStatus s = open_regular_file(path_, fd, file_size);
  if (!s.ok()) return s;
  // Rows are read for the dataset's whole life, in any order: one mapping, random access.
  s = MappedFile::map(fd.get(), file_size, AccessPattern::kRandom, map_);
  if (!s.ok()) return s;
  // A file truncated by another process since fstat would raise SIGBUS in whatever reads the
  // mapping. parse_npy_header builds strings, so it cannot run under the SIGBUS guard; it is
  // given a copy of the header made under the guard (it reads nothing past the header, and
  // takes the file's size to check the data against the shape).
  const size_t size = map_.size();
  unsigned char prefix[12] = {};
  const size_t n = std::min(size, sizeof prefix);
  std::vector<char> head;
  bool copied = guarded_memcpy(prefix, map_.data(), n);
  if (copied) {
    head.resize(header_extent(prefix, n, size));
    copied = guarded_memcpy(head.data(), map_.data(), head.size());
  }
  if (!copied) return ItemStatus::error(Code::kShrunk, "the file was truncated while it was being opened");
  s = parse_npy_header(head.data(), size, header_);
  if (!s.ok()) return s;
  if (header_.shape.empty()) return ItemStatus::error(Code::kFormat, "a 0-d array has no rows");
  row_bytes_ = header_.item_size;
  for (size_t i = 1; i < header_.shape.size(); ++i) row_bytes_ *= static_cast<size_t>(header_.shape[i]);
  return {};
}

NpySource::NpySource(std::string path) : NpySource(std::make_shared<const NpyRows>(std::move(path))) {}

NpySource::NpySource(std::shared_ptr<const NpyRows> rows)
    : RecordSource(rows, {FieldOutput{0, std::make_shared<RawCopyDecoder>(rows->row_bytes())}}), rows_(rows.get()) {}

const ItemStatus& NpySource::status() const { return rows_->status(); }
const NpyHeader& NpySource::header() const { return rows_->header(); }

}  // namespace tl
