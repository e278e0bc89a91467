// Tests of the native core (plain C++17, no JS, no test framework). Each TEST_CASE runs in
// order; CHECK records a failure with file:line and carries on. One line per test, then
// exactly `N passed, M failed`; the exit status is non-zero when any test failed.
//
// Build and run: cmake -S . -B build-native -DTL_CORE_TESTS=ON && cmake --build build-native
//                (cd build-native && ctest --output-on-failure)
// Under ASan/UBSan/LSan: scripts/native-tests.sh

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/arena.h"
#include "core/batch_engine.h"
#include "core/batch_job.h"
#include "core/counters.h"
#include "core/file_reader.h"
#include "core/item_source.h"
#include "core/worker_scratch.h"
#include "core/mapped_file.h"
#include "core/npy_header.h"
#include "core/npy_source.h"
#include "core/sigbus_guard.h"
#include "core/png_decoder.h"
#include "core/status.h"
#include "core/text_parser.h"
#include "core/text_source.h"
#include "core/thread_pool.h"
#include "core/uring_reader.h"
#include "core/vips_runtime.h"
#include "test/harness.h"

namespace {

// --- helpers -------------------------------------------------------------------------------

// A directory under /tmp, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tl_core_tests.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool write_file(const std::string& path, const std::string& content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  return std::fclose(f) == 0 && ok;
}

// Descriptors the process really holds, counted in /proc/self/fd (the one opendir uses is
// counted every time, so before/after comparisons are fair).
int count_open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

float f32(const char* text) { return static_cast<float>(std::strtod(text, nullptr)); }

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

tl::ItemStatus parse(const std::string& text, std::vector<float>& out, size_t expected) {
  out.assign(expected + 1, -12345.0f);  // one spare element: the parser must not write past `expected`
  return tl::parse_floats(text.data(), text.size(), out.data(), expected);
}

struct CounterSnapshot {
  int64_t open_descriptors, live_mappings, mapped_bytes, arena_bytes, arenas_live, slots_leased,
      pool_threads;
  static CounterSnapshot take() {
    const tl::Counters& c = tl::counters();
    return {c.open_descriptors.load(), c.live_mappings.load(), c.mapped_bytes.load(), c.arena_bytes.load(),
            c.arenas_live.load(),      c.slots_leased.load(),  c.pool_threads.load()};
  }
};

#define CHECK_COUNTERS_EQ(before)                                                   \
  do {                                                                              \
    const CounterSnapshot after_ = CounterSnapshot::take();                         \
    CHECK_EQ(after_.open_descriptors, (before).open_descriptors);                   \
    CHECK_EQ(after_.live_mappings, (before).live_mappings);                         \
    CHECK_EQ(after_.mapped_bytes, (before).mapped_bytes);                           \
    CHECK_EQ(after_.arena_bytes, (before).arena_bytes);                             \
    CHECK_EQ(after_.arenas_live, (before).arenas_live);                             \
    CHECK_EQ(after_.slots_leased, (before).slots_leased);                           \
    CHECK_EQ(after_.pool_threads, (before).pool_threads);                           \
  } while (0)

// =========================================================================================
// text_parser
// =========================================================================================

TEST_CASE(text_parser_numpy_style) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[0.5488135  0.71518937 0.60276338\n 0.43758721]\n", v, 4);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(same_bits(v[0], f32("0.5488135")));
  CHECK(same_bits(v[1], f32("0.71518937")));
  CHECK(same_bits(v[2], f32("0.60276338")));
  CHECK(same_bits(v[3], f32("0.43758721")));
  CHECK_EQ(v[4], -12345.0f);  // nothing written past `expected`
}

TEST_CASE(text_parser_double_rounding_matches_numpy) {
  // Rounded once (double -> float), not twice: a value whose direct float parse would differ
  // is still equal to static_cast<float>(strtod(...)).
  const char* tokens[] = {"0.1", "3.4028234663852886e38", "1.00000005960464477539", "-7.006492321624085e-46",
                          "1.4e-45", "123456789.123456789", "2.5e-38"};
  std::string text;
  for (const char* t : tokens) text += std::string(t) + " ";
  std::vector<float> v;
  tl::ItemStatus s = parse(text, v, 7);
  CHECK_EQ(s.code, tl::Code::kOk);
  for (size_t i = 0; i < 7; ++i) CHECK_MSG(same_bits(v[i], f32(tokens[i])), tokens[i]);
}

// A .npy file in memory: magic, version, little-endian header length, header text, data.
std::string npy(const std::string& dict, size_t data_bytes, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const size_t n = header.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (major != 1) {
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 24) & 0xff);
  }
  return out + header + std::string(data_bytes, '\0');
}

TEST_CASE(npy_header_parses_and_validates) {
  tl::NpyHeader h;
  std::string f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kOk);
  CHECK_EQ(h.shape.size(), size_t{2});
  CHECK_EQ(h.data_bytes, uint64_t{48});
  CHECK_EQ(h.data_offset, f.size() - 48);
  CHECK_EQ(h.data_offset % 64, size_t{0});
  f = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 5, 3);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kOk);
  CHECK(h.type == tl::NpyType::kUint8);
  // Hostile or broken headers: errors, never reads past the buffer.
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 47);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kDecode);  // data cut short
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", 0);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);  // overflow
  f = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'fortran_order': False, 'shape': (2,), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,x), }", 16);
  CHECK_EQ(tl::parse_npy_header(f.data(), f.size(), h).code, tl::Code::kFormat);
  std::string cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8).substr(0, 30);
  CHECK_EQ(tl::parse_npy_header(cut.data(), cut.size(), h).code, tl::Code::kDecode);  // header past the end
  std::string v9 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  v9[6] = 9;
  CHECK_EQ(tl::parse_npy_header(v9.data(), v9.size(), h).code, tl::Code::kFormat);
  CHECK_EQ(tl::parse_npy_header("\x93NUMP", 7, h).code, tl::Code::kFormat);
}

TEST_CASE(text_parser_comma_separated) {
  std::vector<float> v;
  tl::ItemStatus s = parse("1.5, -2.25,3e2 ,\t4", v, 4);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(v[0], 1.5f);
  CHECK_EQ(v[1], -2.25f);
  CHECK_EQ(v[2], 300.0f);
  CHECK_EQ(v[3], 4.0f);
}

TEST_CASE(text_parser_no_brackets) {
  std::vector<float> v;
  tl::ItemStatus s = parse("  1 2\r\n3\n", v, 3);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(v[0], 1.0f);
  CHECK_EQ(v[1], 2.0f);
  CHECK_EQ(v[2], 3.0f);
}

TEST_CASE(text_parser_2d) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[[1. 2.]\n [3. 4.]]", v, 4);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(v[0], 1.0f);
  CHECK_EQ(v[1], 2.0f);
  CHECK_EQ(v[2], 3.0f);
  CHECK_EQ(v[3], 4.0f);
}

TEST_CASE(text_parser_scientific) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[1e-3 -2.5E+2 6.02214076e23 1.e5 .5e-1]", v, 5);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(same_bits(v[0], f32("1e-3")));
  CHECK_EQ(v[1], -250.0f);
  CHECK(same_bits(v[2], f32("6.02214076e23")));
  CHECK_EQ(v[3], 100000.0f);
  CHECK(same_bits(v[4], f32("0.05")));
}

TEST_CASE(text_parser_nan_inf) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[nan inf -inf NaN -Infinity]", v, 5);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(std::isnan(v[0]));
  CHECK(std::isinf(v[1]) && v[1] > 0);
  CHECK(std::isinf(v[2]) && v[2] < 0);
  CHECK(std::isnan(v[3]));
  CHECK(std::isinf(v[4]) && v[4] < 0);
}

TEST_CASE(text_parser_leading_plus) {
  std::vector<float> v;
  tl::ItemStatus s = parse("+1.5 +2 +inf -3", v, 4);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(v[0], 1.5f);
  CHECK_EQ(v[1], 2.0f);
  CHECK(std::isinf(v[2]) && v[2] > 0);
  CHECK_EQ(v[3], -3.0f);
  // A lone '+' or a doubled one is not a number.
  s = parse("1 + 2", v, 3);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{2});
  s = parse("1 ++2", v, 2);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{2});
}

TEST_CASE(text_parser_plus_then_minus_is_not_a_number) {
  // "+-1" is not a number (strtod, Python's float() and numpy refuse it); the parser skips
  // the '+' and then lets from_chars accept "-1".
  std::vector<float> v;
  tl::ItemStatus s = parse("1 +-2", v, 2);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{2});
}

TEST_CASE(text_parser_too_few_values) {
  std::vector<float> v;
  const std::string text = "[1 2 3]\n";
  tl::ItemStatus s = parse(text, v, 4);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(s.offset, static_cast<int64_t>(text.size()));
  CHECK(s.message.find("expected 4") != std::string::npos);
  CHECK(s.message.find("found 3") != std::string::npos);
}

TEST_CASE(text_parser_too_many_values) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[1 2 3\n 44 5]", v, 3);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(s.offset, int64_t{8});  // the first extra token, "44"
  CHECK(s.message.find("found 5") != std::string::npos);
  CHECK_EQ(v[0], 1.0f);
  CHECK_EQ(v[2], 3.0f);
  CHECK_EQ(v[3], -12345.0f);  // extras are counted, never written
}

TEST_CASE(text_parser_garbage) {
  std::vector<float> v;
  tl::ItemStatus s = parse("0.1 abc 0.3", v, 3);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{4});
  CHECK(s.message.find("abc") != std::string::npos);
  // A number glued to garbage is not a number either.
  s = parse("1 2x 3", v, 3);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{2});
  // Non-printable bytes are escaped in the message.
  s = parse(std::string("1 \x01\xff", 4), v, 2);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK(s.message.find("\\x01\\xff") != std::string::npos);
}

TEST_CASE(text_parser_numpy_summarised) {
  std::vector<float> v;
  tl::ItemStatus s = parse("[0. 1. 2. ... 7. 8. 9.]", v, 10);
  CHECK_EQ(s.code, tl::Code::kParse);
  CHECK_EQ(s.offset, int64_t{10});
  CHECK(s.message.find("summarised") != std::string::npos);
}

TEST_CASE(text_parser_out_of_range) {
  // As numpy: np.fromstring('1e400 -1e400 1e-400 -1e-400', sep=' ') -> [inf, -inf, 0., -0.]
  std::vector<float> v;
  tl::ItemStatus s = parse("1e400 -1e400 1e-400 -1e-400", v, 4);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(std::isinf(v[0]) && v[0] > 0);
  CHECK(std::isinf(v[1]) && v[1] < 0);
  CHECK_EQ(v[2], 0.0f);
  CHECK(!std::signbit(v[2]));
  CHECK_EQ(v[3], 0.0f);
  CHECK(std::signbit(v[3]));
}

TEST_CASE(text_parser_long_out_of_range_token) {
  // Found by native/fuzz/text_parser_fuzz.cc: an out-of-range token over 127 characters lost
  // its exponent ("-3.40282364...4e4856838" read as -3.4028236). numpy reads the whole token.
  const std::string big = "-3.4028236" + std::string(130, '4') + "e4856838";
  const std::string tiny = "1" + std::string(200, '0') + "e-700";
  std::vector<float> v;
  tl::ItemStatus s = parse(big + " " + tiny, v, 2);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(std::isinf(v[0]) && v[0] < 0);
  CHECK_EQ(v[1], 0.0f);
}

