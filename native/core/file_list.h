// A list of files, one record each, read whole through file_reader (pread into the thread's
// buffer, or mapped and copied for large files). Small files can also be read in batches:
// through io_uring (see uring_reader.h), several per system call, or, where the ring cannot be
// used, one file after another into the thread's batch buffer. Either way a batch opens the
// files relative to a directory they share.
#pragma once

#include <string>
#include <vector>

#include "core/file_reader.h"
#include "core/record_reader.h"
#include "core/unique_fd.h"

namespace tl {

class FileList final : public RecordReader {
 public:
  // batch_capacity: the read buffer per file of a batch, 0 for no batching. Batching also needs
  // options.io_uring; the ring itself also needs an environment that allows it
  // (io_uring_allowed_by_env), and without it batches are read with plain system calls.
  FileList(std::vector<std::string> paths, ReadOptions options, size_t batch_capacity = 0);

  size_t length() const override { return paths_.size(); }
  ItemStatus read(const ItemRef& item, WorkerScratch& scratch, RecordView* fields) const override;
  std::string describe(size_t index) const override { return index < paths_.size() ? paths_[index] : std::string(); }
  size_t batch_size() const override { return batch_files_ > 1 ? batch_files_ : 1; }
  // Opens, reads and closes up to UringReader::kMaxFiles files (with one io_uring_enter when
  // the thread's ring is usable); a file that is not simply read there (an error, a large
  // file) is left to read().
  bool read_many(const ItemRef* items, size_t n, WorkerScratch& scratch, RecordView* views) const override;

  const ReadOptions& options() const { return options_; }

 private:
  void index_directories();
  // Points paths[j] and dirs[j] at a name relative to a directory shared by several of the
  // batch's files, opened (O_PATH) into `opened`; other files keep their full path and AT_FDCWD.
  void share_directories(const ItemRef* items, size_t n, const char** paths, int* dirs, UniqueFd* opened) const;
  void read_plain(const char* const* paths, const int* dirs, size_t n, WorkerScratch& scratch, RecordView* views) const;

  std::vector<std::string> paths_;
  ReadOptions options_;
  size_t batch_capacity_ = 0;
  size_t batch_files_ = 0;  // files per batch; 0: batching is off
  bool use_uring_ = false;
  // For batches: where each path's last component starts (0: the path is opened as
  // given) and which of dirs_ holds it. Most of an open's kernel time on a warm cache is the
  // walk down the path, so a batch opens a directory shared by several of its files once and
  // opens those files relative to it.
  std::vector<uint32_t> name_at_;
  std::vector<uint32_t> dir_of_;
  std::vector<std::string> dirs_;
};

}  // namespace tl
