// What the native core's test files share: temporary directories and files, descriptor and
// counter snapshots, the text dataset the engine tests read, and the mapped-file helpers of the
// SIGBUS tests. Header-only (inline, or in an anonymous namespace) so each test file stands alone.
#pragma once

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

inline bool write_file(const std::string& path, const std::string& content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  return std::fclose(f) == 0 && ok;
}

// Descriptors the process really holds, counted in /proc/self/fd (the one opendir uses is
// counted every time, so before/after comparisons are fair).
inline int count_open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

inline float f32(const char* text) { return static_cast<float>(std::strtod(text, nullptr)); }

inline bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

inline tl::ItemStatus parse(const std::string& text, std::vector<float>& out, size_t expected) {
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

// A .npy file in memory: magic, version, little-endian header length, header text, data.
inline std::string npy(const std::string& dict, size_t data_bytes, int major = 1) {
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

constexpr size_t kItemLength = 8;
constexpr size_t kFileCount = 200;

inline float expected_value(size_t file, size_t j) {
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

inline void check_batch_values(tl::BatchJob* job, size_t n, size_t item_length) {
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

// Whether this process can batch reads through io_uring (kernel, seccomp, sysctl
// kernel.io_uring_disabled, TENSORLOADER_NO_IO_URING). The tests compare the batched path with
// the plain one either way, and check that the ring really read the files when it can.
inline bool uring_available() {
  static const bool available = [] {
    tl::UringReader reader;
    const bool usable = reader.usable();
    if (!usable) std::printf("    note: io_uring is not usable here; batches take the plain path\n");
    return usable;
  }();
  return available;
}

inline bool same_status(const tl::ItemStatus& a, const tl::ItemStatus& b) {
  return a.code == b.code && a.message == b.message && a.offset == b.offset;
}

inline std::string describe_status(const tl::ItemStatus& s) {
  return std::string(tl::code_name(s.code)) + " \"" + s.message + "\" @" + std::to_string(s.offset);
}

// Ten numbers as numpy prints them, different for every `seed`.
inline std::string numpy_text(size_t seed) {
  std::string text = "[";
  char buf[32];
  for (size_t j = 0; j < 10; ++j) {
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>((seed * 7919 + j * 104729) % 100000) / 100000.0);
    text += buf;
    text += j == 5 ? "\n " : (j + 1 < 10 ? " " : "]\n");
  }
  return text;
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

// Runs `child` in a forked process with stderr silenced and reports how it ended: its exit
// status, or -signal. -1000 if it was still running after 10 s (then it is killed).
inline int run_in_child(void (*child)(const MappedScratchFile&), const MappedScratchFile& f) {
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

inline std::string npy_rows(size_t rows, size_t cols) {
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

inline bool row_is(const std::vector<float>& row, size_t r) {
  for (size_t c = 0; c < row.size(); ++c) {
    if (row[c] != static_cast<float>(r * row.size() + c)) return false;
  }
  return true;
}

}  // namespace
