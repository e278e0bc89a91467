// Tests of core/idx_source: IDX headers (plain and gzipped) read exactly, hostile headers and
// streams refused with their codes before anything is allocated for them, the inflated cache
// written once and reused, and rows bounded by the file (out of range, truncated while mapped).
#include "core/idx_source.h"

#include "test/test_util.h"

namespace {

// An IDX file of unsigned bytes: magic 0 0 8 ndim, big-endian uint32 dims, then `data`.
std::string idx(const std::vector<uint32_t>& dims, const std::string& data, uint8_t type = 0x08) {
  std::string out{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  return out + data;
}

// Row r of the test images: byte k is (r * 31 + k) mod 251.
std::string rows(size_t n, size_t row_bytes) {
  std::string out(n * row_bytes, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(((i / row_bytes) * 31 + i % row_bytes) % 251);
  return out;
}

// gzip (RFC 1952) of `raw`, as Python's gzip module writes it.
std::string gzip(const std::string& raw) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(raw.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int r = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return r == Z_STREAM_END ? out : std::string();
}

tl::ItemStatus open_status(const std::string& path, tl::IdxOptions options = {}) {
  tl::IdxSource src(path, std::move(options));
  return src.status();
}

bool has(const tl::ItemStatus& s, const char* text) { return s.message.find(text) != std::string::npos; }

// Every row of `src` equals rows(n, row_bytes).
bool rows_equal(const tl::IdxSource& src, size_t n, size_t row_bytes) {
  const std::string want = rows(n, row_bytes);
  tl::WorkerScratch scratch;
  std::vector<uint8_t> row(row_bytes);
  for (uint32_t r = 0; r < n; ++r) {
    if (!src.fill(tl::ItemRef{r, 0}, row.data(), scratch).ok()) return false;
    if (std::memcmp(row.data(), want.data() + r * row_bytes, row_bytes) != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE(idx_plain_and_gzipped_read_the_same_rows) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string raw = idx({5, 4, 3}, rows(5, 12));
  CHECK(write_file(dir.file("images.idx"), raw));
  CHECK(write_file(dir.file("images.idx.gz"), gzip(raw)));
  {
    tl::IdxSource plain(dir.file("images.idx"), {});
    CHECK_EQ(plain.status().code, tl::Code::kOk);
    CHECK(!plain.gzipped());
    CHECK_EQ(plain.dims().size(), size_t{3});
    CHECK_EQ(plain.length(), size_t{5});
    CHECK_EQ(plain.item_bytes(), size_t{12});
    CHECK(rows_equal(plain, 5, 12));
    tl::IdxSource gz(dir.file("images.idx.gz"), {});
    CHECK_EQ(gz.status().code, tl::Code::kOk);
    CHECK(gz.gzipped());
    CHECK_EQ(gz.cache_path(), std::string());
    CHECK_EQ(gz.length(), size_t{5});
    CHECK(rows_equal(gz, 5, 12));
    // A row past the end is refused, not read past the array.
    tl::WorkerScratch scratch;
    std::vector<uint8_t> row(12);
    CHECK_EQ(gz.fill(tl::ItemRef{5, 0}, row.data(), scratch).code, tl::Code::kNotFound);
    CHECK_EQ(plain.fill(tl::ItemRef{UINT32_MAX, 0}, row.data(), scratch).code, tl::Code::kNotFound);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(idx_gz_cache_is_written_once_and_remade_when_bad) {
  TempDir dir;
  const std::string gz = dir.file("labels.idx.gz");
  CHECK(write_file(gz, gzip(idx({7}, rows(7, 1)))));
  tl::IdxOptions options;
  options.cache_dir = dir.path();
  std::string cache;
  {
    tl::IdxSource first(gz, options);
    CHECK_EQ(first.status().code, tl::Code::kOk);
    cache = first.cache_path();
    CHECK(!cache.empty());
    struct stat st {};
    CHECK_EQ(::stat(cache.c_str(), &st), 0);
    CHECK_EQ(static_cast<size_t>(st.st_size), size_t{4 + 4 + 7});
    CHECK(rows_equal(first, 7, 1));
  }
  // No temporary file is left beside the cache.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) entries += e.path().string().find(".tmp-") == std::string::npos ? 1 : 100;
  CHECK_EQ(entries, size_t{2});
  {
    // The second open maps the cache (its header parses): same rows, same cache.
    tl::IdxSource again(gz, options);
    CHECK_EQ(again.status().code, tl::Code::kOk);
    CHECK_EQ(again.cache_path(), cache);
    CHECK(rows_equal(again, 7, 1));
  }
  // A cache replaced by hand with something that does not parse is inflated again.
  CHECK(write_file(cache, "garbage"));
  {
    tl::IdxSource remade(gz, options);
    CHECK_EQ(remade.status().code, tl::Code::kOk);
    CHECK(rows_equal(remade, 7, 1));
  }
  struct stat st {};
  CHECK_EQ(::stat(cache.c_str(), &st), 0);
  CHECK_EQ(static_cast<size_t>(st.st_size), size_t{15});
  // A cache directory that cannot be written is an error naming the file, not a crash.
  tl::IdxOptions nowhere;
  nowhere.cache_dir = dir.file("missing/dir");
  const tl::ItemStatus s = open_status(gz, nowhere);
  CHECK_EQ(s.code, tl::Code::kNotFound);
  CHECK_MSG(has(s, "cannot create the cache file"), s.message);
}

TEST_CASE(idx_hostile_headers_are_refused) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  auto status_of = [&](const std::string& content, uint64_t max_bytes = uint64_t{4} << 30) {
    CHECK(write_file(dir.file("x.idx"), content));
    tl::IdxOptions o;
    o.max_bytes = max_bytes;
    return open_status(dir.file("x.idx"), o);
  };
  tl::ItemStatus s = status_of("\x01\x02\x08\x01zzzz");
  CHECK_EQ(s.code, tl::Code::kFormat);
  CHECK_MSG(has(s, "bad magic"), s.message);
  s = status_of(idx({2, 2}, std::string(16, 'a'), 0x0D));  // float32 IDX: not read
  CHECK_EQ(s.code, tl::Code::kFormat);
  CHECK_MSG(has(s, "element type"), s.message);
  s = status_of(idx({}, ""));
  CHECK_EQ(s.code, tl::Code::kFormat);
  CHECK_MSG(has(s, "1 to 8 dimensions"), s.message);
  s = status_of(idx({1, 1, 1, 1, 1, 1, 1, 1, 1}, "a"));
  CHECK_EQ(s.code, tl::Code::kFormat);
  s = status_of(std::string("\0\0\x08", 3));
  CHECK_EQ(s.code, tl::Code::kFormat);
  // A header cut inside its dimensions.
  s = status_of(idx({3, 28, 28}, "").substr(0, 10));
  CHECK_EQ(s.code, tl::Code::kShrunk);
  CHECK_MSG(has(s, "ends inside its IDX header"), s.message);
  // Data shorter or longer than the header declares.
  s = status_of(idx({3, 2}, "abcde"));
  CHECK_EQ(s.code, tl::Code::kShrunk);
  CHECK_MSG(has(s, "cut short"), s.message);
  s = status_of(idx({3, 2}, "abcdefg"));
  CHECK_EQ(s.code, tl::Code::kCount);
  // Dimensions whose product overflows 64 bits, or passes maxBytes.
  s = status_of(idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, "a"));
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  s = status_of(idx({4, 4}, std::string(16, 'a')), 15);
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  CHECK_MSG(has(s, "maxBytes"), s.message);
  // Zero items is a valid, empty array.
  s = status_of(idx({0, 28, 28}, ""));
  CHECK_EQ(s.code, tl::Code::kOk);
  s = status_of("");
  CHECK_EQ(s.code, tl::Code::kEmpty);
  CHECK_EQ(open_status(dir.file("absent.idx")).code, tl::Code::kNotFound);
  CHECK_EQ(open_status(dir.path()).code, tl::Code::kNotRegular);
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(idx_hostile_gzip_streams_are_refused) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  auto status_of = [&](const std::string& content, uint64_t max_bytes = uint64_t{4} << 30) {
    CHECK(write_file(dir.file("x.idx.gz"), content));
    tl::IdxOptions o;
    o.max_bytes = max_bytes;
    return open_status(dir.file("x.idx.gz"), o);
  };
  const std::string good = gzip(idx({64, 16}, rows(64, 16)));
  CHECK_EQ(status_of(good).code, tl::Code::kOk);
  // Cut short: the stream never ends.
  tl::ItemStatus s = status_of(good.substr(0, good.size() / 2));
  CHECK_EQ(s.code, tl::Code::kShrunk);
  CHECK_MSG(has(s, "cut short"), s.message);
  // Corrupt deflate data (or a corrupt CRC) is EDECODE.
  std::string corrupt = good;
  for (size_t i = 12; i < corrupt.size() - 8; i += 5) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  s = status_of(corrupt);
  CHECK_MSG(s.code == tl::Code::kDecode || s.code == tl::Code::kShrunk || s.code == tl::Code::kFormat, describe_status(s));
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
  s = status_of(bad_crc);
  CHECK_EQ(s.code, tl::Code::kDecode);
  // Bytes after the stream.
  s = status_of(good + "junk");
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_MSG(has(s, "follow the end of the gzip stream"), s.message);
  // More data inflated than the header declares: cut while inflating (at the declared size,
  // never more than one chunk past it), not inflated whole and refused after. Both a stream
  // whose first output already passes a tiny declared size and one that passes it later.
  s = status_of(gzip(idx({2, 2}, std::string(1 << 20, 'z'))));
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_MSG(has(s, "inflates past"), s.message);
  s = status_of(gzip(idx({1024, 1024}, std::string(3 << 20, 'z'))));
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_MSG(has(s, "inflates past"), s.message);
  // A small stream whose header asks for terabytes is refused from the header, before any
  // allocation of that size (under ASan an attempt would abort the test).
  s = status_of(gzip(idx({0xffffffu, 0xffffffu}, "abc")));
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  s = status_of(gzip(idx({8, 8}, std::string(64, 'q'))), 63);
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  // A stream that ends inside the IDX header, and a non-IDX payload.
  s = status_of(gzip(idx({3, 28, 28}, "").substr(0, 9)));
  CHECK_EQ(s.code, tl::Code::kShrunk);
  s = status_of(gzip("not an idx file at all"));
  CHECK_EQ(s.code, tl::Code::kFormat);
  s = status_of(std::string("\x1f\x8b", 2));
  CHECK_EQ(s.code, tl::Code::kShrunk);
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(idx_truncated_while_mapped_fails_rows_not_process) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("big.idx");
  constexpr size_t kRows = 32, kRow = 4096;
  CHECK(write_file(path, idx({kRows, 64, 64}, rows(kRows, kRow))));
  {
    tl::IdxSource src(path, {});
    CHECK_EQ(src.status().code, tl::Code::kOk);
    CHECK(rows_equal(src, kRows, kRow));
    // Cut to 8 pages: rows wholly inside them (header 16 bytes: rows 0..6) still read; the
    // others fail with ESHRUNK instead of a SIGBUS.
    CHECK_EQ(::truncate(path.c_str(), 8 * kPage), 0);
    tl::WorkerScratch scratch;
    std::vector<uint8_t> row(kRow);
    for (uint32_t r = 0; r < kRows; ++r) {
      const tl::ItemStatus s = src.fill(tl::ItemRef{r, 0}, row.data(), scratch);
      if (r < 7) CHECK_MSG(s.ok(), "row " + std::to_string(r));
      else CHECK_MSG(s.code == tl::Code::kShrunk && has(s, "truncated while mapped"), describe_status(s));
    }
  }
  CHECK_COUNTERS_EQ(before);
}
