// Where does mmap start to beat read? For each file size, the per-file cost of
// tl::read_whole_file with (a) mmap_threshold = size + 1: read into the reused buffer, and
// (b) mmap_threshold = 0: mmap + munmap, and, for reference, (c) the default threshold.
// Since the SIGBUS guard, (b) also copies the bytes out of the mapping (see tl::FileBytes);
// the 8 MiB default was chosen when consumers read the mapping in place.
// (a) is not SIZE_MAX because read_whole_file sizes its buffer to the threshold. All modes
// sum every byte, so mmap's page faults are paid as they would be by a parser. Three ways:
// the main thread alone in the process, one pool thread while the main thread idles (as in
// Node), and two pool threads at once. munmap in a multi-threaded process may need a TLB
// shootdown (an IPI to the other CPUs that ran the process; in a VM an IPI to an idle vCPU is
// a VM exit), the cost that makes small mappings expensive in a thread pool.
//
// Files are written once to a temp dir (~200 per size) and read many times, so the page cache
// is warm: this measures the syscalls, faults and copies, not the disk.
//
// A second table, for the small sizes, compares plain read_whole_file (open + read + close,
// three syscalls a file) with tl::UringReader, which opens, reads and closes a batch of up to
// 16 files with one io_uring_enter (what a FileList batch does for a pool thread's claim).
//
// Build: cmake -S . -B build-native-rel -DTL_CORE_TESTS=ON -DCMAKE_BUILD_TYPE=Release
//        cmake --build build-native-rel --target tl_io_bench && build-native-rel/tl_io_bench
// Optional argument: seconds per measurement (default 0.25).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/file_reader.h"
#include "core/uring_reader.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kSizes[] = {256, 1024, 4096, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024};
constexpr size_t kFilesPerSize = 200;

std::atomic<uint64_t> g_sink{0};  // keeps the byte sums observable

uint64_t sum_bytes(const char* data, size_t size) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint64_t sum = 0;
  for (size_t i = 0; i < size; ++i) sum += p[i];
  return sum;
}

std::string human(size_t bytes) {
  if (bytes >= 1024 * 1024) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes >= 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " B";
}

