// Tests of the packed format in the core: CRC-32C against its check value, writer → reader
// round trips with several fields and shards, and parse_packed on hostile bytes (every
// truncation, every single-byte flip of a small file) never reading out of bounds.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "core/pack_writer.h"
#include "core/packed_format.h"
#include "core/packed_source.h"
#include "core/worker_scratch.h"
#include "test/harness.h"

namespace {

namespace fs = std::filesystem;

struct PackDir {
  fs::path path;
  PackDir() {
    path = fs::temp_directory_path() / ("tl-packed-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~PackDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::vector<tl::PackedField> two_fields() {
  tl::PackedField image;
  image.name = "image";
  image.dtype = tl::PackedDType::kUint8;
  image.shape = {2, 3, 3};
  image.row_bytes = 18;
  tl::PackedField label;
  label.name = "label";
  label.dtype = tl::PackedDType::kInt32;
  label.row_bytes = 4;
  return {image, label};
}

// Writes records [first, first + n) of a synthetic set: image bytes (r * 7 + k) & 255, label r.
void write_records(tl::PackWriter& w, uint32_t first, uint32_t n) {
  std::vector<uint8_t> pixels(n * 18);
  std::vector<int32_t> labels(n);
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t k = 0; k < 18; ++k) pixels[i * 18 + k] = static_cast<uint8_t>(((first + i) * 7 + k) & 255);
    labels[i] = static_cast<int32_t>(first + i);
  }
  std::vector<tl::GroupColumn> cols(2);
  cols[0].data = pixels.data();
  cols[0].bytes = pixels.size();
  cols[1].data = reinterpret_cast<const uint8_t*>(labels.data());
  cols[1].bytes = labels.size() * 4;
  CHECK(w.write_group(n, cols).ok());
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE(crc32c_check_value) {
  const char* s = "123456789";
  CHECK_EQ(tl::crc32c(0, s, 9), 0xE3069283u);
  // Split anywhere, the continued CRC is the same.
  CHECK_EQ(tl::crc32c(tl::crc32c(0, s, 4), s + 4, 5), 0xE3069283u);
  CHECK_EQ(tl::crc32c(0, "", 0), 0u);
}

TEST_CASE(packed_round_trip_with_shards) {
  PackDir dir;
  std::unique_ptr<tl::PackWriter> a;
  std::unique_ptr<tl::PackWriter> b;
  CHECK(tl::PackWriter::create(dir.path.string(), two_fields(), "{\"m\":1}", a).ok());
  CHECK(tl::PackWriter::create(dir.path.string(), two_fields(), "{\"m\":1}", b).ok());
  write_records(*a, 0, 5);
  write_records(*a, 5, 3);
  write_records(*b, 8, 4);
  CHECK(a->commit(42, 0, 12, 0, 2).ok());
  CHECK(b->commit(42, 8, 12, 1, 2).ok());
  const std::string p0 = (dir.path / "s0.tlpack").string();
  const std::string p1 = (dir.path / "s1.tlpack").string();
  CHECK(a->publish(p0).ok());
  CHECK(b->publish(p1).ok());
  // Nothing but the two published files in the directory: no temporaries left.
  CHECK_EQ(static_cast<size_t>(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator())), size_t{2});

  tl::PackedSource src({p1, p0});  // any order: shards sort by number
  CHECK_MSG(src.status().ok(), src.status().message);
  CHECK_EQ(src.length(), size_t{12});
  CHECK_EQ(src.field_count(), size_t{2});
  CHECK_EQ(src.header().meta, std::string("{\"m\":1}"));
  tl::WorkerScratch scratch;
  for (uint32_t r = 0; r < 12; ++r) {
    uint8_t pixels[18];
    int32_t label = -1;
    uint8_t* dsts[2] = {pixels, reinterpret_cast<uint8_t*>(&label)};
    CHECK(src.fill_fields(tl::ItemRef{r, 0}, dsts, scratch).ok());
    CHECK_EQ(label, static_cast<int32_t>(r));
    CHECK_EQ(static_cast<int>(pixels[17]), static_cast<int>((r * 7 + 17) & 255));
  }
  size_t failed = 99;
  CHECK(src.verify(0, 12, &failed).ok());
  CHECK_EQ(failed, size_t{99});
  CHECK_EQ(src.describe(9), p1 + "#1");

  tl::PackedSource missing({p1});
  CHECK(!missing.status().ok());
  CHECK_MSG(missing.status().message.find("but 1 shards were given") != std::string::npos, missing.status().message);

