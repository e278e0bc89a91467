// Tests of core/batch_engine.
#include "test/test_util.h"

static tl::EngineOptions engine_options(size_t batch_size, size_t slots, size_t threads) {
  tl::EngineOptions opts;
  opts.batch_size = batch_size;
  opts.slots = slots;
  opts.threads = threads;
  return opts;
}

TEST_CASE(engine_batches_values) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    const tl::EngineOptions opts = engine_options(16, 4, 3);
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
    const tl::EngineOptions opts = engine_options(4, 1, 2);
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
    const tl::EngineOptions opts = engine_options(8, 2, 2);
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
    const tl::EngineOptions opts = engine_options(4, 2, 2);
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

TEST_CASE(engine_shutdown_with_queued_jobs) {
  const CounterSnapshot before = CounterSnapshot::take();
  {
    auto source = std::make_shared<SlowSource>(std::chrono::milliseconds(20));
    Completions done;
    const tl::EngineOptions opts = engine_options(32, 4, 2);
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
    const tl::EngineOptions opts = engine_options(8, 3, 4);
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

TEST_CASE(engine_stress_many_batches) {
  // Many small batches through several threads and every slot, to give the sanitizers
  // something to look at. Each batch is checked and released from this (the owner) thread.
  const CounterSnapshot before = CounterSnapshot::take();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    const tl::EngineOptions opts = engine_options(7, 5, 4);
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

TEST_CASE(engine_rings_die_with_the_pool) {
  // One ring per pool thread at most, invisible in /proc/self/fd while the loader lives, and
  // gone when its thread ends.
  const CounterSnapshot before = CounterSnapshot::take();
  const int64_t rings_before = tl::counters().io_rings.load();
  {
    Dataset ds;
    auto source = std::make_shared<tl::TextSource>(ds.paths, kItemLength);
    Completions done;
    const tl::EngineOptions opts = engine_options(32, 2, 2);
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
