// Where a pool thread's time goes, per stage of an item (read the bytes, decode them, resample,
// convert to the slot's dtype and layout, or copy a stored value as it is). Each pool thread
// owns one StageTimes and is its only writer: plain relaxed loads and stores, no locks and no
// shared cache line in the hot path. The owner thread sums them when stats are asked for.
// Code outside a pool thread (a direct get(i) on the JS thread) has no StageTimes and reads no
// clock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tl {

enum class Stage : uint8_t { kRead, kDecode, kResample, kConvert, kCopy, kNone };
constexpr size_t kStageCount = 5;  // every stage but kNone

inline uint64_t monotonic_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

struct alignas(64) StageTimes {
  std::array<std::atomic<uint64_t>, kStageCount> ns{};
  std::atomic<uint64_t> items{0};

  // Single writer: a load and a store, no read-modify-write on the bus.
  static void bump(std::atomic<uint64_t>& a, uint64_t d) {
    a.store(a.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  void add(Stage s, uint64_t d) {
    if (s != Stage::kNone) bump(ns[static_cast<size_t>(s)], d);
  }
};

// The times of the pool thread running this code, or nullptr off the pool (set by ThreadPool).
inline thread_local StageTimes* t_stage_times = nullptr;

// Times a scope as one stage of the current pool thread (nothing at all off the pool).
class StageTimer {
 public:
  explicit StageTimer(Stage stage) : times_(stage == Stage::kNone ? nullptr : t_stage_times), stage_(stage) {
    if (times_ != nullptr) start_ = monotonic_ns();
  }
  ~StageTimer() {
    if (times_ != nullptr) times_->add(stage_, monotonic_ns() - start_);
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  StageTimes* times_;
  Stage stage_;
  uint64_t start_ = 0;
};

// Times the consecutive steps of one item: lap(stage) charges the time since the previous lap
// (or since construction) to `stage`.
class StageLaps {
 public:
  StageLaps() : times_(t_stage_times) {
    if (times_ != nullptr) last_ = monotonic_ns();
  }
  bool on() const { return times_ != nullptr; }
  uint64_t lap(Stage stage) {
    if (times_ == nullptr) return 0;
    const uint64_t now = monotonic_ns();
    const uint64_t d = now - last_;
    times_->add(stage, d);
    last_ = now;
    return d;
  }
  // Charges one interval split between two stages: `part` of it (measured on a sample of
  // identical rows and scaled) to `second`, the rest to `first`.
  void lap_split(Stage first, Stage second, uint64_t part) {
    if (times_ == nullptr) return;
    const uint64_t now = monotonic_ns();
    const uint64_t d = now - last_;
    const uint64_t p = part < d ? part : d;
    times_->add(first, d - p);
    times_->add(second, p);
    last_ = now;
  }

 private:
  StageTimes* times_;
  uint64_t last_ = 0;
};

// Times every kRowSample-th row of an image's output rows (rows of one image cost the same, so
// the sample, scaled, is the whole), so the split of a resample and the conversion interleaved
// with it costs two clock reads per kRowSample rows.
class RowSampler {
 public:
  static constexpr int kRowSample = 16;
  explicit RowSampler(bool on) : on_(on) {}
  template <typename Write>
  void row(int y, Write&& write) {
    ++rows_;
    if (!on_ || y % kRowSample != 0) {
      write();
      return;
    }
    const uint64_t t0 = monotonic_ns();
    write();
    sampled_ns_ += monotonic_ns() - t0;
    ++sampled_;
  }
  // The estimated time of all rows written.
  uint64_t total_ns() const { return sampled_ == 0 ? 0 : sampled_ns_ * rows_ / sampled_; }

 private:
  bool on_;
  uint64_t rows_ = 0;
  uint64_t sampled_ = 0;
  uint64_t sampled_ns_ = 0;
};

}  // namespace tl
