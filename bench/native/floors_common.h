// Shared by the floors benches (item_floors.cc, jpeg_floors.cc): the stage timer and the
// numbered input files of a bench data directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/vips_runtime.h"

namespace floors {

inline volatile uint64_t g_sink = 0;

// Runs `one(i)` over items 0..n-1 round and round for about `seconds`, in rounds of all n;
// returns the fastest round's us per item. The machine is shared: the fastest round is the
// one least disturbed by other processes, the closest to what the stage itself costs.
template <typename F>
double per_item_us(size_t n, double seconds, F&& one) {
  using Clock = std::chrono::steady_clock;
  for (size_t i = 0; i < n; ++i) one(i);  // warm-up
  double best = 1e300;
  const auto start = Clock::now();
  do {
    const auto t0 = Clock::now();
    for (size_t i = 0; i < n; ++i) one(i);
    const double round = std::chrono::duration<double>(Clock::now() - t0).count();
    if (round < best) best = round;
  } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  return best * 1e6 / static_cast<double>(n);
}

struct Args {
  std::vector<std::string> paths;  // DIR/img_0.EXT, img_1.EXT, ... while they exist, up to FILES
  double seconds = 0.5;            // per stage
};

// Parses `name DIR [FILES] [SECONDS_PER_STAGE]`, starts libvips and lists the files. False
// (with a message printed) when the bench cannot run.
inline bool parse_args(int argc, char** argv, const char* name, const char* ext, size_t default_files, Args& a) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [FILES] [SECONDS_PER_STAGE]\n", name);
    return false;
  }
  const std::string dir = argv[1];
  const size_t want = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : default_files;
  a.seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 0.5;
  std::string error;
  if (!tl::vips_runtime_init(&error)) {
    std::fprintf(stderr, "libvips: %s\n", error.c_str());
    return false;
  }
  for (size_t i = 0; i < want; ++i) {
    const std::string p = dir + "/img_" + std::to_string(i) + ext;
    if (!std::filesystem::exists(p)) break;
    a.paths.push_back(p);
  }
  if (a.paths.empty()) {
    std::fprintf(stderr, "no img_N%s files in %s\n", ext, dir.c_str());
    return false;
  }
  return true;
}

}  // namespace floors
