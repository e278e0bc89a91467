#include "core/npy_header.h"

#include <cstring>
#include <limits>

#include "core/py_literal.h"

namespace tl {
namespace {

ItemStatus bad(const std::string& why, size_t offset = 0) {
  return ItemStatus::error(Code::kFormat, "not a .npy file tensorloader reads: " + why, static_cast<int64_t>(offset));
}

// The header's dict, checked as numpy's reader checks it: exactly the keys descr,
// fortran_order and shape, a str, a bool and a tuple of ints.
ItemStatus check_dict(const PyValue& dict, size_t at, const PyValue*& descr, const PyValue*& fortran, const PyValue*& shape) {
  if (dict.kind != PyValue::Kind::kDict) return bad("the header is not a dict", at);
  descr = fortran = shape = nullptr;
  for (size_t i = 0; i < dict.keys.size(); ++i) {
    const std::string& k = dict.keys[i];
    if (k == "descr") descr = &dict.items[i];
    else if (k == "fortran_order") fortran = &dict.items[i];
    else if (k == "shape") shape = &dict.items[i];
    else return bad("unexpected key '" + k + "' in the header (numpy writes descr, fortran_order and shape only)", at);
  }
  if (descr == nullptr) return bad("no 'descr' in the header", at);
  if (fortran == nullptr) return bad("no 'fortran_order' in the header", at);
  if (shape == nullptr) return bad("no 'shape' in the header", at);
  if (descr->kind != PyValue::Kind::kStr) return bad("'descr' is not a string (structured dtypes are not read)", at);
  if (fortran->kind != PyValue::Kind::kBool) return bad("'fortran_order' is neither True nor False", at);
  if (shape->kind != PyValue::Kind::kTuple) return bad("'shape' is not a tuple", at);
  for (const PyValue& dim : shape->items) {
    if (dim.kind != PyValue::Kind::kInt) return bad("a dimension of 'shape' is not an integer", at);
    if (dim.negative && dim.integer != 0) return bad("a negative dimension in 'shape'", at);
  }
  return {};
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

  PyValue dict;
  const PyParseError perr = parse_py_literal(data + prefix, header_len, dict);
  if (!perr.why.empty()) return bad("the header is not a Python literal numpy writes: " + perr.why, prefix + perr.offset);
  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  if (ItemStatus s = check_dict(dict, prefix, descr, fortran, shape); !s.ok()) return s;

  out.descr = descr->str;
  const std::string& d = out.descr;
  if (d.size() >= 2 && d[0] == '>' && d != ">u1" && d != ">i1") {
    return bad("big-endian data ('" + d + "'); convert with arr.astype(arr.dtype.newbyteorder('<'))", prefix);
  }
  const std::string t = d.size() >= 2 && (d[0] == '<' || d[0] == '|' || d[0] == '=' || d[0] == '>') ? d.substr(1) : d;
  if (t == "f4") out.type = NpyType::kFloat32, out.item_size = 4;
  else if (t == "f8") out.type = NpyType::kFloat64, out.item_size = 8;
  else if (t == "u1") out.type = NpyType::kUint8, out.item_size = 1;
  else if (t == "i4") out.type = NpyType::kInt32, out.item_size = 4;
  else if (t == "i8") out.type = NpyType::kInt64, out.item_size = 8;
  else return bad("dtype '" + d + "' (float32, float64, uint8, int32 and int64 are read)", prefix);
  if (fortran->boolean) return bad("Fortran order; save with np.ascontiguousarray(arr)", prefix);

  out.shape.clear();
  uint64_t elements = 1;
  for (const PyValue& v : shape->items) {
    const uint64_t dim = v.integer;
    if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / dim) return bad("the shape overflows", prefix);
    elements *= dim;
    out.shape.push_back(dim);
  }
  out.data_offset = prefix + header_len;
  if (elements > std::numeric_limits<uint64_t>::max() / out.item_size) return bad("the shape overflows", prefix);
  out.data_bytes = elements * out.item_size;
  if (out.data_bytes > size - out.data_offset) {
    return ItemStatus::error(Code::kDecode, "truncated .npy: the shape needs " + std::to_string(out.data_bytes) + " bytes of data, the file has " +
                                                std::to_string(size - out.data_offset),
                             static_cast<int64_t>(size));
  }
  return {};
}

}  // namespace tl