TEST_CASE(png_decoder_leaves_rows_over_4_gib_to_libvips) {
  // zlib's avail_out is 32-bit: an RGBA PNG of 2^24 x 64 has 4 GiB + 64 bytes of filtered rows,
  // which the direct decoder used to inflate into a truncated count and read back as zeros
  // (with maxPixels raised past 2^30). It must leave such a file to libvips, allocating nothing.
  auto be32 = [](std::vector<uint8_t>& v, uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
  };
  auto chunk = [&](std::vector<uint8_t>& f, const char* type, const std::vector<uint8_t>& body) {
    be32(f, static_cast<uint32_t>(body.size()));
    const size_t start = f.size();
    f.insert(f.end(), type, type + 4);
    f.insert(f.end(), body.begin(), body.end());
    be32(f, static_cast<uint32_t>(crc32(0, f.data() + start, static_cast<uInt>(body.size() + 4))));
  };
  std::vector<uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  be32(ihdr, 1u << 24);
  be32(ihdr, 64);
  ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});
  chunk(file, "IHDR", ihdr);
  chunk(file, "IDAT", {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});  // an empty zlib stream
  chunk(file, "IEND", {});
  std::vector<uint8_t> pixels, raw;
  tl::PngImage image;
  bool handled = true;
  tl::ItemStatus s = tl::decode_png(file.data(), file.size(), uint64_t{1} << 40, pixels, raw, image, &handled);
  CHECK(!handled);
  CHECK(s.ok());
  CHECK_EQ(raw.capacity(), size_t{0});
}

TEST_CASE(text_parser_float_overflow_is_inf) {
  std::vector<float> v;
  tl::ItemStatus s = parse("1e39 -1e39 3.4028236e38", v, 3);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK(std::isinf(v[0]) && v[0] > 0);
  CHECK(std::isinf(v[1]) && v[1] < 0);
  CHECK(std::isinf(v[2]) && v[2] > 0);  // over FLT_MAX + half an ulp: rounds to inf
}

TEST_CASE(text_parser_float32_max_round_trips) {
  // numpy prints np.finfo(np.float32).max as 3.4028235e+38. As a double that is slightly
  // above FLT_MAX, but it rounds to FLT_MAX (not inf) in float32, as astype(np.float32) does.
  std::vector<float> v;
  tl::ItemStatus s = parse("[ 3.4028235e+38 -3.4028235e+38]", v, 2);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(v[0], std::numeric_limits<float>::max());
  CHECK_EQ(v[1], -std::numeric_limits<float>::max());
}

TEST_CASE(text_parser_empty) {
  std::vector<float> v;
  tl::ItemStatus s = parse("", v, 3);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(s.offset, int64_t{0});
  s = parse(" [ ]\n", v, 1);
  CHECK_EQ(s.code, tl::Code::kCount);
  CHECK_EQ(s.offset, int64_t{5});
  s = tl::parse_floats(nullptr, 0, nullptr, 0);  // zero values expected and found
  CHECK_EQ(s.code, tl::Code::kOk);
}

// =========================================================================================
// file_reader
// =========================================================================================

