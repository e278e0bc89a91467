#include "core/packed_format.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/crc32c.h"

namespace tl {
namespace {

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

ItemStatus bad(const std::string& what, uint64_t at) {
  return ItemStatus::error(Code::kFormat, "not a valid packed file: " + what, static_cast<int64_t>(at));
}

// a * b without wrapping; false on overflow.
bool mul(uint64_t a, uint64_t b, uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

bool add(uint64_t a, uint64_t b, uint64_t& out) {
  if (b > std::numeric_limits<uint64_t>::max() - a) return false;
  out = a + b;
  return true;
}

// No two records share bytes. The writer never makes a file where they do, and the CRCs cannot
// catch it (record 1 pointing at record 0's bytes carries record 0's valid CRC), so a reader
// would return one record's value for another. Entries are checked in offset order; the
// writer's row groups are already nearly sorted, and the copy is the size of the index.
ItemStatus check_no_overlap(const char* data, const PackedHeader& h) {
  struct Span {
    uint64_t begin;
    uint64_t end;
    uint64_t entry;  // record * fields + field
  };
  const size_t fields = h.fields.size();
  std::vector<Span> spans;
  spans.reserve(static_cast<size_t>(h.record_count * fields));
  bool sorted = true;
  for (uint64_t r = 0; r < h.record_count; ++r) {
    for (size_t f = 0; f < fields; ++f) {
      const PackedEntry e = packed_entry(data, h, r, f);
      if (!spans.empty() && e.offset < spans.back().begin) sorted = false;
      spans.push_back({e.offset, e.offset + e.length, r * fields + f});
    }
  }
  if (!sorted) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.entry < b.entry; });
  }
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin >= spans[i - 1].end) continue;
    const Span& a = spans[i - 1];
    const Span& b = spans[i];
    const auto name = [&](const Span& x) {
      return "record " + std::to_string(x.entry / fields) + " field '" + h.fields[x.entry % fields].name + "'";
    };
    return ItemStatus::error(Code::kFormat,
                             "not a valid packed file: " + name(b) + " at " + std::to_string(b.begin) + " overlaps " + name(a) + " at " +
                                 std::to_string(a.begin) + " (" + std::to_string(a.end - a.begin) + " bytes); records never share bytes",
                             static_cast<int64_t>(h.index_offset + b.entry * kPackedIndexEntryBytes));
  }
  return {};
}

}  // namespace

uint64_t round_up_page(uint64_t v) { return (v + kPackedPage - 1) / kPackedPage * kPackedPage; }

uint64_t packed_header_bytes(size_t field_count, size_t meta_bytes) {
  return kPackedFixedBytes + kPackedFieldBytes * uint64_t{field_count} + meta_bytes;
}

size_t packed_dtype_size(PackedDType t) {
  switch (t) {
    case PackedDType::kFloat32:
    case PackedDType::kInt32:
      return 4;
    case PackedDType::kFloat64:
    case PackedDType::kInt64:
      return 8;
    case PackedDType::kUint8:
      return 1;
    case PackedDType::kFloat16:
      return 2;
  }
  return 0;
}

const char* packed_dtype_name(PackedDType t) {
  static const char* kNames[] = {"float32", "float64", "uint8", "int32", "int64", "float16"};
  const auto i = static_cast<size_t>(t);
  return i < 6 ? kNames[i] : "unknown";
}

bool packed_dtype_from_name(const std::string& name, PackedDType& out) {
  for (uint8_t i = 0; i < 6; ++i) {
    if (name == packed_dtype_name(static_cast<PackedDType>(i))) {
      out = static_cast<PackedDType>(i);
      return true;
    }
  }
  return false;
}

uint32_t packed_header_crc(const char* header, size_t header_bytes, const char* index, size_t index_bytes) {
  uint32_t crc = crc32c(0, header + 16, header_bytes - 16);
  return crc32c(crc, index, index_bytes);
}

