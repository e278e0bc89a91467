// Tests of core/npy_source (mapped rows and a RawCopyDecoder).
#include "test/test_util.h"

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
