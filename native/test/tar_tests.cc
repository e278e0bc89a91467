// Tests of the tar index and source: fixtures written by Python's tarfile (ustar, GNU, PAX
// with a global header) and GNU tar (gnu, pax), all of one tree with long names, directories,
// a symlink, hidden and key-less members; WebDataset's key rule; hand-built hostile archives
// (bad checksums, sizes past the end, base-256 and PAX sizes, limits); every truncation and
// every header byte flip of a fixture, which must give a typed error or a valid index.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/tar_index.h"
#include "core/tar_source.h"
#include "core/worker_scratch.h"
#include "test/harness.h"

namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fs::path(__FILE__).parent_path() / "fixtures" / "tar" / name; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kLong = "longdir_" + std::string(90, 'a') + "/" + std::string(110, 'b');

struct Expected {
  std::string key;
  std::vector<std::pair<std::string, std::string>> fields;  // ext, content
};

std::vector<Expected> expected(bool with_long) {
  std::vector<Expected> out;
  if (with_long) out.push_back({kLong, {{"cls", "3"}}});
  out.push_back({"sample0", {{"cls", "0\n"}, {"txt", "zero"}}});
  out.push_back({"sample1", {{"cls", "1"}, {"seg.png", "segdata1"}}});
  out.push_back({"sub/sample2", {{"cls", "2"}, {"json", "{\"n\":2}"}}});
  out.push_back({"\xc3\xbcn\xc3\xaf", {{"cls", "4"}}});
  return out;
}

void check_fixture(const std::string& name, bool with_long) {
  const std::string bytes = slurp(fixture(name));
  CHECK_MSG(!bytes.empty(), name);
  tl::TarIndex index;
  tl::ItemStatus s = tl::scan_tar_bytes(bytes.data(), bytes.size(), tl::TarLimits{}, index);
  CHECK_MSG(s.ok(), name + ": " + s.message);
  const std::vector<Expected> want = expected(with_long);
  CHECK_EQ(index.samples.size(), want.size());
  for (size_t i = 0; i < want.size() && i < index.samples.size(); ++i) {
    const tl::TarSample& got = index.samples[i];
    CHECK_EQ(got.key, want[i].key);
    CHECK_EQ(static_cast<size_t>(got.field_count), want[i].fields.size());
    for (size_t f = 0; f < want[i].fields.size() && f < got.field_count; ++f) {
      const tl::TarField& field = index.fields[got.first_field + f];
      CHECK_EQ(field.ext, want[i].fields[f].first);
      CHECK_EQ(bytes.substr(static_cast<size_t>(field.offset), static_cast<size_t>(field.size)), want[i].fields[f].second);
    }
  }
  // __meta__.json, link.cls, noext and the directories are skipped, not samples.
  CHECK_MSG(index.skipped >= 4, name);
}