TEST_CASE(file_reader_small_file_is_read_not_mapped) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  const std::string path = dir.file("small.txt");
  const std::string content = "[1. 2. 3.]\n";
  CHECK(write_file(path, content));
  std::vector<char> buffer;
  {
    tl::FileBytes bytes;
    tl::ItemStatus s = tl::read_whole_file(path.c_str(), buffer, tl::ReadOptions{}, bytes);
    CHECK_EQ(s.code, tl::Code::kOk);
    CHECK(!bytes.is_owned());
    CHECK_EQ(bytes.size(), content.size());
    CHECK(bytes.data() == buffer.data());
    CHECK(std::string(bytes.data(), bytes.size()) == content);
    CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);
    CHECK_EQ(tl::counters().live_mappings.load(), before.live_mappings);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_large_file_is_mapped_and_copied) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  const std::string path = dir.file("large.bin");
  std::string content(tl::kDefaultMmapThreshold + 12345, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  CHECK(write_file(path, content));
  std::vector<char> buffer;
  {
    tl::FileBytes bytes;
    tl::ItemStatus s = tl::read_whole_file(path.c_str(), buffer, tl::ReadOptions{}, bytes);
    CHECK_EQ(s.code, tl::Code::kOk);
    CHECK(bytes.is_owned());
    CHECK(bytes.data() != buffer.data());
    CHECK_EQ(bytes.size(), content.size());
    CHECK(bytes.size() == content.size() && std::memcmp(bytes.data(), content.data(), content.size()) == 0);
    CHECK(buffer.size() <= tl::kDefaultMmapThreshold);  // the scratch never grows past the threshold
    // The mapping is gone once its bytes are copied out (see FileBytes), and the descriptor
    // with it: N large files never hold N mappings or descriptors.
    CHECK_EQ(tl::counters().live_mappings.load(), before.live_mappings);
    CHECK_EQ(tl::counters().mapped_bytes.load(), before.mapped_bytes);
    CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);
    bytes.reset();
    CHECK(!bytes.is_owned());
    CHECK(bytes.data() == nullptr);
    // Read again, released by the destructor this time.
    s = tl::read_whole_file(path.c_str(), buffer, tl::ReadOptions{}, bytes);
    CHECK_EQ(s.code, tl::Code::kOk);
    CHECK(bytes.is_owned());
    // Reading into the same FileBytes replaces (and frees) what it held.
    s = tl::read_whole_file(path.c_str(), buffer, tl::ReadOptions{}, bytes);
    CHECK_EQ(s.code, tl::Code::kOk);
    CHECK(std::memcmp(bytes.data(), content.data(), content.size()) == 0);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_larger_than_probe_is_read_whole) {
  // Above the 64 KiB probe and below the threshold: the rest is read after the probe, the
  // buffer grows only to the file size, and a threshold of SIZE_MAX ("never map") is fine.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  std::string content(200 * 1024 + 7, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  const std::string path = dir.file("big.bin");
  CHECK(write_file(path, content));
  std::vector<char> buffer;
  tl::FileBytes bytes;
  tl::ReadOptions opts;
  opts.mmap_threshold = SIZE_MAX;
  CHECK_EQ(tl::read_whole_file(path.c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(!bytes.is_owned());
  CHECK_EQ(bytes.size(), content.size());
  CHECK(std::string(bytes.data(), bytes.size()) == content);
  CHECK(buffer.size() == content.size());
  bytes.reset();
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_threshold_boundary) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("f.bin");
  CHECK(write_file(path, std::string(4096, 'x')));
  std::vector<char> buffer;
  tl::FileBytes bytes;
  tl::ReadOptions opts;
  opts.mmap_threshold = 4096;  // size >= threshold: mapped and copied
  CHECK_EQ(tl::read_whole_file(path.c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(bytes.is_owned());
  opts.mmap_threshold = 4097;  // below: read
  CHECK_EQ(tl::read_whole_file(path.c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(!bytes.is_owned());
  CHECK_EQ(bytes.size(), size_t{4096});
  // The reused buffer: a shorter file read after a longer one is exactly itself.
  CHECK(write_file(dir.file("short"), "abc"));
  CHECK_EQ(tl::read_whole_file(dir.file("short").c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(!bytes.is_owned());
  CHECK(std::string(bytes.data(), bytes.size()) == "abc");
  CHECK(buffer.size() <= opts.mmap_threshold);
  opts.mmap_threshold = 0;  // always mapped and copied
  CHECK_EQ(tl::read_whole_file(path.c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(bytes.is_owned());
  CHECK_EQ(bytes.size(), size_t{4096});
  CHECK_EQ(tl::read_whole_file(dir.file("short").c_str(), buffer, opts, bytes).code, tl::Code::kOk);
  CHECK(bytes.is_owned());
  CHECK(std::string(bytes.data(), bytes.size()) == "abc");
  CHECK_EQ(tl::counters().live_mappings.load(), before.live_mappings);
  bytes.reset();
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_errors) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  std::vector<char> buffer;
  tl::FileBytes bytes;
  tl::ReadOptions opts;

  tl::ItemStatus s = tl::read_whole_file(dir.file("missing.txt").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kNotFound);
  CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

  CHECK(write_file(dir.file("plain"), "1 2"));
  s = tl::read_whole_file(dir.file("plain/child").c_str(), buffer, opts, bytes);  // ENOTDIR
  CHECK_EQ(s.code, tl::Code::kNotFound);
  CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

  s = tl::read_whole_file(dir.path().c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kIsDirectory);
  CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

  CHECK(write_file(dir.file("empty"), ""));
  s = tl::read_whole_file(dir.file("empty").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kEmpty);
  opts.mmap_threshold = 0;  // an empty file is refused before mmap (which would fail on size 0)
  s = tl::read_whole_file(dir.file("empty").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kEmpty);
  opts = tl::ReadOptions{};
  CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

  // /dev/null is a character device: it is not a regular file (st_size 0 is never looked at).
  s = tl::read_whole_file("/dev/null", buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kNotRegular);
  CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

  CHECK(write_file(dir.file("hundred"), std::string(100, '7')));
  opts.max_bytes = 99;
  s = tl::read_whole_file(dir.file("hundred").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  CHECK(s.message.find("100 bytes") != std::string::npos);
  CHECK(bytes.data() == nullptr && bytes.size() == 0);
  opts.mmap_threshold = 0;
  s = tl::read_whole_file(dir.file("hundred").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kTooLarge);
  CHECK(!bytes.is_owned());
  opts.max_bytes = 100;  // the limit itself is allowed
  s = tl::read_whole_file(dir.file("hundred").c_str(), buffer, opts, bytes);
  CHECK_EQ(s.code, tl::Code::kOk);
  CHECK_EQ(bytes.size(), size_t{100});
  bytes.reset();
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_fifo_does_not_block) {
  // A fifo in a dataset must be refused, not block a pool thread in open() until some writer
  // appears (which would also make ThreadPool::stop() hang joining that thread).
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("fifo");
  CHECK_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto result = std::async(std::launch::async, [&path] {
    std::vector<char> buffer;
    tl::FileBytes bytes;
    return tl::read_whole_file(path.c_str(), buffer, tl::ReadOptions{}, bytes);
  });
  const bool returned = result.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  CHECK_MSG(returned, "read_whole_file blocked in open() on a fifo (no O_NONBLOCK)");
  if (!returned) {
    // Unblock it: a non-blocking writer open succeeds because a reader is waiting.
    int w = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(w >= 0);
    if (w >= 0) ::close(w);
  }
  tl::ItemStatus s = result.get();
  CHECK_EQ(s.code, tl::Code::kNotRegular);
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_no_descriptor_leak) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  CHECK(write_file(dir.file("small"), "1 2 3"));
  CHECK(write_file(dir.file("big"), std::string(64 * 1024, '1')));
  CHECK(write_file(dir.file("empty"), ""));
  const std::string small = dir.file("small"), big = dir.file("big"), empty = dir.file("empty"),
                    missing = dir.file("missing");
  std::vector<char> buffer;
  tl::ReadOptions opts;
  opts.mmap_threshold = 32 * 1024;
  const int fds_before = count_open_fds();
  CHECK(fds_before > 0);
  int ok = 0;
  for (int i = 0; i < 1000; ++i) {
    tl::FileBytes bytes;
    const std::string* path = nullptr;
    switch (i % 5) {
      case 0: path = &small; break;
      case 1: path = &big; break;
      case 2: path = &empty; break;
      case 3: path = &missing; break;
      default: path = &dir.path(); break;
    }
    if (tl::read_whole_file(path->c_str(), buffer, opts, bytes).ok()) ++ok;
  }
  CHECK_EQ(ok, 400);
  CHECK_EQ(count_open_fds(), fds_before);
  CHECK_COUNTERS_EQ(before);
}

// =========================================================================================
// arena
// =========================================================================================

TEST_CASE(arena_slots) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena arena(100, 4);
    CHECK(arena.ok());
    CHECK_EQ(arena.slot_bytes(), size_t{100});
    CHECK_EQ(arena.slot_stride(), size_t{128});
    CHECK_EQ(arena.slot_count(), size_t{4});
    CHECK_EQ(arena.reserved_bytes(), size_t{512});
    CHECK_EQ(arena.leased_count(), size_t{0});
    CHECK_EQ(tl::counters().arena_bytes.load(), before.arena_bytes + 512);
    CHECK_EQ(tl::counters().arenas_live.load(), before.arenas_live + 1);

    std::vector<int> slots;
    for (int i = 0; i < 4; ++i) {
      int slot = arena.lease();
      CHECK(slot >= 0 && slot < 4);
      CHECK(arena.is_leased(slot));
      uint8_t* p = arena.slot_data(slot);
      CHECK(p != nullptr);
      CHECK_EQ(reinterpret_cast<uintptr_t>(p) % tl::Arena::kAlignment, uintptr_t{0});
      std::memset(p, 0xab, arena.slot_bytes());  // the whole slot is usable (ASan checks)
      for (int other : slots) CHECK(other != slot);
      slots.push_back(slot);
      CHECK_EQ(arena.leased_count(), slots.size());
    }
    CHECK_EQ(arena.lease(), -1);  // full: no growth
    CHECK_EQ(arena.leased_count(), size_t{4});
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 4);

    CHECK(arena.give_back(slots[1]));
    CHECK(!arena.is_leased(slots[1]));
    CHECK(!arena.give_back(slots[1]));  // already free
    CHECK(!arena.give_back(-1));
    CHECK(!arena.give_back(4));
    CHECK(!arena.is_leased(-1));
    CHECK(!arena.is_leased(4));
    CHECK_EQ(arena.leased_count(), size_t{3});
    CHECK_EQ(arena.lease(), slots[1]);  // the most recently returned slot goes out first
    CHECK_EQ(arena.leased_count(), size_t{4});
    CHECK(arena.give_back(slots[0]));
    CHECK(arena.give_back(slots[2]));
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 2);

    arena.free_memory();  // with two slots still leased
    CHECK(!arena.ok());
    CHECK_EQ(arena.reserved_bytes(), size_t{0});
    CHECK_EQ(arena.leased_count(), size_t{0});
    CHECK_EQ(arena.lease(), -1);
    CHECK(!arena.give_back(slots[1]));
    CHECK(arena.slot_data(0) == nullptr);
    CHECK_COUNTERS_EQ(before);
    arena.free_memory();  // idempotent
    CHECK_COUNTERS_EQ(before);
  }
  CHECK_COUNTERS_EQ(before);
  {
    tl::Arena arena(64, 3);  // destroyed with every slot leased
    CHECK(arena.lease() >= 0);
    CHECK(arena.lease() >= 0);
    CHECK(arena.lease() >= 0);
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 3);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(arena_degenerate_sizes) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena none(100, 0);
    CHECK(!none.ok());
    CHECK_EQ(none.lease(), -1);
    CHECK_EQ(none.reserved_bytes(), size_t{0});
    tl::Arena overflow(SIZE_MAX / 2, 4);  // stride x count overflows size_t
    CHECK(!overflow.ok());
    CHECK_EQ(overflow.lease(), -1);
    tl::Arena zero_bytes(0, 2);  // a zero-byte item still gets a 64-byte stride
    CHECK(zero_bytes.ok());
    CHECK_EQ(zero_bytes.slot_stride(), size_t{64});
    CHECK_EQ(zero_bytes.reserved_bytes(), size_t{128});
    CounterSnapshot with_one = before;
    with_one.arena_bytes += 128;
    with_one.arenas_live += 1;
    CHECK_COUNTERS_EQ(with_one);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(arena_slot_bytes_overflow) {
  // slot_bytes near SIZE_MAX: rounding the stride up to 64 must not wrap around to a tiny
  // stride (which would give an ok() arena whose slots are far smaller than slot_bytes()).
  const CounterSnapshot before = CounterSnapshot::take();
  {
    tl::Arena arena(SIZE_MAX - 10, 1);
    CHECK(!arena.ok());
    CHECK(!arena.ok() || arena.slot_stride() >= arena.slot_bytes());
  }
  CHECK_COUNTERS_EQ(before);
}

// =========================================================================================
// thread_pool + batch_engine
// =========================================================================================

constexpr size_t kItemLength = 8;
constexpr size_t kFileCount = 200;

float expected_value(size_t file, size_t j) {
  return static_cast<float>(static_cast<double>(file) + static_cast<double>(j) * 0.125 + 0.001);
}

// ~200 small text files in the formats the parser takes, plus one path that does not exist.
struct Dataset {
  TempDir dir;
  std::vector<std::string> paths;
  size_t missing_index = 0;

  Dataset() {
    char buf[64];
    for (size_t i = 0; i < kFileCount; ++i) {
      std::string text = i % 3 == 0 ? "[" : "";
      for (size_t j = 0; j < kItemLength; ++j) {
        const double v = static_cast<double>(i) + static_cast<double>(j) * 0.125 + 0.001;
        std::snprintf(buf, sizeof buf, "%.17g", v);
        text += buf;
        if (j + 1 < kItemLength) text += i % 3 == 1 ? ", " : (j == 3 ? "\n " : "  ");
      }
      text += i % 3 == 0 ? "]\n" : "\n";
      std::string path = dir.file("item" + std::to_string(i) + ".txt");
      CHECK(write_file(path, text));
      paths.push_back(path);
    }
    missing_index = paths.size();
    paths.push_back(dir.file("does-not-exist.txt"));
  }
};

// Collects finished jobs: notify runs on a pool thread, the test waits on the condition.
struct Completions {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<tl::BatchJob*> done;
  std::atomic<int> calls{0};

  tl::BatchEngine::Notify notify() {
    return [this](tl::BatchJob* job) {
      calls.fetch_add(1);
      {
        std::lock_guard<std::mutex> lock(mu);
        done.push_back(job);
      }
      cv.notify_all();
    };
  }
  // Waits until `n` jobs have completed in total; false on timeout.
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return done.size() >= n; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return done.size();
  }
};

void check_batch_values(tl::BatchJob* job, size_t n, size_t item_length) {
  const float* data = reinterpret_cast<const float*>(job->dst);
  for (size_t i = 0; i < n; ++i) {
    if (!job->statuses[i].ok()) continue;
    for (size_t j = 0; j < item_length; ++j) {
      const float got = data[i * item_length + j];
      const float want = expected_value(job->indices[i], j);
      if (!same_bits(got, want)) {
        record_failure(__FILE__, __LINE__,
                       "item " + std::to_string(job->indices[i]) + "[" + std::to_string(j) + "] = " + show(got) +
                           ", expected " + show(want));
        return;
      }
    }
  }
}

TEST_CASE(text_source_fill) {
  Dataset ds;
  tl::TextSource source(ds.paths, kItemLength);
  CHECK_EQ(source.length(), kFileCount + 1);
  CHECK_EQ(source.item_bytes(), kItemLength * sizeof(float));
  tl::WorkerScratch scratch;
  std::vector<float> out(kItemLength);
  const int64_t read_before = tl::counters().items_read.load();
  for (size_t i : {size_t{0}, size_t{1}, size_t{2}, kFileCount - 1}) {
    tl::ItemStatus s = source.fill(tl::ItemRef{static_cast<uint32_t>(i), 0}, reinterpret_cast<uint8_t*>(out.data()), scratch);
    CHECK_EQ(s.code, tl::Code::kOk);
    for (size_t j = 0; j < kItemLength; ++j) CHECK(same_bits(out[j], expected_value(i, j)));
  }
  // Items are counted by whoever runs fill (the pool once per claim, readInto per call), so
  // a direct fill counts nothing.
  CHECK_EQ(tl::counters().items_read.load(), read_before);
  CHECK_EQ(source.fill(tl::ItemRef{static_cast<uint32_t>(ds.missing_index), 0}, reinterpret_cast<uint8_t*>(out.data()), scratch).code,
           tl::Code::kNotFound);
  CHECK_EQ(source.fill(tl::ItemRef{static_cast<uint32_t>(ds.missing_index + 1), 0}, reinterpret_cast<uint8_t*>(out.data()), scratch).code,
           tl::Code::kNotFound);
  CHECK(source.describe(3) == ds.paths[3]);
  CHECK(source.describe(ds.paths.size()).empty());
  // The same files read as items of the wrong length: ECOUNT, never an overrun.
  tl::TextSource shorter(ds.paths, kItemLength - 1);
  tl::ItemStatus s = shorter.fill(tl::ItemRef{0, 0}, reinterpret_cast<uint8_t*>(out.data()), scratch);
  CHECK_EQ(s.code, tl::Code::kCount);
}

TEST_CASE(engine_batches_values) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 16;
    opts.slots = 4;
    opts.threads = 3;
    {
      tl::BatchEngine engine(source, opts, done.notify());
      CHECK(engine.init_error().empty());
      CHECK_EQ(engine.threads(), size_t{3});
      CHECK_EQ(engine.batch_size(), size_t{16});
      CHECK_EQ(engine.arena().slot_count(), size_t{4});

      // Every file once, in a shuffled order, up to 4 batches in flight.
      std::vector<uint32_t> order(kFileCount);
      for (size_t i = 0; i < kFileCount; ++i) order[i] = static_cast<uint32_t>((i * 37) % kFileCount);
      size_t submitted = 0, completed = 0, pos = 0, in_flight = 0;
      std::vector<bool> seen(kFileCount, false);
      const int64_t read_before = tl::counters().items_read.load();
      while (completed < (kFileCount + 15) / 16) {
        while (pos < kFileCount && in_flight < opts.slots) {
          const size_t n = std::min<size_t>(16, kFileCount - pos);
          tl::ItemStatus error;
          tl::BatchJob* job = engine.submit(order.data() + pos, n, 0, &error);
          CHECK_MSG(job != nullptr, error.message);
          if (job == nullptr) return;
          CHECK_EQ(job->count, n);
          pos += n;
          ++submitted;
          ++in_flight;
        }
        if (!done.wait_for(completed + 1)) {
          CHECK_MSG(false, "timed out waiting for a batch");
          return;
        }
        tl::BatchJob* job = nullptr;
        {
          std::lock_guard<std::mutex> lock(done.mu);
          job = done.done[completed];
        }
        CHECK_EQ(job->done.load(), job->count);
        CHECK_EQ(job->failed.load(), size_t{0});
        check_batch_values(job, job->count, kItemLength);
        for (size_t i = 0; i < job->count; ++i) seen[job->indices[i]] = true;
        CHECK(engine.release(job->slot));
        CHECK(!engine.release(job->slot));  // released twice: refused
        ++completed;
        --in_flight;
      }
      CHECK_EQ(submitted, (kFileCount + 15) / 16);
      CHECK_EQ(tl::counters().items_read.load(), read_before + static_cast<int64_t>(kFileCount));  // once per item, by the pool
      for (size_t i = 0; i < kFileCount; ++i) CHECK_MSG(seen[i], "item " + std::to_string(i) + " never delivered");
      CHECK_EQ(engine.arena().leased_count(), size_t{0});

      // Job objects are reused per slot: the statuses of an earlier failure are cleared.
      tl::ItemStatus error;
      uint32_t bad[2] = {0, static_cast<uint32_t>(ds.missing_index)};
      tl::BatchJob* job = engine.submit(bad, 2, 0, &error);
      CHECK(job != nullptr);
      CHECK(done.wait_for(completed + 1));
      ++completed;
      if (job != nullptr) {
        CHECK_EQ(job->failed.load(), size_t{1});
        const int slot = job->slot;
        CHECK(engine.release(slot));
        // Many more rounds so every slot's job is reused after a failure.
        for (int round = 0; round < 40; ++round) {
          uint32_t good[3] = {static_cast<uint32_t>(round), static_cast<uint32_t>(round + 1),
                              static_cast<uint32_t>(round + 2)};
          tl::BatchJob* j = engine.submit(good, 3, 0, &error);
          CHECK(j != nullptr);
          if (j == nullptr) break;
          CHECK(done.wait_for(completed + 1));
          ++completed;
          CHECK_EQ(j->failed.load(), size_t{0});
          for (size_t i = 0; i < 3; ++i) CHECK(j->statuses[i].ok());
          check_batch_values(j, 3, kItemLength);
          CHECK(engine.release(j->slot));
        }
      }
      CHECK_EQ(static_cast<size_t>(done.calls.load()), completed);
    }
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_compact_and_refill_replace_failed_items) {
  // What the loader does with onError 'skip': drop the failed rows, then fill the gap.
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 4;
    opts.slots = 1;
    opts.threads = 2;
    tl::BatchEngine engine(source, opts, done.notify());
    tl::ItemStatus error;
    uint32_t first[4] = {5, static_cast<uint32_t>(ds.missing_index), 6, 7};
    tl::BatchJob* job = engine.submit(first, 4, 3, &error);
    CHECK(job != nullptr);
    CHECK(done.wait_for(1));
    if (job != nullptr) {
      CHECK_EQ(job->epoch, uint32_t{3});
      CHECK_EQ(job->failed.load(), size_t{1});
      const int slot = job->slot;
      uint32_t keep[3] = {0, 2, 3};
      CHECK(engine.compact(slot, keep, 3));
      uint32_t bad_keep[2] = {2, 1};
      CHECK(!engine.compact(slot, bad_keep, 2));  // not ascending
      uint32_t more[1] = {8};
      uint32_t too_many[2] = {8, 9};
      CHECK(engine.refill(slot, 3, too_many, 2, 3, &error) == nullptr);  // only one row left
      tl::BatchJob* again = engine.refill(slot, 3, more, 1, 3, &error);
      CHECK_MSG(again != nullptr, error.message);
      CHECK(done.wait_for(2));
      const float* rows = reinterpret_cast<const float*>(engine.arena().slot_data(slot));
      const uint32_t want[4] = {5, 6, 7, 8};
      for (size_t r = 0; r < 4; ++r) {
        for (size_t j = 0; j < kItemLength; ++j) CHECK(same_bits(rows[r * kItemLength + j], expected_value(want[r], j)));
      }
      CHECK(engine.release(slot));
      CHECK(engine.refill(slot, 0, more, 1, 0, &error) == nullptr);  // not leased any more
    }
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_missing_file_in_batch) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 8;
    opts.slots = 2;
    opts.threads = 2;
    tl::BatchEngine engine(source, opts, done.notify());
    uint32_t indices[5] = {5, 6, static_cast<uint32_t>(ds.missing_index), 7, 8};
    tl::ItemStatus error;
    tl::BatchJob* job = engine.submit(indices, 5, 0, &error);
    CHECK_MSG(job != nullptr, error.message);
    if (job == nullptr) return;
    CHECK(done.wait_for(1));
    CHECK_EQ(done.calls.load(), 1);
    CHECK_EQ(job->done.load(), size_t{5});
    CHECK_EQ(job->failed.load(), size_t{1});
    CHECK_EQ(job->statuses[2].code, tl::Code::kNotFound);
    CHECK(!job->statuses[2].message.empty());
    CHECK(engine.source().describe(job->indices[2]) == ds.paths[ds.missing_index]);
    for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}}) CHECK_EQ(job->statuses[i].code, tl::Code::kOk);
    check_batch_values(job, 5, kItemLength);
    CHECK(engine.release(job->slot));
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_submit_refusals) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 4;
    opts.slots = 2;
    opts.threads = 2;
    tl::BatchEngine engine(source, opts, done.notify());
    tl::ItemStatus error;
    const uint32_t length = static_cast<uint32_t>(source->length());

    uint32_t out_of_range[3] = {0, length, 1};
    CHECK(engine.submit(out_of_range, 3, 0, &error) == nullptr);
    CHECK_MSG(error.message.find("out of range") != std::string::npos, error.message);
    CHECK_EQ(engine.arena().leased_count(), size_t{0});  // nothing leased by a refusal

    uint32_t ok[4] = {0, 1, 2, 3};
    error = tl::ItemStatus();
    CHECK(engine.submit(ok, 0, 0, &error) == nullptr);
    CHECK(!error.ok());
    error = tl::ItemStatus();
    uint32_t five[5] = {0, 1, 2, 3, 4};
    CHECK(engine.submit(five, 5, 0, &error) == nullptr);  // over the batch size
    CHECK(!error.ok());
    CHECK_EQ(engine.arena().leased_count(), size_t{0});

    // Two slots: two batches in flight (consumed, not released), the third is refused.
    tl::BatchJob* a = engine.submit(ok, 4, 0, &error);
    tl::BatchJob* b = engine.submit(ok, 4, 0, &error);
    CHECK(a != nullptr && b != nullptr);
    CHECK(done.wait_for(2));
    error = tl::ItemStatus();
    CHECK(engine.submit(ok, 4, 0, &error) == nullptr);
    CHECK_EQ(error.message, std::string("no free slot"));
    CHECK_EQ(error.code, tl::Code::kNoSlot);
    if (a != nullptr) CHECK(engine.release(a->slot));
    tl::BatchJob* c = engine.submit(ok, 4, 0, &error);
    CHECK(c != nullptr);
    CHECK(done.wait_for(3));
    if (c != nullptr) check_batch_values(c, 4, kItemLength);

    // After shutdown nothing is accepted.
    engine.shutdown(false);
    CHECK_EQ(tl::counters().pool_threads.load(), before.pool_threads);
    if (b != nullptr) CHECK(engine.release(b->slot));
    error = tl::ItemStatus();
    CHECK(engine.submit(ok, 4, 0, &error) == nullptr);
    CHECK(!error.ok());
    CHECK_EQ(engine.arena().leased_count(), size_t{1});  // only c, whose slot is still out
    engine.shutdown(true);
    engine.shutdown(true);  // idempotent
    CHECK_EQ(engine.arena().reserved_bytes(), size_t{0});
    error = tl::ItemStatus();
    CHECK(engine.submit(ok, 4, 0, &error) == nullptr);
    CHECK(!error.ok());
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_init_error) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    auto source = std::make_shared<tl::TextSource>(std::vector<std::string>{"/nonexistent"}, 4);
    tl::EngineOptions opts;
    opts.batch_size = 0;
    tl::BatchEngine engine(source, opts, [](tl::BatchJob*) {});
    CHECK(!engine.init_error().empty());
    CHECK_EQ(engine.threads(), size_t{0});
    uint32_t idx = 0;
    tl::ItemStatus error;
    CHECK(engine.submit(&idx, 1, 0, &error) == nullptr);
    CHECK(error.message == engine.init_error());
  }
  CHECK_COUNTERS_EQ(before);
}

