// Tests of core/file_reader.
#include "test/test_util.h"

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