// A ustar header block with a correct checksum.
std::string header(const std::string& name, uint64_t size, char type, const std::string& size_field = "") {
  std::string b(512, '\0');
  std::memcpy(&b[0], name.data(), std::min<size_t>(name.size(), 100));
  std::memcpy(&b[100], "0000644", 7);
  char num[16];
  std::snprintf(num, sizeof num, "%011llo", static_cast<unsigned long long>(size));
  if (size_field.empty()) {
    std::memcpy(&b[124], num, 11);
  } else {
    std::memcpy(&b[124], size_field.data(), std::min<size_t>(size_field.size(), 12));
  }
  std::memcpy(&b[136], "00000000000", 11);
  b[156] = type;
  std::memcpy(&b[257], "ustar\0" "00", 8);
  std::memset(&b[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  std::snprintf(num, sizeof num, "%06o", sum);
  std::memcpy(&b[148], num, 7);
  return b;
}

std::string member(const std::string& name, const std::string& data, char type = '0') {
  std::string out = header(name, data.size(), type) + data;
  out.resize((out.size() + 511) / 512 * 512, '\0');
  return out;
}

std::string pax_record(const std::string& key, const std::string& value) {
  const std::string body = " " + key + "=" + value + "\n";
  size_t len = body.size() + 1;
  while (std::to_string(len).size() + body.size() != len) ++len;
  return std::to_string(len) + body;
}

const std::string kEnd(1024, '\0');

tl::ItemStatus scan(const std::string& bytes, tl::TarIndex& index, const tl::TarLimits& limits = {}) {
  return tl::scan_tar_bytes(bytes.data(), bytes.size(), limits, index);
}

}  // namespace

TEST_CASE(tar_key_rule_is_webdatasets) {
  std::string key;
  std::string ext;
  CHECK(tl::tar_sample_key("a.seg.png", key, ext));
  CHECK_EQ(key, std::string("a"));
  CHECK_EQ(ext, std::string("seg.png"));
  CHECK(tl::tar_sample_key("dir/b.JPG", key, ext));
  CHECK_EQ(key, std::string("dir/b"));
  CHECK_EQ(ext, std::string("jpg"));
  CHECK(tl::tar_sample_key("a.b/c.d.E", key, ext));
  CHECK_EQ(key, std::string("a.b/c"));
  CHECK_EQ(ext, std::string("d.e"));
  CHECK(!tl::tar_sample_key("noext", key, ext));
  CHECK(!tl::tar_sample_key("dir/.hidden.png", key, ext));
  CHECK(!tl::tar_sample_key("__key__.txt", key, ext));
  CHECK(!tl::tar_sample_key("d/__meta.json", key, ext));
}

TEST_CASE(tar_fixtures_from_tarfile_and_gnu_tar) {
  check_fixture("py-ustar.tar", false);
  check_fixture("py-gnu.tar", true);
  check_fixture("py-pax.tar", true);
  check_fixture("gnutar-gnu.tar", true);
  check_fixture("gnutar-pax.tar", true);
}

TEST_CASE(tar_every_truncation_is_an_error) {
  const std::string bytes = slurp(fixture("py-pax.tar"));
  tl::TarIndex full;
  CHECK(scan(bytes, full).ok());
  // The end-of-archive block follows the last member's data.
  const tl::TarField& last = full.fields.back();
  const size_t end_marker = static_cast<size_t>((last.offset + last.size + 511) / 512 * 512);
  for (size_t n = 1; n < end_marker + 512; ++n) {
    tl::TarIndex index;
    tl::ItemStatus s = tl::scan_tar_bytes(bytes.data(), n, tl::TarLimits{}, index);
    if (s.ok()) {
      CHECK_MSG(false, "a tar cut at " + std::to_string(n) + " bytes was accepted");
      break;
    }
    CHECK_MSG(s.code == tl::Code::kTruncated, "cut at " + std::to_string(n) + ": " + tl::code_name(s.code) + " " + s.message);
  }
}

TEST_CASE(tar_header_byte_flips_never_misread) {
  const std::string bytes = slurp(fixture("gnutar-gnu.tar"));
  tl::TarIndex full;
  CHECK(scan(bytes, full).ok());
  size_t errors = 0;
  for (size_t at = 0; at < 4096; ++at) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x41);
    tl::TarIndex index;
    tl::ItemStatus s = scan(bad, index);
    if (!s.ok()) {
      ++errors;
      CHECK(!s.message.empty());
      CHECK(s.offset >= 0);
      continue;
    }
    // An accepted file's members stay inside it.
    for (const tl::TarField& f : index.fields) CHECK(f.offset + f.size <= bad.size());
  }
  CHECK(errors > 0);
}

TEST_CASE(tar_hostile_headers_give_typed_errors) {
  tl::TarIndex index;
  // A size past the end of the file.
  std::string past = header("a.jpg", 1 << 20, '0') + std::string(512, 'x') + kEnd;
  tl::ItemStatus s = scan(past, index);
  CHECK_EQ(s.code, tl::Code::kTruncated);
  CHECK(s.message.find("a.jpg") != std::string::npos);
  CHECK_EQ(s.offset, int64_t{0});
  // A corrupt checksum.
  std::string bad_sum = member("a.cls", "1") + kEnd;
  bad_sum[10] = 'Z';
  CHECK_EQ(scan(bad_sum, index).code, tl::Code::kFormat);
  // Sizes that are not octal, and a negative base-256 size.
  CHECK_EQ(scan(header("a.cls", 0, '0', "12x4") + kEnd, index).code, tl::Code::kFormat);
  CHECK_EQ(scan(header("a.cls", 0, '0', std::string(12, '\xff')) + kEnd, index).code, tl::Code::kFormat);
  // A base-256 size (GNU's form for large members) is read.
  std::string b256(12, '\0');
  b256[0] = static_cast<char>(0x80);
  b256[11] = 3;
  s = scan(header("a.cls", 0, '0', b256) + std::string("7\n\n") + std::string(509, '\0') + kEnd, index);
  CHECK_MSG(s.ok(), s.message);
  CHECK_EQ(index.fields.size(), size_t{1});
  if (!index.fields.empty()) CHECK_EQ(index.fields[0].size, uint64_t{3});
  // A PAX size and path override the header's.
  const std::string pax = pax_record("path", "dir/long.name.PNG") + pax_record("size", "5");
  s = scan(member("PaxHeader", pax, 'x') + header("short", 0, '0') + "hello" + std::string(507, '\0') + kEnd, index);
  CHECK_MSG(s.ok(), s.message);
  CHECK_EQ(index.samples.size(), size_t{1});
  if (!index.samples.empty()) {
    CHECK_EQ(index.samples[0].key, std::string("dir/long"));
    CHECK_EQ(index.fields[0].ext, std::string("name.png"));
    CHECK_EQ(index.fields[0].size, uint64_t{5});
  }
  // Malformed PAX records.
  CHECK_EQ(scan(member("PaxHeader", "99 path=x\n", 'x') + member("a.cls", "1") + kEnd, index).code, tl::Code::kFormat);
  CHECK_EQ(scan(member("PaxHeader", pax_record("size", "-4"), 'x') + member("a.cls", "1") + kEnd, index).code, tl::Code::kFormat);
  // An extended header over the limit.
  tl::TarLimits small;
  small.max_extended = 64;
  CHECK_EQ(scan(member("././@LongLink", std::string(100, 'n') + ".cls", 'L') + member("a.cls", "1") + kEnd, index, small).code,
           tl::Code::kTooLarge);
  // A GNU long name over the name limit.
  small = tl::TarLimits{};
  small.max_name = 50;
  CHECK_EQ(scan(member("././@LongLink", std::string(60, 'n') + ".cls", 'L') + member("a.cls", "1") + kEnd, index, small).code,
           tl::Code::kTooLarge);
  // Too many members.
  small = tl::TarLimits{};
  small.max_members = 2;
  CHECK_EQ(scan(member("a.cls", "1") + member("b.cls", "2") + member("c.cls", "3") + kEnd, index, small).code, tl::Code::kTooLarge);
  // Two members of one sample with one extension.
  s = scan(member("a.cls", "1") + member("a.CLS", "2") + kEnd, index);
  CHECK_EQ(s.code, tl::Code::kFormat);
  CHECK(s.message.find("a.CLS") != std::string::npos);
  // GNU sparse members are refused rather than read wrong.
  CHECK_EQ(scan(member("a.cls", "1", 'S') + kEnd, index).code, tl::Code::kFormat);
  // Old-style directories (regular type, trailing slash) and hard links are skipped.
  s = scan(member("d/", "", '0') + member("l.cls", "", '1') + member("a.cls", "1") + kEnd, index);
  CHECK_MSG(s.ok(), s.message);
  CHECK_EQ(index.samples.size(), size_t{1});
  CHECK_EQ(index.skipped, uint64_t{2});
  // Samples are runs: a key that comes back later starts a new sample, as in WebDataset.
  s = scan(member("a.cls", "1") + member("b.cls", "2") + member("a.txt", "t") + kEnd, index);
  CHECK_EQ(index.samples.size(), size_t{3});
  // An empty archive (end blocks only) has no samples; a cut one is an error.
  CHECK(scan(kEnd, index).ok());
  CHECK_EQ(index.samples.size(), size_t{0});
  CHECK_EQ(scan(member("a.cls", "1"), index).code, tl::Code::kTruncated);
}