std::vector<char> encode_packed_header(const PackedHeader& h) {
  const uint64_t bytes = packed_header_bytes(h.fields.size(), h.meta.size());
  std::vector<char> out(bytes, 0);
  char* p = out.data();
  std::memcpy(p, kPackedMagic, 8);
  store<uint32_t>(p + 8, kPackedVersion);
  store<uint64_t>(p + 16, bytes);
  store<uint64_t>(p + 24, h.file_bytes);
  store<uint64_t>(p + 32, h.record_count);
  store<uint64_t>(p + 40, h.first_record);
  store<uint64_t>(p + 48, h.total_records);
  store<uint64_t>(p + 56, h.index_offset);
  store<uint64_t>(p + 64, h.index_bytes);
  store<uint64_t>(p + 72, h.set_id);
  store<uint32_t>(p + 80, h.shard_number);
  store<uint32_t>(p + 84, h.shard_count);
  store<uint32_t>(p + 88, static_cast<uint32_t>(h.fields.size()));
  store<uint32_t>(p + 92, static_cast<uint32_t>(h.meta.size()));
  for (size_t f = 0; f < h.fields.size(); ++f) {
    char* q = p + kPackedFixedBytes + f * kPackedFieldBytes;
    const PackedField& fd = h.fields[f];
    std::memcpy(q, fd.name.data(), std::min(fd.name.size(), kPackedMaxName));
    q[48] = static_cast<char>(fd.dtype);
    q[49] = static_cast<char>(fd.encoding);
    q[50] = static_cast<char>(fd.shape.size());
    store<uint64_t>(q + 56, fd.row_bytes);
    for (size_t d = 0; d < fd.shape.size() && d < kPackedMaxDims; ++d) store<uint64_t>(q + 64 + 8 * d, fd.shape[d]);
  }
  std::memcpy(p + bytes - h.meta.size(), h.meta.data(), h.meta.size());
  return out;
}

namespace {

// The fixed part of the header: magic, version, sizes and counts, checked against the file's
// size; the field and meta counts for the parts that follow.
ItemStatus parse_fixed(const char* data, size_t size, PackedHeader& h, uint32_t& field_count, uint32_t& meta_bytes) {
  if (size < kPackedFixedBytes) return bad("the file is " + std::to_string(size) + " bytes, shorter than a header", 0);
  if (std::memcmp(data, kPackedMagic, 8) != 0) return bad("wrong magic (not made by tensorloader pack)", 0);
  const uint32_t version = load<uint32_t>(data + 8);
  if (version != kPackedVersion) {
    return ItemStatus::error(Code::kFormat,
                             "packed format version " + std::to_string(version) + " is not supported (this build reads version " +
                                 std::to_string(kPackedVersion) + "); repack with this version",
                             8);
  }
  h.header_bytes = load<uint64_t>(data + 16);
  h.file_bytes = load<uint64_t>(data + 24);
  h.record_count = load<uint64_t>(data + 32);
  h.first_record = load<uint64_t>(data + 40);
  h.total_records = load<uint64_t>(data + 48);
  h.index_offset = load<uint64_t>(data + 56);
  h.index_bytes = load<uint64_t>(data + 64);
  h.set_id = load<uint64_t>(data + 72);
  h.shard_number = load<uint32_t>(data + 80);
  h.shard_count = load<uint32_t>(data + 84);
  field_count = load<uint32_t>(data + 88);
  meta_bytes = load<uint32_t>(data + 92);

  if (h.file_bytes != size) {
    return ItemStatus::error(Code::kShrunk,
                             "the file is " + std::to_string(size) + " bytes but its header says " + std::to_string(h.file_bytes) +
                                 (size < h.file_bytes ? " (truncated: copy or pack it again)" : ""),
                             24);
  }
  if (field_count == 0 || field_count > kPackedMaxFields) return bad("field count " + std::to_string(field_count), 88);
  if (meta_bytes > kPackedMaxMeta) return bad("meta size " + std::to_string(meta_bytes), 92);
  if (h.header_bytes != packed_header_bytes(field_count, meta_bytes) || h.header_bytes > size) return bad("header size " + std::to_string(h.header_bytes), 16);
  if (h.shard_count == 0 || h.shard_number >= h.shard_count) {
    return bad("shard " + std::to_string(h.shard_number) + " of " + std::to_string(h.shard_count), 80);
  }
  uint64_t last = 0;
  if (h.record_count > std::numeric_limits<uint32_t>::max() || h.total_records > std::numeric_limits<uint32_t>::max() ||
      !add(h.first_record, h.record_count, last) || last > h.total_records) {
    return bad("record counts (" + std::to_string(h.record_count) + " from " + std::to_string(h.first_record) + " of " +
                   std::to_string(h.total_records) + ")",
               32);
  }
  h.data_offset = round_up_page(h.header_bytes);
  uint64_t index_bytes = 0;
  uint64_t index_end = 0;
  if (!mul(h.record_count, uint64_t{field_count} * kPackedIndexEntryBytes, index_bytes) || index_bytes != h.index_bytes ||
      h.index_offset < h.data_offset || !add(h.index_offset, h.index_bytes, index_end) || index_end != size) {
    return bad("index at " + std::to_string(h.index_offset) + " (" + std::to_string(h.index_bytes) + " bytes) does not fit", 56);
  }
  return {};
}

// One entry of the field table, at byte `at` of the file.
ItemStatus parse_field(const char* q, uint64_t at, uint32_t f, PackedField& fd) {
  const size_t name_len = strnlen(q, kPackedMaxName + 1);
  if (name_len == 0 || name_len > kPackedMaxName) return bad("field " + std::to_string(f) + " has no valid name", at);
  fd.name.assign(q, name_len);
  const auto dtype = static_cast<uint8_t>(q[48]);
  const auto encoding = static_cast<uint8_t>(q[49]);
  const auto ndim = static_cast<uint8_t>(q[50]);
  if (dtype > static_cast<uint8_t>(PackedDType::kFloat16)) return bad("field '" + fd.name + "' dtype " + std::to_string(dtype), at + 48);
  if (encoding > static_cast<uint8_t>(PackedEncoding::kImage)) {
    return bad("field '" + fd.name + "' encoding " + std::to_string(encoding), at + 49);
  }
  if (ndim > kPackedMaxDims) return bad("field '" + fd.name + "' has " + std::to_string(ndim) + " dimensions", at + 50);
  fd.dtype = static_cast<PackedDType>(dtype);
  fd.encoding = static_cast<PackedEncoding>(encoding);
  fd.row_bytes = load<uint64_t>(q + 56);
  uint64_t bytes = packed_dtype_size(fd.dtype);
  for (uint8_t d = 0; d < ndim; ++d) {
    fd.shape.push_back(load<uint64_t>(q + 64 + 8 * d));
    if (!mul(bytes, fd.shape.back(), bytes)) return bad("field '" + fd.name + "' shape overflows", at + 64);
  }
  if (fd.encoding == PackedEncoding::kRaw ? (fd.row_bytes != bytes || bytes == 0 || bytes > kPackedMaxEncoded)
                                          : fd.row_bytes != 0) {
    return bad("field '" + fd.name + "' row size " + std::to_string(fd.row_bytes), at + 56);
  }
  return {};
}

// Every record must lie in the record area, raw ones exactly their field's size.
ItemStatus check_records(const char* data, const PackedHeader& h) {
  for (uint64_t r = 0; r < h.record_count; ++r) {
    for (size_t f = 0; f < h.fields.size(); ++f) {
      const PackedEntry e = packed_entry(data, h, r, f);
      uint64_t end = 0;
      const PackedField& fd = h.fields[f];
      const bool size_ok = fd.encoding == PackedEncoding::kRaw ? e.length == fd.row_bytes : (e.length > 0 && e.length <= kPackedMaxEncoded);
      if (!size_ok || e.offset < h.data_offset || !add(e.offset, e.length, end) || end > h.index_offset) {
        return ItemStatus::error(Code::kFormat,
                                 "not a valid packed file: record " + std::to_string(r) + " field '" + fd.name + "' at " +
                                     std::to_string(e.offset) + " (" + std::to_string(e.length) + " bytes) lies outside the record area",
                                 static_cast<int64_t>(h.index_offset + (r * h.fields.size() + f) * kPackedIndexEntryBytes));
      }
    }
  }
  return {};
}

}  // namespace