  // subset: one shard of the set alone, numbered from its own record 0 (a streamed remote shard).
  tl::PackedSource alone({p1}, true);
  CHECK_MSG(alone.status().ok(), alone.status().message);
  CHECK_EQ(alone.length(), size_t{4});
  for (uint32_t r = 0; r < 4; ++r) {
    uint8_t pixels[18];
    int32_t label = -1;
    uint8_t* dsts[2] = {pixels, reinterpret_cast<uint8_t*>(&label)};
    CHECK(alone.fill_fields(tl::ItemRef{r, 0}, dsts, scratch).ok());
    CHECK_EQ(label, static_cast<int32_t>(8 + r));
  }
}

TEST_CASE(pack_writer_discards_what_it_wrote) {
  PackDir dir;
  {
    std::unique_ptr<tl::PackWriter> w;
    CHECK(tl::PackWriter::create(dir.path.string(), two_fields(), "{}", w).ok());
    write_records(*w, 0, 4);
    // A raw column of the wrong size is refused and nothing of the group is recorded.
    std::vector<tl::GroupColumn> cols(2);
    uint8_t few[3] = {};
    cols[0].data = few;
    cols[0].bytes = 3;
    cols[1].data = few;
    cols[1].bytes = 3;
    CHECK_EQ(w->write_group(1, cols).code, tl::Code::kCount);
    CHECK_EQ(w->records(), uint64_t{4});
  }  // destroyed unpublished
  CHECK(fs::is_empty(dir.path));
  std::unique_ptr<tl::PackWriter> w;
  CHECK(!tl::PackWriter::create((dir.path / "no-such-dir").string(), two_fields(), "{}", w).ok());
}

TEST_CASE(parse_packed_survives_every_truncation_and_byte_flip) {
  PackDir dir;
  std::unique_ptr<tl::PackWriter> w;
  CHECK(tl::PackWriter::create(dir.path.string(), two_fields(), "{\"x\":[1,2,3]}", w).ok());
  write_records(*w, 0, 3);
  CHECK(w->commit(7, 0, 3, 0, 1).ok());
  const std::string path = (dir.path / "f.tlpack").string();
  CHECK(w->publish(path).ok());
  const std::string good = read_all(path);
  tl::PackedHeader h;
  CHECK(tl::parse_packed(good.data(), good.size(), h).ok());
  CHECK_EQ(h.record_count, uint64_t{3});
  // Every prefix is refused (the exact size is in the header); ASan checks nothing is read past it.
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<char> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    tl::PackedHeader out;
    CHECK(!tl::parse_packed(cut.data(), cut.size(), out).ok());
  }
  // Every byte of the header and index flipped: refused (checksum or a field check). Record
  // bytes are covered by their own CRCs, checked on read.
  size_t refused = 0;
  size_t flips = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    if (i >= h.data_offset && i < h.index_offset) continue;
    std::vector<char> bad(good.begin(), good.end());
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    ++flips;
    tl::PackedHeader out;
    if (!tl::parse_packed(bad.data(), bad.size(), out).ok()) {
      ++refused;
    } else if (i < h.header_bytes || i >= h.data_offset) {
      CHECK_MSG(false, "a flip at byte " + std::to_string(i) + " was accepted");
    }
  }
  // Only flips in the zero padding between header and data are accepted: they are harmless.
  CHECK_EQ(refused, flips - (h.data_offset - h.header_bytes));
}

}  // namespace

// Two index entries sharing bytes, with every CRC (records and header) valid: only the overlap
// check can catch it, and it must, or record 1 reads as record 0.
TEST_CASE(parse_packed_refuses_overlapping_records) {
  PackDir dir;
  const std::string path = (dir.path / "overlap.tlpack").string();
  {
    std::unique_ptr<tl::PackWriter> w;
    CHECK(tl::PackWriter::create(dir.path.string(), two_fields(), "{}", w).ok());
    write_records(*w, 0, 4);
    CHECK(w->commit(7, 0, 4, 0, 1).ok());
    CHECK(w->publish(path).ok());
  }
  std::string bytes = read_all(path);
  tl::PackedHeader h;
  CHECK(tl::parse_packed(bytes.data(), bytes.size(), h).ok());
  const tl::PackedEntry e0 = tl::packed_entry(bytes.data(), h, 0, 0);
  char* e1 = bytes.data() + h.index_offset + (1 * h.fields.size() + 0) * tl::kPackedIndexEntryBytes;
  std::memcpy(e1, &e0.offset, 8);
  std::memcpy(e1 + 12, &e0.crc, 4);
  const uint32_t crc = tl::packed_header_crc(bytes.data(), h.header_bytes, bytes.data() + h.index_offset, h.index_bytes);
  std::memcpy(bytes.data() + 12, &crc, 4);
  const tl::ItemStatus s = tl::parse_packed(bytes.data(), bytes.size(), h);
  CHECK_EQ(s.code, tl::Code::kFormat);
  CHECK_MSG(s.message.find("record 1 field 'image'") != std::string::npos && s.message.find("overlaps record 0 field 'image'") != std::string::npos,
            s.message);
}