TEST_CASE(tar_source_reads_labels_and_names_members) {
  tl::TarSource source({fixture("py-gnu.tar").string(), fixture("gnutar-pax.tar").string()}, tl::TarLimits{});
  CHECK_MSG(source.status().ok(), source.status().message);
  CHECK_EQ(source.length(), size_t{10});
  tl::TarFieldSpec label;
  label.name = "label";
  label.exts = {"cls"};
  label.kind = tl::TarFieldKind::kLabel;
  CHECK(source.configure({label}).ok());
  CHECK_EQ(source.item_bytes(), size_t{4});
  const int32_t want[5] = {3, 0, 1, 2, 4};
  tl::WorkerScratch scratch;
  for (uint32_t i = 0; i < 10; ++i) {
    int32_t got = -1;
    tl::ItemStatus s = source.fill(tl::ItemRef{i, 0}, reinterpret_cast<uint8_t*>(&got), scratch);
    CHECK_MSG(s.ok(), s.message);
    CHECK_EQ(got, want[i % 5]);
  }
  CHECK_EQ(source.describe(7), fixture("gnutar-pax.tar").string() + "#sample1");
  std::vector<char> text;
  tl::ItemStatus s;
  CHECK(source.member(1, "txt", text, s));
  CHECK_EQ(std::string(text.begin(), text.end()), std::string("zero"));
  CHECK(!source.member(0, "txt", text, s));
  // A field some sample lacks is refused on configure, naming shard and key.
  tl::TarFieldSpec txt;
  txt.name = "caption";
  txt.exts = {"txt"};
  txt.kind = tl::TarFieldKind::kLabel;
  s = source.configure({txt});
  CHECK_EQ(s.code, tl::Code::kNotFound);
  CHECK(s.message.find("py-gnu.tar#" + kLong) != std::string::npos);
  // A text that is no integer is a parse error naming the member.
  tl::TarFieldSpec seg = label;
  seg.exts = {"seg.png", "cls"};
  CHECK(source.configure({seg}).ok());
  int32_t v = 0;
  s = source.fill(tl::ItemRef{2, 0}, reinterpret_cast<uint8_t*>(&v), scratch);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK(s.message.find("py-gnu.tar#sample1.seg.PNG") != std::string::npos);
}

TEST_CASE(tar_source_refuses_bad_shards) {
  tl::TarSource missing({"/nonexistent/shard.tar"}, tl::TarLimits{});
  CHECK_EQ(missing.status().code, tl::Code::kNotFound);
  tl::TarSource none({}, tl::TarLimits{});
  CHECK(!none.status().ok());
}
