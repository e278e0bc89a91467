// Tests of core/thread_pool.
#include "test/test_util.h"

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

namespace {

// Sleeps `delay` per item inside a decode timer, so the pool's decode time is at least that.
class TimedSource final : public tl::ItemSource {
 public:
  TimedSource(std::chrono::milliseconds delay, tl::Stage rest) : delay_(delay), rest_(rest) {}
  size_t length() const override { return 1000; }
  size_t item_bytes() const override { return sizeof(uint32_t); }
  tl::ItemStatus fill(const tl::ItemRef& item, uint8_t* dst, tl::WorkerScratch&) const override {
    if (rest_ == tl::Stage::kNone) {
      tl::StageTimer timer(tl::Stage::kDecode);
      std::this_thread::sleep_for(delay_);
    } else {
      std::this_thread::sleep_for(delay_);
    }
    const auto v = static_cast<uint32_t>(item.index);
    std::memcpy(dst, &v, sizeof v);
    return {};
  }
  std::string describe(size_t index) const override { return "timed#" + std::to_string(index); }
  tl::Stage rest_stage() const override { return rest_; }

 private:
  std::chrono::milliseconds delay_;
  tl::Stage rest_;
};

struct OneJob {
  std::vector<uint32_t> out;
  tl::BatchJob job;
  OneJob(const tl::ItemSource& source, size_t n, Completions& done) : out(n) {
    job.source = &source;
    job.item_bytes = sizeof(uint32_t);
    job.dst = reinterpret_cast<uint8_t*>(out.data());
    job.indices.resize(n);
    job.statuses.resize(n);
    for (size_t i = 0; i < n; ++i) job.indices[i] = static_cast<uint32_t>(i);
    job.on_complete = done.notify();
    job.reset(n);
  }
};

}  // namespace

TEST_CASE(thread_pool_stage_times) {
  // Each thread's own counters, summed: a timed stage takes at least the sleeps inside it and at
  // most threads x wall time; a source's untimed items go to its rest stage; nothing else moves.
  for (tl::Stage rest : {tl::Stage::kNone, tl::Stage::kCopy}) {
    TimedSource source(std::chrono::milliseconds(2), rest);
    Completions done;
    tl::ThreadPool pool(2);
    OneJob a(source, 12, done);
    const uint64_t t0 = tl::monotonic_ns();
    CHECK(pool.submit(&a.job));
    CHECK(done.wait_for(1));
    const uint64_t wall = tl::monotonic_ns() - t0;
    const tl::PoolTimes t = pool.times();
    pool.stop();
    const size_t stage = static_cast<size_t>(rest == tl::Stage::kNone ? tl::Stage::kDecode : tl::Stage::kCopy);
    CHECK_EQ(t.items, uint64_t{12});
    CHECK(t.stage_ns[stage] >= 12 * 2'000'000ull);
    CHECK(t.stage_ns[stage] <= 2 * wall);
    for (size_t s = 0; s < tl::kStageCount; ++s) {
      if (s != stage) CHECK_EQ(t.stage_ns[s], uint64_t{0});
    }
  }
}

TEST_CASE(thread_pool_idle_wait) {
  // The pool's idle time counts only up to submits that say it was spent waiting.
  TimedSource source(std::chrono::milliseconds(0), tl::Stage::kNone);
  Completions done;
  tl::ThreadPool pool(2);
  OneJob a(source, 4, done), b(source, 4, done), c(source, 4, done);
  CHECK(pool.submit(&a.job, true));  // never idle before: nothing to count
  CHECK(done.wait_for(1));
  CHECK_EQ(pool.times().idle_ns, uint64_t{0});
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(pool.submit(&b.job, true));
  CHECK(done.wait_for(2));
  const uint64_t idle = pool.times().idle_ns;
  CHECK(idle >= 30'000'000ull);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(pool.submit(&c.job, false));  // idle for another reason: not counted
  CHECK(done.wait_for(3));
  CHECK_EQ(pool.times().idle_ns, idle);
  pool.stop();
}
