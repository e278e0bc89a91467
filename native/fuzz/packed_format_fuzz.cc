// Fuzz target: the packed-file header and index reader (core/packed_format.h: parse_packed),
// on a file's bytes. Beyond memory safety it checks what PackedSource relies on when the parser
// accepts a file: the file is exactly its declared size, the index lies after the records, and
// every record of every field lies inside the record area with its field's size (so copying,
// checksumming or decoding a record never reads outside the mapping).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/crc32c.h"
#include "core/packed_format.h"
#include "fuzz/fuzz_check.h"

namespace {

uint64_t load64(const std::vector<char>& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

// Mutations almost never keep the header+index checksum right, which would stop them at the
// first check. So each input is also tried with that checksum recomputed, when the header's own
// numbers say where the covered bytes are: then the field, size and index checks are what
// stands between a hostile file and the reader.
bool reseal(std::vector<char>& b) {
  if (b.size() < tl::kPackedFixedBytes) return false;
  const uint64_t header_bytes = load64(b, 16);
  const uint64_t index_offset = load64(b, 56);
  const uint64_t index_bytes = load64(b, 64);
  if (header_bytes < 16 || header_bytes > b.size() || index_offset > b.size() || index_bytes > b.size() - index_offset) return false;
  const uint32_t crc = tl::packed_header_crc(b.data(), header_bytes, b.data() + index_offset, index_bytes);
  std::memcpy(b.data() + 12, &crc, 4);
  return true;
}

void check(const std::vector<char>& copy) {
  const size_t size = copy.size();
  tl::PackedHeader h;
  const tl::ItemStatus s = tl::parse_packed(copy.data(), copy.size(), h);
  if (!s.ok()) {
    TL_FUZZ_CHECK(s.code == tl::Code::kFormat || s.code == tl::Code::kShrunk);
    TL_FUZZ_CHECK(s.offset >= -1);
    return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size > 1024 * 1024) return 0;
  // Copies the exact size of the input, so reading one byte past it is an ASan report.
  std::vector<char> copy(bytes, bytes + size);
  check(copy);
  if (reseal(copy)) check(copy);
  return 0;
}
