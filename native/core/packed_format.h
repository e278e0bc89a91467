// The packed file format (version 1): one file per shard, written once by PackWriter and
// memory-mapped by PackedSource. Everything is little-endian.
//
//   [0, 128)                fixed header: magic, version, CRC, sizes, shard and set identity
//   [128, +128 per field)   field table: name, dtype, encoding, row bytes, shape
//   [.., header_bytes)      meta: UTF-8 JSON for the JS layer (pipeline options, classes)
//   [data_offset, ..)       record bytes, in row groups: within a group each field's values
//                           are contiguous and start on a page, so a raw record whose size is
//                           a multiple of 4096 (64x64x3 uint8 is 3 pages) is page-aligned
//   [index_offset, end)     index: per record, per field {u64 offset, u32 length, u32 crc32c}
//
// header_crc covers [16, header_bytes) and then the index; each index entry carries the CRC-32C
// of its bytes. The parser trusts no length: every size and offset is checked against the
// file before anything is read through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace tl {

constexpr char kPackedMagic[8] = {'\x89', 'T', 'L', 'P', 'A', 'C', 'K', '\n'};
constexpr uint32_t kPackedVersion = 1;
constexpr size_t kPackedFixedBytes = 128;
constexpr size_t kPackedFieldBytes = 128;
constexpr size_t kPackedIndexEntryBytes = 16;
constexpr size_t kPackedPage = 4096;
constexpr size_t kPackedMaxFields = 16;
constexpr size_t kPackedMaxDims = 8;
constexpr size_t kPackedMaxName = 47;
constexpr uint64_t kPackedMaxMeta = 16u << 20;
constexpr uint64_t kPackedMaxEncoded = 1u << 30;  // one encoded record (an image file)

// Element types, numbered as on disk (NpyType's first five, then float16).
enum class PackedDType : uint8_t { kFloat32 = 0, kFloat64, kUint8, kInt32, kInt64, kFloat16 };
// Raw: the record is the field's value (row_bytes bytes). Image: encoded image bytes (JPEG,
// PNG, ... as found), decoded by the image pipeline when read.
enum class PackedEncoding : uint8_t { kRaw = 0, kImage = 1 };

size_t packed_dtype_size(PackedDType t);
const char* packed_dtype_name(PackedDType t);
bool packed_dtype_from_name(const std::string& name, PackedDType& out);

struct PackedField {
  std::string name;
  PackedDType dtype = PackedDType::kUint8;
  PackedEncoding encoding = PackedEncoding::kRaw;
  std::vector<uint64_t> shape;  // of one record's value; empty for a scalar or an encoded field
  uint64_t row_bytes = 0;       // raw: product(shape) * dtype size; encoded: 0
};

struct PackedHeader {
  uint64_t header_bytes = 0;
  uint64_t file_bytes = 0;
  uint64_t record_count = 0;
  uint64_t first_record = 0;   // global number of this shard's record 0
  uint64_t total_records = 0;  // in all shards of the set
  uint64_t index_offset = 0;
  uint64_t index_bytes = 0;
  uint64_t set_id = 0;  // the same in every shard of one pack; different packs differ
  uint32_t shard_number = 0;
  uint32_t shard_count = 1;
  std::vector<PackedField> fields;
  std::string meta;
  uint64_t data_offset = 0;  // header_bytes rounded up to a page
};

struct PackedEntry {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
};

// Validates everything that can be checked without reading records: magic, version, the
// header fields and the field table, sizes against the real file size, the header+index CRC,
// and every index entry against the record area. On error the message names what is wrong and
// the status offset is where in the file.
ItemStatus parse_packed(const char* data, size_t size, PackedHeader& out);

// Index entry (record, field) of a file parse_packed accepted.
inline PackedEntry packed_entry(const char* data, const PackedHeader& h, uint64_t record, size_t field);

// The fixed header and field table + meta of a new file, with header_crc left 0 (the writer
// fills it once the index is known). Returns header_bytes.
std::vector<char> encode_packed_header(const PackedHeader& h);
// The CRC that belongs in bytes [12, 16): over header [16, header_bytes), then the index.
uint32_t packed_header_crc(const char* header, size_t header_bytes, const char* index, size_t index_bytes);

uint64_t round_up_page(uint64_t v);
// Bytes of the fixed header, the field table and the meta: where the meta ends.
uint64_t packed_header_bytes(size_t field_count, size_t meta_bytes);

}  // namespace tl

#include <cstring>

inline tl::PackedEntry tl::packed_entry(const char* data, const PackedHeader& h, uint64_t record, size_t field) {
  const char* p = data + h.index_offset + (record * h.fields.size() + field) * kPackedIndexEntryBytes;
  PackedEntry e;
  std::memcpy(&e.offset, p, 8);
  std::memcpy(&e.length, p + 8, 4);
  std::memcpy(&e.crc, p + 12, 4);
  return e;
}
