// Per-thread reusable memory, owned by one pool thread (or by a source's JS wrap for direct
// reads). It lives as long as its thread's loop, so whatever it holds is released when the
// thread ends. Record readers keep the bytes of the record they last read here.
#pragma once

#include <vector>

#include "core/file_reader.h"
#include "core/item_source.h"
#include "core/uring_reader.h"

namespace tl {

struct WorkerScratch {
  std::vector<char> file_buffer;  // small files, read whole (never grows past the mmap threshold)
  FileBytes file;                 // the last file read: a view of file_buffer, or a large file's copy
  UringReader uring;              // empty until a batched read uses it
  // Batched reads of small files where the ring cannot be used; at most UringReader::kBufferBytes.
  std::vector<char> batch_buffer;
};

static_assert(UringReader::kMaxFiles == kMaxClaim, "a claim of items is one io_uring batch");

}  // namespace tl
