// The header of a numpy .npy file (format versions 1, 2 and 3): element type, C order, shape,
// and where the data starts. Parsed from bytes, validated against the file size, never
// trusting a length field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace tl {

enum class NpyType { kFloat32, kFloat64, kUint8, kInt32, kInt64 };

struct NpyHeader {
  NpyType type = NpyType::kFloat32;
  size_t item_size = 4;         // bytes per element
  std::string descr;            // as written, e.g. "<f4"
  std::vector<uint64_t> shape;  // () for a scalar
  size_t data_offset = 0;
  uint64_t data_bytes = 0;
};

// Parses and validates: EFORMAT for what is not a .npy file or a dtype / order we do not read
// (big-endian, Fortran order, objects, ...), ETRUNCATED-like EDECODE when the data is shorter
// than the shape says.
ItemStatus parse_npy_header(const char* data, size_t size, NpyHeader& out);

}  // namespace tl
