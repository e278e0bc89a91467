// Reads a handful of small files with one io_uring_enter instead of open + read + close each.
// A syscall's entry and exit alone cost about as much as the work a tiny file needs (measured
// in bench/native/io_bench.cc), so batching them is most of what is left to win for datasets
// of tiny files.
//
// Only the happy path goes through the ring: a file counts as read when it opened, and one
// read returned more than zero and fewer than `capacity` bytes (so it surely hit end of file).
// Everything else (missing, directory, fifo, empty, larger than the buffer, not in the page
// cache, any kernel refusal) is reported as "not read" and the caller goes through
// read_whole_file, so error statuses stay exactly those of the plain path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tl {

// False when TENSORLOADER_NO_IO_URING is set to anything but "" or "0" (read once).
bool io_uring_allowed_by_env();

struct UringRead {
  const char* data = nullptr;  // nullptr: not read here, use the plain path
  size_t size = 0;
};

// One ring, owned by one thread: the ring is created lazily on that thread and its descriptor is
// registered with that thread (IORING_REGISTER_RING_FDS) and then closed, so it never appears
// in the process's descriptor table while a loader is open. Must be destroyed on the same thread.
class UringReader {
 public:
  static constexpr size_t kMaxFiles = 16;
  static constexpr size_t kBufferBytes = 64 * 1024;  // for all kMaxFiles together

  UringReader();
  ~UringReader();
  UringReader(const UringReader&) = delete;
  UringReader& operator=(const UringReader&) = delete;

  // Whether read() can be used here; the first call creates the ring, and a thread where
  // io_uring is unavailable (old kernel, seccomp, sysctl kernel.io_uring_disabled) or turned
  // off by the environment gets false from then on.
  bool usable();
  // Reads paths[i] (skipped when nullptr) into buffer slot i of `capacity` bytes; requires
  // n <= kMaxFiles and n * capacity <= kBufferBytes. out[i] stays valid until the next call.
  // dirs: nullptr, or for each path the directory descriptor it is opened relative to, as
  // openat takes it (AT_FDCWD: as given).
  void read(const char* const* paths, size_t n, size_t capacity, UringRead* out, const int* dirs = nullptr);

 private:
  struct Ring;
  bool create();
  void destroy();
  unsigned queue_reads(const char* const* paths, const int* dirs, size_t n, size_t capacity);
  bool complete(unsigned queued, size_t n, int32_t* res);

  enum class State { kUntried, kReady, kOff };
  State state_ = State::kUntried;
  std::unique_ptr<Ring> ring_;
  std::unique_ptr<char[]> buffer_;
  unsigned refused_batches_ = 0;  // consecutive batches the kernel refused outright
};

}  // namespace tl
