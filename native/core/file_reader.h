// Reads one whole file for one item. Small files are pread into a reusable per-thread buffer
// (no mmap/munmap, so no TLB shootdown across the pool's threads); large ones are mapped and
// copied out under the SIGBUS guard (see FileBytes). In both cases the descriptor is closed
// before this returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"

namespace tl {

// Files below this size are read into a reused per-thread buffer (which therefore never grows
// past it); larger ones are mapped. Reading beats mmap + munmap up to several MiB, where
// munmap's TLB flush across the pool's threads dominates (bench/native/io_bench.cc measures it).
constexpr size_t kDefaultMmapThreshold = 8 * 1024 * 1024;
// The first read tries this much: a shorter result is the whole file, with no fstat.
constexpr size_t kProbeBytes = 64 * 1024;

struct ReadOptions {
  size_t mmap_threshold = kDefaultMmapThreshold;
  uint64_t max_bytes = UINT64_MAX;  // larger files are refused (ETOOLARGE) before reading
  AccessPattern pattern = AccessPattern::kSequential;
  // Lets sources that read many small files batch them through io_uring (see uring_reader.h);
  // read_whole_file itself ignores it. Off, or TENSORLOADER_NO_IO_URING=1, gives the plain path.
  bool io_uring = true;
};

// The bytes of one file: a view of the caller's buffer (small files) or memory it owns (large
// files). A large file is mapped, but its bytes are copied out of the mapping (under the SIGBUS
// guard) before anyone parses them: another process may truncate the file meanwhile, and the
// consumers (the text parser's error path, zlib, libvips) allocate and lock, so they cannot be
// run under the guard themselves. A truncation during the copy gives ESHRUNK. The copy costs
// little beside parsing or decoding that many bytes.
class FileBytes {
 public:
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // True for a large file's copy, false for a view of the caller's buffer.
  bool is_owned() const { return owned_ != nullptr; }
  void reset() {
    owned_.reset();
    data_ = nullptr;
    size_ = 0;
  }

 private:
  friend ItemStatus read_whole_file(const char*, std::vector<char>&, const ReadOptions&, FileBytes&);
  std::unique_ptr<char[]> owned_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// `buffer` is the calling thread's scratch; it never grows past options.mmap_threshold.
ItemStatus read_whole_file(const char* path, std::vector<char>& buffer, const ReadOptions& options,
                           FileBytes& out);

// For batches of small files read without io_uring: opens `path` relative to `dir` (AT_FDCWD:
// as given), reads at most `capacity` bytes into `buf` and closes it. Returns the size when the
// whole file fit in fewer than `capacity` bytes, else 0; anything else (an error, an empty file,
// one that fills the buffer, one that is not regular) is left to read_whole_file, which reads
// it again and gives the status it always gives.
size_t read_small_file_at(int dir, const char* path, char* buf, size_t capacity);

}  // namespace tl
