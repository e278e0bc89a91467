#include "core/npy_header.h"

#include <cstring>
#include <limits>

namespace tl {
namespace {

ItemStatus bad(const std::string& why, size_t offset = 0) {
  return ItemStatus::error(Code::kFormat, "not a .npy file tensorloader reads: " + why, static_cast<int64_t>(offset));
}

// The value after 'key': in the header dict (a Python literal), or npos.
size_t find_value(const std::string& h, const char* key) {
  const std::string quoted1 = std::string("'") + key + "'";
  const std::string quoted2 = std::string("\"") + key + "\"";
  size_t k = h.find(quoted1);
  size_t len = quoted1.size();
  if (k == std::string::npos) {
    k = h.find(quoted2);
    len = quoted2.size();
  }
  if (k == std::string::npos) return std::string::npos;
  size_t c = h.find(':', k + len);
  if (c == std::string::npos) return std::string::npos;
  ++c;
  while (c < h.size() && h[c] == ' ') ++c;
  return c;
}

}  // namespace

ItemStatus parse_npy_header(const char* data, size_t size, NpyHeader& out) {
  static const char kMagic[] = "\x93NUMPY";
  if (size < 10 || std::memcmp(data, kMagic, 6) != 0) return bad("missing the \\x93NUMPY magic");
  const auto major = static_cast<uint8_t>(data[6]);
  size_t header_len = 0;
  size_t prefix = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(data[8]) | static_cast<size_t>(static_cast<uint8_t>(data[9])) << 8;
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return bad("header cut short");
    header_len = static_cast<size_t>(static_cast<uint8_t>(data[8])) | static_cast<size_t>(static_cast<uint8_t>(data[9])) << 8 |
                 static_cast<size_t>(static_cast<uint8_t>(data[10])) << 16 | static_cast<size_t>(static_cast<uint8_t>(data[11])) << 24;
    prefix = 12;
  } else {
    return bad("format version " + std::to_string(major) + " (1, 2 and 3 are read)", 6);
  }
  if (header_len > size - prefix) return ItemStatus::error(Code::kDecode, "truncated .npy: the header runs past the end of the file", 8);
  const std::string h(data + prefix, header_len);

  size_t v = find_value(h, "descr");
  if (v == std::string::npos || (h[v] != '\'' && h[v] != '"')) return bad("no 'descr' in the header", prefix);
  const size_t end = h.find(h[v], v + 1);
  if (end == std::string::npos) return bad("unterminated 'descr'", prefix + v);
  out.descr = h.substr(v + 1, end - v - 1);
  const std::string& d = out.descr;
  if (d.size() >= 2 && d[0] == '>' && d != ">u1" && d != ">i1") {
    return bad("big-endian data ('" + d + "'); convert with arr.astype(arr.dtype.newbyteorder('<'))", prefix + v);
  }
  const std::string t = d.size() >= 2 && (d[0] == '<' || d[0] == '|' || d[0] == '=' || d[0] == '>') ? d.substr(1) : d;
  if (t == "f4") out.type = NpyType::kFloat32, out.item_size = 4;
  else if (t == "f8") out.type = NpyType::kFloat64, out.item_size = 8;
  else if (t == "u1") out.type = NpyType::kUint8, out.item_size = 1;
  else if (t == "i4") out.type = NpyType::kInt32, out.item_size = 4;
  else if (t == "i8") out.type = NpyType::kInt64, out.item_size = 8;
  else return bad("dtype '" + d + "' (float32, float64, uint8, int32 and int64 are read)", prefix + v);

  v = find_value(h, "fortran_order");
  if (v == std::string::npos) return bad("no 'fortran_order' in the header", prefix);
  if (h.compare(v, 4, "True") == 0) return bad("Fortran order; save with np.ascontiguousarray(arr)", prefix + v);
  if (h.compare(v, 5, "False") != 0) return bad("'fortran_order' is neither True nor False", prefix + v);

  v = find_value(h, "shape");
  if (v == std::string::npos || h[v] != '(') return bad("no 'shape' tuple in the header", prefix);
  const size_t close = h.find(')', v);
  if (close == std::string::npos) return bad("unterminated 'shape'", prefix + v);
  out.shape.clear();
  uint64_t elements = 1;
  for (size_t p = v + 1; p < close;) {
    while (p < close && (h[p] == ' ' || h[p] == ',')) ++p;
    if (p >= close) break;
    uint64_t dim = 0;
    size_t digits = 0;
    while (p < close && h[p] >= '0' && h[p] <= '9') {
      if (dim > (std::numeric_limits<uint64_t>::max() - 9) / 10) return bad("a dimension overflows", prefix + p);
      dim = dim * 10 + static_cast<uint64_t>(h[p] - '0');
      ++p;
      ++digits;
    }
    if (digits == 0) return bad("a dimension is not a number", prefix + p);
    if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / dim) return bad("the shape overflows", prefix + p);
    elements *= dim;
    out.shape.push_back(dim);
  }
  out.data_offset = prefix + header_len;
  if (elements > std::numeric_limits<uint64_t>::max() / out.item_size) return bad("the shape overflows", prefix + v);
  out.data_bytes = elements * out.item_size;
  if (out.data_bytes > size - out.data_offset) {
    return ItemStatus::error(Code::kDecode, "truncated .npy: the shape needs " + std::to_string(out.data_bytes) + " bytes of data, the file has " +
                                                std::to_string(size - out.data_offset),
                             static_cast<int64_t>(size));
  }
  return {};
}

}  // namespace tl
