// IDX files (MNIST, Fashion-MNIST, EMNIST): a big-endian header (magic 0 0 type ndim, then ndim
// uint32 dimensions) and the values, row after row. Item i is row i. A plain file is mapped
// once; a gzipped one (.gz) is inflated once, with zlib, into memory or into an atomic cache
// file that is then mapped, so later runs skip the inflate.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/item_source.h"
#include "core/mapped_file.h"

namespace tl {

struct IdxOptions {
  // Where inflated copies of .gz files are kept (empty: inflate into memory each time).
  std::string cache_dir;
  // The most bytes the array may take once inflated; a header asking for more is refused
  // before anything is allocated, and a stream that inflates past its header is cut.
  uint64_t max_bytes = uint64_t{4} << 30;
};

class IdxSource final : public ItemSource {
 public:
  IdxSource(std::string path, IdxOptions options);
  const ItemStatus& status() const { return status_; }
  const std::vector<uint64_t>& dims() const { return dims_; }
  bool gzipped() const { return gzipped_; }
  // The inflated cache file in use ("" when there is none).
  const std::string& cache_path() const { return cache_path_; }

  size_t length() const override { return dims_.empty() ? 0 : static_cast<size_t>(dims_[0]); }
  size_t item_bytes() const override { return row_bytes_; }
  ItemStatus fill(const ItemRef& item, uint8_t* dst, WorkerScratch& scratch) const override;
  std::string describe(size_t index) const override;
  // A row copy per item, timed per claim by the pool.
  Stage rest_stage() const override { return Stage::kCopy; }

 private:
  ItemStatus open(const IdxOptions& options);
  // Maps `fd` (the file or its cache) and parses the header; `truncated` names a file cut meanwhile.
  ItemStatus map_array(int fd, size_t size, uint64_t max_bytes, const char* truncated);
  ItemStatus inflate(int fd, const IdxOptions& options);
  // Maps a valid cache file of this .gz (`served`), or leaves nothing mapped when there is none.
  ItemStatus open_cache(const IdxOptions& options, const struct stat& st, bool& served);
  // The whole array inflated into `out`, never more than its header declares.
  ItemStatus inflate_stream(int fd, uint64_t max_bytes, std::vector<uint8_t>& out);
  ItemStatus parse_header(const uint8_t* head, size_t available, uint64_t file_size, uint64_t max_bytes);

  std::string path_;
  MappedFile map_;               // the file itself, or its inflated cache
  std::vector<uint8_t> memory_;  // the inflated array, when there is no cache
  const uint8_t* base_ = nullptr;
  size_t data_offset_ = 0;
  size_t row_bytes_ = 0;
  std::vector<uint64_t> dims_;
  bool gzipped_ = false;
  std::string cache_path_;
  ItemStatus status_;
};

}  // namespace tl
