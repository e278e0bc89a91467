// Errors cross threads as values: a pool thread fills an ItemStatus, the JS thread turns it
// into a typed JS error. Nothing in the core throws.
#pragma once

#include <cstdint>
#include <string>

namespace tl {

enum class Code : int32_t {
  kOk = 0,
  kNotFound,     // ENOENT: the path does not exist (or vanished)
  kIsDirectory,  // EISDIR: a directory where a file was expected
  kNotRegular,   // ENOTREG: a device, fifo or socket
  kEmpty,        // EEMPTY: a zero-byte file
  kIo,           // EIO: open/read/mmap failed for another reason (errno in the message)
  kShrunk,       // ESHRUNK: the file got shorter while it was being read
  kParse,        // EPARSE: a token that is not a number
  kCount,        // ECOUNT: the item holds a different number of values than declared
  kTooLarge,     // ETOOLARGE: the file exceeds the configured limit
  kCancelled,    // ECANCELLED: the loader was closed before the item ran
  kFormat,       // EFORMAT: not an image in a format libvips can read
  kDecode,       // EDECODE: a corrupt or truncated image, or a failing pipeline step
  kTruncated,    // ETRUNCATED: a container (tar) ends before what its headers describe
  // Refusals of the batch engine (never an item's status):
  kNoSlot,       // ENOSLOT: every batch slot is leased
  kClosed,       // ECLOSED: the loader is closed
  kInvalidArgument,  // ERR_INVALID_ARG: a batch of the wrong size, an index out of range, a slot not leased
};

const char* code_name(Code code);

struct ItemStatus {
  Code code = Code::kOk;
  std::string message;
  int64_t offset = -1;  // byte offset in the file where the problem was found, -1 if none

  bool ok() const { return code == Code::kOk; }
  static ItemStatus error(Code c, std::string msg, int64_t off = -1) {
    ItemStatus s;
    s.code = c;
    s.message = std::move(msg);
    s.offset = off;
    return s;
  }
};

}  // namespace tl
