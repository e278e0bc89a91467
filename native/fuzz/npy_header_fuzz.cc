// Fuzz target: the .npy header parser (core/npy_header.h: parse_npy_header), on a file's
// bytes. Beyond memory safety it checks what NpySource relies on when the parser accepts a
// header: the data region lies inside the file and its size is the shape's element count times
// the dtype's item size (so rows copied from the mapping never run past it).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/npy_header.h"
#include "fuzz/fuzz_check.h"

namespace {

size_t item_size_of(tl::NpyType type) {
  switch (type) {
    case tl::NpyType::kFloat32: return 4;
    case tl::NpyType::kFloat64: return 8;
    case tl::NpyType::kUint8: return 1;
    case tl::NpyType::kInt32: return 4;
    case tl::NpyType::kInt64: return 8;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size > 256 * 1024) return 0;
  // A copy the exact size of the input, so reading one byte past it is an ASan report.
  std::vector<char> copy(bytes, bytes + size);
  tl::NpyHeader header;
  const tl::ItemStatus s = tl::parse_npy_header(copy.data(), copy.size(), header);
  if (!s.ok()) {
    TL_FUZZ_CHECK(s.code == tl::Code::kFormat || s.code == tl::Code::kDecode);
    TL_FUZZ_CHECK(s.offset >= -1 && s.offset <= static_cast<int64_t>(size));
    return 0;
  }
  TL_FUZZ_CHECK(header.item_size == item_size_of(header.type));
  TL_FUZZ_CHECK(header.data_offset <= size);
  TL_FUZZ_CHECK(header.data_bytes <= size - header.data_offset);
  uint64_t elements = 1;
  for (uint64_t dim : header.shape) {
    TL_FUZZ_CHECK(dim == 0 || elements <= std::numeric_limits<uint64_t>::max() / dim);
    elements *= dim;
  }
  TL_FUZZ_CHECK(elements <= std::numeric_limits<uint64_t>::max() / header.item_size);
  TL_FUZZ_CHECK(elements * header.item_size == header.data_bytes);
  // Touch every data byte, as a copy of all rows would.
  unsigned sum = 0;
  for (uint64_t i = 0; i < header.data_bytes; ++i) sum += static_cast<unsigned char>(copy[header.data_offset + i]);
  volatile unsigned sink = sum;
  (void)sink;
  return 0;
}
