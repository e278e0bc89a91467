// Tests of core/text_source (a FileList and a TextDecoder).
#include "test/test_util.h"
#include "core/file_list.h"

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
  CHECK_EQ(batched.claim_size(), tl::kMaxClaim);  // batched with or without the ring
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

TEST_CASE(text_source_fill_many_directories_match_plain_path) {
  // A batch opens a directory that several of its files share and opens them relative to it.
  // Whatever the paths look like (several directories, one reached through a symlink, one that
  // is a file, double slashes, names that are not file names, paths relative to the working
  // directory), every status and value is the plain path's, and no descriptor is left.
  const CounterSnapshot before = CounterSnapshot::take();
  TempDir dir;
  CHECK(dir.ok());
  for (const char* sub : {"a", "b", "c", "rel"}) CHECK(::mkdir(dir.file(sub).c_str(), 0700) == 0);
  CHECK(::symlink(dir.file("b").c_str(), dir.file("link").c_str()) == 0);
  CHECK(write_file(dir.file("plain"), numpy_text(7)));
  std::vector<std::string> paths;
  size_t seed = 0;
  auto add = [&](const std::string& sub, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const std::string name = "f" + std::to_string(i);
      CHECK(write_file(dir.file(sub + "/" + name), numpy_text(seed++)));
      paths.push_back(dir.file(sub + "/" + name));
    }
  };
  add("a", 6);
  add("b", 5);
  add("c", 1);
  add("rel", 4);
  for (size_t i = 0; i < 4; ++i) paths.push_back(dir.file("link/f" + std::to_string(i)));
  for (size_t i = 0; i < 4; ++i) paths.push_back(dir.file("plain/x" + std::to_string(i)));  // ENOTDIR
  for (size_t i = 0; i < 4; ++i) paths.push_back(dir.path() + "/a//f" + std::to_string(i));
  for (const char* odd : {"a/", "a/.", "a/..", "a/missing", "b/missing"}) paths.push_back(dir.file(odd));
  for (size_t i = 0; i < 4; ++i) paths.push_back("rel/f" + std::to_string(i));  // from the working directory
  paths.push_back("plain");

  char cwd[4096];
  CHECK(::getcwd(cwd, sizeof cwd) != nullptr);
  CHECK(::chdir(dir.path().c_str()) == 0);
  const int fds_before = count_open_fds();
  {
    tl::ReadOptions plain_opts;
    plain_opts.io_uring = false;
    tl::TextSource batched(paths, 10);
    tl::TextSource plain(paths, 10, plain_opts);
    tl::WorkerScratch scratch, plain_scratch;
    const size_t total = paths.size();
    size_t ok = 0;
    // In order (directories in runs), reversed, and interleaved (each batch mixes them).
    for (size_t stride : {size_t{1}, total - 1, size_t{7}}) {
      std::vector<uint32_t> order(total);
      for (size_t i = 0; i < total; ++i) order[i] = static_cast<uint32_t>(i * stride % total);
      for (size_t pos = 0; pos < total; pos += tl::kMaxClaim) {
        const size_t n = std::min(tl::kMaxClaim, total - pos);
        std::vector<tl::ItemRef> refs(n);
        std::vector<float> got(n * 10, -1.0f), want(n * 10, -2.0f);
        std::vector<uint8_t*> dsts(n);
        std::vector<tl::ItemStatus> statuses(n);
        for (size_t i = 0; i < n; ++i) {
          refs[i] = tl::ItemRef{order[pos + i], 0};
          dsts[i] = reinterpret_cast<uint8_t*>(got.data() + i * 10);
        }
        batched.fill_many(refs.data(), dsts.data(), statuses.data(), n, scratch);
        for (size_t i = 0; i < n; ++i) {
          const tl::ItemStatus s = plain.fill(refs[i], reinterpret_cast<uint8_t*>(want.data() + i * 10), plain_scratch);
          const std::string& path = paths[refs[i].index];
          CHECK_MSG(same_status(statuses[i], s), path + ": " + describe_status(statuses[i]) + " vs " + describe_status(s));
          if (s.ok()) {
            ++ok;
            CHECK_MSG(std::memcmp(got.data() + i * 10, want.data() + i * 10, 10 * sizeof(float)) == 0, path);
          }
        }
        CHECK_EQ(tl::counters().open_descriptors.load(), before.open_descriptors);
      }
    }
    // a (6), b (5), c (1), rel (4), link (4), a// (4), rel/ from the working directory (4), plain.
    CHECK_EQ(ok, size_t{3 * 29});
    // The statuses above would match even if every relative open failed (the plain path reads
    // what the batch does not): the batch itself (the ring, or plain reads where the ring is not
    // usable, as in the core_tests_no_io_uring run) must have read each good file of a
    // directory shared by a whole batch.
    tl::FileList list(paths, tl::ReadOptions{}, 4096);
    for (size_t start : {size_t{0}, size_t{6}, size_t{16}}) {  // a's 6; b, c and rel; link's 4
      const size_t n = start == 16 ? 4 : (start == 0 ? 6 : 10);
      std::vector<tl::ItemRef> refs(n);
      std::vector<tl::RecordView> views(n);
      for (size_t i = 0; i < n; ++i) refs[i] = tl::ItemRef{static_cast<uint32_t>(start + i), 0};
      CHECK(list.read_many(refs.data(), n, scratch, views.data()));
      for (size_t i = 0; i < n; ++i) {
        const std::string want = numpy_text(start == 16 ? 6 + i : start + i);  // link/ is b/
        CHECK_MSG(views[i].data != nullptr && std::string(views[i].data, views[i].size) == want, paths[start + i]);
      }
    }
    CHECK_EQ(count_open_fds(), fds_before);
  }
  CHECK(::chdir(cwd) == 0);
  CHECK_COUNTERS_EQ(before);
}
