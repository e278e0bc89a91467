// The index of a tar file, made by reading its headers only (member data is never read):
// ustar, GNU ('L' long names, 'K' long link names) and PAX ('x' extended and 'g' global
// headers with path and size). Every header's checksum is checked; sizes and offsets past the
// end of the file, over-long names and too many members are refused with typed errors.
//
// Members are grouped into samples by WebDataset's convention: a sample is the run of
// consecutive regular members sharing a key (directory + basename up to the basename's first
// dot); a member's extension is the rest of the basename, lowercased (`a.seg.png` -> `seg.png`).
// Names without such a key (no dot, or a basename that starts with a dot), basenames that
// start with `__`, and members that are not regular files are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tl {

struct TarLimits {
  uint64_t max_members = 1ULL << 22;   // headers of any kind
  size_t max_name = 4096;              // bytes of one member name (PATH_MAX)
  uint64_t max_name_bytes = 256ULL << 20;  // bytes of all kept names together
  size_t max_extended = 1ULL << 20;    // bytes of one PAX header or GNU long name member
};

// One regular member kept in a sample.
struct TarField {
  std::string name;     // the member name as stored (for messages: shard#name)
  std::string ext;      // lowercased extension, the text after the basename's first dot
  uint64_t offset = 0;  // of the member's data in the file
  uint64_t size = 0;
};

struct TarSample {
  std::string key;
  uint32_t first_field = 0;  // into TarIndex::fields
  uint32_t field_count = 0;
};

struct TarIndex {
  std::vector<TarSample> samples;
  std::vector<TarField> fields;
  uint64_t members = 0;  // headers read, of every type
  uint64_t skipped = 0;  // members skipped (non-regular, hidden, without a key)
};

// Reads exactly n bytes at `offset` into dst; an error status otherwise.
using TarReadAt = std::function<ItemStatus(uint64_t offset, size_t n, char* dst)>;

// Scans a tar of `size` bytes through `read`. On failure the status names the member (when
// known) and carries the byte offset of the header at fault; `out` is then unspecified.
ItemStatus scan_tar(const TarReadAt& read, uint64_t size, const TarLimits& limits, TarIndex& out);

// The same over bytes in memory (tests, fuzzing).
ItemStatus scan_tar_bytes(const char* data, size_t size, const TarLimits& limits, TarIndex& out);

// Splits a member name into WebDataset's key and lowercased extension; false when the name
// has no key (it is then skipped) or its basename starts with "__".
bool tar_sample_key(std::string_view name, std::string& key, std::string& ext);

}  // namespace tl
