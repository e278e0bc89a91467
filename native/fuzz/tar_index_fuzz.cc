// Fuzz target: the tar index (core/tar_index.h: scan_tar_bytes), on a file's bytes. Beyond
// memory safety it checks what TarSource relies on when the scan accepts a file: every kept
// member's data lies inside the file, samples cover the fields in order, names and counts stay
// within the limits, and a refusal is one of the typed codes with an offset inside the file.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/tar_index.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size > 1024 * 1024) return 0;
  std::vector<char> copy(bytes, bytes + size);
  tl::TarLimits limits;
  limits.max_members = 4096;
  limits.max_name = 512;
  limits.max_extended = 64 * 1024;
  tl::TarIndex index;
  const tl::ItemStatus s = tl::scan_tar_bytes(copy.data(), copy.size(), limits, index);
  if (!s.ok()) {
    TL_FUZZ_CHECK(s.code == tl::Code::kFormat || s.code == tl::Code::kTruncated || s.code == tl::Code::kTooLarge);
    TL_FUZZ_CHECK(s.offset >= 0 && s.offset <= static_cast<int64_t>(size));
    return 0;
  }
  TL_FUZZ_CHECK(index.members <= limits.max_members);
  uint32_t next = 0;
  for (const tl::TarSample& sample : index.samples) {
    TL_FUZZ_CHECK(sample.first_field == next && sample.field_count > 0);
    next += sample.field_count;
  }
  TL_FUZZ_CHECK(next == index.fields.size());
  unsigned sum = 0;
  for (const tl::TarField& f : index.fields) {
    TL_FUZZ_CHECK(f.name.size() <= limits.max_name);
    TL_FUZZ_CHECK(f.offset <= size && f.size <= size - f.offset);
    // Touch the member's data, as a read would.
    for (uint64_t i = 0; i < f.size; ++i) sum += static_cast<unsigned char>(copy[f.offset + i]);
  }
  volatile unsigned sink = sum;
  (void)sink;
  return 0;
}
