// A list of files, one record each, read whole through file_reader (pread into the thread's
// buffer, or mapped and copied for large files). Small files can also be read in batches
// through io_uring (see uring_reader.h), several per system call.
#pragma once

#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/record_reader.h"

namespace tl {

class FileList final : public RecordReader {
 public:
  // uring_capacity: the read buffer per file of an io_uring batch, 0 for no batching. Batching
  // also needs options.io_uring and an environment that allows it (io_uring_allowed_by_env).
  FileList(std::vector<std::string> paths, ReadOptions options, size_t uring_capacity = 0);

  size_t length() const override { return paths_.size(); }
  ItemStatus read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const override;
  std::string describe(size_t index) const override { return index < paths_.size() ? paths_[index] : std::string(); }
  size_t batch_size() const override { return uring_files_ > 1 ? uring_files_ : 1; }
  // Opens, reads and closes up to UringReader::kMaxFiles files with one io_uring_enter; a file
  // that is not simply read there (an error, a large file) is left to read().
  bool read_many(const ItemRef* items, size_t n, WorkerScratch& scratch, RecordView* views) const override;

  const ReadOptions& options() const { return options_; }

 private:
  void index_directories();

  std::vector<std::string> paths_;
  ReadOptions options_;
  size_t uring_capacity_ = 0;
  size_t uring_files_ = 0;  // files per io_uring batch; 0: batching is off
  // For io_uring batches: where each path's last component starts (0: the path is opened as
  // given) and which of dirs_ holds it. Most of an open's kernel time on a warm cache is the
  // walk down the path, so a batch opens a directory shared by several of its files once and
  // opens those files relative to it.
  std::vector<uint32_t> name_at_;
  std::vector<uint32_t> dir_of_;
  std::vector<std::string> dirs_;
};

}  // namespace tl
