// Tests of core/sigbus_guard.
#include "test/test_util.h"

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