// A source whose items take a while, so that batches queue up behind each other.
class SlowSource final : public tl::ItemSource {
 public:
  explicit SlowSource(std::chrono::milliseconds delay) : delay_(delay) {}
  size_t length() const override { return 1000; }
  size_t item_bytes() const override { return sizeof(uint32_t); }
  tl::ItemStatus fill(const tl::ItemRef& item, uint8_t* dst, tl::WorkerScratch&) const override {
    const size_t index = item.index;
    started.fetch_add(1);
    std::this_thread::sleep_for(delay_);
    const auto v = static_cast<uint32_t>(index);
    std::memcpy(dst, &v, sizeof v);
    finished.fetch_add(1);
    return {};
  }
  std::string describe(size_t index) const override { return "slow#" + std::to_string(index); }

  mutable std::atomic<int> started{0};
  mutable std::atomic<int> finished{0};

 private:
  std::chrono::milliseconds delay_;
};

TEST_CASE(engine_shutdown_with_queued_jobs) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    auto source = std::make_shared<SlowSource>(std::chrono::milliseconds(20));
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 32;
    opts.slots = 4;
    opts.threads = 2;
    auto engine = std::make_unique<tl::BatchEngine>(source, opts, done.notify());
    std::vector<uint32_t> idx(32);
    for (uint32_t i = 0; i < 32; ++i) idx[i] = i;
    tl::ItemStatus error;
    for (int i = 0; i < 4; ++i) CHECK(engine->submit(idx.data(), idx.size(), 0, &error) != nullptr);
    // ~4 x 32 x 20 ms / 2 threads = 1.3 s of queued work; stop after the first items started.
    const auto wait_start = std::chrono::steady_clock::now();
    while ((source->started.load() < 2 || tl::counters().pool_threads.load() < before.pool_threads + 2) &&
           std::chrono::steady_clock::now() - wait_start < std::chrono::seconds(5)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK_EQ(tl::counters().pool_threads.load(), before.pool_threads + 2);
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased + 4);

    const auto t0 = std::chrono::steady_clock::now();
    engine->shutdown(false);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    CHECK_MSG(ms.count() < 500, "shutdown took " + std::to_string(ms.count()) + " ms");
    CHECK_EQ(tl::counters().pool_threads.load(), before.pool_threads);
    // Running items finished, queued ones never started, and no batch was reported complete.
    const int started = source->started.load();
    CHECK_EQ(source->finished.load(), started);
    CHECK(started < 4 * 32);
    CHECK_EQ(done.count(), size_t{0});
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    CHECK_EQ(source->started.load(), started);  // no pool thread touches anything after shutdown

    // The slab is still there (views could be alive); destroying the engine frees it.
    CHECK(engine->arena().ok());
    CHECK_EQ(tl::counters().arena_bytes.load(), before.arena_bytes + static_cast<int64_t>(engine->arena().reserved_bytes()));
    engine.reset();
    CHECK_EQ(tl::counters().arena_bytes.load(), before.arena_bytes);
    CHECK_EQ(tl::counters().slots_leased.load(), before.slots_leased);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_destroyed_while_running) {
  // The destructor alone must stop the threads and free the slab, even mid-batch.
  const CounterSnapshot before = CounterSnapshot::take();
  {
    auto source = std::make_shared<SlowSource>(std::chrono::milliseconds(5));
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 8;
    opts.slots = 3;
    opts.threads = 4;
    {
      tl::BatchEngine engine(source, opts, done.notify());
      uint32_t idx[8] = {0, 1, 2, 3, 4, 5, 6, 7};
      tl::ItemStatus error;
      for (int i = 0; i < 3; ++i) CHECK(engine.submit(idx, 8, 0, &error) != nullptr);
      std::this_thread::sleep_for(std::chrono::milliseconds(12));
    }
    CHECK_EQ(source->started.load(), source->finished.load());
    CHECK_COUNTERS_EQ(before);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(thread_pool_direct) {
  // The pool without the engine: jobs run in order, each completes once, stop() is idempotent.
  const CounterSnapshot before = CounterSnapshot::take();
  {
    auto source = std::make_shared<SlowSource>(std::chrono::milliseconds(0));
    Completions done;
    std::vector<std::unique_ptr<tl::BatchJob>> jobs;
    std::vector<std::vector<uint32_t>> outputs;
    tl::ThreadPool pool(4);
    CHECK_EQ(pool.size(), size_t{4});
    for (size_t k = 0; k < 20; ++k) {
      auto job = std::make_unique<tl::BatchJob>();
      const size_t n = 1 + k * 3;
      outputs.emplace_back(n, 0xffffffffu);
      job->source = source.get();
      job->item_bytes = sizeof(uint32_t);
      job->dst = reinterpret_cast<uint8_t*>(outputs.back().data());
      job->slot = static_cast<int>(k);
      job->indices.resize(n);
      for (size_t i = 0; i < n; ++i) job->indices[i] = static_cast<uint32_t>(k * 100 + i);
      job->on_complete = done.notify();
      job->reset(n);
      jobs.push_back(std::move(job));
    }
    for (auto& job : jobs) CHECK(pool.submit(job.get()));
    CHECK(done.wait_for(jobs.size()));
    CHECK_EQ(done.calls.load(), static_cast<int>(jobs.size()));
    for (size_t k = 0; k < jobs.size(); ++k) {
      CHECK_EQ(jobs[k]->done.load(), jobs[k]->count);
      for (size_t i = 0; i < outputs[k].size(); ++i) {
        if (outputs[k][i] != k * 100 + i) {
          CHECK_MSG(false, "job " + std::to_string(k) + " item " + std::to_string(i));
          break;
        }
      }
    }
    pool.stop();
    pool.stop();
    CHECK(!pool.submit(jobs[0].get()));
    CHECK_EQ(tl::counters().pool_threads.load(), before.pool_threads);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_stress_many_batches) {
  // Many small batches through several threads and every slot, to give the sanitizers
  // something to look at. Each batch is checked and released from this (the owner) thread.
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 7;
    opts.slots = 5;
    opts.threads = 4;
    tl::BatchEngine engine(source, opts, done.notify());
    size_t completed = 0;
    uint32_t next = 0;
    size_t in_flight = 0;
    const size_t total = 300;
    size_t submitted = 0;
    while (completed < total) {
      while (submitted < total && in_flight < opts.slots) {
        uint32_t idx[7];
        const size_t n = 1 + submitted % 7;
        for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(next++ % kFileCount);
        tl::ItemStatus error;
        tl::BatchJob* job = engine.submit(idx, n, 0, &error);
        CHECK_MSG(job != nullptr, error.message);
        if (job == nullptr) return;
        ++submitted;
        ++in_flight;
      }
      if (!done.wait_for(completed + 1)) {
        CHECK_MSG(false, "timed out");
        return;
      }
      tl::BatchJob* job = nullptr;
      {
        std::lock_guard<std::mutex> lock(done.mu);
        job = done.done[completed];
      }
      CHECK_EQ(job->failed.load(), size_t{0});
      check_batch_values(job, job->count, kItemLength);
      CHECK(engine.release(job->slot));
      ++completed;
      --in_flight;
    }
  }
  CHECK_COUNTERS_EQ(before);
}

// =========================================================================================
// io_uring batches: uring_reader + TextSource::fill_many + claims in the pool
// =========================================================================================

// Whether this process can batch reads through io_uring (kernel, seccomp, sysctl
// kernel.io_uring_disabled, TENSORLOADER_NO_IO_URING). The tests compare the batched path with
// the plain one either way, and check that the ring really read the files when it can.
bool uring_available() {
  static const bool available = [] {
    tl::UringReader reader;
    const bool usable = reader.usable();
    if (!usable) std::printf("    note: io_uring is not usable here; batches take the plain path\n");
    return usable;
  }();
  return available;
}

bool same_status(const tl::ItemStatus& a, const tl::ItemStatus& b) {
  return a.code == b.code && a.message == b.message && a.offset == b.offset;
}

std::string describe_status(const tl::ItemStatus& s) {
  return std::string(tl::code_name(s.code)) + " \"" + s.message + "\" @" + std::to_string(s.offset);
}

// Ten numbers as numpy prints them, different for every `seed`.
std::string numpy_text(size_t seed) {
  std::string text = "[";
  char buf[32];
  for (size_t j = 0; j < 10; ++j) {
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>((seed * 7919 + j * 104729) % 100000) / 100000.0);
    text += buf;
    text += j == 5 ? "\n " : (j + 1 < 10 ? " " : "]\n");
  }
  return text;
}

TEST_CASE(uring_reader_reads_small_files_and_leaves_the_rest) {
  const CounterSnapshot before = CounterSnapshot::take();
  const int64_t rings_before = tl::counters().io_rings.load();
  TempDir dir;
  CHECK(dir.ok());
  const size_t sizes[] = {1, 100, 4095, 4096, 5000};
  std::vector<std::string> contents;
  for (size_t size : sizes) {
    std::string c(size, '\0');
    for (size_t i = 0; i < size; ++i) c[i] = static_cast<char>('a' + (i * 7 + size) % 26);
    CHECK(write_file(dir.file("f" + std::to_string(size)), c));
    contents.push_back(c);
  }
  CHECK(write_file(dir.file("empty"), ""));
  CHECK(::mkdir(dir.file("sub").c_str(), 0700) == 0);
  CHECK(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  const std::string p1 = dir.file("f1"), p100 = dir.file("f100"), p4095 = dir.file("f4095"), p4096 = dir.file("f4096"),
                    p5000 = dir.file("f5000"), empty = dir.file("empty"), missing = dir.file("missing"),
                    sub = dir.file("sub"), fifo = dir.file("fifo"), notdir = dir.file("f1/child");
  const int fds_before = count_open_fds();
  {
    tl::UringReader reader;
    const bool usable = reader.usable();
    CHECK_EQ(usable, uring_available());
    const char* paths[] = {p1.c_str(),  p100.c_str(),  p4095.c_str(), p4096.c_str(), p5000.c_str(), empty.c_str(),
                           missing.c_str(), sub.c_str(), fifo.c_str(), "/dev/null",  nullptr,       notdir.c_str(),
                           p100.c_str(), p1.c_str()};
    constexpr size_t n = sizeof paths / sizeof paths[0];
    static_assert(n <= tl::UringReader::kMaxFiles, "one batch");
    for (int round = 0; round < 3; ++round) {  // the same ring and buffers, reused
      tl::UringRead out[n];
      reader.read(paths, n, 4096, out);
      auto read_as = [&](size_t i, const std::string& want) {
        if (!usable) {
          CHECK(out[i].data == nullptr);
          return;
        }
        CHECK_MSG(out[i].data != nullptr && std::string(out[i].data, out[i].size) == want, paths[i]);
      };
      read_as(0, contents[0]);
      read_as(1, contents[1]);
      read_as(2, contents[2]);  // one byte short of the buffer: surely the whole file
      read_as(12, contents[1]);
      read_as(13, contents[0]);
      // A full buffer (4096, 5000) may not be the whole file; errors, empty files, fifos and
      // devices are all left to read_whole_file.
      for (size_t i = 3; i <= 11; ++i) CHECK_MSG(out[i].data == nullptr, std::to_string(i));
    }
    // The ring's own descriptor is registered with the thread and closed: never visible.
    CHECK_EQ(count_open_fds(), fds_before);
    CHECK_EQ(tl::counters().io_rings.load(), rings_before + (usable ? 1 : 0));
    CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);

    // Requests the buffers cannot hold are refused whole, not truncated.
    tl::UringRead out[2];
    reader.read(paths, 2, tl::UringReader::kBufferBytes, out);
    CHECK(out[0].data == nullptr && out[1].data == nullptr);
    tl::UringRead many[tl::UringReader::kMaxFiles + 1];
    const char* more[tl::UringReader::kMaxFiles + 1];
    for (auto& p : more) p = p1.c_str();
    reader.read(more, tl::UringReader::kMaxFiles + 1, 16, many);
    for (auto& r : many) CHECK(r.data == nullptr);
  }
  // A thread registers at most 16 rings at once: 40 in a row only work if each one is
  // unregistered by its destructor.
  for (int i = 0; i < 40; ++i) {
    tl::UringReader reader;
    const char* p = p100.c_str();
    tl::UringRead out[1];
    reader.read(&p, 1, 4096, out);
    CHECK_EQ(out[0].data != nullptr, uring_available());
  }
  CHECK_EQ(tl::counters().io_rings.load(), rings_before);
  CHECK_EQ(count_open_fds(), fds_before);
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(uring_reader_fifo_with_writer_does_not_block) {
  // With a writer attached and no data, io_uring would poll a fifo until data comes (it
  // retries pollable files even when opened O_NONBLOCK); RWF_NOWAIT makes it fail instead.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("fifo");
  CHECK_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  const int writer_fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  CHECK(reader_fd >= 0 && writer_fd >= 0);
  auto result = std::async(std::launch::async, [&path] {
    tl::UringReader reader;
    const char* p = path.c_str();
    tl::UringRead out[1];
    reader.read(&p, 1, 4096, out);
    const bool refused = out[0].data == nullptr;
    // And through the source: the status read_whole_file gives.
    tl::TextSource source({path}, 10);
    tl::WorkerScratch scratch;
    float values[10];
    uint8_t* dst = reinterpret_cast<uint8_t*>(values);
    tl::ItemRef ref{0, 0};
    tl::ItemStatus status;
    source.fill_many(&ref, &dst, &status, 1, scratch);
    return refused && status.code == tl::Code::kNotRegular;
  });
  const bool returned = result.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  CHECK_MSG(returned, "a batched read blocked on a fifo with a writer");
  if (!returned && writer_fd >= 0) {
    const char byte = '1';
    for (int i = 0; i < 2; ++i) CHECK_EQ(::write(writer_fd, &byte, 1), ssize_t{1});  // unblock it
  }
  CHECK(result.get());
  if (writer_fd >= 0) ::close(writer_fd);
  if (reader_fd >= 0) ::close(reader_fd);
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(text_source_fill_many_matches_fill) {
  // Values bit for bit, and statuses, equal to one fill() per item, for batches of every size
  // from 1 to over kMaxFiles (fill_many splits those), in a shuffled order.
  const CounterSnapshot before = CounterSnapshot::take();
  Dataset ds;
  tl::ReadOptions plain_opts;
  plain_opts.io_uring = false;
  tl::TextSource batched(ds.paths, kItemLength);
  tl::TextSource plain(ds.paths, kItemLength, plain_opts);
  CHECK_EQ(plain.claim_size(), size_t{1});
  CHECK_EQ(batched.claim_size(), tl::io_uring_allowed_by_env() ? tl::kMaxClaim : size_t{1});
  tl::WorkerScratch scratch, plain_scratch;
  const size_t total = ds.paths.size() + 1;  // every file, the missing one, and an index out of range
  std::vector<uint32_t> order(total);
  for (size_t i = 0; i < total; ++i) order[i] = static_cast<uint32_t>((i * 37 + 11) % total);
  const int64_t read_before = tl::counters().items_read.load();
  size_t ok = 0, compared = 0;
  for (size_t pos = 0, chunk = 1; pos < total; pos += chunk, chunk = chunk % 40 + 1) {
    const size_t n = std::min(chunk, total - pos);
    std::vector<tl::ItemRef> refs(n);
    std::vector<float> got(n * kItemLength, -1.0f), want(n * kItemLength, -2.0f);
    std::vector<uint8_t*> dsts(n);
    std::vector<tl::ItemStatus> statuses(n, tl::ItemStatus::error(tl::Code::kIo, "stale"));
    for (size_t i = 0; i < n; ++i) {
      refs[i] = tl::ItemRef{order[pos + i], 1};
      dsts[i] = reinterpret_cast<uint8_t*>(got.data() + i * kItemLength);
    }
    batched.fill_many(refs.data(), dsts.data(), statuses.data(), n, scratch);
    for (size_t i = 0; i < n; ++i) {
      const tl::ItemStatus s =
          plain.fill(refs[i], reinterpret_cast<uint8_t*>(want.data() + i * kItemLength), plain_scratch);
      CHECK_MSG(same_status(statuses[i], s), describe_status(statuses[i]) + " vs " + describe_status(s));
      if (s.ok()) {
        ++ok;
        for (size_t j = 0; j < kItemLength; ++j) {
          if (!same_bits(got[i * kItemLength + j], want[i * kItemLength + j])) {
            CHECK_MSG(false, "item " + std::to_string(refs[i].index) + "[" + std::to_string(j) + "]");
            break;
          }
        }
      }
      ++compared;
    }
  }
  CHECK_EQ(compared, total);
  CHECK_EQ(ok, kFileCount);
  CHECK_EQ(tl::counters().items_read.load(), read_before);  // fill and fill_many do not count; the pool does
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(text_source_fill_many_errors_match_plain_path) {
  // One batch mixing every failure with good items: each status is exactly the one of the
  // plain path (so of read_whole_file for the file errors), down to message and offset.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  std::string big = numpy_text(3);
  big.insert(big.size() - 2, 12000, ' ');  // far over the 4 KiB a batched file gets
  std::string exact = numpy_text(4);
  exact.insert(exact.size() - 2, 4096 - exact.size(), ' ');  // fills the buffer exactly
  CHECK_EQ(exact.size(), size_t{4096});
  std::string almost = numpy_text(5);
  almost.insert(almost.size() - 2, 4095 - almost.size(), ' ');
  const std::pair<const char*, std::string> files[] = {
      {"good0", numpy_text(0)},
      {"empty", ""},
      {"good1", numpy_text(1)},
      {"too_long", "1 2 3 4 5 6 7 8 9 10 11\n"},
      {"too_short", "[1 2 3]\n"},
      {"garbage", "[0.1 0.2 0.3 zz 0.5 0.6 0.7 0.8 0.9 1.0]\n"},
      {"big", big},
      {"exact", exact},
      {"almost", almost},
      {"good2", numpy_text(2)},
  };
  std::vector<std::string> paths;
  for (const auto& f : files) {
    CHECK(write_file(dir.file(f.first), f.second));
    paths.push_back(dir.file(f.first));
  }
  CHECK(::mkdir(dir.file("sub").c_str(), 0700) == 0);
  CHECK(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  for (const char* extra : {"missing", "sub", "fifo", "good0/child"}) paths.push_back(dir.file(extra));
  paths.push_back("/dev/null");

  tl::ReadOptions plain_opts;
  plain_opts.io_uring = false;
  tl::TextSource batched(paths, 10);
  tl::TextSource plain(paths, 10, plain_opts);
  // Over the limit: ETOOLARGE either way, even for a file the ring read whole.
  tl::ReadOptions small_limit;
  small_limit.max_bytes = 50;
  tl::TextSource limited(paths, 10, small_limit);
  small_limit.io_uring = false;
  tl::TextSource limited_plain(paths, 10, small_limit);

  const size_t n = paths.size() + 1;  // + one index out of range
  CHECK(n <= tl::kMaxClaim);
  std::vector<tl::ItemRef> refs(n);
  for (size_t i = 0; i < n; ++i) refs[i] = tl::ItemRef{static_cast<uint32_t>(i), 0};
  tl::WorkerScratch scratch, plain_scratch;
  const struct {
    const tl::TextSource* batched;
    const tl::TextSource* plain;
  } pairs[] = {{&batched, &plain}, {&limited, &limited_plain}};
  for (const auto& pair : pairs) {
    std::vector<float> got(n * 10, -1.0f), want(n * 10, -2.0f);
    std::vector<uint8_t*> dsts(n);
    for (size_t i = 0; i < n; ++i) dsts[i] = reinterpret_cast<uint8_t*>(got.data() + i * 10);
    std::vector<tl::ItemStatus> statuses(n);
    pair.batched->fill_many(refs.data(), dsts.data(), statuses.data(), n, scratch);
    for (size_t i = 0; i < n; ++i) {
      const tl::ItemStatus s = pair.plain->fill(refs[i], reinterpret_cast<uint8_t*>(want.data() + i * 10), plain_scratch);
      CHECK_MSG(same_status(statuses[i], s), (i < paths.size() ? paths[i] : "out of range") + ": " +
                                                 describe_status(statuses[i]) + " vs " + describe_status(s));
      if (s.ok()) CHECK(std::memcmp(got.data() + i * 10, want.data() + i * 10, 10 * sizeof(float)) == 0);
    }
    if (pair.batched == &batched) {
      // What the plain path gives, spelled out.
      const tl::Code want_codes[] = {tl::Code::kOk,       tl::Code::kEmpty,    tl::Code::kOk,       tl::Code::kCount,
                                     tl::Code::kCount,    tl::Code::kParse,    tl::Code::kOk,       tl::Code::kOk,
                                     tl::Code::kOk,       tl::Code::kOk,       tl::Code::kNotFound, tl::Code::kIsDirectory,
                                     tl::Code::kNotRegular, tl::Code::kNotFound, tl::Code::kNotRegular, tl::Code::kNotFound};
      static_assert(sizeof want_codes / sizeof want_codes[0] == 16, "one per item");
      CHECK_EQ(n, size_t{16});
      for (size_t i = 0; i < n && i < 16; ++i) CHECK_MSG(statuses[i].code == want_codes[i], std::to_string(i) + ": " + describe_status(statuses[i]));
      CHECK(statuses[1].message == "file is empty");
      CHECK(statuses[10].message.rfind("cannot open", 0) == 0);
      CHECK_EQ(statuses[5].offset, int64_t{13});  // "zz"
      // Each file error is read_whole_file's own status.
      std::vector<char> buffer;
      for (size_t i : {size_t{1}, size_t{10}, size_t{11}, size_t{12}, size_t{13}, size_t{14}}) {
        tl::FileBytes bytes;
        const tl::ItemStatus direct = tl::read_whole_file(paths[i].c_str(), buffer, tl::ReadOptions{}, bytes);
        CHECK_MSG(same_status(statuses[i], direct), paths[i] + ": " + describe_status(statuses[i]) + " vs " + describe_status(direct));
      }
      // Larger than its batch buffer (big, exact) or just under it (almost): read whole.
      for (size_t i : {size_t{6}, size_t{7}, size_t{8}}) {
        std::vector<float> v(10);
        CHECK_EQ(tl::parse_floats(files[i].second.data(), files[i].second.size(), v.data(), 10).code, tl::Code::kOk);
        CHECK(std::memcmp(got.data() + i * 10, v.data(), 10 * sizeof(float)) == 0);
      }
    } else {
      for (size_t i : {size_t{0}, size_t{2}, size_t{9}}) CHECK_EQ(statuses[i].code, tl::Code::kTooLarge);
    }
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(text_source_fill_many_no_leak) {
  // 1000 batched reads, a fifth of them failing: no descriptor, mapping or ring is left, and
  // the ring itself never shows in /proc/self/fd, not even while it exists.
  const CounterSnapshot before = CounterSnapshot::take();
  const int64_t rings_before = tl::counters().io_rings.load();
  TempDir dir;
  CHECK(dir.ok());
  std::vector<std::string> paths;
  for (size_t i = 0; i < 20; ++i) {
    paths.push_back(dir.file("item" + std::to_string(i)));
    CHECK(write_file(paths.back(), i % 5 == 4 ? std::string() : numpy_text(i)));
  }
  std::string big = numpy_text(99);
  big.insert(big.size() - 2, 70000, ' ');
  CHECK(write_file(dir.file("big"), big));
  paths.push_back(dir.file("big"));
  paths.push_back(dir.file("missing"));
  paths.push_back(dir.path());
  tl::TextSource source(paths, 10);
  const int fds_before = count_open_fds();
  CHECK(fds_before > 0);
  size_t ok = 0, failed = 0;
  {
    tl::WorkerScratch scratch;
    std::vector<float> out(tl::kMaxClaim * 10);
    tl::ItemRef refs[tl::kMaxClaim];
    uint8_t* dsts[tl::kMaxClaim];
    tl::ItemStatus statuses[tl::kMaxClaim];
    for (size_t i = 0; i < tl::kMaxClaim; ++i) dsts[i] = reinterpret_cast<uint8_t*>(out.data() + i * 10);
    size_t next = 0;
    for (size_t done = 0; done < 1000;) {
      const size_t n = std::min<size_t>(1 + done % tl::kMaxClaim, 1000 - done);
      for (size_t i = 0; i < n; ++i) refs[i] = tl::ItemRef{static_cast<uint32_t>(next++ % paths.size()), 0};
      source.fill_many(refs, dsts, statuses, n, scratch);
      for (size_t i = 0; i < n; ++i) (statuses[i].ok() ? ok : failed) += 1;
      done += n;
      CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);
    }
    CHECK_EQ(count_open_fds(), fds_before);
    CHECK_EQ(tl::counters().io_rings.load(), rings_before + (uring_available() ? 1 : 0));
  }
  CHECK_EQ(ok + failed, size_t{1000});
  size_t want_failed = 0;  // the empty files (every fifth of the first 20), missing, the directory
  for (size_t k = 0; k < 1000; ++k) {
    const size_t index = k % paths.size();
    want_failed += (index < 20 && index % 5 == 4) || index >= 21 ? 1 : 0;
  }
  CHECK_EQ(failed, want_failed);
  CHECK_EQ(tl::counters().io_rings.load(), rings_before);
  CHECK_EQ(count_open_fds(), fds_before);
  CHECK_COUNTERS_EQ(before);
}

// Records how the pool claims items: every fill_many call, with the items it got.
class RecordingSource final : public tl::ItemSource {
 public:
  explicit RecordingSource(size_t claim) : claim_(claim) {}
  size_t length() const override { return 100000; }
  size_t item_bytes() const override { return sizeof(uint32_t); }
  size_t claim_size() const override { return claim_; }
  tl::ItemStatus fill(const tl::ItemRef& item, uint8_t* dst, tl::WorkerScratch&) const override {
    const uint32_t v = item.index;
    std::memcpy(dst, &v, sizeof v);
    if (item.index % 7 == 3) return tl::ItemStatus::error(tl::Code::kParse, "seven", item.index);
    return {};
  }
  void fill_many(const tl::ItemRef* items, uint8_t* const* dsts, tl::ItemStatus* statuses, size_t n,
                 tl::WorkerScratch& scratch) const override {
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.emplace_back(items[0].index, n);
      for (size_t i = 1; i < n; ++i) {
        if (items[i].index != items[0].index + i || dsts[i] != dsts[0] + i * sizeof(uint32_t)) non_consecutive = true;
      }
    }
    tl::ItemSource::fill_many(items, dsts, statuses, n, scratch);
  }
  std::string describe(size_t index) const override { return "rec#" + std::to_string(index); }

  mutable std::mutex mu;
  mutable std::vector<std::pair<uint32_t, size_t>> calls;  // (first index, count)
  mutable bool non_consecutive = false;

 private:
  size_t claim_;
};

TEST_CASE(thread_pool_claims_runs_of_items) {
  // A source that asks for runs gets consecutive items, at most kMaxClaim and at most one
  // thread's share of the job at once; statuses and completion are as with single items.
  const CounterSnapshot before = CounterSnapshot::take();
  for (size_t claim : {size_t{1}, size_t{5}, size_t{16}, size_t{100}}) {
    RecordingSource source(claim);
    Completions done;
    const size_t threads = 3;
    std::vector<std::unique_ptr<tl::BatchJob>> jobs;
    std::vector<std::vector<uint32_t>> outputs;
    tl::ThreadPool pool(threads);
    for (size_t k = 0; k < 40; ++k) {
      auto job = std::make_unique<tl::BatchJob>();
      const size_t n = 1 + k * 2;
      outputs.emplace_back(n, 0xffffffffu);
      job->source = &source;
      job->item_bytes = sizeof(uint32_t);
      job->dst = reinterpret_cast<uint8_t*>(outputs.back().data());
      job->slot = static_cast<int>(k);
      job->indices.resize(n);
      job->statuses.resize(n);
      for (size_t i = 0; i < n; ++i) job->indices[i] = static_cast<uint32_t>(k * 1000 + i);
      job->on_complete = done.notify();
      job->reset(n);
      jobs.push_back(std::move(job));
    }
    for (auto& job : jobs) CHECK(pool.submit(job.get()));
    CHECK(done.wait_for(jobs.size()));
    pool.stop();
    CHECK_EQ(done.calls.load(), static_cast<int>(jobs.size()));
    for (size_t k = 0; k < jobs.size(); ++k) {
      const tl::BatchJob& job = *jobs[k];
      CHECK_EQ(job.done.load(), job.count);
      size_t failed = 0;
      for (size_t i = 0; i < job.count; ++i) {
        const uint32_t index = static_cast<uint32_t>(k * 1000 + i);
        CHECK_EQ(outputs[k][i], index);
        const bool bad = index % 7 == 3;
        failed += bad ? 1 : 0;
        CHECK_EQ(job.statuses[i].code, bad ? tl::Code::kParse : tl::Code::kOk);
        if (bad) CHECK_EQ(job.statuses[i].offset, static_cast<int64_t>(index));
      }
      CHECK_EQ(job.failed.load(), failed);
    }
    std::lock_guard<std::mutex> lock(source.mu);
    CHECK(!source.non_consecutive);
    size_t items = 0, largest = 0;
    for (const auto& call : source.calls) {
      const size_t k = call.first / 1000;
      const size_t count = jobs[k]->count;
      const size_t share = (count + threads - 1) / threads;
      CHECK_MSG(call.second >= 1 && call.second <= std::min({claim, tl::kMaxClaim, share}),
                "job of " + std::to_string(count) + " claimed " + std::to_string(call.second));
      items += call.second;
      largest = std::max(largest, call.second);
    }
    CHECK_EQ(items, size_t{40 * 40});  // sum of 1 + 2k for k < 40
    CHECK_EQ(largest, std::min({claim, tl::kMaxClaim, size_t{27}}));  // the 79-item job: 27 a thread
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(engine_rings_die_with_the_pool) {
  // One ring per pool thread at most, invisible in /proc/self/fd while the loader lives, and
  // gone when its thread ends.
  const CounterSnapshot before = CounterSnapshot::take();
  const int64_t rings_before = tl::counters().io_rings.load();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    tl::EngineOptions opts;
    opts.batch_size = 32;
    opts.slots = 2;
    opts.threads = 2;
    const int fds_before = count_open_fds();
    {
      tl::BatchEngine engine(source, opts, done.notify());
      std::vector<uint32_t> idx(32);
      for (size_t round = 0; round < 20; ++round) {
        for (size_t i = 0; i < 32; ++i) idx[i] = static_cast<uint32_t>((round * 32 + i) % kFileCount);
        tl::ItemStatus error;
        tl::BatchJob* job = engine.submit(idx.data(), idx.size(), 0, &error);
        CHECK_MSG(job != nullptr, error.message);
        if (job == nullptr) break;
        CHECK(done.wait_for(round + 1));
        CHECK_EQ(job->failed.load(), size_t{0});
        check_batch_values(job, job->count, kItemLength);
        CHECK(engine.release(job->slot));
      }
      CHECK_EQ(count_open_fds(), fds_before);
      CHECK(tl::counters().io_rings.load() <= rings_before + 2);
      if (uring_available()) CHECK(tl::counters().io_rings.load() >= rings_before + 1);
    }
    CHECK_EQ(tl::counters().io_rings.load(), rings_before);
    CHECK_EQ(count_open_fds(), fds_before);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(vips_runtime_init_idempotent) {
  // Started once per process, never shut down; concurrent and repeated calls are fine.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&ok] {
      tl::ItemStatus error;
      if (tl::vips_runtime_init(&error) && error.empty()) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  CHECK_EQ(ok.load(), 4);
  tl::ItemStatus error;
  CHECK(tl::vips_runtime_init(&error));
  CHECK(tl::vips_runtime_init(nullptr));
  const std::string version = tl::vips_runtime_version();
  CHECK_MSG(version.size() >= 5 && version[0] >= '8', version);
}

// =========================================================================================
// sigbus_guard, and the readers of mapped files that use it
// =========================================================================================

constexpr size_t kPage = 4096;

// A file of `pages` pages of a known pattern, kept open so a test can truncate it while mapped.
struct MappedScratchFile {
  std::string path;
  std::string content;
  int fd = -1;
  tl::MappedFile map;
  MappedScratchFile(const TempDir& dir, const std::string& name, size_t pages) : path(dir.file(name)) {
    content.resize(pages * kPage);
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('A' + (i * 7 + i / kPage) % 26);
    if (!write_file(path, content)) return;
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) (void)tl::MappedFile::map(fd, content.size(), tl::AccessPattern::kRandom, map);
  }
  ~MappedScratchFile() {
    if (fd >= 0) ::close(fd);
  }
  bool ok() const { return fd >= 0 && map.mapped(); }
  bool truncate(size_t size) const { return ::ftruncate(fd, static_cast<off_t>(size)) == 0; }
  const char* at(size_t offset) const { return map.data() + offset; }
};

TEST_CASE(sigbus_guard_turns_a_truncated_mapping_into_false) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  {
    MappedScratchFile f(dir, "four_pages.bin", 4);
    CHECK(f.ok());
    std::vector<char> buf(kPage);
    // Nothing truncated yet: the guard is a plain copy.
    CHECK(tl::guarded_memcpy(buf.data(), f.at(2 * kPage), kPage));
    CHECK(std::memcmp(buf.data(), f.content.data() + 2 * kPage, kPage) == 0);

    CHECK(f.truncate(kPage));
    // The page the file still has reads as before; pages past the new end fail, every time on
    // the same thread (a caught fault must not leave SIGBUS blocked, which would make the next
    // one kill the process).
    CHECK(tl::guarded_memcpy(buf.data(), f.at(0), kPage));
    CHECK(std::memcmp(buf.data(), f.content.data(), kPage) == 0);
    for (int i = 0; i < 3; ++i) {
      CHECK(!tl::guarded_memcpy(buf.data(), f.at(2 * kPage), 100));
      CHECK(!tl::guarded_memcpy(buf.data(), f.at(kPage - 10), 20));  // straddles the new end
    }
    CHECK(tl::guarded_memcpy(buf.data(), f.at(100), 50));

    // The callable form: true when it ran to its end, false when a fault cut it short.
    size_t sum = 0;
    CHECK(tl::sigbus_guarded([&] {
      for (size_t i = 0; i < kPage; ++i) sum += static_cast<unsigned char>(*f.at(i));
    }));
    CHECK(sum > 0);
    bool finished = false;
    CHECK(!tl::sigbus_guarded([&] {
      for (size_t i = 0; i < 4 * kPage; i += 64) sum += static_cast<unsigned char>(*f.at(i));
      finished = true;
    }));
    CHECK(!finished);

    // Nested guards are plain calls: the fault leaves the outermost one.
    bool inner_returned = false;
    const bool outer = tl::sigbus_guarded([&] {
      const bool inner = tl::guarded_memcpy(buf.data(), f.at(3 * kPage), 8);
      inner_returned = true;
      (void)inner;
    });
    CHECK(!outer);
    CHECK(!inner_returned);
    CHECK(tl::guarded_memcpy(buf.data(), f.at(0), 8));  // and the thread is usable again

  }
  {
    // The last, partial page of a truncated file: the bytes past the new end read as zeros
    // (the kernel's view of a file's last page), no fault. This is what a row there gives.
    MappedScratchFile g(dir, "two_pages.bin", 2);
    CHECK(g.ok());
    CHECK(g.truncate(kPage + 10));
    std::vector<char> tail(100, 'x');
    CHECK(tl::guarded_memcpy(tail.data(), g.at(kPage), tail.size()));
    CHECK(std::memcmp(tail.data(), g.content.data() + kPage, 10) == 0);
    CHECK(std::all_of(tail.begin() + 10, tail.end(), [](char c) { return c == 0; }));
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(sigbus_guard_from_several_threads) {
  // Each thread has its own jump buffer: faults on one never land in another's guard.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  {
    MappedScratchFile f(dir, "shared.bin", 8);
    CHECK(f.ok());
    CHECK(f.truncate(4 * kPage));
    constexpr int kThreads = 4;
    constexpr int kRounds = 300;
    std::atomic<int> good{0}, caught{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        char buf[256];
        for (int r = 0; r < kRounds; ++r) {
          const size_t page = static_cast<size_t>((r + t) % 8);
          const bool ok = tl::guarded_memcpy(buf, f.at(page * kPage + 64), sizeof buf);
          if (page < 4) {
            if (ok && std::memcmp(buf, f.content.data() + page * kPage + 64, sizeof buf) == 0) good.fetch_add(1);
            else wrong.fetch_add(1);
          } else {
            if (!ok) caught.fetch_add(1);
            else wrong.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    int expected_caught = 0;
    for (int t = 0; t < kThreads; ++t) {
      for (int r = 0; r < kRounds; ++r) expected_caught += (r + t) % 8 >= 4 ? 1 : 0;
    }
    CHECK_EQ(wrong.load(), 0);
    CHECK_EQ(caught.load(), expected_caught);
    CHECK_EQ(good.load(), kThreads * kRounds - expected_caught);
  }
  CHECK_COUNTERS_EQ(before);
}

// Runs `child` in a forked process with stderr silenced and reports how it ended: its exit
// status, or -signal. -1000 if it was still running after 10 s (then it is killed).
int run_in_child(void (*child)(const MappedScratchFile&), const MappedScratchFile& f) {
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    if (null_fd >= 0) ::dup2(null_fd, 2);  // a sanitizer's report of the SIGBUS is expected noise
    child(f);
    ::_exit(0);  // survived: the SIGBUS was swallowed
  }
  if (pid < 0) return -2000;
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1000;
}

TEST_CASE(sigbus_guard_passes_other_sigbus_on) {
  // Outside a guard, a SIGBUS behaves as if the handler had never been installed: the
  // previous disposition (here the default, or a sanitizer's handler, which aborts) ends the
  // process. A handler that swallowed it would leave the child looping on the fault.
  TempDir dir;
  MappedScratchFile f(dir, "child.bin", 2);
  CHECK(f.ok());
  CHECK(f.truncate(kPage));
  char probe[8];
  CHECK(!tl::guarded_memcpy(probe, f.at(kPage), sizeof probe));  // the handler is installed
  auto died_of_sigbus = [](int how) { return how == -SIGBUS || how == -SIGABRT; };
  const int unguarded = run_in_child(
      [](const MappedScratchFile& file) {
        volatile const char* p = file.at(kPage);
        (void)*p;
      },
      f);
  CHECK_MSG(died_of_sigbus(unguarded), "unguarded fault: child ended with " + std::to_string(unguarded));
  const int sent = run_in_child([](const MappedScratchFile&) { ::raise(SIGBUS); }, f);
  CHECK_MSG(died_of_sigbus(sent), "raise(SIGBUS): child ended with " + std::to_string(sent));
  // kill() while a guard is armed is not a fault of the guarded code: also passed on.
  const int armed = run_in_child(
      [](const MappedScratchFile&) {
        tl::sigbus_guarded([] { ::raise(SIGBUS); });
      },
      f);
  CHECK_MSG(died_of_sigbus(armed), "raise(SIGBUS) inside a guard: child ended with " + std::to_string(armed));
}

std::string npy_rows(size_t rows, size_t cols) {
  std::string f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                          std::to_string(cols) + "), }",
                      rows * cols * 4);
  float* data = reinterpret_cast<float*>(&f[f.size() - rows * cols * 4]);
  for (size_t i = 0; i < rows * cols; ++i) {
    const float v = static_cast<float>(i);
    std::memcpy(data + i, &v, sizeof v);
  }
  return f;
}

bool row_is(const std::vector<float>& row, size_t r) {
  for (size_t c = 0; c < row.size(); ++c) {
    if (row[c] != static_cast<float>(r * row.size() + c)) return false;
  }
  return true;
}

TEST_CASE(npy_source_truncated_while_mapped) {
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("rows.npy");
  constexpr size_t kRows = 64, kCols = 1024;  // 4 KiB rows; the data starts at byte 128
  CHECK(write_file(path, npy_rows(kRows, kCols)));
  {
    tl::NpySource src(path);
    CHECK_EQ(src.status().code, tl::Code::kOk);
    CHECK_EQ(src.length(), kRows);
    CHECK_EQ(src.header().data_offset, size_t{128});
    tl::WorkerScratch scratch;
    std::vector<float> row(kCols);
    auto fill = [&](uint32_t r) {
      return src.fill(tl::ItemRef{r, 0}, reinterpret_cast<uint8_t*>(row.data()), scratch);
    };
    for (uint32_t r = 0; r < kRows; ++r) CHECK(fill(r).ok() && row_is(row, r));

    // Deleted, or replaced by a rename: the mapping outlives the path, rows read as before.
    CHECK_EQ(::unlink(path.c_str()), 0);
    CHECK(write_file(dir.file("other.npy"), npy_rows(2, 3)));
    CHECK_EQ(::rename(dir.file("other.npy").c_str(), path.c_str()), 0);
    CHECK(fill(kRows - 1).ok() && row_is(row, kRows - 1));
    CHECK(write_file(path, npy_rows(kRows, kCols)));  // the file itself again, for the truncation

    tl::NpySource again(path);
    CHECK_EQ(again.status().code, tl::Code::kOk);
    // Truncated by another process to 16 pages: rows wholly before byte 65536 (0..14) still
    // read; row 15 (bytes 61568..65664) and every row after fail with ESHRUNK, no SIGBUS.
    CHECK_EQ(::truncate(path.c_str(), 16 * kPage), 0);
    auto fill_again = [&](uint32_t r, std::vector<float>& out, tl::WorkerScratch& s) {
      return again.fill(tl::ItemRef{r, 0}, reinterpret_cast<uint8_t*>(out.data()), s);
    };
    for (uint32_t r = 0; r < kRows; ++r) {
      tl::ItemStatus s = fill_again(r, row, scratch);
      if (r < 15) {
        CHECK_MSG(s.ok() && row_is(row, r), "row " + std::to_string(r));
      } else {
        CHECK_EQ(s.code, tl::Code::kShrunk);
        CHECK_EQ(s.offset, static_cast<int64_t>(128 + r * kCols * 4));
        CHECK_MSG(s.message.find("truncated while mapped") != std::string::npos, s.message);
      }
    }
    // The same from two threads at once.
    std::atomic<int> ok{0}, shrunk{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        tl::WorkerScratch s;
        std::vector<float> out(kCols);
        for (int pass = 0; pass < 20; ++pass) {
          for (uint32_t r = 0; r < kRows; ++r) {
            tl::ItemStatus st = fill_again(r, out, s);
            if (st.ok() && r < 15 && row_is(out, r)) ok.fetch_add(1);
            else if (st.code == tl::Code::kShrunk && r >= 15) shrunk.fetch_add(1);
            else other.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK_EQ(ok.load(), 2 * 20 * 15);
    CHECK_EQ(shrunk.load(), 2 * 20 * 49);
    CHECK_EQ(other.load(), 0);

    // Opened after the truncation: refused at once by the existing size check.
    tl::NpySource fresh(path);
    CHECK_EQ(fresh.status().code, tl::Code::kDecode);
    CHECK_MSG(fresh.status().message.find("truncated .npy") != std::string::npos, fresh.status().message);
    CHECK_EQ(tl::counters().live_mappings.load(), before.live_mappings + 2);
  }
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(npy_source_header_copy_is_exact) {
  // The header is parsed from a copy of exactly its own bytes (see NpySource): every version
  // and a header that claims to run past the file parse as from the whole file (under ASan, a
  // read past that copy would be reported).
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
  for (int major = 1; major <= 3; ++major) {
    const std::string path = dir.file("v" + std::to_string(major) + ".npy");
    CHECK(write_file(path, npy(dict, 24, major)));
    tl::NpySource src(path);
    CHECK_EQ(src.status().code, tl::Code::kOk);
    CHECK_EQ(src.length(), size_t{3});
    CHECK_EQ(src.item_bytes(), size_t{8});
  }
  std::string past = npy(dict, 24, 2);
  past[10] = '\x7f';  // header length ~8 MB in a file of a few hundred bytes
  CHECK(write_file(dir.file("past.npy"), past));
  tl::NpySource bad(dir.file("past.npy"));
  CHECK_EQ(bad.status().code, tl::Code::kDecode);
  CHECK(write_file(dir.file("tiny.npy"), std::string("\x93NUMPY\x01", 7)));
  tl::NpySource tiny(dir.file("tiny.npy"));
  CHECK_EQ(tiny.status().code, tl::Code::kFormat);
  // A refused file keeps no mapping.
  CHECK_COUNTERS_EQ(before);
}

TEST_CASE(file_reader_large_file_truncated_while_copied) {
  // Another thread keeps cutting a large file down to one page and growing it back while it is
  // read: every read is whole (the long or the short file) or ESHRUNK, never a SIGBUS, and the
  // truncation lands inside the guarded copy of the mapping at least once.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  const std::string path = dir.file("large.bin");
  constexpr size_t kLarge = 4 << 20;
  CHECK(write_file(path, std::string(kLarge, '7')));
  std::atomic<bool> stop{false};
  std::thread cutter([&] {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    while (fd >= 0 && !stop.load()) {
      if (::ftruncate(fd, kPage) != 0 || ::ftruncate(fd, kLarge) != 0) break;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (fd >= 0) ::close(fd);
  });
  tl::ReadOptions opts;
  opts.mmap_threshold = 1 << 20;
  std::vector<char> buffer;
  int whole = 0, in_copy = 0, in_read = 0, other = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((in_copy < 3 || whole < 3) && std::chrono::steady_clock::now() < deadline) {
    tl::FileBytes bytes;
    tl::ItemStatus s = tl::read_whole_file(path.c_str(), buffer, opts, bytes);
    if (s.ok() && (bytes.size() == kLarge || bytes.size() == kPage)) {
      ++whole;
    } else if (s.code == tl::Code::kShrunk && s.message.find("truncated while it was being read") != std::string::npos) {
      ++in_copy;
    } else if (s.code == tl::Code::kShrunk) {
      ++in_read;  // cut around the read of the file's first 64 KiB, or after it
    } else {
      ++other;
      CHECK_MSG(false, describe_status(s));
    }
  }
  stop.store(true);
  cutter.join();
  CHECK_MSG(in_copy >= 3, "truncations caught in the guarded copy: " + std::to_string(in_copy) +
                              " (whole reads " + std::to_string(whole) + ", in read " + std::to_string(in_read) + ")");
  CHECK_EQ(other, 0);
  CHECK_COUNTERS_EQ(before);
}

}  // namespace

int main() {
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    g_current_failures = 0;
    const auto t0 = std::chrono::steady_clock::now();
    t.fn();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    if (g_current_failures == 0) {
      ++passed;
      std::printf("PASS %s (%lld ms)\n", t.name, static_cast<long long>(ms.count()));
    } else {
      ++failed;
      std::printf("FAIL %s (%d failed checks)\n", t.name, g_current_failures);
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
