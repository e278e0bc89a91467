// Fuzz target: the packed-file header and index reader (core/packed_format.h: parse_packed),
// on a file's bytes. Beyond memory safety it checks what PackedSource relies on when the parser
// accepts a file: the file is exactly its declared size, the index lies after the records, and
// every record of every field lies inside the record area with its field's size (so copying,
// checksumming or decoding a record never reads outside the mapping).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/crc32c.h"
#include "core/packed_format.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size > 1024 * 1024) return 0;
  // A copy the exact size of the input, so reading one byte past it is an ASan report.
  std::vector<char> copy(bytes, bytes + size);
  tl::PackedHeader h;
  const tl::ItemStatus s = tl::parse_packed(copy.data(), copy.size(), h);
  if (!s.ok()) {
    TL_FUZZ_CHECK(s.code == tl::Code::kFormat || s.code == tl::Code::kShrunk);
    TL_FUZZ_CHECK(s.offset >= -1);
    return 0;
  }
  TL_FUZZ_CHECK(h.file_bytes == size);
  TL_FUZZ_CHECK(h.header_bytes <= h.data_offset && h.data_offset <= h.index_offset);
  TL_FUZZ_CHECK(h.index_offset + h.index_bytes == size);
  TL_FUZZ_CHECK(!h.fields.empty() && h.fields.size() <= tl::kPackedMaxFields);
  TL_FUZZ_CHECK(h.first_record + h.record_count <= h.total_records);
  uint32_t sum = 0;
  for (uint64_t r = 0; r < h.record_count; ++r) {
    for (size_t f = 0; f < h.fields.size(); ++f) {
      const tl::PackedEntry e = tl::packed_entry(copy.data(), h, r, f);
      TL_FUZZ_CHECK(e.offset >= h.data_offset && e.offset + e.length <= h.index_offset);
      if (h.fields[f].encoding == tl::PackedEncoding::kRaw) TL_FUZZ_CHECK(e.length == h.fields[f].row_bytes);
      // What a first read does: the record's checksum over its bytes.
      sum ^= tl::crc32c(0, copy.data() + e.offset, e.length);
    }
  }
  volatile uint32_t sink = sum;
  (void)sink;
  return 0;
}
