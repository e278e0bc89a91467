// Tests of core/uring_reader.
#include "test/test_util.h"

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