ItemStatus parse_packed(const char* data, size_t size, PackedHeader& out) {
  out = PackedHeader();
  PackedHeader h;
  uint32_t field_count = 0;
  uint32_t meta_bytes = 0;
  if (ItemStatus s = parse_fixed(data, size, h, field_count, meta_bytes); !s.ok()) return s;
  for (uint32_t f = 0; f < field_count; ++f) {
    const uint64_t at = kPackedFixedBytes + f * kPackedFieldBytes;
    PackedField fd;
    if (ItemStatus s = parse_field(data + at, at, f, fd); !s.ok()) return s;
    for (const PackedField& other : h.fields) {
      if (other.name == fd.name) return bad("field name '" + fd.name + "' repeats", at);
    }
    h.fields.push_back(std::move(fd));
  }
  h.meta.assign(data + h.header_bytes - meta_bytes, meta_bytes);

  const uint32_t crc = packed_header_crc(data, h.header_bytes, data + h.index_offset, h.index_bytes);
  if (crc != load<uint32_t>(data + 12)) return bad("header or index checksum mismatch (the file is corrupt)", 12);
  if (ItemStatus s = check_records(data, h); !s.ok()) return s;
  if (ItemStatus s = check_no_overlap(data, h); !s.ok()) return s;
  out = std::move(h);
  return {};
}

}  // namespace tl