bool write_file(const std::string& path, const std::vector<char>& content, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(content.data(), 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

struct Result {
  double us_per_file = 0;  // time one thread spends on one file
  uint64_t files = 0;
};

// Who reads: the main thread with no other thread in the process (munmap then needs no TLB
// shootdown at all), or `threads` pool threads while the main thread waits in join(), as
// Node's main thread idles while the pool works.
struct Config {
  const char* name;
  int threads;
  bool on_main;
};

const Config kConfigs[] = {
    {"1 thread, alone in the process (main thread reads)", 1, true},
    {"1 pool thread (main thread idle, as in Node)", 1, false},
    {"2 pool threads, concurrently", 2, false},
};

// Per-file buffer of a batched read: a power of two above the size, at least a page, so that
// a short read proves end of file; the batch is as many files as 64 KiB of buffers hold.
size_t uring_capacity(size_t size) {
  size_t c = 4096;
  while (c <= size) c *= 2;
  return c;
}
size_t uring_batch(size_t size) {
  const size_t n = tl::UringReader::kBufferBytes / uring_capacity(size);
  return n < tl::UringReader::kMaxFiles ? n : tl::UringReader::kMaxFiles;
}

std::atomic<uint64_t> g_uring_fallbacks{0};

// Reads the files [i, i + batch) of `paths` (wrapping) with one io_uring batch; returns the
// byte sum. A file the ring leaves unread (RWF_NOWAIT found its page not ready) is read with
// read_whole_file, as a FileList batch does, and counted.
uint64_t uring_read_batch(tl::UringReader& reader, const std::vector<std::string>& paths, size_t& i, size_t batch,
                          size_t capacity, std::vector<char>& buffer) {
  const char* p[tl::UringReader::kMaxFiles] = {};
  tl::UringRead out[tl::UringReader::kMaxFiles];
  for (size_t k = 0; k < batch; ++k) {
    p[k] = paths[i].c_str();
    if (++i == paths.size()) i = 0;
  }
  reader.read(p, batch, capacity, out);
  uint64_t sum = 0;
  for (size_t k = 0; k < batch; ++k) {
    if (out[k].data == nullptr) {
      tl::FileBytes bytes;
      if (!tl::read_whole_file(p[k], buffer, tl::ReadOptions{}, bytes).ok()) std::exit(1);
      sum += sum_bytes(bytes.data(), bytes.size());
      g_uring_fallbacks.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    sum += sum_bytes(out[k].data, out[k].size);
  }
  return sum;
}

// One reader: starts at file `first` and reads round-robin until `seconds` have passed, with
// read_whole_file, or in io_uring batches when `batch` > 0.
void read_loop(const std::vector<std::string>& paths, const tl::ReadOptions& options, size_t batch, size_t first,
               double seconds, const std::atomic<bool>* go, std::atomic<int>* ready, double* busy,
               uint64_t* files) {
  std::vector<char> buffer;
  tl::FileBytes bytes;
  tl::UringReader reader;  // this thread's ring, as a pool thread's WorkerScratch holds one
  const size_t capacity = batch > 0 ? uring_capacity(std::filesystem::file_size(paths[0])) : 0;
  size_t i = first;
  uint64_t sum = 0, n = 0;
  // One untimed read sizes this thread's buffer (or creates its ring), as a pool thread's
  // first item does.
  if (batch > 0) {
    size_t j = i;
    uring_read_batch(reader, paths, j, batch, capacity, buffer);
  } else {
    if (!tl::read_whole_file(paths[i].c_str(), buffer, options, bytes).ok()) std::exit(1);
    bytes.reset();
  }
  if (ready != nullptr) ready->fetch_add(1);
  if (go != nullptr) {
    while (!go->load(std::memory_order_acquire)) std::this_thread::yield();
  }
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto now = start;
  do {
    if (batch > 0) {
      // Two batches between clock reads keep the clock out of the numbers.
      for (int k = 0; k < 2; ++k) sum += uring_read_batch(reader, paths, i, batch, capacity, buffer);
      n += 2 * batch;
      now = Clock::now();
      continue;
    }
    // 8 files between clock reads keeps the clock out of the small-file numbers.
    for (int k = 0; k < 8; ++k) {
      tl::ItemStatus s = tl::read_whole_file(paths[i].c_str(), buffer, options, bytes);
      if (!s.ok()) {
        std::fprintf(stderr, "%s: %s\n", paths[i].c_str(), s.message.c_str());
        std::exit(1);
      }
      sum += sum_bytes(bytes.data(), bytes.size());
      bytes.reset();  // munmap now, as a pool thread does after parsing
      if (++i == paths.size()) i = 0;
      ++n;
    }
    now = Clock::now();
  } while (now < deadline);
  *busy = std::chrono::duration<double>(now - start).count();
  *files = n;
  g_sink.fetch_add(sum, std::memory_order_relaxed);
}

Result measure(const std::vector<std::string>& paths, size_t mmap_threshold, const Config& config,
               double seconds, size_t batch = 0) {
  tl::ReadOptions options;
  options.mmap_threshold = mmap_threshold;
  const auto threads = static_cast<size_t>(config.threads);
  std::vector<double> busy(threads, 0.0);
  std::vector<uint64_t> files(threads, 0);
  if (config.on_main) {
    read_loop(paths, options, batch, 0, seconds, nullptr, nullptr, &busy[0], &files[0]);
  } else {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
      pool.emplace_back(read_loop, std::cref(paths), std::cref(options), batch, t * paths.size() / threads, seconds,
                        &go, &ready, &busy[t], &files[t]);
    }
    while (ready.load() < config.threads) std::this_thread::yield();
    go.store(true, std::memory_order_release);
    for (auto& th : pool) th.join();
  }
  Result r;
  double total_busy = 0;
  for (size_t t = 0; t < threads; ++t) {
    total_busy += busy[t];
    r.files += files[t];
  }
  r.us_per_file = total_busy * 1e6 / static_cast<double>(r.files);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.25;
  if (argc > 1) seconds = std::atof(argv[1]);
  if (!(seconds > 0)) seconds = 0.25;

  char tmpl[] = "/tmp/tl_io_bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;

  // Write the files: pseudo-random bytes, so nothing is special about their content.
  const auto t_write = Clock::now();
  std::vector<char> content(kSizes[sizeof kSizes / sizeof kSizes[0] - 1]);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : content) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x & 0xff);
  }
  std::vector<std::vector<std::string>> paths;
  for (size_t size : kSizes) {
    std::vector<std::string> set;
    for (size_t i = 0; i < kFilesPerSize; ++i) {
      std::string path = dir + "/" + std::to_string(size) + "_" + std::to_string(i) + ".bin";
      if (!write_file(path, content, size)) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::filesystem::remove_all(dir);
        return 1;
      }
      set.push_back(path);
    }
    paths.push_back(std::move(set));
  }
  // Wait for writeback to finish: dirty pages being written out in the background would make
  // whatever is measured first (and its page faults) look slower than it is.
  ::sync();
  const double write_s = std::chrono::duration<double>(Clock::now() - t_write).count();

  std::printf("tl_io_bench: %zu files per size in %s (written and synced in %.1f s), %.2f s per measurement,\n"
              "%u CPUs, page size %ld; every byte is summed in every mode.\n"
              "read = read into the reused buffer (mmap_threshold = size + 1); mmap = mmap + guarded copy + munmap (threshold 0).\n"
              "us/file = time one thread spends per file (open + fstat + read or map + sum + close/unmap).\n\n",
              kFilesPerSize, dir.c_str(), write_s, seconds, std::thread::hardware_concurrency(),
              ::sysconf(_SC_PAGESIZE));

  constexpr size_t kN = sizeof kSizes / sizeof kSizes[0];
  constexpr size_t kC = sizeof kConfigs / sizeof kConfigs[0];
  Result read_r[kC][kN], mmap_r[kC][kN], default_r[kC][kN];
  for (size_t s = 0; s < kN; ++s) {
    // "read": a threshold just above the size, so read_whole_file always reads into its buffer
    // (the buffer is then exactly big enough); "mmap": threshold 0, always mapped; "default":
    // tl::kDefaultMmapThreshold, what TextSource does today.
    const size_t read_threshold = kSizes[s] + 1;
    for (size_t c = 0; c < kC; ++c) {
      measure(paths[s], read_threshold, kConfigs[c], 0.02);  // untimed: the same warm start for every mode
      read_r[c][s] = measure(paths[s], read_threshold, kConfigs[c], seconds);
      measure(paths[s], 0, kConfigs[c], 0.02);
      mmap_r[c][s] = measure(paths[s], 0, kConfigs[c], seconds);
      default_r[c][s] = measure(paths[s], tl::kDefaultMmapThreshold, kConfigs[c], seconds / 2);
    }
  }

  for (size_t c = 0; c < kC; ++c) {
    std::printf("%s\n", kConfigs[c].name);
    std::printf("%9s %12s %12s %14s %15s\n", "size", "read us/file", "mmap us/file", "faster", "default us/file");
    for (size_t s = 0; s < kN; ++s) {
      const double r = read_r[c][s].us_per_file, m = mmap_r[c][s].us_per_file;
      char faster[32];
      std::snprintf(faster, sizeof faster, "%s x%.2f", r <= m ? "read" : "mmap", r <= m ? m / r : r / m);
      std::printf("%9s %12.2f %12.2f %14s %15.2f\n", human(kSizes[s]).c_str(), r, m, faster,
                  default_r[c][s].us_per_file);
    }
    std::printf("\n");
  }
  for (size_t c = 0; c < kC; ++c) {
    // The crossover: the smallest size from which mmap is faster at every larger size too.
    size_t from = kN;
    for (size_t s = kN; s > 0; --s) {
      if (mmap_r[c][s - 1].us_per_file < read_r[c][s - 1].us_per_file) {
        from = s - 1;
      } else {
        break;
      }
    }
    std::printf("crossover, %s: ", kConfigs[c].name);
    if (from == kN) {
      std::printf("none, read is faster up to %s\n", human(kSizes[kN - 1]).c_str());
    } else if (from == 0) {
      std::printf("none, mmap is faster from %s\n", human(kSizes[0]).c_str());
    } else {
      std::printf("between %s (read faster) and %s (mmap faster from here on)\n", human(kSizes[from - 1]).c_str(),
                  human(kSizes[from]).c_str());
    }
  }
  std::printf("default = tl::kDefaultMmapThreshold = %s (files >= it are mapped)\n\n",
              human(tl::kDefaultMmapThreshold).c_str());

  // Batched io_uring against plain reads, for the sizes a batch buffer holds at least two of.
  if (!tl::UringReader().usable()) {
    std::printf("io_uring batches: not usable here (kernel < 6.3, seccomp, kernel.io_uring_disabled or "
                "TENSORLOADER_NO_IO_URING)\n");
  } else {
    std::printf("io_uring batches (tl::UringReader: openat + read + close of each file, one io_uring_enter "
                "a batch)\n");
    for (size_t c = 0; c < kC; ++c) {
      std::printf("%s\n", kConfigs[c].name);
      std::printf("%9s %6s %12s %13s %9s\n", "size", "batch", "read us/file", "uring us/file", "speedup");
      for (size_t s = 0; s < kN && uring_batch(kSizes[s]) >= 2; ++s) {
        const size_t batch = uring_batch(kSizes[s]);
        measure(paths[s], 0, kConfigs[c], 0.02, batch);  // untimed warm-up
        const Result u = measure(paths[s], 0, kConfigs[c], seconds, batch);
        const double r = read_r[c][s].us_per_file;
        std::printf("%9s %6zu %12.2f %13.2f %8.2fx\n", human(kSizes[s]).c_str(), batch, r, u.us_per_file,
                    r / u.us_per_file);
      }
      std::printf("\n");
    }
    std::printf("files io_uring left to read_whole_file (page not ready for RWF_NOWAIT): %llu\n",
                static_cast<unsigned long long>(g_uring_fallbacks.load()));
  }
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(g_sink.load()));

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
